"""Notebook views of a migration: a translation side by side with its CUDA C, and the analysis report.

`compare(translation)` is the CUDA-vs-Tessera view of the notebook workbench
(`tessera.notebook.views.side_by_side`) fed by a translation: CUDA C on the left,
the Tessera kernel on the right, each row a CUDA line and the Tessera line the
translator made of it (its line table, not a guess from text similarity), and
every diagnostic shown under the line it is about. With `args=` it also runs both
kernels and compares their outputs (the CUDA C one needs a GPU and NVRTC).

    >>> import tessera as ts
    >>> t = ts.migration.translate_cuda('''__global__ void scale(float* x, float s, int n) {
    ...     int i = blockIdx.x * blockDim.x + threadIdx.x;
    ...     if (i < n) x[i] = x[i] * s;
    ...     __shfl_down_sync(0xffffffff, s, 1);
    ... }''')
    >>> view = ts.migration.compare(t)
    >>> view.alignment.pairs[:3]
    [(1, 2), (2, 3), (3, 4)]
    >>> [label for label, _ in view.notes[4]]
    ['TM101 (medium)']

`ReportView(report)` shows a `CodebaseAnalyzer` report: the summary, the plots
(plotly widgets in a live notebook; the static HTML keeps the tables), the
recommendations and the diagnostics.
"""

from __future__ import annotations

from ..errors import TesseraError
from ..inspect.inspection import user_loc
from ..notebook.views.align import Alignment, Row
from ..notebook.views.base import View
from ..notebook.views.side_by_side import CudaSource, side_by_side
from .result import Translation


def compare(translation: Translation, kernel: str | None = None, args=(), **options):
    """The side-by-side view of one translated kernel; see the module doc.

    `kernel`: the kernel's name when the source has several (default: the first);
    `args` and `options` as for `tessera.notebook.views.side_by_side` (`cuda_args=`,
    `cuda_launch=dict(grid=..., block=...)`, `backend=`, `run=`, ...).
    """
    if not isinstance(translation, Translation):
        raise TesseraError(f"compare takes what translate_cuda returns, got {type(translation).__name__}",
                           loc=user_loc(), hint="ts.migration.compare(ts.migration.translate_cuda(cuda_source))")
    kernels = [k for k in translation.kernels if k.kind == "kernel"]
    if not kernels:
        raise TesseraError(f"{translation.filename} has no __global__ kernel that translated", loc=user_loc(),
                           hint="translation.diagnostics says what stopped each kernel")
    names = [k.name for k in kernels]
    if kernel is None:
        kt = kernels[0]
    elif kernel in names:
        kt = kernels[names.index(kernel)]
    else:
        raise TesseraError(f"no kernel {kernel!r} in {translation.filename}", loc=user_loc(),
                           hint=f"compare(translation, kernel={names[0]!r}); kernels: {', '.join(names)}")
    from .translate import load
    fn = getattr(load(translation), kt.name)
    cuda = CudaSource(translation.source, translation.filename if translation.filename != "<cuda>" else None,
                      kt.name)
    view = side_by_side(cuda, fn, args, cuda_name=kt.name, **options)
    _use_line_table(view, translation, kt)
    return view


def _use_line_table(view, translation: Translation, kt) -> None:
    """Show the kernel's own Tessera text, aligned by the translator's line table."""
    first, last = kt.cuda_lines
    # The view's CUDA text is the kernel as extract_cuda_kernel found it (from view.cuda_first on).
    cuda_lines = view.cuda_text.splitlines()
    tessera_lines = kt.tessera_code.splitlines()
    module_lines = translation.tessera_source.splitlines()
    start = _find_block(module_lines, tessera_lines)
    view.tessera_text, view.tessera_first = kt.tessera_code, start
    shift = view.cuda_first - 1
    pairs = sorted((c - shift, t) for c, t in kt.line_map.items()
                   if 1 <= c - shift <= len(cuda_lines) and 1 <= t <= len(tessera_lines))
    view.alignment = _alignment(cuda_lines, tessera_lines, pairs)
    notes: dict = {}
    for d in translation.diagnostics:
        if first <= d.line <= last or d.kernel == kt.name:
            line = min(max(d.line - shift, 1), len(cuda_lines))
            text = d.message.rstrip(".") + (f". Write instead: {d.suggestion}" if d.suggestion else "")
            notes.setdefault(line, []).append((f"{d.id} ({d.effort})", text))
    view.notes = notes


def _find_block(haystack: list, block: list) -> int:
    """1-based line where `block` starts in `haystack` (1 when it is not found verbatim)."""
    n = len(block)
    for i in range(len(haystack) - n + 1):
        if haystack[i:i + n] == block:
            return i + 1
    return 1


def _alignment(cuda_lines: list, tessera_lines: list, pairs: list) -> Alignment:
    """Rows in order of both texts: each pair once, unpaired lines on rows of their own.

    Several CUDA lines can become one Tessera line (a declaration and its use); the first
    pairs and the others stand alone. A pair that would run backwards on the Tessera side
    is dropped so both columns read top to bottom.

        >>> [(r.cuda, r.tessera) for r in _alignment(["a", "b", "c"], ["x", "y"], [(1, 1), (2, 1), (3, 2)]).rows]
        [(1, 1), (2, None), (3, 2)]
    """
    rows, ci, ti = [], 1, 1
    for c, t in pairs:
        if c < ci or t < ti:
            continue
        rows += [Row(None, j) for j in range(ti, t)]
        rows += [Row(i, None) for i in range(ci, c)]
        rows.append(Row(c, t, 1.0))
        ci, ti = c + 1, t + 1
    rows += [Row(None, j) for j in range(ti, len(tessera_lines) + 1)]
    rows += [Row(i, None) for i in range(ci, len(cuda_lines) + 1)]
    return Alignment(tuple(cuda_lines), tuple(tessera_lines), tuple(rows))


class ReportView(View):
    """A `CodebaseAnalyzer` report in a notebook (see the module doc).

        >>> from tessera.migration.analyze import AnalysisReport
        >>> ReportView(AnalysisReport(path="proj"))
        <ts.migration.ReportView proj: 0 CUDA kernels (0 automatic), 0 PyTorch modules>
    """

    css_class = "tessera-migration-report"

    def __init__(self, report, readiness: dict | None = None):
        self.report, self.readiness = report, readiness

    def __repr__(self) -> str:
        r = self.report
        return (f"<ts.migration.ReportView {r.path}: {r.cuda_kernels} CUDA kernels ({r.kernels_automatic} "
                f"automatic), {r.pytorch_modules} PyTorch modules>")

    def _sections(self) -> tuple:
        from . import report_html as rh
        r = self.report
        rest = [rh._recommendations(r), rh._kernels(r), rh._diagnostics(r)]
        if self.readiness is not None:
            rest.append(rh._readiness(self.readiness))
        return rh._summary(r), "\n".join(p for p in rest if p)

    def _body_html(self) -> str:
        summary, rest = self._sections()
        return f"<div class='tessera-migration'>{summary}\n{rest}</div>"

    def _build(self):
        import ipywidgets as w
        import plotly.graph_objects as go
        from .report_html import report_figures
        summary, rest = self._sections()
        figs = [go.FigureWidget(f) for f in report_figures(self.report)]
        return w.VBox([w.HTML(summary), w.GridBox(figs, layout=w.Layout(grid_template_columns="repeat(2, 1fr)")),
                       w.HTML(rest)])
