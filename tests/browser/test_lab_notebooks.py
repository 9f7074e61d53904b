"""Notebooks run in a real JupyterLab in chromium, and their widgets render (fixtures: conftest.py).

Each test names a notebook and what must have rendered once it has run (`Expect`, see
labdriver.py). The tour's screenshots go to docs/screenshots/ (the README shows them); the
others go to the test's temp dir, printed in the output. `page` comes before `lab` in each
signature so that a machine without chromium skips before a server is started.
"""

from pathlib import Path

import pytest

from tests.browser.labdriver import Expect, run_notebook

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"

# Proves the machinery on a notebook that exists today: 05 shows pandas tables and two plotly
# figures (a timeline and a roofline), all rendered by Lab's own renderers.
PROFILE_NOTEBOOK = "notebooks/05-profile.ipynb"
PROFILE_EXPECT = (
    Expect("tables", ".jp-OutputArea-output table.dataframe", min_count=2,
           contains=(("tbody tr", "table rows"),)),
    # jupyterlab-plotly's renderer puts the class on the output element itself
    Expect("plots", ".jp-OutputArea-output.js-plotly-plot", min_count=2,
           contains=(("svg.main-svg", "plotly's SVG"), ("g.trace", "a trace"))),
)

# The tour: one of each Tessera widget (tessera/notebook/views).
TOUR_NOTEBOOK = "notebooks/00-tour.ipynb"
TOUR_EXPECT = (
    Expect("ir-view", ".tessera-ir-view", min_tabs=2),
    Expect("autotune-view", ".tessera-autotune-view",
           contains=((".js-plotly-plot", "plotly plot"), ("svg.main-svg", "plotly's SVG"))),
    Expect("profile-view", ".tessera-profile-view"),
    Expect("side-by-side", ".tessera-side-by-side",
           contains=(("table, .tessera-diff, .tessera-aligned", "diff or aligned table"),)),
)


def test_profile_notebook_renders_in_lab(page, lab, tmp_path):
    result = run_notebook(page, lab, PROFILE_NOTEBOOK, PROFILE_EXPECT,
                          screenshot_dir=tmp_path / "screenshots", failure_dir=tmp_path)
    print(f"{result.path}: {result.cells_run} cells in {result.run_s:.1f} s on {result.kernel}; "
          f"screenshots: {', '.join(str(s) for s in result.screenshots)}")


@pytest.mark.skipif(not (REPO / TOUR_NOTEBOOK).exists(),
                    reason=f"{TOUR_NOTEBOOK} does not exist yet (issue 7: the tour is being written)")
def test_tour_widgets_render_in_lab(page, lab, tmp_path):
    result = run_notebook(page, lab, TOUR_NOTEBOOK, TOUR_EXPECT,
                          screenshot_dir=SCREENSHOTS, failure_dir=tmp_path, prefix="tour")
    print(f"{result.path}: {result.cells_run} cells in {result.run_s:.1f} s on {result.kernel}; "
          f"screenshots: {', '.join(str(s.relative_to(REPO)) for s in result.screenshots)}")
