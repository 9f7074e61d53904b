"""The notebook workbench's views: ipywidgets that also read well as static HTML.

| view | made by | root CSS class | tabs |
|---|---|---|---|
| `IRView` | `ir_view(kernel, *args, configs=None, target=None)` | `tessera-ir-view` | the stage names |
| `AutotuneView` | `autotune_view(kernel, live=False)` | `tessera-autotune-view` | time per config, heatmap, ... |
| `ProfileView` | `profile_view(prof)` | `tessera-profile-view` | timeline, kernels, other events, roofline |
| `SideBySide` | `side_by_side(cuda, kernel, args=(...), cuda_launch=...)` | `tessera-side-by-side` | |

Each view is an object holding its data; `view.widget` is the ipywidgets tree
that draws it (built on first use), `view.to_html()` a static rendering that is
the same for the same data (times are marked for nbval sanitizers: see
`tessera.notebook.views.html`). In Jupyter a view displays as its live widget,
with the static HTML saved next to it for GitHub and nbval.

| module | what |
|---|---|
| base.py | `View`: the lazily built widget, the mime bundle |
| html.py | highlighting, tables, figures as HTML, timing markers |
| table.py | `SortableTable` |
| ir_view.py | `IRView`, `ir_view` |
| autotune_view.py, tune_plots.py, copy_button.py | `AutotuneView`, its plotly figures, the clipboard button |
| profile_view.py | `ProfileView`, `profile_view` |
| align.py | pairing CUDA C lines with Tessera lines |
| crosscheck.py | running both kernels on the same inputs, comparing, timing |
| side_by_side.py | `SideBySide`, `side_by_side` |

Example::

    >>> import tessera as ts
    >>> from tessera.notebook import views
    >>> @ts.kernel
    ... def add_one(x: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = x[i] + 1.0
    >>> v = views.ir_view(add_one, "f32[256]", target="sm_90")
    >>> v.widget._dom_classes
    ('tessera-ir-view', 'tessera-view')
    >>> v.to_html() == v.to_html()
    True
"""

from .align import Alignment, align_sources
from .autotune_view import AutotuneView, autotune_view
from .base import View
from .ir_view import IRView, ir_view
from .profile_view import ProfileView, profile_view
from .side_by_side import SideBySide, side_by_side

__all__ = ["View", "IRView", "ir_view", "AutotuneView", "autotune_view", "ProfileView", "profile_view",
           "SideBySide", "side_by_side", "Alignment", "align_sources"]
