"""The IR view: a kernel at every stage (tabs), one or more configs, a diff between two, resources.

`ir_view(kernel, *args, configs=[...], target=...)` inspects the kernel once
per config (`kernel.inspect`, no GPU needed) and shows:

- a tab per stage, titled with the stage's name (`source`, `ir`, `typed`,
  `numba`, `numba_ir`, `llvm`, `ptx`, `sass`), highlighted; a stage is
  computed when its tab is first opened, so the source tab never waits for ptxas;
- the resources of the selected config (registers, shared and local memory,
  spills, occupancy) above each stage;
- a config selector, and a diff toggle that shows each stage as a unified diff
  against a second config (`ts.inspect.diff`), with the resource changes;
- a line selector: the lines of each stage that came from one line of the kernel.

The same state is reachable from Python: `view.show(stage="sass", config="TILE=32",
diff_against="TILE=16", line=12)`.

Example::

    >>> import tessera as ts
    >>> from tessera.notebook.views import ir_view
    >>> @ts.kernel
    ... def scale(x: ts.Tensor["N", ts.f32], s: ts.f32):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = x[i] * s
    >>> view = ir_view(scale, "f32[1024]", "f32", target="sm_90")
    >>> view
    <ts.IRView scale sm_90: 1 config, stage source>
    >>> view.widget.children[-1].titles[:4]
    ('source', 'ir', 'typed', 'numba')
    >>> "program_id" in view.show(stage="typed").stage_html()
    True
"""

from __future__ import annotations

from ...errors import TesseraError
from ...inspect.inspection import STAGES, user_loc
from . import html
from .base import View

_RESOURCE_ROWS = (("registers", "registers / thread"), ("shared_static_bytes", "shared memory / block (B)"),
                  ("local_bytes", "local memory / thread (B)"), ("spill_store_bytes", "spill stores (B)"),
                  ("spill_load_bytes", "spill loads (B)"), ("threads_per_block", "threads / block"),
                  ("occupancy_percent", "occupancy (%)"))


def _label(insp, with_target: bool) -> str:
    cfg = " ".join(f"{k}={v}" for k, v in insp.config.items()) or "default"
    return f"{cfg} @ {insp.target}" if with_target else cfg


def _labelled(inspections) -> dict:
    if isinstance(inspections, dict):
        return dict(inspections)
    items = list(inspections) if isinstance(inspections, (list, tuple)) else [inspections]
    with_target = len({i.target for i in items}) > 1
    out: dict = {}
    for insp in items:
        label = base = _label(insp, with_target)
        n = 2
        while label in out:
            label, n = f"{base} ({n})", n + 1
        out[label] = insp
    return out


def _failure(what: str, e: Exception) -> str:
    msg = e.message if isinstance(e, TesseraError) else f"{type(e).__name__}: {e}"
    return html.note(f"{what} unavailable: {msg.strip().splitlines()[0] if msg.strip() else ''}")


def resources_html(insp) -> str:
    """A one-row table of what one block of `insp` uses (ptxas), or why it is unknown."""
    try:
        r = insp.resources.as_dict()
    except Exception as e:  # no ptxas, or ptxas refused the code: the stages are still worth showing
        return _failure("resources", e)
    import pandas as pd
    row = {title: r[key] for key, title in _RESOURCE_ROWS}
    row["occupancy limited by"] = insp.resources.occupancy.limiter
    return html.table(pd.DataFrame([row]))


class IRView(View):
    """Stages, resources and diffs of one kernel's inspections (one per config); see the module doc.

    >>> import tessera as ts
    >>> @ts.kernel
    ... def neg(x: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * 64 + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = -x[i]
    >>> IRView(neg.inspect("f32[256]", target="sm_80"), stage="typed")
    <ts.IRView neg sm_80: 1 config, stage typed>
    """

    css_class = "tessera-ir-view"

    def __init__(self, inspections, *, stage: str = "source", config: str | None = None,
                 diff_against: str | None = None, line: int | None = None, html_stages=STAGES,
                 html_max_lines: int | None = 200, html_plain_stages=("numba_ir", "llvm")):
        self.inspections = _labelled(inspections)
        if not self.inspections:
            raise TesseraError("an IR view needs at least one inspection",
                               hint='IRView(kernel.inspect("f32[1024]", target="sm_90"))')
        first = next(iter(self.inspections.values()))
        self.kernel = first.kernel
        # What the static HTML holds (a saved notebook's size): which stages, and how much of each.
        self.html_stages = tuple(html_stages)
        self.html_max_lines = html_max_lines
        self.html_plain_stages = tuple(html_plain_stages)   # coloured LLVM is ten times its text
        self.stage, self.config, self.diff_against, self.line = STAGES[0], next(iter(self.inspections)), None, None
        self._diffs: dict = {}
        self._tab = None
        self._controls: dict = {}
        self._syncing = False
        self.show(stage=stage, config=config, diff_against=diff_against, line=line)

    # ------------------------------------------------------------ state

    @property
    def labels(self) -> list:
        return list(self.inspections)

    @property
    def inspection(self):
        """The selected config's Inspection."""
        return self.inspections[self.config]

    def show(self, *, stage: str | None = None, config: str | None = None, diff_against=...,
             line=...) -> "IRView":
        """Select a stage, a config, a config to diff against (None: no diff) and a kernel line to
        mark (None: none). Arguments left out keep their value. Returns the view."""
        if stage is not None and stage not in STAGES:
            from ...inspect.inspection import _check_stage
            _check_stage(stage, self.kernel)
        for name, value in (("config", config), ("diff_against", None if diff_against is ... else diff_against)):
            if value is not None and value not in self.inspections:
                raise TesseraError(f"{name}={value!r} is not a config of this view", kernel=self.kernel,
                                   loc=user_loc(), hint=f"one of: {', '.join(repr(l) for l in self.labels)}")
        self.stage = stage or self.stage
        self.config = config or self.config
        if diff_against is not ...:
            self.diff_against = diff_against
        if line is not ...:
            self.line = line
        self._sync_widget()
        return self

    # ------------------------------------------------------------ rendering

    def diff(self, stage: str | None = None):
        """The `ts.inspect.diff` of `stage` (default: the selected one) against `diff_against`."""
        stage = stage or self.stage
        if self.diff_against is None:
            return None
        key = (self.diff_against, self.config, stage)
        if key not in self._diffs:
            from ...inspect.diff import diff
            a, b = self.inspections[self.diff_against], self.inspections[self.config]
            try:
                self._diffs[key] = diff(a, b, stage)
            except TesseraError:  # no ptxas: the text diff is still there, without resource deltas
                self._diffs[key] = diff(a, b, stage, resources=False)
        return self._diffs[key]

    def stage_html(self, stage: str | None = None, max_lines: int | None = None, plain: bool = False) -> str:
        """One stage of the selected config as HTML: its text (or its diff), highlighted unless
        `plain`; at most `max_lines` lines of it (None: all)."""
        stage = stage or self.stage
        insp = self.inspection
        if self.diff_against is not None:
            try:
                d = self.diff(stage)
            except Exception as e:
                return _failure(f"diff of {stage}", e)
            return _diff_html(d, stage, max_lines)
        try:
            text = insp[stage]
        except Exception as e:
            return _failure(stage, e)
        marked = ()
        if self.line is not None:
            try:
                marked = insp.lines_for(stage, self.line)
            except Exception:  # a stage without a line map: show it unmarked
                marked = ()
        text, cut = html.truncate(text, max_lines) if max_lines else (text, 0)
        return html.code(html.stable_text(text), "text" if plain else stage, highlight_lines=marked) + \
            _cut_note(stage, cut)

    def header_html(self) -> str:
        insp = self.inspection
        block = getattr(getattr(insp, "plan", None), "block", None)
        parts = [f"<b>{html.escape(self.kernel)}</b>", html.escape(insp.target)]
        if block is not None:
            parts.append(f"block={html.escape(block)}")
        parts.append(f"config: {html.escape(self.config)}")
        if self.diff_against is not None:
            parts.append(f"diff against: {html.escape(self.diff_against)}")
        if self.line is not None:
            parts.append(f"marked: lines from L{self.line}")
        return "<p>" + " &middot; ".join(parts) + "</p>"

    def _body_html(self) -> str:
        out = [self.header_html(), resources_html(self.inspection)]
        for stage in self.html_stages:
            body = self.stage_html(stage, self.html_max_lines, plain=stage in self.html_plain_stages)
            out.append(html.details(html.escape(stage), body, open=stage == self.stage))
        return "\n".join(out)

    def __repr__(self) -> str:
        n = len(self.inspections)
        extra = f", diff against {self.diff_against}" if self.diff_against is not None else ""
        return (f"<ts.IRView {self.kernel} {self.inspection.target}: {n} config{'s' if n != 1 else ''}, "
                f"stage {self.stage}{extra}>")

    # ------------------------------------------------------------ widget

    def _line_options(self) -> list:
        opts = [("every line", 0)]
        try:
            lines = self.inspection["source"].splitlines()
            for i, users in sorted(self.inspection.line_map("source").items()):
                opts.append((f"L{users[0]}  {lines[i - 1].strip()[:60]}", users[0]))
        except Exception:  # no source map (a fabricated inspection): nothing to choose from
            pass
        return opts

    def _build(self):
        import ipywidgets as w
        many = len(self.inspections) > 1
        hidden = w.Layout(display="none") if not many else w.Layout()
        config = w.Dropdown(options=self.labels, value=self.config, description="config", layout=hidden)
        diff = w.ToggleButton(value=self.diff_against is not None, description="diff",
                              tooltip="show each stage as a diff against another config",
                              layout=hidden if not many else w.Layout(width="70px"))
        others = [l for l in self.labels if l != self.config] or self.labels
        against = w.Dropdown(options=self.labels,
                             value=self.diff_against if self.diff_against is not None else others[0],
                             description="against", layout=hidden)
        line = w.Dropdown(options=self._line_options(), value=self.line or 0, description="line")
        for name, c in (("config", config), ("diff", diff), ("against", against), ("line", line)):
            c.add_class(f"tessera-ir-{name}")
        self._controls = {"config": config, "diff": diff, "against": against, "line": line}
        self._header = w.HTML(html.style() + self.header_html())
        self._tab = w.Tab(children=[w.HTML() for _ in STAGES])
        self._tab.titles = STAGES
        self._tab.add_class("tessera-ir-stages")
        self._tab.selected_index = STAGES.index(self.stage)
        self._rendered: dict = {}

        def from_controls(_):
            if self._syncing:
                return
            self.show(stage=STAGES[self._tab.selected_index or 0], config=config.value,
                      diff_against=against.value if diff.value else None, line=line.value or None)
        for c in (config, diff, against, line):
            c.observe(from_controls, "value")
        self._tab.observe(from_controls, "selected_index")
        self._render_tab()
        return w.VBox([self._header, w.HBox([config, diff, against, line]), self._tab])

    def _sync_widget(self):
        if self._tab is None:
            return
        c = self._controls
        self._syncing = True
        try:
            c["config"].value = self.config
            c["diff"].value = self.diff_against is not None
            if self.diff_against is not None:
                c["against"].value = self.diff_against
            c["line"].options = self._line_options()
            c["line"].value = self.line if self.line in [v for _, v in c["line"].options] else 0
            self._tab.selected_index = STAGES.index(self.stage)
        finally:
            self._syncing = False
        self._header.value = html.style() + self.header_html()
        self._render_tab()

    def _render_tab(self):
        """Fill the selected tab (the others are filled when opened: later stages run ptxas)."""
        state = (self.config, self.diff_against, self.line)
        i = STAGES.index(self.stage)
        if self._rendered.get(i) != state:
            self._tab.children[i].value = resources_html(self.inspection) + self.stage_html()
            self._rendered[i] = state


def _cut_note(stage: str, cut: int) -> str:
    if not cut:
        return ""
    return html.note(f"... {cut} more lines (the live view shows them all, as does inspection[\"{stage}\"])")


def _diff_html(d, stage: str, max_lines: int | None = None) -> str:
    import pandas as pd
    changed = [{"resource": k, "before": a, "after": b, "change": round(b - a, 4)}
               for k, (a, b) in d.pairs.items() if a != b]
    head = (html.table(pd.DataFrame(changed)) if changed else
            html.note("resources unchanged" if d.pairs else "resources not compared (no ptxas)"))
    if not d.text:
        return head + html.note(f"{stage}: no difference between {d.label_a} and {d.label_b}")
    text, cut = html.truncate(d.text, max_lines) if max_lines else (d.text, 0)
    return head + html.code(html.stable_text(text), "diff", linenos=False) + _cut_note(stage, cut)


def ir_view(kernel, *args, configs=None, target=None, block=None) -> IRView:
    """An `IRView` of `kernel` for these arguments (arrays, tensors, or type strings such as
    "f32[1024]"): one inspection per config in `configs` (a list of dicts), for `target`
    ("sm_90", ...; default: the local GPU, else sm_90). Also takes an Inspection, or a list of them,
    in place of a kernel. No GPU needed; see the module doc.

    >>> import tessera as ts
    >>> @ts.kernel
    ... def fill(x: ts.Tensor["N", ts.f32]):
    ...     T = ts.autotune.get_param("T")
    ...     i = ts.program_id(0) * T + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = 1.0
    >>> v = ir_view(fill, "f32[4096]", configs=[{"T": 64}, {"T": 128}], target="sm_80")
    >>> v.labels
    ['T=64', 'T=128']
    >>> print(v.show(stage="typed", diff_against="T=64", config="T=128").diff().text.splitlines()[2])
    @@ -1,5 +1,5 @@
    """
    from ...inspect.inspection import Inspection
    if isinstance(kernel, Inspection) or (isinstance(kernel, (list, tuple, dict)) and kernel and all(
            isinstance(i, Inspection) for i in (kernel.values() if isinstance(kernel, dict) else kernel))):
        return IRView(kernel)
    loc = user_loc()
    if not getattr(kernel, "__tessera_kernel__", False) or not hasattr(kernel, "inspect"):
        raise TesseraError(f"ir_view shows a Tessera kernel, got {_what(kernel)}", loc=loc,
                           hint='decorate the function with @ts.kernel, then ir_view(my_kernel, "f32[1024]", ...) '
                                "with its arguments (or their types)")
    if not args and kernel.ir.params:
        raise TesseraError(f"ir_view needs {kernel.name}'s arguments: it shows one specialization",
                           kernel=kernel.name, loc=loc, hint=f"ir_view({kernel.name}, {_example_args(kernel)})")
    if configs is not None and (not isinstance(configs, (list, tuple)) or
                                not all(isinstance(c, dict) for c in configs) or not configs):
        raise TesseraError(f"configs= takes a list of dicts, got {configs!r}", kernel=kernel.name, loc=loc,
                           hint=f'ir_view({kernel.name}, ..., configs=[{{"TILE": 16}}, {{"TILE": 32}}])')
    extra = {"block": block} if block is not None else {}
    try:
        if configs is None:
            inspections = [_tuned_inspection(kernel, args, target, extra)]
        else:
            inspections = [kernel.inspect(*args, target=target, config=c, **extra) for c in configs]
    except TesseraError as e:
        raise e.with_traceback(None) from None
    return IRView(inspections)


def _tuned_inspection(kernel, args, target, extra):
    """A plain kernel as it is; an autotuned one with its tuned (or only) config."""
    try:
        return kernel.inspect(*args, target=target, **extra)
    except TesseraError as e:
        configs = getattr(kernel, "configs", None)
        if not configs or "no tuned config" not in e.message:
            raise
        raise TesseraError(f"{kernel.name} is autotuned and has no tuned config for these arguments yet",
                           kernel=kernel.name, loc=user_loc(),
                           hint=f"name the configs to show: ir_view({kernel.name}, ..., "
                                f"configs=[{configs[0]!r}]), or run the kernel once first") from None


def _what(x) -> str:
    name = getattr(x, "__name__", None)
    return f"{type(x).__name__} {name!r}" if name else type(x).__name__


def _example_args(kernel) -> str:
    out = []
    for p in kernel.ir.params:
        if p.kind == "tensor":
            out.append(f'"{p.dtype.name}[{",".join("1024" if isinstance(d, str) else str(d) for d in p.dims)}]"')
        elif p.kind == "scalar":
            out.append(f'"{p.dtype.name}"')
        else:
            out.append("16")
    return ", ".join(out)
