"""`num_stages`: which loops can load their next tile while computing this one.

numba-cuda has no asynchronous copy (cp.async), so Tessera's `copy_async` is
a cooperative synchronous copy, and a single-buffered k loop runs
load -> barrier -> compute -> barrier with the loads' latency exposed. With
`num_stages = S >= 2` the shared tiles a loop copies into become a ring of S
buffers, and the loop is software-pipelined (backends/codegen_vthreads.py):

    copy tile 0 into slot 0; barrier
    for each tile t:
        if there is a tile t+1: load it from global memory into registers
        compute on slot t % S
        if there is a tile t+1: store the registers into slot (t+1) % S
        barrier

The loads of tile t+1 are in flight while tile t is computed, and one barrier
per tile replaces two (the slot being written was last read before the
previous barrier). Results are those of the single-buffered program.

A loop qualifies when its body is: one or more `copy_async` (with nothing
else before them), any `wait_group`, a barrier, the computation (no other
barrier or copy), and a closing barrier; its step is a positive constant; the
copies read nothing the body assigns; and the tiles they fill are used
nowhere outside the loop. Other loops run single-buffered.

Example::

    >>> from tessera.passes.pipeline import pipelined_loops
    >>> from tessera.frontend import ir
    >>> pipelined_loops(ir.Kernel("k", (), (), None), stages=2)
    {}
"""

from __future__ import annotations

from dataclasses import dataclass

from ..frontend import ir


@dataclass(frozen=True)
class Pipeline:
    loop: ir.For
    copies: tuple          # the CopyAsync statements at the top of the body
    compute: tuple         # the statements between the first and the closing barrier
    tiles: tuple           # the shared arrays the copies fill (each becomes a ring of `stages` slots)
    stages: int


def _names_read(node) -> set:
    return {n.id for n in ir.walk(node) if isinstance(n, ir.Name)}


def _match(loop: ir.For, stages: int) -> Pipeline | None:
    body = loop.body
    n = 0
    while n < len(body) and isinstance(body[n], ir.CopyAsync):
        n += 1
    if n == 0:
        return None
    copies, i = body[:n], n
    while i < len(body) and isinstance(body[i], ir.WaitGroup):
        i += 1
    if i >= len(body) - 1 or not isinstance(body[i], ir.Barrier) or not isinstance(body[-1], ir.Barrier):
        return None
    compute = body[i + 1:-1]
    if any(isinstance(x, (ir.Barrier, ir.CopyAsync, ir.SharedAlloc)) for x in ir.walk(compute)):
        return None
    if not (isinstance(loop.step, ir.Const) and isinstance(loop.step.value, int) and loop.step.value > 0):
        return None
    assigned = ir.assigned_names(body) | {x.var for x in ir.walk(body) if isinstance(x, ir.For)}
    if _names_read(copies) & assigned:
        return None
    tiles = tuple(dict.fromkeys(c.dst for c in copies))
    return Pipeline(loop, copies, compute, tiles, stages)


def pipelined_loops(kernel: ir.Kernel, stages: int) -> dict:
    """id(For) -> Pipeline for each loop of `kernel` that runs with `stages` shared buffers (none when stages < 2)."""
    if stages < 2:
        return {}
    found = {}
    for loop in ir.walk(kernel.body):
        if isinstance(loop, ir.For):
            p = _match(loop, stages)
            if p is not None:
                found[id(loop)] = p
    # A tile read or written outside its loop keeps a single buffer: that code has no slot to name.
    for key, p in list(found.items()):
        inside = {id(n) for n in ir.walk(p.loop)}
        for tile in p.tiles:
            users = [n for n in ir.walk(kernel.body) if _uses(n, tile)]
            shared_by = sum(1 for q in found.values() if tile in q.tiles)
            if shared_by > 1 or any(id(n) not in inside for n in users):
                found.pop(key, None)
                break
    return found


def _uses(node, tile: str) -> bool:
    if isinstance(node, (ir.Load, ir.Store, ir.Shape)):
        return node.tensor == tile
    return isinstance(node, ir.CopyAsync) and node.dst == tile
