"""Notebooks run in a real JupyterLab in chromium, and their widgets render (fixtures: conftest.py).

Each test names a notebook and what must have rendered once it has run (`Expect`, see
labdriver.py). The tour's screenshots go to docs/screenshots/ (the README shows them); the
others go to the test's temp dir, printed in the output. `page` comes before `lab` in each
signature so that a machine without chromium skips before a server is started.
"""

from pathlib import Path

import pytest

from tessera.inspect import STAGES   # the IR view's tab titles
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

# The tour: one of each Tessera widget (tessera/notebook/views), each with the parts that show it drew:
# tabs with their titles, a plotly plot in the tab shown first, the tables and source columns.
TOUR_NOTEBOOK = "notebooks/00-tour.ipynb"
TOUR_EXPECT = (
    Expect("autotune-view", ".tessera-autotune-view",
           contains=((".tessera-autotune-progress", "the sweep's progress bar"),
                     (".js-plotly-plot", "plotly plot"), ("svg.main-svg", "plotly's SVG"),
                     ("g.trace", "a trace")),
           tab_labels=("time per config", "heatmap", "parallel coordinates", "table",
                       "pruned, failed, incorrect", "pinned"),
           texts=("autotune matmul", "best:")),
    Expect("ir-view", ".tessera-ir-view",
           contains=((".tessera-ir-config", "the config selector"), (".tessera-ir-line", "the line selector"),
                     ("table.tessera-table", "the resources table"), (".tessera-code pre", "the stage's code"),
                     (".tessera-code .hll", "the marked lines")),
           min_tabs=len(STAGES), tab_labels=STAGES,
           # the tour opens it on the typed IR with kernel line 17 marked
           texts=("config: TILE=16 num_warps=4", "marked: lines from L17", "for k in unrolled range(0, 16, 1)")),
    Expect("profile-view", ".tessera-profile-view",
           contains=((".js-plotly-plot", "the timeline plot"), ("svg.main-svg", "plotly's SVG"),
                     ("g.trace", "a trace")),
           tab_labels=("timeline", "kernels", "other events", "roofline"),
           texts=("6 kernel launches",)),
    Expect("side-by-side", ".tessera-side-by-side",
           contains=(("table.tessera-align tr.tessera-matched", "aligned CUDA C and Tessera rows"),
                     (".tessera-sbs-check .tessera-check", "the result check"),
                     (".tessera-sbs-resources table.tessera-table", "the resources table")),
           texts=("CUDA C: vector_add", "Tessera: vector_add", "blockIdx.x * blockDim.x + threadIdx.x",
                  "ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)")),
)


def test_profile_notebook_renders_in_lab(page, lab, tmp_path):
    result = run_notebook(page, lab, PROFILE_NOTEBOOK, PROFILE_EXPECT,
                          screenshot_dir=tmp_path / "screenshots", failure_dir=tmp_path)
    print(f"{result.path}: {result.cells_run} cells in {result.run_s:.1f} s on {result.kernel}; "
          f"screenshots: {', '.join(str(s) for s in result.screenshots)}")


def test_tour_widgets_render_in_lab(page, lab, tmp_path):
    result = run_notebook(page, lab, TOUR_NOTEBOOK, TOUR_EXPECT,
                          screenshot_dir=SCREENSHOTS, failure_dir=tmp_path, prefix="tour")
    print(f"{result.path}: {result.cells_run} cells in {result.run_s:.1f} s on {result.kernel}; "
          f"screenshots: {', '.join(str(s.relative_to(REPO)) for s in result.screenshots)}")


# Migration: the translation side by side (rows from the translator's line table, a diagnostic
# under its line) and the analysis report with its plotly figures.
MIGRATE_NOTEBOOK = "notebooks/06-migrate-cuda.ipynb"
MIGRATE_EXPECT = (
    Expect("side-by-side", ".tessera-side-by-side", min_count=2,
           contains=(("table.tessera-align tr.tessera-matched", "aligned CUDA C and Tessera rows"),
                     ("td.tessera-diag", "a diagnostic under its CUDA line")),
           texts=("TM010 (low)", "ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)")),
    Expect("report-view", ".tessera-migration-report",
           contains=((".js-plotly-plot", "the report's plots"), ("svg.main-svg", "plotly's SVG"),
                     ("g.trace", "a trace"), ("table", "the summary and recommendation tables")),
           texts=("Recommendations", "TM101")),
)


def test_migrate_notebook_widgets_render_in_lab(page, lab, tmp_path):
    result = run_notebook(page, lab, MIGRATE_NOTEBOOK, MIGRATE_EXPECT,
                          screenshot_dir=tmp_path / "screenshots", failure_dir=tmp_path, prefix="migrate")
    print(f"{result.path}: {result.cells_run} cells in {result.run_s:.1f} s on {result.kernel}; "
          f"screenshots: {', '.join(str(s) for s in result.screenshots)}")
