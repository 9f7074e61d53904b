"""CUDA C and Tessera side by side: aligned sources, do the outputs agree, time ratio, resources.

`side_by_side(cuda, kernel, args=(a, b, c), cuda_args=(a, b, c, n), cuda_launch=dict(grid=..., block=...))`
takes the CUDA C kernel of a `%%cuda` cell (`tessera.notebook.cuda_cell.CudaKernel`),
a `.cu` file's path, or CUDA C text, and a Tessera kernel. It shows:

- the two sources in two columns, corresponding lines on one row (`align.py`),
  a blank cell where a line has no counterpart;
- the result check: both kernels on copies of their arguments, every array they
  share compared (max abs error, allclose), when the CUDA C kernel can launch; otherwise it says
  why not ("CUDA C compiled for sm_90; no GPU here to run it");
- registers, shared and local memory, spills and occupancy of each: CUDA C's
  from its compile, Tessera's from `kernel.inspect` for the same target (no GPU needed);
- median times and their ratio when both ran on a GPU; on the CPU backend the
  Tessera kernel's time alone.

Example::

    >>> import numpy as np, tessera as ts
    >>> from tessera.notebook.views import side_by_side
    >>> cuda_src = '''__global__ void scale(float* x, float s, int n) {
    ...     int i = blockIdx.x * blockDim.x + threadIdx.x;
    ...     if (i < n) {
    ...         x[i] = x[i] * s;
    ...     }
    ... }'''
    >>> @ts.kernel
    ... def scale(x: ts.Tensor["N", ts.f32], s: ts.f32):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = x[i] * s
    >>> view = side_by_side(cuda_src, scale, run=False)
    >>> view
    <ts.SideBySide scale: 4 of 6 CUDA C lines paired; not run>
    >>> view.alignment.pairs
    [(1, 2), (2, 3), (3, 4), (4, 5)]
"""

from __future__ import annotations

import inspect as _pyinspect
import os

from ...errors import TesseraError, display_name
from ...inspect.inspection import user_loc
from . import html
from .align import align_sources, extract_cuda_kernel
from .base import View
from .crosscheck import Check, Times, cannot_run_message, run_both, time_both

_CSS = """<style>
.tessera-view table.tessera-align td.tessera-src {white-space: pre; font-family: var(--jp-code-font-family, monospace);
  font-size: 12px; text-align: left;}
.tessera-view table.tessera-align th {text-align: left; padding: 2px 6px;}
.tessera-view table.tessera-align td.tessera-diag {text-align: left; font-size: 12px; color: #8a5300;
  background: #fff6e5; border-left: 3px solid #e0a030;}
</style>"""


class CudaSource:
    """CUDA C known only by its text (a `.cu` file, or a string): aligned, never compiled or run."""

    can_launch = False
    arch = None
    resources = None
    ptx = sass = None

    def __init__(self, source: str, filename: str | None = None, name: str | None = None):
        import re
        self.source, self.filename = source, filename
        m = re.search(r"__global__[^;{(]*?\b(\w+)\s*\(", source)
        self.name = name or (m.group(1) if m else "kernel")


def _as_cuda(cuda, name=None):
    if isinstance(cuda, os.PathLike) or (isinstance(cuda, str) and "\n" not in cuda and cuda.endswith((".cu", ".cuh"))):
        path = os.fspath(cuda)
        if not os.path.exists(path):
            raise TesseraError(f"no CUDA C file {path!r}", loc=user_loc(),
                               hint="side_by_side(\"kernels/vector_add.cu\", my_kernel, ...) with a path that "
                                    "exists, or the kernel of a %%cuda cell")
        with open(path) as f:
            return CudaSource(f.read(), path, name)
    if isinstance(cuda, str):
        if "__global__" not in cuda:
            raise TesseraError("side_by_side got text with no __global__ function in it", loc=user_loc(),
                               hint="the kernel of a %%cuda cell, a .cu file's path, or CUDA C source text")
        return CudaSource(cuda, None, name)
    if not hasattr(cuda, "source") or not hasattr(cuda, "can_launch"):
        raise TesseraError(f"side_by_side compares a CUDA C kernel, got {type(cuda).__name__}", loc=user_loc(),
                           hint="the kernel a %%cuda cell defines, a .cu file's path, or CUDA C source text")
    return cuda


def _tessera_source(kernel) -> tuple:
    try:
        lines, first = _pyinspect.getsourcelines(kernel.fn)
        return "".join(lines), first
    except (OSError, TypeError):
        return kernel.source, 1


def _target(cuda) -> str | None:
    import re
    m = re.search(r"(\d+)", str(getattr(cuda, "arch", "") or ""))
    return f"sm_{m.group(1)}" if m else None


def _threads(block) -> int | None:
    if block is None:
        return None
    dims = (block,) if isinstance(block, int) else tuple(block)
    n = 1
    for d in dims:
        n *= int(d)
    return n


class SideBySide(View):
    """A CUDA C kernel and a Tessera kernel compared; made by `side_by_side` (see the module doc).

    >>> import tessera as ts
    >>> @ts.kernel
    ... def neg(x: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * 64 + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = -x[i]
    >>> cuda = CudaSource("__global__ void neg(float* x, int n) {\\n  int i = blockIdx.x * 64 + threadIdx.x;\\n"
    ...                   "  if (i < n) x[i] = -x[i];\\n}")
    >>> SideBySide(cuda, neg).alignment.pairs
    [(1, 2), (2, 3), (3, 5)]
    """

    css_class = "tessera-side-by-side"

    def __init__(self, cuda, kernel, *, check: Check | None = None, times: Times | None = None,
                 tessera_resources=None, cuda_launch: dict | None = None, target: str | None = None,
                 alignment=None, notes: dict | None = None):
        self.cuda = cuda
        self.kernel = kernel
        self.check = check or Check("not run", "not run")
        self.times = times
        self.tessera_resources = tessera_resources   # tessera.inspect.Resources, or the reason there are none
        self.cuda_launch = dict(cuda_launch or {})
        self.target = target or _target(cuda)
        self.cuda_text, first = extract_cuda_kernel(cuda.source, cuda.name)
        # A %%cuda cell's source may start partway into its file (CudaKernel.first_line).
        self.cuda_first = first + int(getattr(cuda, "first_line", 1) or 1) - 1
        self.tessera_text, self.tessera_first = _tessera_source(kernel)
        # A translation knows which line became which (tessera.migration); text similarity is the
        # fallback for two kernels written apart.
        self.alignment = alignment or align_sources(self.cuda_text, self.tessera_text)
        self.notes = dict(notes or {})   # CUDA line (within cuda_text) -> [(label, message)] shown under it
        self._rerun = None
        self._parts: dict = {}

    # ------------------------------------------------------------ parts

    def resources(self) -> dict:
        """{"CUDA C": {...}, "Tessera": {...}}: registers, shared/local memory, spills, threads, occupancy."""
        from ...inspect.occupancy import occupancy
        out = {}
        r = getattr(self.cuda, "resources", None)
        if isinstance(r, dict):
            threads = _threads(self.cuda_launch.get("block"))
            shared = int(r.get("shared_bytes", 0) or 0) + int(self.cuda_launch.get("shared_mem", 0) or 0)
            occ = None
            if threads and self.target:
                try:
                    occ = occupancy(self.target, threads=threads, registers=int(r.get("registers", 0) or 0),
                                    shared_bytes=shared, barriers=int(r.get("barriers", 0) or 0))
                except TesseraError:
                    occ = None
            out["CUDA C"] = {"registers / thread": r.get("registers"), "shared memory / block (B)": shared,
                             "local memory / thread (B)": r.get("local_bytes"), "spills (B)": r.get("spill_bytes"),
                             "threads / block": threads,
                             "occupancy (%)": f"{occ.percent:g} ({occ.limiter})" if occ else None}
        t = self.tessera_resources
        if t is not None and not isinstance(t, str):
            out["Tessera"] = {"registers / thread": t.registers,
                              "shared memory / block (B)": t.shared_static_bytes + t.shared_dynamic_bytes,
                              "local memory / thread (B)": t.local_bytes,
                              "spills (B)": t.spill_store_bytes + t.spill_load_bytes,
                              "threads / block": t.threads_per_block,
                              "occupancy (%)": f"{t.occupancy.percent:g} ({t.occupancy.limiter})"}
        return out

    def header_html(self) -> str:
        cname = html.escape(self.cuda.name)
        where = getattr(self.cuda, "filename", None)
        if where:   # a %%cuda cell's file is an IPython temp path: "notebook cell"
            shown = display_name(where)
            where = shown if shown != where else os.path.basename(where)
        src = f" ({html.escape(where)})" if where else ""
        return (f"<p><b>CUDA C</b> {cname}{src} &middot; <b>Tessera</b> {html.escape(self.kernel.name)}"
                + (f" &middot; target {html.escape(self.target)}" if self.target else "") + "</p>")

    def alignment_html(self) -> str:
        from .html import code_line
        al = self.alignment
        rows = []
        for r in al.rows:
            cells = []
            for line, first, lines, lang in ((r.cuda, self.cuda_first, al.cuda_lines, "cuda"),
                                             (r.tessera, self.tessera_first, al.tessera_lines, "python")):
                if line is None:
                    cells.append('<td class="tessera-ln"></td><td class="tessera-src"></td>')
                else:
                    cells.append(f'<td class="tessera-ln">{first + line - 1}</td>'
                                 f'<td class="tessera-src">{code_line(lines[line - 1], lang)}</td>')
            cls = "tessera-matched" if r.cuda is not None and r.tessera is not None else "tessera-unmatched"
            rows.append(f'<tr class="{cls}">{"".join(cells)}</tr>')
            for label, message in self.notes.get(r.cuda, ()) if r.cuda is not None else ():
                rows.append(f'<tr class="tessera-note-row"><td></td><td colspan="3" class="tessera-diag">'
                            f'<b>{html.escape(label)}</b> {html.escape(message)}</td></tr>')
        head = (f'<thead><tr><th colspan="2">CUDA C: {html.escape(self.cuda.name)}</th>'
                f'<th colspan="2">Tessera: {html.escape(self.kernel.name)}</th></tr></thead>')
        return (f'<div class="tessera-hl tessera-scroll"><table class="tessera-align">{head}'
                f'<tbody>{"".join(rows)}</tbody></table></div>')

    def check_html(self) -> str:
        import pandas as pd
        c = self.check
        verdict = {"match": "&#10003; ", "mismatch": "&#10007; ", "failed": "&#10007; "}.get(c.status, "")
        cls = "tessera-check-" + c.status.replace(" ", "-")
        out = f'<p class="tessera-check {cls}">{verdict}{html.escape(c.message)}</p>'
        if c.outputs:
            out += html.table(pd.DataFrame([{"argument": d.name, "shape": str(d.shape), "max abs error": d.max_abs_err,
                                             "allclose": d.allclose} for d in c.outputs]))
        return out

    def resources_html(self) -> str:
        import pandas as pd
        res = self.resources()
        notes = []
        if "CUDA C" not in res:
            notes.append("CUDA C: not compiled here (the kernel of a %%cuda cell shows its registers and "
                         "shared memory)")
        if "Tessera" not in res:
            why = self.tessera_resources if isinstance(self.tessera_resources, str) else "pass args=(...)"
            notes.append(f"Tessera: {why}")
        body = ""
        if res:
            rows = list(next(iter(res.values())))
            frame = pd.DataFrame({"": rows, **{side: [str(v) if v is not None else "" for v in vals.values()]
                                               for side, vals in res.items()}})
            body = html.table(frame)
        return body + "".join(html.note(n) for n in notes)

    def times_html(self) -> str:
        t = self.times
        if t is None:
            return html.note("not timed")
        parts = []
        if t.cuda_ms is not None:
            parts.append("CUDA C " + html.timing(f"{t.cuda_ms:.4g} ms"))
        if t.tessera_ms is not None:
            parts.append("Tessera " + html.timing(f"{t.tessera_ms:.4g} ms"))
        if t.ratio is not None:
            parts.append("Tessera / CUDA C " + html.timing(f"{t.ratio:.3g}x"))
        line = " &middot; ".join(parts)
        if t.clock and parts:
            line += f" ({html.escape(t.clock)})"
        return (f"<p>{line}</p>" if line else "") + (html.note(t.note) if t.note else "")

    def _body_html(self) -> str:
        return "\n".join([_CSS, self.header_html(), self.alignment_html(),
                          html.section("outputs", self.check_html()),
                          html.section("resources", self.resources_html()),
                          html.section("time", self.times_html())])

    def __repr__(self) -> str:
        n = sum(1 for r in self.alignment.rows if r.cuda is not None and self.alignment.cuda_lines[r.cuda - 1].strip()
                and r.tessera is not None)
        total = sum(1 for l in self.alignment.cuda_lines if l.strip())
        return f"<ts.SideBySide {self.kernel.name}: {n} of {total} CUDA C lines paired; {self.check.status}>"

    # ------------------------------------------------------------ widget

    def rerun(self) -> "SideBySide":
        """Run the result check and the timing again (after changing either kernel's inputs or code)."""
        if self._rerun is None:
            raise TesseraError("this view was made without arguments to run", loc=user_loc(),
                               hint="side_by_side(cuda, kernel, args=(a, b, c), cuda_launch=dict(grid=..., block=...))")
        self.check, self.times = self._rerun()
        if self._parts:
            self._parts["check"].value = _CSS + self.check_html()
            self._parts["times"].value = self.times_html()
        return self

    def _build(self):
        import ipywidgets as w
        p = self._parts
        p["header"] = w.HTML(html.style() + _CSS + self.header_html())
        p["align"] = w.HTML(self.alignment_html())
        p["align"].add_class("tessera-sbs-align")
        p["check"] = w.HTML(self.check_html())
        p["check"].add_class("tessera-sbs-check")
        p["resources"] = w.HTML(self.resources_html())
        p["resources"].add_class("tessera-sbs-resources")
        p["times"] = w.HTML(self.times_html())
        p["times"].add_class("tessera-sbs-times")
        again = w.Button(description="run again", disabled=self._rerun is None,
                         tooltip="run both kernels again and compare")
        again.add_class("tessera-sbs-rerun")
        again.on_click(lambda _: self.rerun())
        return w.VBox([p["header"], p["align"], w.HTML("<h4>outputs</h4>"), p["check"],
                       w.HTML("<h4>resources</h4>"), p["resources"], w.HTML("<h4>time</h4>"),
                       w.HBox([p["times"], again])])


def side_by_side(cuda, kernel, args=(), *, cuda_args=None, cuda_launch: dict | None = None,
                 tessera_launch: dict | None = None,
                 config: dict | None = None, backend: str | None = None, target: str | None = None,
                 rtol: float | None = None, atol: float | None = None, run: bool = True, time: bool = True,
                 cuda_name: str | None = None, warmup_ms: float = 10.0, rep_ms: float = 50.0) -> SideBySide:
    """Compare CUDA C `cuda` with Tessera `kernel` on `args`; see the module doc.

    `cuda_args`: the CUDA C kernel's arguments when they differ from the Tessera kernel's (an
    `n` that Tessera reads from a shape): arrays are compared when the same array is in both;
    `cuda_launch`: `dict(grid=..., block=..., shared_mem=0)` for the CUDA C launch;
    `tessera_launch`: `dict(grid=..., block=...)` when the Tessera launch is not inferred;
    `config`: compile-time values for the Tessera kernel; `target`: the GPU whose resources
    are shown (default: the CUDA C kernel's); `run=False`: no launches, `time=False`: no timing;
    `cuda_name`: which `__global__` function of a multi-kernel source.

    >>> import numpy as np, tessera as ts
    >>> @ts.kernel
    ... def neg(x: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * 64 + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = -x[i]
    >>> src = ("__global__ void neg(float* x, int n) {\\n  int i = blockIdx.x * 64 + threadIdx.x;\\n"
    ...        "  if (i < n) x[i] = -x[i];\\n}")
    >>> x = np.ones(256, np.float32)
    >>> view = side_by_side(src, neg, args=(x,), backend="cpu", rep_ms=1.0, warmup_ms=1.0)
    >>> view.check.message
    'CUDA C from source text: not compiled, not run'
    >>> view.times.tessera_ms > 0, view.times.note
    (True, 'the time ratio needs both kernels on a GPU: CUDA C did not run')
    """
    loc = user_loc()
    cuda = _as_cuda(cuda, cuda_name)
    if not getattr(kernel, "__tessera_kernel__", False):
        raise TesseraError(f"side_by_side compares with a Tessera kernel, got {type(kernel).__name__}", loc=loc,
                           hint="side_by_side(cuda_kernel, my_kernel, args=(...)) with my_kernel decorated "
                                "with @ts.kernel")
    args = tuple(args)
    can_launch = bool(getattr(cuda, "can_launch", False))
    if run and args and can_launch and (not cuda_launch or "grid" not in cuda_launch or "block" not in cuda_launch):
        raise TesseraError(f"side_by_side needs the CUDA C launch to run {cuda.name}", loc=loc,
                           hint="cuda_launch=dict(grid=(n + 255) // 256, block=256)")
    names = [p.name for p in kernel.ir.params]
    target = target or _target(cuda)
    tres = "pass args=(...) to see its registers and shared memory"
    if args:
        try:
            extra = {"block": tessera_launch["block"]} if tessera_launch and not hasattr(kernel, "configs") else {}
            tres = kernel.inspect(*args, target=target, config=config, **extra).resources
        except Exception as e:  # no ptxas, or an untuned autotuned kernel: say so, show the rest
            tres = e.message.splitlines()[0] if isinstance(e, TesseraError) else f"{type(e).__name__}: {e}"
    view = SideBySide(cuda, kernel, tessera_resources=tres, cuda_launch=cuda_launch, target=target)
    if args and run:
        def again():
            check = run_both(cuda, kernel, args, names, cuda_args=cuda_args, cuda_launch=cuda_launch or {},
                             tessera_launch=tessera_launch, config=config, backend=backend, rtol=rtol, atol=atol)
            times = time_both(cuda, kernel, args, check=check, cuda_args=cuda_args, cuda_launch=cuda_launch or {},
                              tessera_launch=tessera_launch, config=config, backend=backend, warmup_ms=warmup_ms,
                              rep_ms=rep_ms) if time else None
            return check, times
        view._rerun = again
        view.rerun()
    elif not can_launch:
        view.check = Check("not run", cannot_run_message(cuda))
    else:
        view.check = Check("not run", "not run: pass args=(...) and cuda_launch=dict(grid=..., block=...)"
                           if not args else "not run (run=False)")
    return view
