"""What the lab extension asks a running kernel (through a kernel query, not a comm).

The side panel lists the kernels compiled in the active notebook's kernel by
sending that kernel a silent execute request (`silent=True`, `store_history=False`,
nothing run but one user expression):

    __import__("tessera.labext.kernelside", fromlist=["report"]).report(globals())
    if "tessera" in __import__("sys").modules else None

so a kernel that never imported Tessera imports nothing and answers None.
`report` returns a `Report`, whose `_repr_json_` is what the panel reads from
the reply's `application/json`. The query runs when the kernel is idle (after
each execution, and when the panel is shown), so it never waits behind a cell.
A kernel query needs nothing registered in the kernel beforehand, which a comm
target would (`%load_ext tessera` or an import hook); that is why it was chosen.

The "open the IR view" command runs `ir_view_for(name)` in the kernel and shows
the resulting view in a main-area tab.

Example::

    >>> import tessera as ts
    >>> @ts.kernel
    ... def twice(x: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = x[i] * 2.0
    >>> [(k["name"], k["compiled"]) for k in report({"twice": twice})._repr_json_()["kernels"]]
    [('twice', 0)]
    >>> ir_view_for(twice, target="sm_90")
    <ts.IRView twice sm_90: 1 config, stage source>
"""

from __future__ import annotations

import sys

from ..errors import TesseraError

_EXAMPLE_SIZE = 1024   # a shape symbol's size in the arguments ir_view_for inspects with


class Report:
    """The answer to the panel's query; displays as JSON (the panel) and as a line of text (anyone else)."""

    def __init__(self, kernels: list):
        self.kernels = kernels

    def _repr_json_(self) -> dict:
        return {"kernels": self.kernels}

    def __repr__(self) -> str:
        return f"<tessera kernels: {', '.join(k['name'] for k in self.kernels) or 'none'}>"


def report(ns: dict) -> Report:
    """Every Tessera kernel (`@ts.kernel`, autotuned, `%%cuda`) bound to a public name in `ns`, with
    what it has compiled: `name`, `kernel`, `kind`, `compiled` (specializations), `backends`,
    `compile_s`, and for autotuned kernels `configs` and `best_config`."""
    from ..runtime.kernel import Kernel
    from ..tune.autotuner import AutotunedKernel
    cuda_cell = sys.modules.get("tessera.notebook.cuda_cell")  # only where a %%cuda cell ran
    out = []
    for name, v in list(ns.items()):
        if name.startswith("_"):   # IPython's output history (_, _3, ...) repeats what is bound elsewhere
            continue
        if isinstance(v, (Kernel, AutotunedKernel)):
            inner = v.kernel if isinstance(v, AutotunedKernel) else v
            specs = inner.specializations
            row = {"name": name, "kernel": inner.name, "kind": "autotuned" if v is not inner else "kernel",
                   "compiled": len(specs), "backends": sorted({b for b, _, _ in specs}),
                   "compile_s": round(sum(s for _, _, s in specs), 3)}
            if v is not inner:
                row["configs"] = len(v.configs)
                row["best_config"] = _best(v)
            out.append(row)
        elif cuda_cell is not None and isinstance(v, cuda_cell.CudaKernel):
            out.append({"name": name, "kernel": v.name, "kind": "cuda C", "compiled": 1, "backends": [v.arch],
                        "compile_s": round(v.compile_s, 3)})
    return Report(out)


def _best(tuned):
    try:
        return tuned.best_config
    except Exception:  # the panel must not fail on a kernel that is half-way through a sweep
        return None


def ir_view_for(kernel, target: str | None = None):
    """The IR view (`tessera.notebook.views.ir_view`) of `kernel` for example arguments: each shape
    symbol 1024, the dtypes of its annotations; an autotuned kernel with its best (else first) config."""
    from ..notebook.views import ir_view
    from ..tune.autotuner import AutotunedKernel
    if not getattr(kernel, "__tessera_kernel__", False) and not isinstance(kernel, AutotunedKernel):
        raise TesseraError(f"ir_view_for shows a Tessera kernel, got {type(kernel).__name__}",
                           hint="put the cursor in a %%tessera cell that defines a kernel, and run that cell first")
    args = []
    for p in kernel.ir.params:
        if p.kind == "constexpr":
            raise TesseraError(f"{kernel.name} takes constexpr {p.name}: its IR depends on the value",
                               kernel=kernel.name,
                               hint=f"ir_view({kernel.name}, <arguments>) with the value of {p.name}")
        if p.kind == "tensor":
            args.append(f"{p.dtype.name}[{','.join(str(d) if isinstance(d, int) else str(_EXAMPLE_SIZE) for d in p.dims)}]")
        else:
            args.append(p.dtype.name)
    configs = None
    if isinstance(kernel, AutotunedKernel):
        configs = [_best(kernel) or kernel.configs[0]]
    return ir_view(kernel, *args, configs=configs, target=target)
