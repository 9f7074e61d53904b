"""The profiler view: what `ts.profile()` recorded, as a timeline and tables.

Tabs:

| tab | what |
|---|---|
| `timeline` | `prof.timeline()`: one lane per stream plus the host |
| `kernels` | `prof.table()` per kernel (or per kernel and config), sortable |
| `other events` | copies, allocations, compiles, autotune sweeps and ranges, one table per kind |
| `roofline` | `prof.roofline()`: kernels that declare `flops=` against the device's roofs |

Example::

    >>> import numpy as np, tessera as ts
    >>> from tessera.notebook.views import profile_view
    >>> @ts.kernel
    ... def twice(x: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = x[i] * 2.0
    >>> with ts.profile() as prof:
    ...     twice(np.ones(64, np.float32), backend="sim")
    >>> view = profile_view(prof)
    >>> view
    <ts.ProfileView: 1 kernel launch, 1 compile>
    >>> view.widget.children[-1].titles
    ('timeline', 'kernels', 'other events', 'roofline')
    >>> view.kernel_table().sorted_frame()["kernel"].tolist()
    ['twice']
"""

from __future__ import annotations

from ...errors import TesseraError
from ...inspect.inspection import user_loc
from . import html
from .base import View
from .table import SortableTable

TABS = ("timeline", "kernels", "other events", "roofline")
OTHER_KINDS = ("copy", "alloc", "compile", "autotune", "range")
_PLURAL = {"kernel": "kernel launch", "copy": "copy", "alloc": "allocation", "compile": "compile",
           "autotune": "autotune sweep", "range": "range"}
# Every column derived from a duration: timing elements in static HTML.
TIMED = ("total_ms", "mean_ms", "min_ms", "max_ms", "pct_total", "gb_per_s", "gflop_per_s")


def _plural(kind: str, n: int) -> str:
    word = _PLURAL.get(kind, kind)
    if n == 1:
        return f"1 {word}"
    return f"{n} " + (word[:-1] + "ies" if word.endswith("y") else word + "es" if word.endswith("h") else word + "s")


class ProfileView(View):
    """A `ts.profile()` result as a timeline and tables; see the module doc.

    >>> import tessera as ts
    >>> ProfileView(ts.profile()).counts
    {}
    """

    css_class = "tessera-profile-view"

    def __init__(self, profile, *, by: str = "kernel"):
        self.profile = profile
        self.by = by
        self._tables: dict = {}
        self._parts: dict = {}

    @property
    def counts(self) -> dict:
        """{event kind: how many}, in the order kernel, copy, alloc, compile, autotune, range."""
        got: dict = {}
        for e in self.profile.events:
            got[e.kind] = got.get(e.kind, 0) + 1
        return {k: got[k] for k in ("kernel",) + OTHER_KINDS if k in got}

    def kernel_table(self, by: str | None = None) -> SortableTable:
        """The per-kernel table (`by="config"`: per kernel and config), rows in name order."""
        by = by or self.by
        if by not in self._tables:
            t = self.profile.table(by=by)
            keys = ["kernel"] + (["config"] if by == "config" else [])
            # Name order, not time order: what a saved notebook shows must not depend on the clock.
            t = t.sort_values(keys, kind="stable").reset_index(drop=True)
            self._tables[by] = SortableTable(t, timing_columns=TIMED)
        return self._tables[by]

    def other_tables(self) -> dict:
        """{kind: DataFrame} for each kind of non-kernel event recorded, rows in name order."""
        out = {}
        for kind in OTHER_KINDS:
            if kind in self.counts:
                t = self.profile.table(kind=kind)
                out[kind] = t.sort_values("name", kind="stable").reset_index(drop=True)
        return out

    def show(self, *, by: str) -> "ProfileView":
        """Group the kernel table by "kernel" or by "config"."""
        if by not in ("kernel", "config"):
            raise TesseraError(f"by={by!r} is not a grouping of the kernel table", loc=user_loc(),
                               hint='view.show(by="kernel") or view.show(by="config")')
        self.by = by
        if self._parts:
            self._parts["by"].value = by
            self._parts["kernels"].children = (self.kernel_table().widget,)
        return self

    # ------------------------------------------------------------ static HTML

    def header_html(self) -> str:
        counts = ", ".join(_plural(k, n) for k, n in self.counts.items()) or "nothing recorded"
        clocks = sorted({e.clock for e in self.profile.events if e.kind == "kernel"})
        parts = ["<b>profile</b>", html.escape(counts)]
        if clocks:
            parts.append("kernel times: " + html.escape(", ".join(clocks)))
        parts.append("over " + html.timing(f"{self.profile.duration_ms:.3f} ms"))
        return "<p>" + " &middot; ".join(parts) + "</p>"

    def _other_html(self) -> str:
        out = [html.section(kind, html.table(t, timing_columns=TIMED)) for kind, t in self.other_tables().items()]
        return "\n".join(out) or html.note("no copies, allocations, compiles or ranges recorded")

    def _body_html(self) -> str:
        out = [self.header_html()]
        if not self.profile.events:
            return out[0]
        out.append(html.section("timeline", html.figure(self.profile.timeline())))
        if "kernel" in self.counts:
            out.append(html.section("kernels", self.kernel_table().html()))
        out.append(self._other_html())
        return "\n".join(out)

    def __repr__(self) -> str:
        counts = ", ".join(_plural(k, n) for k, n in self.counts.items()) or "nothing recorded"
        return f"<ts.ProfileView: {counts}>"

    # ------------------------------------------------------------ widget

    def _build(self):
        import ipywidgets as w
        import plotly.graph_objects as go
        p = self._parts
        header = w.HTML(html.style() + self.header_html())
        events = self.profile.events
        timeline = go.FigureWidget(self.profile.timeline()) if events else w.HTML(html.note("nothing recorded"))
        p["by"] = w.ToggleButtons(options=["kernel", "config"], value=self.by, description="one row per")
        p["by"].add_class("tessera-profile-by")
        p["by"].observe(lambda ch: self.show(by=ch["new"]), "value")
        p["kernels"] = w.Box([self.kernel_table().widget] if "kernel" in self.counts
                             else [w.HTML(html.note("no kernel launches recorded"))])
        other = w.HTML(html.style() + self._other_html())
        roofline = (go.FigureWidget(self.profile.roofline()) if "kernel" in self.counts
                    else w.HTML(html.note("no kernel launches recorded")))
        tab = w.Tab(children=[timeline, w.VBox([p["by"], p["kernels"]]), other, roofline])
        tab.titles = TABS
        tab.add_class("tessera-profile-tabs")
        p["tab"] = tab
        return w.VBox([header, tab])


def profile_view(profile) -> ProfileView:
    """A `ProfileView` of what `ts.profile()` recorded (the object `with ts.profile() as prof:` binds,
    or `fn.profile` of a function decorated with `@ts.profile`); see the module doc.

    >>> import tessera as ts
    >>> with ts.profile() as prof:
    ...     pass
    >>> profile_view(prof)
    <ts.ProfileView: nothing recorded>
    """
    prof = getattr(profile, "profile", profile)  # a @ts.profile function carries its profile
    if not (hasattr(prof, "events") and hasattr(prof, "table") and hasattr(prof, "timeline")):
        raise TesseraError(f"profile_view shows what ts.profile() recorded, got {type(profile).__name__}",
                           loc=user_loc(), hint="with ts.profile() as prof:\n    my_kernel(*args)\n"
                                                "profile_view(prof)")
    return ProfileView(prof)
