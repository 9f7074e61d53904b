"""The autotune view: a sweep while it runs, then its plots, its table, and the pinned decorator.

`autotune_view(kernel)` shows the latest sweep of an autotuned kernel. Tabs:

| tab | what |
|---|---|
| `time per config` | median time per config, fastest first (min..max whiskers); the best in green |
| `heatmap` | the best time over two parameters (chosen with two dropdowns) |
| `parallel coordinates` | every config that ran, across all varying parameters and its time |
| `table` | every config, sortable by any column |
| `pruned, failed, incorrect` | the configs that did not win by running, each with its reason |
| `pinned` | the kernel pinned to the best config, and a button that copies it |

Live: the view is also a progress callback. `autotune_view(kernel, live=True)`
gives an empty view; `view.tune(*args)` runs the sweep with the view drawing
progress and the best config so far, then the plots. Any sweep can report to a
view: `kernel.with_options(progress=view)`.

Example::

    >>> import numpy as np, tessera as ts
    >>> from tessera.notebook.views import autotune_view
    >>> @ts.kernel.autotune(space={"B": [32, 64, 128]}, key=["N"], progress=False,
    ...                     bench=lambda fn, config, **kw: 1.0 / config["B"])   # a fake clock
    ... def double(x: ts.Tensor["N", ts.f32]):
    ...     B = ts.autotune.get_param("B")
    ...     i = ts.program_id(0) * B + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = 2.0 * x[i]
    >>> view = autotune_view(double, live=True)
    >>> view.tune(np.ones(256, np.float32), backend="sim")
    {'B': 128}
    >>> view
    <ts.AutotuneView double: 3 configs (3 ok), best B=128>
    >>> view.widget.children[-1].titles[:2]
    ('time per config', 'heatmap')
    >>> view.pinned_decorator().splitlines()[1]
    '    configs=[{"B": 128}],'
"""

from __future__ import annotations

import time
from dataclasses import replace

from ...errors import TesseraError
from ...inspect.inspection import user_loc
from ...tune.results import STATUS_ORDER, to_frame
from ...tune.space import config_key
from . import html, tune_plots
from .base import View
from .table import SortableTable

TABS = ("time per config", "heatmap", "parallel coordinates", "table", "pruned, failed, incorrect", "pinned")
# Columns whose values come from a clock (or from the cache's state): timing elements in static HTML.
VOLATILE = ("median_ms", "min_ms", "max_ms", "p20_ms", "p80_ms", "reps", "compile_s", "cached")
_REDRAW_S = 1.0   # while a sweep runs, plots and table redraw at most this often


class AutotuneView(View):
    """One sweep's results (a list of `Result` or the DataFrame), live or finished; see the module doc.

    >>> from tessera.tune.results import Result
    >>> v = AutotuneView([Result({"T": 16}, "ok", median_ms=2.0), Result({"T": 32}, "ok", median_ms=1.0),
    ...                   Result({"T": 2048}, "pruned", reason="threads: 2048 threads per block > 1024")])
    >>> v.counts, v.best_config
    ({'ok': 2, 'pruned': 1}, {'T': 32})
    """

    css_class = "tessera-autotune-view"

    def __init__(self, results=None, *, name: str = "kernel", names=None, key: dict | None = None,
                 pinned: str | None = None, kernel=None):
        self.name = name
        self.names = list(names) if names else None
        self.key = dict(key or {})
        self.kernel = kernel
        self._pinned = pinned
        self.progress = None          # the latest Progress a sweep reported
        self.done = results is not None
        self._live: dict = {}         # config key -> Result, as a sweep reports them
        self._frame = None
        self.heatmap_axes = None
        self._table = None
        self._parts: dict = {}
        self._last_draw = 0.0
        self._wall_s = None
        if results is not None:
            self._set(results)

    # ------------------------------------------------------------ data

    def _set(self, results):
        if hasattr(results, "columns"):
            frame = results.reset_index(drop=True)
            names = list(frame.columns[:list(frame.columns).index("status")])
        else:
            results = list(results)
            frame = to_frame(results, self.names)
            names = list(dict.fromkeys(k for r in results for k in r.config))
        if not self.names:
            self.names = names
        self._frame = frame
        self._table = None
        axes = tune_plots.varying(frame, self.names)
        if self.heatmap_axes is None or not set(self.heatmap_axes) <= set(axes):
            self.heatmap_axes = (axes[1], axes[0]) if len(axes) >= 2 else None

    @property
    def frame(self):
        """Every config reported so far, as `kernel.autotune_results` lists them (fastest first)."""
        if self._frame is None:
            self._set(list(self._live.values()))
        return self._frame

    @property
    def counts(self) -> dict:
        """{status: configs}, in the order ok, incorrect, failed, pruned, skipped (zeros left out)."""
        got = self.frame["status"].value_counts().to_dict() if len(self.frame) else {}
        return {s: int(got[s]) for s in sorted(got, key=lambda s: STATUS_ORDER.get(s, 9))}

    @property
    def best_config(self) -> dict | None:
        import pandas as pd
        i = tune_plots.best_index(self.frame)
        if i is None:
            return None
        row = self.frame.loc[i]
        return {n: _plain(row[n]) for n in self.names if not pd.isna(row[n])}

    def listed(self):
        """The frame in an order that no timing changes: by status, then by config values."""
        f = self.frame
        if not len(f):
            return f
        order = f.assign(_s=f["status"].map(lambda s: STATUS_ORDER.get(s, 9)))
        return order.sort_values(["_s"] + self.names, kind="stable").drop(columns="_s").reset_index(drop=True)

    def not_run(self):
        """Configs that were pruned, failed, came out incorrect or were skipped, with their reasons."""
        f = self.listed()
        return f[f["status"] != "ok"][self.names + ["status", "reason"]].reset_index(drop=True)

    def pinned_decorator(self) -> str:
        """The kernel's source pinned to the best config (`AutotunedKernel.pinned_decorator`)."""
        if self._pinned is not None:
            return self._pinned
        if self.kernel is None:
            raise TesseraError("this autotune view was made from results alone: it has no kernel to pin",
                               loc=user_loc(), hint="autotune_view(my_kernel) after a sweep, or "
                                                    "my_kernel.pinned_decorator()")
        return self.kernel.pinned_decorator(self.best_config)

    def figures(self) -> dict:
        """{tab title: plotly Figure} for the plots that apply to this sweep."""
        f, out = self.frame, {}
        if not f["median_ms"].notna().any():
            return out
        out["time per config"] = tune_plots.time_per_config(f, self.names, title=f"{self.name}: median time per config")
        if self.heatmap_axes is not None:
            x, y = self.heatmap_axes
            out["heatmap"] = tune_plots.heatmap(f, x, y, title=f"{self.name}: best median ms by {y} and {x}")
        if len(tune_plots.varying(f, self.names)) >= 3:
            out["parallel coordinates"] = tune_plots.parallel_coordinates(f, self.names)
        return out

    def show_heatmap(self, x: str, y: str) -> "AutotuneView":
        """Draw the heatmap over parameters `x` and `y`."""
        axes = tune_plots.varying(self.frame, self.names)
        for v in (x, y):
            if v not in axes:
                raise TesseraError(f"{v!r} is not a parameter that varies in this sweep", loc=user_loc(),
                                   hint=f"one of: {', '.join(axes)}" if axes else "a sweep over two parameters")
        self.heatmap_axes = (x, y)
        if self._parts:
            self._draw_plots()
        return self

    # ------------------------------------------------------------ live

    def __call__(self, p) -> None:
        """A sweep's progress callback (`tessera.tune.results.Progress`): `progress=view`.

        >>> from tessera.tune.results import Progress, Result
        >>> v = AutotuneView(name="k")
        >>> v(Progress(1, 4, Result({"T": 16}, "ok", median_ms=1.0), None, 0.5, "time"))
        >>> v
        <ts.AutotuneView k: 1 configs (1 ok), best T=16 (running)>
        """
        if self.done and p.phase != "done":
            self._live, self.done = {}, False   # a new sweep reports to the same view
        self.progress = p
        if p.result is not None:
            self._live[config_key(p.result.config)] = p.result
        self._frame = None
        if p.phase == "done":
            self.done = True
        if self._parts:
            self._draw_progress()
            now = time.monotonic()
            if self.done or now - self._last_draw >= _REDRAW_S:
                self._last_draw = now
                self._draw_results()

    def tune(self, *args, backend=None, force: bool = False) -> dict:
        """Run `kernel.tune(*args)` with this view drawing it (the sweep only, no final launch);
        returns the best config. The kernel keeps what it learnt: its next call with arguments of
        the same key launches the best config without sweeping."""
        k = self.kernel
        if k is None:
            raise TesseraError("this autotune view has no kernel to tune", loc=user_loc(),
                               hint="view = autotune_view(my_kernel, live=True); view.tune(*args)")
        self.done, self._live, self._frame = False, {}, None
        # The sweep runs on the user's kernel object, so that it learns the tuned config and its next
        # call launches without sweeping; only the progress callback is borrowed.
        saved = k.options
        k.options = replace(saved, progress=self)
        try:
            best = k.tune(*args, backend=backend, force=force)
        except TesseraError as e:
            if k.last_sweep is not None and self.done:  # no config could run: show each one's reason
                self.load(k)
            raise e.with_traceback(None) from None
        finally:
            k.options = saved
        self.load(k)
        return best

    def load(self, kernel) -> "AutotuneView":
        """Show `kernel`'s latest sweep (every config, those ruled out by constraints included)."""
        self.kernel = kernel
        self.name = kernel.name
        self.names = list(kernel.options.names) or None
        sweep = kernel.last_sweep or {}
        self.key = dict(sweep.get("key", {}))
        self._wall_s = sweep.get("wall_s")
        self._set(kernel.results)
        self.done = True
        if self._parts:
            self._draw_progress()
            self._draw_results()
        return self

    # ------------------------------------------------------------ static HTML

    def header_html(self) -> str:
        key = ", ".join(f"{k}={v}" for k, v in self.key.items())
        parts = [f"<b>autotune {html.escape(self.name)}</b>" + (f" for {html.escape(key)}" if key else "")]
        if not self.done and self.progress is None and not len(self.frame):
            parts.append("waiting for a sweep: view.tune(*args), or progress=view")
        else:
            counts = ", ".join(f"{n} {s}" for s, n in self.counts.items()) or "no configs"
            total = self.progress.total if self.progress is not None else len(self.frame)
            parts.append(f"{len(self.frame)}/{total} configs ({counts})")
            if not self.done:
                parts.append(f"running: {html.escape(self.progress.phase)}")
            best = self.best_config
            parts.append("best: " + html.timing(_config_text(best) if best is not None else "none ran ok"))
            if self._wall_s is not None and self.done:
                parts.append("swept in " + html.timing(f"{self._wall_s:.2f} s"))
        return "<p>" + " &middot; ".join(parts) + "</p>"

    def _body_html(self) -> str:
        out = [self.header_html()]
        if not len(self.frame):
            return out[0]
        figs = self.figures()
        for title in ("time per config", "heatmap", "parallel coordinates"):
            if title in figs:
                out.append(html.section(title, html.figure(figs[title])))
        out.append(html.section("pruned, failed, incorrect", self._not_run_html()))
        out.append(html.section("table", self._make_table().html(styled=False)))
        out.append(html.section("pinned", self._pinned_html()))
        return "\n".join(out)

    def _not_run_html(self) -> str:
        nr = self.not_run()
        if not len(nr):
            return html.note("every config ran and was correct")
        kinds = nr.assign(kind=nr["reason"].str.split(":").str[0]).groupby(["status", "kind"], sort=False).size()
        summary = "; ".join(f"{n} {s} ({k})" if k else f"{n} {s}" for (s, k), n in kinds.items())
        return html.note(summary) + html.table(nr)

    def _make_table(self) -> SortableTable:
        if self._table is None:
            f = self.listed()
            keep = self.names + ["status", "reason"]
            cols = [c for c in f.columns if c in keep or f[c].notna().any()]
            best = self.best_config

            def row_class(row):
                if best is not None and row["status"] == "ok" and all(row[n] == v for n, v in best.items()):
                    return "tessera-best"
                return "tessera-bad" if row["status"] in ("failed", "incorrect") else None
            self._table = SortableTable(f, columns=cols, timing_columns=VOLATILE, row_class=row_class)
        return self._table

    def _pinned_html(self) -> str:
        try:
            text = self.pinned_decorator()
        except TesseraError as e:
            return html.note(f"no pinned decorator: {e.message}")
        # The pinned config is chosen by timing: one timing element, so a sanitizer drops it whole.
        return f"<pre>{html.timing(text)}</pre>"

    def __repr__(self) -> str:
        if not self.done and not len(self.frame):
            return f"<ts.AutotuneView {self.name}: waiting for a sweep>"
        counts = ", ".join(f"{n} {s}" for s, n in self.counts.items())
        best = self.best_config
        state = "" if self.done else " (running)"
        return (f"<ts.AutotuneView {self.name}: {len(self.frame)} configs ({counts}), "
                f"best {_config_text(best) if best is not None else 'none'}{state}>")

    # ------------------------------------------------------------ widget

    def _build(self):
        import ipywidgets as w
        from .copy_button import CopyButton
        p = self._parts
        p["header"] = w.HTML()
        p["bar"] = w.IntProgress(value=0, min=0, max=1, description="configs", bar_style="info")
        p["bar"].add_class("tessera-autotune-progress")
        p["plots"] = {t: w.Box() for t in TABS[:3]}
        p["axes"] = (w.Dropdown(description="x"), w.Dropdown(description="y"))
        for d in p["axes"]:
            d.observe(self._axes_changed, "value")
        p["table"] = w.Box()
        p["not_run"] = w.HTML()
        p["pinned_text"] = w.Textarea(layout=w.Layout(width="100%", height="16em"))
        p["copy"] = CopyButton(label="copy pinned decorator")
        p["copy"].add_class("tessera-autotune-copy")
        tab = w.Tab(children=[p["plots"][TABS[0]], w.VBox([w.HBox(list(p["axes"])), p["plots"][TABS[1]]]),
                              p["plots"][TABS[2]], p["table"], p["not_run"],
                              w.VBox([p["copy"], p["pinned_text"]])])
        tab.titles = TABS
        tab.add_class("tessera-autotune-tabs")
        p["tab"] = tab
        self._draw_progress()
        self._draw_results()
        return w.VBox([p["header"], p["bar"], tab])

    def copy_pinned(self) -> str:
        """Copy the pinned decorator to the clipboard (through the front end); returns its text."""
        text = self.pinned_decorator()
        self.widget  # the button lives in the widget
        self._parts["copy"].text = text
        self._parts["copy"].copy()
        return text

    def _draw_progress(self):
        p = self._parts
        p["header"].value = html.style() + self.header_html()
        total = self.progress.total if self.progress is not None else len(self.frame)
        p["bar"].max = max(1, total)
        p["bar"].value = total if self.done else (self.progress.done if self.progress is not None else 0)
        p["bar"].bar_style = "success" if self.done else "info"

    def _draw_results(self):
        p = self._parts
        self._table = None
        _close(p["table"].children)
        p["table"].children = (self._make_table().widget,) if len(self.frame) else ()
        p["not_run"].value = html.style() + self._not_run_html() if len(self.frame) else ""
        try:
            pinned = self.pinned_decorator() if self.done else ""
        except TesseraError as e:
            pinned = f"# no pinned decorator: {e.message}"
        p["pinned_text"].value = pinned
        p["copy"].text = pinned
        axes = tune_plots.varying(self.frame, self.names) if len(self.frame) else []
        for d, v in zip(p["axes"], self.heatmap_axes or (None, None)):
            d.unobserve(self._axes_changed, "value")
            d.options, d.value = axes, v
            d.observe(self._axes_changed, "value")
        self._draw_plots()

    def _draw_plots(self):
        import ipywidgets as w
        import plotly.graph_objects as go
        figs = self.figures() if len(self.frame) else {}
        why = {"time per config": "no config has a time yet",
               "heatmap": "a heatmap needs two parameters that vary, and a config that ran",
               "parallel coordinates": "parallel coordinates need three parameters that vary, and a config that ran"}
        for title, box in self._parts["plots"].items():
            _close(box.children)
            box.children = (go.FigureWidget(figs[title]) if title in figs
                            else w.HTML(html.note(why[title])),)

    def _axes_changed(self, _):
        x, y = (d.value for d in self._parts["axes"])
        if x and y and x != y and (x, y) != self.heatmap_axes:
            self.heatmap_axes = (x, y)
            self._draw_plots()


def _close(widgets):
    """Close replaced widgets (and what they hold): a live sweep redraws many times, and each
    widget keeps a comm open until closed."""
    for w in widgets:
        _close(getattr(w, "children", ()))
        w.close()


def _plain(v):
    """A NumPy scalar as the Python value a config holds."""
    return v.item() if hasattr(v, "item") else v


def _config_text(config: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in config.items()) or "default"


def autotune_view(kernel, *, live: bool = False) -> AutotuneView:
    """An `AutotuneView` of `kernel`'s latest sweep; with `live=True`, an empty view to tune with
    (`view.tune(*args)`). `kernel` is a `@ts.kernel.autotune` kernel; see the module doc.

    >>> import tessera as ts
    >>> @ts.kernel.autotune(space={"B": [32, 64]}, key=["N"])
    ... def zero(x: ts.Tensor["N", ts.f32]):
    ...     B = ts.autotune.get_param("B")
    ...     i = ts.program_id(0) * B + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = 0.0
    >>> autotune_view(zero, live=True)
    <ts.AutotuneView zero: waiting for a sweep>
    """
    loc = user_loc()
    if not hasattr(kernel, "autotune_results") or not hasattr(kernel, "options"):
        what = f"ts.kernel {kernel.name!r}" if getattr(kernel, "__tessera_kernel__", False) else type(kernel).__name__
        raise TesseraError(f"autotune_view shows an autotuned kernel, got {what}", loc=loc,
                           hint='@ts.kernel.autotune(space={"BLOCK": [64, 128]}, key=["N"]) on the kernel, '
                                "run it once, then autotune_view(kernel)")
    if live:
        return AutotuneView(name=kernel.name, names=list(kernel.options.names) or None, kernel=kernel)
    if kernel.last_sweep is None:
        raise TesseraError(f"{kernel.name} has not been tuned yet: there is no sweep to show",
                           kernel=kernel.name, loc=loc,
                           hint=f"run the kernel once with arguments first: {kernel.name}(*args), then "
                                f"autotune_view({kernel.name}); or watch it live: "
                                f"view = autotune_view({kernel.name}, live=True); view.tune(*args)")
    return AutotuneView(name=kernel.name, kernel=kernel).load(kernel)

