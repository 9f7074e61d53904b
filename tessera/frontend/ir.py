"""Tessera IR: the kernel as frozen dataclasses.

The front end builds it from the Python AST (parse.py); passes return new IR;
the printer (printer.py) shows it. Every node carries the user's source
location so that any later error can point at the user's line.

Expressions get a `dtype` from type inference (passes/typing.py); before that
it is None. Tensors are referred to by name; the kernel's `tensors` table says
which names are global parameters and which shared tiles.

Example::

    >>> from tessera.frontend import ir
    >>> from tessera.lang import f32
    >>> ir.BinOp("+", ir.Const(1.0), ir.Name("x"))
    BinOp(op='+', left=Const(value=1.0, weak=True, dtype=None, loc=None), right=Name(id='x', dtype=None, loc=None), dtype=None, loc=None)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..errors import SourceLoc
from ..lang.dtypes import DType


# --------------------------------------------------------------------------- expressions

@dataclass(frozen=True)
class Expr:
    pass


@dataclass(frozen=True)
class Const(Expr):
    value: Any                 # int, float or bool
    weak: bool = True          # a Python literal: takes the type of the other operand
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Name(Expr):
    id: str
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class ConstParam(Expr):
    """A compile-time value named by a `ts.constexpr` parameter or `ts.autotune.get_param`."""
    name: str
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Symbol(Expr):
    """A shape symbol ("N" in `ts.Tensor["N", ts.f32]`) read as an integer."""
    name: str
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Shape(Expr):
    """`t.shape[axis]` of a tensor parameter or a shared tile."""
    tensor: str
    axis: int
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class BinOp(Expr):
    op: str                    # + - * / // % ** << >> & | ^
    left: Expr
    right: Expr
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class UnaryOp(Expr):
    op: str                    # - + not ~
    operand: Expr
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Compare(Expr):
    op: str                    # < <= > >= == !=
    left: Expr
    right: Expr
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class BoolOp(Expr):
    op: str                    # and / or
    values: tuple
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Select(Expr):
    """`a if cond else b`."""
    cond: Expr
    then: Expr
    orelse: Expr
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Load(Expr):
    tensor: str
    index: tuple               # one Expr per axis
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Intrinsic(Expr):
    """program_id, thread_id, block_size, num_programs, cdiv, math, atomics (tensor args by name)."""
    name: str
    args: tuple
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Cast(Expr):
    to: DType
    value: Expr
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Call(Expr):
    """A call of a `@ts.func` device function."""
    func: str
    args: tuple
    dtype: DType | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class TensorRef(Expr):
    """A tensor passed whole, as the first argument of an atomic or to a device function."""
    tensor: str
    dtype: DType | None = None
    loc: SourceLoc | None = None


# --------------------------------------------------------------------------- statements

@dataclass(frozen=True)
class Stmt:
    pass


@dataclass(frozen=True)
class Assign(Stmt):
    target: str
    value: Expr
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Store(Stmt):
    tensor: str
    index: tuple
    value: Expr
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class If(Stmt):
    cond: Expr
    then: tuple
    orelse: tuple = ()
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class For(Stmt):
    var: str
    start: Expr
    stop: Expr
    step: Expr
    body: tuple
    unroll: bool = False       # ts.range with compile-time bounds may unroll
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class While(Stmt):
    cond: Expr
    body: tuple
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Break(Stmt):
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Continue(Stmt):
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Return(Stmt):
    value: Expr | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class ExprStmt(Stmt):
    value: Expr
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class Barrier(Stmt):
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class SharedAlloc(Stmt):
    name: str
    elem: DType
    shape: tuple               # Exprs; constants after specialization
    swizzle: str | None = None
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class CopyAsync(Stmt):
    """Copy the global tile src[starts[i]:stops[i], ...] into shared tile dst."""
    src: str
    starts: tuple
    stops: tuple
    dst: str
    loc: SourceLoc | None = None


@dataclass(frozen=True)
class WaitGroup(Stmt):
    n: Expr
    loc: SourceLoc | None = None


# --------------------------------------------------------------------------- kernels and functions

@dataclass(frozen=True)
class Param:
    name: str
    kind: str                  # "tensor", "scalar" or "constexpr"
    dtype: DType | None = None # element type of a tensor, type of a scalar; None for constexpr
    dims: tuple = ()           # tensors: shape symbol (str) or fixed size (int) per axis
    loc: SourceLoc | None = None

    @property
    def rank(self) -> int:
        return len(self.dims)


@dataclass(frozen=True)
class Kernel:
    name: str
    params: tuple
    body: tuple
    loc: SourceLoc | None = None
    is_func: bool = False       # a @ts.func device function rather than a kernel
    return_dtype: DType | None = None
    shared: tuple = ()          # (name, SharedAlloc) after parsing; for lookups
    funcs: tuple = ()           # device functions called, as Kernel(is_func=True)
    const_params: tuple = ()    # names read with ts.autotune.get_param

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    @property
    def tensor_params(self) -> tuple:
        return tuple(p for p in self.params if p.kind == "tensor")

    def symbols(self) -> dict:
        """Shape symbol -> (tensor, axis) of its first binding, in parameter order."""
        out: dict = {}
        for p in self.tensor_params:
            for axis, d in enumerate(p.dims):
                if isinstance(d, str) and d not in out:
                    out[d] = (p.name, axis)
        return out


# --------------------------------------------------------------------------- generic traversal

def children(node) -> list:
    """Direct child nodes (expressions and statements) of an IR node, in field order."""
    out = []
    for f in fields(node):
        if f.name == "loc":
            continue
        v = getattr(node, f.name)
        if isinstance(v, (Expr, Stmt)):
            out.append(v)
        elif isinstance(v, tuple):
            out.extend(x for x in v if isinstance(x, (Expr, Stmt)))
    return out


def walk(node):
    """Every node below `node` (included), depth first; accepts a tuple of statements."""
    if isinstance(node, tuple):
        for n in node:
            yield from walk(n)
        return
    yield node
    for c in children(node):
        yield from walk(c)


def map_exprs(node, fn):
    """Rebuild `node` bottom-up, replacing every expression e with fn(e) (statements kept)."""
    if isinstance(node, tuple):
        return tuple(map_exprs(n, fn) for n in node)
    if not isinstance(node, (Expr, Stmt)):
        return node
    changes = {}
    for f in fields(node):
        if f.name == "loc":
            continue
        v = getattr(node, f.name)
        if isinstance(v, (Expr, Stmt)):
            nv = map_exprs(v, fn)
        elif isinstance(v, tuple) and any(isinstance(x, (Expr, Stmt)) for x in v):
            nv = tuple(map_exprs(x, fn) for x in v)
        else:
            continue
        if nv is not v:
            changes[f.name] = nv
    new = replace(node, **changes) if changes else node
    return fn(new) if isinstance(new, Expr) else new


def assigned_names(body) -> set:
    names = set()
    for n in walk(body):
        if isinstance(n, Assign):
            names.add(n.target)
        elif isinstance(n, For):
            names.add(n.var)
    return names
