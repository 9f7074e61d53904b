"""IR nodes of the virtual-thread form (passes/vthreads.py builds it).

After the pass, a kernel body is program-level code: statements that run once
per program (uniform statements, collectives, uniform control flow that holds
barriers) and `ThreadLoop`s, each meaning "run this body once per virtual
thread of the block". Inside a ThreadLoop, `VThreadId(a)` is the virtual
thread's coordinate along axis a; varying values that live from one
ThreadLoop to another are kept in per-thread `LocalArray`s, read with
`LocalLoad` and written with `LocalStore` at the current virtual thread.

The nodes print through `format_with` / `format_header` (the printer's hook
for nodes defined outside ir.py).

Example::

    >>> from tessera.frontend import ir
    >>> from tessera.frontend.ir_vthreads import ThreadLoop, LocalStore, VThreadId
    >>> from tessera.frontend.printer import format_kernel
    >>> from tessera.lang import f32
    >>> body = (ThreadLoop((LocalStore("acc", ir.Cast(f32, VThreadId(0))),), block=(4, 1, 1)),)
    >>> print(format_kernel(ir.Kernel("k", (), body), lines=False))
    kernel k():
        for vt in threads(4):
            acc[vt] = f32(tid(0))
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SourceLoc
from ..lang.dtypes import DType
from .ir import Expr, Stmt


@dataclass(frozen=True)
class VThreadId(Expr):
    """The current virtual thread's coordinate along `axis` (what ts.thread_id(axis) was)."""
    axis: int
    dtype: DType | None = None
    loc: SourceLoc | None = None

    def format_with(self, fmt) -> str:
        return f"tid({self.axis})"


@dataclass(frozen=True)
class LocalLoad(Expr):
    """The current virtual thread's element of the local array `name`."""
    name: str
    dtype: DType | None = None
    loc: SourceLoc | None = None

    def format_with(self, fmt) -> str:
        return f"{self.name}[vt]"


@dataclass(frozen=True)
class LocalStore(Stmt):
    name: str
    value: Expr
    loc: SourceLoc | None = None

    def format_header(self, fmt) -> str:
        return f"{self.name}[vt] = {fmt(self.value)}"


@dataclass(frozen=True)
class LocalArray(Stmt):
    """One `elem` per virtual thread of the program: a varying value that lives across a barrier."""
    name: str
    elem: DType
    size: int
    loc: SourceLoc | None = None

    def format_header(self, fmt) -> str:
        return f"local {self.name}: {self.elem.name}[{self.size}]"


@dataclass(frozen=True)
class ThreadLoop(Stmt):
    """Run `body` once per virtual thread; threads do not communicate inside one."""
    body: tuple
    block: tuple = (1, 1, 1)     # the virtual block; the loop covers every thread of it
    loc: SourceLoc | None = None

    def format_header(self, fmt) -> str:
        axes = len(self.block)
        while axes > 1 and self.block[axes - 1] == 1:
            axes -= 1
        return f"for vt in threads({', '.join(str(b) for b in self.block[:axes])}):"
