"""Launch inference: the block from index patterns, the grid from the guard that bounds the index.

`i = ts.program_id(0) * E + ts.thread_id(0)` gives a block of E threads along
axis 0 (E a compile-time constant, or `ts.block_size(0)`: a free size with a
default); a guard `if i < n:` (or a loop `for j in range(i, n, ...)`) gives a
grid of cdiv(n, E) programs. When inference cannot decide, the error shows
the explicit form `kernel[grid, block](...)`.

Example::

    >>> import tessera as ts
    >>> from tessera.frontend.parse import parse_kernel
    >>> from tessera.passes.launch import infer_launch
    >>> def add(a: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * 128 + ts.thread_id(0)
    ...     if i < a.shape[0]:
    ...         c[i] = a[i]
    >>> plan = infer_launch(parse_kernel(add))
    >>> plan.block, plan.describe()
    ((128, 1, 1), 'grid = (cdiv(a.shape[0], 128),), block = (128,)')
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import LaunchError
from ..frontend import ir

DEFAULT_BLOCK = {1: (256,), 2: (16, 16), 3: (8, 8, 4)}
MAX_THREADS = 1024


@dataclass(frozen=True)
class LaunchPlan:
    block: tuple           # threads per axis, padded to 3
    grid: tuple            # per axis: an ir.Expr over shapes/symbols/scalars (or Const 1); None: given at launch
    extents: tuple         # per axis: the E of `program_id * E + thread_id` (int), or 1
    axes: int              # number of axes the kernel uses (1..3)
    # threads the GPU runs per block where virtual threads run `block` (backends/codegen_vthreads.py)
    physical_block: tuple | None = None

    @property
    def launch_block(self) -> tuple:
        """The block the launch asks the hardware for."""
        return self.physical_block or self.block

    def describe(self) -> str:
        from ..frontend.printer import format_expr
        def tup(items):
            return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        g = tup(["given" if x is None else format_expr(x) for x in self.grid[:self.axes]])
        b = tup([str(x) for x in self.block[:self.axes]])
        return f"grid = {g}, block = {b}"


def _intr(e, name):
    return isinstance(e, ir.Intrinsic) and e.name == name


def _axis(e) -> int:
    return e.args[0].value


class _Defs:
    """Single-assignment names, expanded so patterns match through variables."""

    def __init__(self, body):
        counts, self.defs = {}, {}
        for n in ir.walk(body):
            if isinstance(n, ir.Assign):
                counts[n.target] = counts.get(n.target, 0) + 1
                self.defs[n.target] = n.value
            elif isinstance(n, ir.For):
                counts[n.var] = 2
        self.defs = {k: v for k, v in self.defs.items() if counts[k] == 1}

    def expand(self, e, depth=0):
        if depth > 20:
            return e
        return ir.map_exprs(e, lambda x: self.expand(self.defs[x.id], depth + 1)
                            if isinstance(x, ir.Name) and x.id in self.defs else x)


def _match_index(e):
    """(axis, E, has_thread) for `program_id(a) * E + thread_id(a)`, `program_id(a)` or `program_id(a) * E`."""
    if isinstance(e, ir.Cast):
        return _match_index(e.value)
    if _intr(e, "program_id"):
        return _axis(e), ir.Const(1), False
    if isinstance(e, ir.BinOp) and e.op == "*":
        for p, x in ((e.left, e.right), (e.right, e.left)):
            if _intr(p, "program_id"):
                return _axis(p), x, False
    if isinstance(e, ir.BinOp) and e.op == "+":
        for a, b in ((e.left, e.right), (e.right, e.left)):
            if _intr(b, "thread_id"):
                m = _match_index(a)
                if m is not None and m[0] == _axis(b):
                    return m[0], m[1], True
    return None


def _launch_evaluable(e, kernel) -> bool:
    for n in ir.walk(e):
        if isinstance(n, (ir.Load, ir.Intrinsic)) and not (isinstance(n, ir.Intrinsic) and n.name in ("cdiv", "min", "max")):
            return False
        if isinstance(n, ir.Name):
            p = kernel.param(n.id)
            if p is None or p.kind != "scalar":
                return False
    return True


def _guards(body):
    """(index expr, bound) pairs from `idx < bound`, `bound > idx`, and `for j in range(idx, bound, ...)`."""
    out = []

    def from_cond(c):
        if isinstance(c, ir.BoolOp) and c.op == "and":
            for v in c.values:
                from_cond(v)
        elif isinstance(c, ir.Compare):
            if c.op == "<":
                out.append((c.left, c.right))
            elif c.op == ">":
                out.append((c.right, c.left))
            elif c.op == ">=":   # `if idx >= n: return`
                out.append((c.left, c.right))
            elif c.op == "<=":
                out.append((c.right, c.left))

    for n in ir.walk(body):
        if isinstance(n, (ir.If, ir.While)):
            from_cond(n.cond)
        elif isinstance(n, ir.For):
            out.append((n.start, n.stop))
        elif isinstance(n, ir.Select):
            from_cond(n.cond)
    return out


def infer_launch(kernel: ir.Kernel, block=None, *, explicit_grid: bool = False,
                 max_threads: int | None = MAX_THREADS) -> LaunchPlan:
    """Infer block and grid; `block` (tuple) overrides the block where given.

    With `explicit_grid` (`kernel[grid, block]`, `@ts.kernel(grid=...)`) a grid axis
    that cannot be inferred is left None instead of being an error: the caller gives it.
    `max_threads`: the most threads a block may have (None: any, with virtual threads)."""
    used = {}
    for n in ir.walk(kernel.body):
        if isinstance(n, ir.Intrinsic) and n.name in ("program_id", "thread_id", "block_size", "num_programs"):
            used.setdefault(n.name, set()).add(_axis(n))
    all_axes = set().union(*used.values()) if used else {0}
    axes = max(all_axes) + 1
    defs = _Defs(kernel.body)

    # Block extents from index patterns.
    extents: dict[int, object] = {}
    for n in ir.walk(kernel.body):
        if not isinstance(n, ir.Expr):
            continue
        m = _match_index(n)
        if m is None and isinstance(n, ir.BinOp) and n.op == "+":
            # `t = ts.thread_id(0); i = ts.program_id(0) * 64 + t`: match through
            # single-assignment names, as the grid inference below does.
            m = _match_index(defs.expand(n))
        if m is None or not m[2]:
            continue
        axis, e, _ = m
        if axis in extents and extents[axis] != e and not (_intr(e, "block_size") and _intr(extents[axis], "block_size")):
            if isinstance(e, ir.Const) and isinstance(extents[axis], ir.Const) and e.value != extents[axis].value:
                raise LaunchError(
                    f"axis {axis} is indexed with two different tile sizes ({extents[axis].value} and {e.value})",
                    kernel=kernel.name, loc=n.loc,
                    hint=f"use one size: ts.program_id({axis}) * TILE + ts.thread_id({axis}) everywhere, "
                         f"or launch explicitly: {kernel.name}[grid, block](...)")
        extents.setdefault(axis, e)

    user_block = tuple(block) if block is not None else None
    blk = []
    for a in range(3):
        if user_block is not None:
            blk.append(user_block[a] if a < len(user_block) else 1)
            continue
        e = extents.get(a)
        if isinstance(e, ir.Const) and isinstance(e.value, int):
            blk.append(e.value)
        elif e is not None and _intr(e, "block_size") or a in used.get("block_size", ()):
            blk.append(DEFAULT_BLOCK[axes][a] if a < axes else 1)
        elif a in used.get("thread_id", ()):
            if e is not None:
                raise LaunchError(
                    f"the block size along axis {a} must be a compile-time constant",
                    kernel=kernel.name, loc=kernel.loc,
                    hint=f"use a ts.constexpr or literal tile size, ts.block_size({a}), "
                         f"or launch explicitly: {kernel.name}[grid, block](...)")
            raise LaunchError(
                f"cannot infer the block size along axis {a}: ts.thread_id({a}) is used without "
                f"`ts.program_id({a}) * SIZE + ts.thread_id({a})`",
                kernel=kernel.name, loc=kernel.loc,
                hint=f"index as ts.program_id({a}) * ts.block_size({a}) + ts.thread_id({a}), "
                     f"or launch explicitly: {kernel.name}[grid, block](...)")
        else:
            blk.append(1)
    nthreads = blk[0] * blk[1] * blk[2]
    if max_threads is not None and nthreads > max_threads:
        dims = " x ".join(str(b) for b in blk[:axes]) + (f" = {nthreads}" if axes > 1 else "")
        raise LaunchError(
            f"a block of {dims} threads exceeds the GPU's {max_threads} threads per block",
            kernel=kernel.name, loc=kernel.loc,
            hint=f"use smaller tiles so that their product is at most {max_threads} (e.g. 32 x 32)")

    # Grid from guards.
    grid = []
    ext_out = []
    guards = [(defs.expand(i), defs.expand(b)) for i, b in _guards(kernel.body)]
    for a in range(3):
        if a not in used.get("program_id", ()):
            grid.append(ir.Const(1))
            ext_out.append(1)
            continue
        found = None
        for idx, bound in guards:
            m = _match_index(idx)
            if m is None or m[0] != a or not _launch_evaluable(bound, kernel):
                continue
            e = m[1]
            if _intr(e, "block_size"):
                size = blk[a]
            elif isinstance(e, ir.Const) and isinstance(e.value, int):
                size = e.value
            else:
                continue
            found = (ir.Intrinsic("cdiv", (bound, ir.Const(size))) if size != 1 else bound, size)
            break
        if found is None and explicit_grid:
            grid.append(None)
            ext_out.append(blk[a])
            continue
        if found is None:
            raise LaunchError(
                f"cannot infer the grid along axis {a}: no guard like `if i < n:` bounds the index "
                f"built from ts.program_id({a})",
                kernel=kernel.name, loc=kernel.loc,
                hint=f"add the bounds check (i = ts.program_id({a}) * ts.block_size({a}) + ts.thread_id({a}); "
                     f"if i < n: ...), or launch explicitly: {kernel.name}[grid, block](...)")
        grid.append(found[0])
        ext_out.append(found[1])
    return LaunchPlan(tuple(blk), tuple(grid), tuple(ext_out), axes)
