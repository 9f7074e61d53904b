"""Which kernels the cuda backend runs with 128-bit loads and stores, and how.

An elementwise kernel in the guide's form

    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]          # every tensor access at [idx], 1-D

reads and writes each element once, one `LDG.E`/`STG.E` per element. Run as is, an
H100 streams it at about 0.9x of a kernel that moves 16 bytes per instruction. This
pass finds such kernels; the cuda backend's emitter (backends/codegen_vector.py)
then gives each thread `elements_per_thread` consecutive-by-chunk elements (8 by
default, as Triton's vector add: 2 x 128-bit per fp32 input), one 128-bit access per
16 bytes, and a grid that many times smaller. Whether the pointers allow it (16-byte
aligned, unit stride) is checked in the kernel, once per thread and uniformly, so a
view such as `a[1:]` still runs correctly on the scalar path and the launch path
checks nothing more than before.

What qualifies: uniform assignments, then the index, then one guard `if idx < bound:`
(nothing after it) whose body is straight-line assignments to locals and stores, every
load and store at exactly `[idx]` of a 1-D tensor of a numeric dtype, no
`program_id`/`thread_id`/atomics in the body, and no local read before the body
assigns it. Anything else keeps the one-element-per-thread code.

Example::

    >>> import tessera as ts
    >>> from tessera.compiler import lower
    >>> @ts.kernel
    ... def axpy(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32], a: ts.f32):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         y[i] = a * x[i] + y[i]
    >>> low = lower(axpy.ir, {"x": ts.f32, "y": ts.f32, "a": ts.f32}, {}, ts.i32)
    >>> low.vector.lanes, low.vector.chunks, low.plan.describe()
    (4, 2, 'grid = (cdiv(x.shape[0], 2048),), block = (256,)')
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..frontend import ir
from .launch import LaunchPlan

VECTOR_BYTES = 16


def lanes(dtype) -> int:
    """Elements of `dtype` (a Tessera dtype) in one 128-bit access."""
    return VECTOR_BYTES // dtype.itemsize


#: elements each thread handles by default: Triton's vector add (1024 elements, 128 threads)
DEFAULT_ELEMENTS_PER_THREAD = 8
_DTYPES = {"f16", "f32", "f64", "i8", "i16", "i32", "i64", "u8", "u32"}
_THREAD_INTRINSICS = {"program_id", "thread_id", "num_programs"}


@dataclass(frozen=True)
class VectorPlan:
    index: str              # the kernel's element index variable
    index_stmt: ir.Assign   # where it is computed
    guard: ir.If            # `if index < bound:`
    bound: ir.Expr
    prologue: tuple         # uniform statements before the index, emitted as written
    body: tuple             # the guarded statements
    tensors: tuple          # the tensor parameters the body reads or writes, in order
    lanes: int              # elements in one 128-bit access of the narrowest tensor
    chunks: int             # such accesses per thread and tensor (of that narrowest dtype)
    block: int              # threads per block

    @property
    def elements_per_thread(self) -> int:
        return self.lanes * self.chunks


def _is_intr(e, name, axis=0):
    return isinstance(e, ir.Intrinsic) and e.name == name and e.args and \
        isinstance(e.args[0], ir.Const) and e.args[0].value == axis


def _is_block_extent(e, block: int) -> bool:
    if _is_intr(e, "block_size"):
        return True
    return isinstance(e, ir.Const) and not isinstance(e.value, bool) and e.value == block


def _is_element_index(e, block: int) -> bool:
    """`program_id(0) * B + thread_id(0)`, in any operand order, B the block's extent."""
    if not (isinstance(e, ir.BinOp) and e.op == "+"):
        return False
    for prod, tid in ((e.left, e.right), (e.right, e.left)):
        if _is_intr(tid, "thread_id") and isinstance(prod, ir.BinOp) and prod.op == "*":
            for pid, ext in ((prod.left, prod.right), (prod.right, prod.left)):
                if _is_intr(pid, "program_id") and _is_block_extent(ext, block):
                    return True
    return False


def _names_read(e) -> set:
    return {n.id for n in ir.walk(e) if isinstance(n, ir.Name)}


def _uniform(e, index: str | None = None) -> bool:
    for n in ir.walk(e):
        if isinstance(n, (ir.Load, ir.TensorRef, ir.Call)):
            return False
        if isinstance(n, ir.Intrinsic) and (n.name in _THREAD_INTRINSICS or n.name.startswith("atomic_")):
            return False
        if index is not None and isinstance(n, ir.Name) and n.id == index:
            return False
    return True


def _body_ok(kernel: ir.Kernel, body: tuple, index: str) -> tuple | None:
    """The tensors the body accesses, in order, or None where the body does not qualify."""
    tensors, assigned = [], set()
    body_locals = {s.target for s in body if isinstance(s, ir.Assign)}
    for s in body:
        if isinstance(s, ir.Assign):
            exprs = (s.value,)
            if s.target == index:
                return None
        elif isinstance(s, ir.Store):
            exprs = (s.value,)
            if not _at_index(s.index, index):
                return None
        else:
            return None
        for e in exprs:
            for n in ir.walk(e):
                if isinstance(n, ir.Load):
                    if not _at_index(n.index, index):
                        return None
                    tensors.append(n.tensor)
                elif isinstance(n, ir.TensorRef):
                    return None
                elif isinstance(n, ir.Intrinsic) and (n.name in _THREAD_INTRINSICS or n.name.startswith("atomic_")):
                    return None
            if (_names_read(e) & body_locals) - assigned:
                return None  # read before the body assigns it: a value carried between elements
        if isinstance(s, ir.Assign):
            assigned.add(s.target)
        else:
            tensors.append(s.tensor)
    out = []
    for t in tensors:
        p = kernel.param(t)
        if p.kind != "tensor" or p.rank != 1 or p.dtype.name not in _DTYPES:
            return None
        if t not in out:
            out.append(t)
    return tuple(out) if out else None


def _at_index(index: tuple, name: str) -> bool:
    return len(index) == 1 and isinstance(index[0], ir.Name) and index[0].id == name


def plan_vectorize(kernel: ir.Kernel, plan: LaunchPlan,
                   elements_per_thread: int = DEFAULT_ELEMENTS_PER_THREAD) -> VectorPlan | None:
    """The vectorized form of a typed, specialized kernel, or None where it does not qualify."""
    if plan.axes != 1 or plan.physical_block is not None or plan.grid[0] is None or kernel.shared:
        return None
    block = plan.block[0]
    stmts = kernel.body
    if len(stmts) < 2 or not isinstance(stmts[-1], ir.If) or not isinstance(stmts[-2], ir.Assign):
        return None
    guard, index_stmt, prologue = stmts[-1], stmts[-2], stmts[:-2]
    index = index_stmt.target
    if not _is_element_index(index_stmt.value, block):
        return None
    if not all(isinstance(s, ir.Assign) and s.target != index and _uniform(s.value) for s in prologue):
        return None
    c = guard.cond
    if guard.orelse or not (isinstance(c, ir.Compare) and c.op == "<" and isinstance(c.left, ir.Name)
                            and c.left.id == index and _uniform(c.right, index)):
        return None
    if getattr(c.right, "dtype", None) != getattr(c.left, "dtype", None):
        return None
    tensors = _body_ok(kernel, guard.then, index)
    if tensors is None:
        return None
    n_lanes = max(lanes(kernel.param(t).dtype) for t in tensors)
    if not isinstance(elements_per_thread, int) or elements_per_thread < n_lanes:
        return None
    return VectorPlan(index, index_stmt, guard, c.right, prologue, guard.then, tensors, n_lanes,
                      elements_per_thread // n_lanes, block)


def vector_launch(plan: LaunchPlan, vp: VectorPlan) -> LaunchPlan:
    """The launch of the vectorized kernel: the same block, a grid `elements_per_thread` times smaller."""
    g = plan.grid[0]
    if isinstance(g, ir.Intrinsic) and g.name == "cdiv" and isinstance(g.args[1], ir.Const):
        bound = g.args[0]
    else:
        bound = vp.bound
    per_block = ir.Const(vp.block * vp.elements_per_thread)
    return replace(plan, grid=(ir.Intrinsic("cdiv", (bound, per_block)),) + tuple(plan.grid[1:]))

