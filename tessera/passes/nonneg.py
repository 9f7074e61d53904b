"""Which integer values are provably non-negative (indices built from ids, shapes and loop counters).

numba indexes arrays the Python way: a negative index counts from the end,
which costs a select per access. Where LLVM cannot prove an index
non-negative (an id computed from a division, an argument of another
function) that select makes addresses non-affine and stops vectorization; an
index known non-negative here can be given to numba as unsigned, which means
the same element and needs no select.

Names are non-negative when every assignment to them is (a greatest fixpoint:
`k = k + 1` stays non-negative when k starts so); loop variables when the
start is and the step is a positive constant.

Example::

    >>> import tessera as ts
    >>> from tessera.frontend.parse import parse_kernel
    >>> from tessera.passes.nonneg import nonnegative_names
    >>> def k(x: ts.Tensor["N", ts.f32], s: ts.i32):
    ...     i = ts.program_id(0) * 64 + ts.thread_id(0)
    ...     j = i - 1
    ...     for t in range(i, N, 2):
    ...         x[t] = 0.0
    >>> sorted(nonnegative_names(parse_kernel(k)))
    ['i', 't']
"""

from __future__ import annotations

from ..frontend import ir

_IDS = ("program_id", "thread_id", "num_programs", "block_size")
_CLOSED = ("+", "*", "//", "%", ">>", "|")   # non-negative operands give a non-negative result


def is_nonnegative(e, names: set) -> bool:
    """True when `e` cannot be negative, given that `names` are not."""
    if isinstance(e, ir.Const):
        return not isinstance(e.value, float) and e.value >= 0
    if isinstance(e, (ir.Symbol, ir.Shape)):
        return True
    if isinstance(e, ir.Name):
        return e.id in names
    if type(e).__name__ == "VThreadId":
        return True
    if type(e).__name__ == "LocalLoad":
        return e.name in names
    if isinstance(e, ir.Intrinsic):
        if e.name in _IDS:
            return True
        if e.dtype is None or not e.dtype.is_int:
            return False
        if e.name in ("cdiv", "min"):
            return all(is_nonnegative(a, names) for a in e.args)
        return e.name == "max" and any(is_nonnegative(a, names) for a in e.args)
    if isinstance(e, ir.BinOp):
        if e.dtype is not None and not e.dtype.is_int:
            return False
        if e.op == "&":
            return is_nonnegative(e.left, names) or is_nonnegative(e.right, names)
        return e.op in _CLOSED and is_nonnegative(e.left, names) and is_nonnegative(e.right, names)
    if isinstance(e, ir.Cast):
        src = e.value.dtype
        # a widening (or same-width) integer conversion keeps the value
        return e.to.is_int and src is not None and src.is_int and e.to.bits >= src.bits \
            and is_nonnegative(e.value, names)
    if isinstance(e, ir.Select):
        return is_nonnegative(e.then, names) and is_nonnegative(e.orelse, names)
    return False


def nonnegative_names(kernel: ir.Kernel) -> set:
    """Local names that hold a non-negative integer wherever they are read."""
    defs: dict = {}
    for n in ir.walk(kernel.body):
        if isinstance(n, ir.Assign):
            defs.setdefault(n.target, []).append(n.value)
        elif isinstance(n, ir.For):
            step = n.step.value if isinstance(n.step, ir.Const) else None
            ok = isinstance(step, int) and not isinstance(step, bool) and step > 0
            defs.setdefault(n.var, []).append(n.start if ok else ir.Const(-1))
    names = {k for k in defs if kernel.param(k) is None}
    while True:
        keep = {k for k in names if all(is_nonnegative(v, names) for v in defs[k])}
        if keep == names:
            return names
        names = keep
