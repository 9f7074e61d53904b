"""Substitute compile-time values and fold constants.

`ts.constexpr` parameters and `ts.autotune.get_param` names become literals;
names assigned exactly once from a constant become that constant; constant
arithmetic and constant `if`s fold away. After this pass shared-tile shapes
must be literal integers (CUDA needs them at compile time).

Example::

    >>> from tessera.frontend import ir
    >>> from tessera.passes.specialize import fold_expr
    >>> fold_expr(ir.BinOp("*", ir.Const(4), ir.Const(32)))
    Const(value=128, weak=True, dtype=None, loc=None)
"""

from __future__ import annotations

import operator
from collections import Counter
from dataclasses import replace

from ..errors import KernelTypeError, TesseraError
from ..frontend import ir

_FOLD = {"+": operator.add, "-": operator.sub, "*": operator.mul, "//": operator.floordiv,
         "%": operator.mod, "<<": operator.lshift, ">>": operator.rshift, "&": operator.and_,
         "|": operator.or_, "^": operator.xor, "**": operator.pow, "/": operator.truediv}
_CMP = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq, "!=": operator.ne}


def _const(e):
    return e.value if isinstance(e, ir.Const) and e.dtype is None else None


def fold_expr(e: ir.Expr) -> ir.Expr:
    """Fold one node whose children are already folded."""
    if isinstance(e, ir.BinOp):
        a, b = _const(e.left), _const(e.right)
        if a is not None and b is not None and not isinstance(a, bool) and not isinstance(b, bool):
            if e.op in ("//", "%", "/") and b == 0:
                return e
            v = _FOLD[e.op](a, b)
            return ir.Const(v, loc=e.loc)
        # x * 1, x + 0: common after substituting tile sizes of 1
        if e.op == "*" and b == 1 or e.op == "+" and b == 0:
            return e.left
        if e.op == "*" and a == 1 or e.op == "+" and a == 0:
            return e.right
    elif isinstance(e, ir.Compare):
        a, b = _const(e.left), _const(e.right)
        if a is not None and b is not None:
            return ir.Const(bool(_CMP[e.op](a, b)), loc=e.loc)
    elif isinstance(e, ir.UnaryOp):
        a = _const(e.operand)
        if a is not None:
            v = {"-": operator.neg, "+": operator.pos, "not": operator.not_, "~": operator.invert}[e.op](a)
            return ir.Const(v, loc=e.loc)
    elif isinstance(e, ir.Intrinsic) and e.name == "cdiv":
        a, b = (_const(x) for x in e.args)
        if isinstance(a, int) and isinstance(b, int) and b:
            return ir.Const(-(-a // b), loc=e.loc)
    elif isinstance(e, ir.Intrinsic) and e.name in ("min", "max"):
        a, b = (_const(x) for x in e.args)
        if a is not None and b is not None:
            return ir.Const(min(a, b) if e.name == "min" else max(a, b), loc=e.loc)
    return e


def _assign_counts(body) -> Counter:
    c = Counter()
    for n in ir.walk(body):
        if isinstance(n, ir.Assign):
            c[n.target] += 1
        elif isinstance(n, ir.For):
            c[n.var] += 2  # a loop variable is never a constant
    return c


def specialize(kernel: ir.Kernel, consts: dict) -> ir.Kernel:
    """Replace ConstParams by `consts` values, propagate and fold constants, drop dead ifs."""
    counts = _assign_counts(kernel.body)
    known: dict = {}

    def sub(e):
        if isinstance(e, ir.ConstParam):
            if e.name not in consts:
                raise TesseraError(
                    f"no value for compile-time parameter '{e.name}'", kernel=kernel.name, loc=e.loc,
                    hint=f"pass it, or give it in the autotune space / config: {e.name}=...")
            v = consts[e.name]
            if not isinstance(v, (bool, int, float)):
                raise KernelTypeError(f"compile-time parameter '{e.name}' must be an int, float or bool, "
                                      f"got {type(v).__name__}", kernel=kernel.name, loc=e.loc,
                                      hint=f"{e.name}=32")
            return ir.Const(v, loc=e.loc)
        if isinstance(e, ir.Name) and e.id in known:
            return ir.Const(known[e.id], loc=e.loc)
        return fold_expr(e)

    def block(stmts):
        out = []
        for s in stmts:
            r = stmt(s)
            if r is None:
                continue
            out.extend(r if isinstance(r, list) else [r])
        return tuple(out)

    def stmt(s):
        if isinstance(s, ir.Assign):
            v = ir.map_exprs(s.value, sub)
            if counts[s.target] == 1 and isinstance(v, ir.Const) and v.dtype is None:
                known[s.target] = v.value
            return replace(s, value=v)
        if isinstance(s, ir.If):
            cond = ir.map_exprs(s.cond, sub)
            if isinstance(cond, ir.Const):
                return list(block(s.then if cond.value else s.orelse))
            return replace(s, cond=cond, then=block(s.then), orelse=block(s.orelse))
        if isinstance(s, ir.For):
            return replace(s, start=ir.map_exprs(s.start, sub), stop=ir.map_exprs(s.stop, sub),
                           step=ir.map_exprs(s.step, sub), body=block(s.body))
        if isinstance(s, ir.While):
            return replace(s, cond=ir.map_exprs(s.cond, sub), body=block(s.body))
        if isinstance(s, ir.SharedAlloc):
            shape = tuple(ir.map_exprs(d, sub) for d in s.shape)
            for d in shape:
                if not (isinstance(d, ir.Const) and isinstance(d.value, int) and not isinstance(d.value, bool)
                        and d.value > 0):
                    raise KernelTypeError(
                        "shared tile sizes must be positive compile-time integers",
                        kernel=kernel.name, loc=s.loc,
                        hint="use literals, ts.constexpr parameters or ts.autotune.get_param values: "
                             "ts.shared.alloc[ts.f32](TILE, TILE)")
            return replace(s, shape=shape)
        return ir.map_exprs(s, sub)

    body = block(kernel.body)
    shared = tuple((n.name, n) for n in ir.walk(body) if isinstance(n, ir.SharedAlloc))
    return replace(kernel, body=body, shared=shared)
