"""Shared tiles that virtual threads read four at a time: which ones, stored in which axis order.

After the virtual-thread pass, the GPU emitter gives each physical thread a
micro-tile of virtual threads (backends/codegen_vthreads.py). In the guide's
matmul the hot loads are `As[tid(0), k]` and `Bs[k, tid(1)]`: the micro-tile's
virtual threads read one element each, at consecutive coordinates of a thread
axis. Where a physical thread owns runs of `VEC` consecutive coordinates of
that axis, and those coordinates are consecutive addresses in shared memory,
the runs are one 128-bit load (`LDS.128`) instead of four.

A shared tile qualifies (a *vector tile*) when it holds 32-bit elements, every
load of it inside a ThreadLoop indexes exactly one of its axes with a bare
`tid(a)` and its other axes with values that do not depend on the thread, all
such loads agree on that axis and on `a`, and the sizes divide (the tile's
axis by VEC, the block's axis a by VEC times the physical threads along it).
Its *vector axis* is then stored last (`As[m, k]` is kept as `As[k, m]`), a
layout only the generated code sees: every access goes through the same map,
so results do not change. The thread axes that index vector tiles are the
*grouped* axes: there a physical thread owns runs of VEC coordinates.

Example::

    >>> import tessera as ts
    >>> from tessera.compiler import lower
    >>> @ts.kernel
    ... def row_sums(x: ts.Tensor["N", 32, ts.f32], y: ts.Tensor["N", ts.f32]):
    ...     t = ts.shared.alloc[ts.f32](128, 32)
    ...     ts.copy_async(x[ts.program_id(0) * 128:(ts.program_id(0) + 1) * 128, 0:32], t)
    ...     ts.barrier()
    ...     acc = 0.0
    ...     for k in ts.range(32):
    ...         acc += t[ts.thread_id(0), k]
    ...     i = ts.program_id(0) * 128 + ts.thread_id(0)
    ...     if i < N:
    ...         y[i] = acc
    >>> low = lower(row_sums.ir, {"x": ts.f32, "y": ts.f32}, {"num_warps": 1}, ts.i32)
    >>> vector_tiles(low.split, low.plan.block, (32, 1, 1))
    ({'t': TileLayout(order=(1, 0), vec_axis=0, thread_axis=0)}, frozenset({0}))
"""

from __future__ import annotations

from dataclasses import dataclass

from ..frontend import ir
from ..frontend.ir_vthreads import ThreadLoop, VThreadId

VEC = 4   # 32-bit elements per 128-bit shared load


@dataclass(frozen=True)
class TileLayout:
    order: tuple        # the tile's logical axes in storage order (the vector axis last)
    vec_axis: int       # the logical axis that consecutive virtual threads read
    thread_axis: int    # the block axis whose coordinate indexes it

    @property
    def transposed(self) -> bool:
        return self.order != tuple(sorted(self.order))


def _thread_loads(body) -> list:
    return [n for tl in ir.walk(body) if isinstance(tl, ThreadLoop) for n in ir.walk(tl.body)
            if isinstance(n, ir.Load)]


def _vector_index(load: ir.Load):
    """(tile axis, thread axis) where the load reads `tid(a)` on one axis and nothing thread-dependent
    elsewhere; None otherwise."""
    hits = [(i, x.axis) for i, x in enumerate(load.index) if isinstance(x, VThreadId)]
    if len(hits) != 1:
        return None
    i = hits[0][0]
    others = [x for j, x in enumerate(load.index) if j != i]
    if any(isinstance(n, VThreadId) for x in others for n in ir.walk(x)):
        return None
    return hits[0]


def vector_tiles(kernel: ir.Kernel, block: tuple, physical: tuple) -> tuple:
    """({tile: TileLayout}, grouped thread axes) for a kernel in virtual-thread form run with
    `physical[a]` threads along block axis a (see the module docstring)."""
    loads = _thread_loads(kernel.body)
    out = {}
    for name, alloc in dict(kernel.shared).items():
        if alloc.elem.bits != 32 or alloc.elem.kind == "b" or len(alloc.shape) < 2:
            continue
        mine = [ld for ld in loads if ld.tensor == name]
        keys = {_vector_index(ld) for ld in mine}
        if len(keys) != 1 or None in keys:
            continue
        (axis, a), = keys
        size = alloc.shape[axis].value
        if size % VEC or block[a] % (VEC * physical[a]):
            continue
        order = tuple(x for x in range(len(alloc.shape)) if x != axis) + (axis,)
        out[name] = TileLayout(order, axis, a)
    return out, frozenset(t.thread_axis for t in out.values())
