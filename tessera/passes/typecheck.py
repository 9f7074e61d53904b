"""Type inference: every expression gets a dtype, every conversion becomes an explicit Cast.

The rules (DESIGN.md, "Typing"): a Python float literal is a weak f32 and an
int literal a weak i32; a weak operand takes the type of the other one, so
`acc = 0.0; acc += As[i, k] * Bs[k, j]` accumulates in f32 for f32 tiles.
A store converts to the destination's dtype. Index arithmetic uses
`index_dtype` (i32 unless some tensor is too large for it).

Example::

    >>> import tessera as ts
    >>> from tessera.frontend.parse import parse_kernel
    >>> from tessera.passes.typecheck import infer_types
    >>> def k(x: ts.Tensor["N", ts.f32]):
    ...     acc = 0.0
    ...     acc += x[0] * 2
    ...     x[1] = acc
    >>> typed = infer_types(parse_kernel(k), {"x": ts.f32}, ts.i32)
    >>> typed.body[0].value.dtype      # acc = 0.0 accumulates f32 values: it is f32
    ts.f32
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import KernelTypeError
from ..frontend import ir
from ..lang import dtypes as dt
from ..lang.dtypes import DType, promote

_INDEX_INTRINSICS = ("program_id", "num_programs", "thread_id", "block_size")
_BOOL_MATH = ("isnan", "isinf")


class _Pending(Exception):
    """A name not typed yet during the fixpoint scan."""


class _Typer:
    scanning = False

    def __init__(self, kernel: ir.Kernel, arg_types: dict, index: DType, func_types):
        self.k = kernel
        self.index = index
        self.func_types = func_types  # callable(func_name, [arg dtypes]) -> return dtype
        self.tensors: dict[str, DType] = {}
        self.vars: dict[str, tuple[DType, bool]] = {}  # name -> (dtype, weak)
        for p in kernel.params:
            if p.kind == "tensor":
                self.tensors[p.name] = arg_types.get(p.name, p.dtype)
            elif p.kind == "scalar":
                t = arg_types.get(p.name, p.dtype)
                if t is None:
                    raise KernelTypeError(f"parameter '{p.name}' has no type", kernel=kernel.name, loc=p.loc,
                                          hint=f"{p.name}: ts.f32")
                self.vars[p.name] = (t, False)
        for name, alloc in kernel.shared:
            self.tensors[name] = alloc.elem

    def err(self, node, msg, hint):
        return KernelTypeError(msg, kernel=self.k.name, loc=getattr(node, "loc", None), hint=hint)

    # ---------------------------------------------------------------- expression types (no rebuild)

    def join(self, a: tuple, b: tuple) -> tuple:
        (ta, wa), (tb, wb) = a, b
        if wa and not wb:
            return (dt.f32 if ta.is_float and tb.is_int else tb), False
        if wb and not wa:
            return (dt.f32 if tb.is_float and ta.is_int else ta), False
        return promote(ta, tb), wa and wb

    def typeof(self, e) -> tuple:
        if isinstance(e, ir.Const):
            if e.dtype is not None:
                return e.dtype, False
            v = e.value
            if isinstance(v, bool):
                return dt.bool_, True
            if isinstance(v, int):
                return (dt.i32 if -2**31 <= v < 2**31 else dt.i64), True
            return dt.f32, True
        if isinstance(e, ir.Name):
            if e.id not in self.vars and self.scanning:
                raise _Pending(e.id)
            if e.id not in self.vars:
                raise self.err(e, f"'{e.id}' is used before it is assigned",
                               "assign it first (e.g. x = 0.0) on every path before the use")
            return self.vars[e.id]
        if isinstance(e, (ir.Symbol, ir.Shape)):
            return self.index, False
        if isinstance(e, ir.Load):
            for i in e.index:
                t, _ = self.typeof(i)
                if not (t.is_int or t.kind == "b"):
                    raise self.err(i, f"tensor index of type {t.name}; indices must be integers",
                                   f"convert explicitly: {e.tensor}[ts.i32(x)]")
            return self.tensors[e.tensor], False
        if isinstance(e, ir.TensorRef):
            raise self.err(e, f"the tensor '{e.tensor}' is used as a number",
                           f"index it: {e.tensor}[i]")
        if isinstance(e, ir.Cast):
            self.typeof(e.value)
            return e.to, False
        if isinstance(e, ir.BinOp):
            l, r = self.typeof(e.left), self.typeof(e.right)
            t, w = self.join(l, r)
            if e.op == "/" and t.is_int:
                return dt.f32, w
            if e.op in ("<<", ">>", "&", "|", "^") and t.is_float:
                raise self.err(e, f"bitwise '{e.op}' on {t.name} values", "use integers, e.g. ts.i32(x)")
            if e.op in ("+", "-", "*", "//", "%", "**") and t.kind == "b":
                return dt.i32, w
            return t, w
        if isinstance(e, ir.UnaryOp):
            t, w = self.typeof(e.operand)
            if e.op == "not":
                return dt.bool_, False
            if e.op == "~" and t.is_float:
                raise self.err(e, f"'~' on a {t.name} value", "use integers for bitwise operations")
            return t, w
        if isinstance(e, (ir.Compare, ir.BoolOp)):
            for c in ir.children(e):
                self.typeof(c)
            return dt.bool_, False
        if isinstance(e, ir.Select):
            self.typeof(e.cond)
            return self.join(self.typeof(e.then), self.typeof(e.orelse))
        if isinstance(e, ir.Intrinsic):
            return self.typeof_intrinsic(e)
        if isinstance(e, ir.Call):
            args = [self.typeof(a) for a in e.args]
            return self.func_types(e.func, [t for t, _ in args], e), False
        raise self.err(e, f"cannot type {type(e).__name__}", "simplify the expression")

    def typeof_intrinsic(self, e: ir.Intrinsic) -> tuple:
        n = e.name
        if n in _INDEX_INTRINSICS:
            return self.index, False
        if n == "cdiv":
            t, w = self.join(self.typeof(e.args[0]), self.typeof(e.args[1]))
            if not t.is_int:
                raise self.err(e, "ts.cdiv takes integers", "ts.cdiv(n, 256)")
            return t, w
        if n.startswith("atomic_"):
            tensor = e.args[0].tensor
            for a in e.args[2:]:
                self.typeof(a)
            return self.tensors[tensor], False
        args = [self.typeof(a) for a in e.args]
        if n in _BOOL_MATH:
            return dt.bool_, False
        if n == "where":
            return self.join(args[1], args[2])
        t, w = args[0]
        for a in args[1:]:
            t, w = self.join((t, w), a)
        if n in ("min", "max", "abs"):
            return t, w
        # transcendental functions compute in floats
        return (t if t.is_float else dt.f32), w

    # ---------------------------------------------------------------- variable fixpoint

    def scan(self, body):
        for s in body:
            try:
                self.scan_stmt(s)
            except _Pending:
                pass  # a name assigned later in the loop; the next round sees it

    def scan_stmt(self, s):
        if isinstance(s, ir.Assign):
            t = self.typeof(s.value)
            if s.target in self.vars:
                old = self.vars[s.target]
                if self.k.param(s.target) is not None:
                    # A scalar parameter keeps its declared type; a float into an int
                    # parameter would truncate silently, which a store also refuses.
                    if t[0].is_float and old[0].is_int:
                        raise self.err(s, f"assigning a {t[0].name} value to the {old[0].name} parameter "
                                          f"'{s.target}' would silently truncate",
                                       f"use a new name ({s.target}_f = ...), or convert explicitly: "
                                       f"{s.target} = ts.{old[0].name}(value)")
                    return
                t = self.join(old, t)
            self.vars[s.target] = t
        elif isinstance(s, ir.For):
            t = self.join(self.join(self.typeof(s.start), self.typeof(s.stop)), self.typeof(s.step))
            if not t[0].is_int:
                raise self.err(s, "range bounds must be integers", "for i in range(0, n): with int n")
            # loop variables are index-sized unless a bound is wider
            t = (promote(t[0], self.index) if t[1] else t[0]), False
            self.vars[s.var] = t
            self.scan(s.body)
        elif isinstance(s, ir.If):
            self.scan(s.then)
            self.scan(s.orelse)
        elif isinstance(s, ir.While):
            self.scan(s.body)

    # ---------------------------------------------------------------- rebuild with explicit types

    def var_type(self, name) -> DType:
        return self.vars[name][0]

    def coerce(self, e: ir.Expr, to: DType) -> ir.Expr:
        if e.dtype == to:
            return e
        if isinstance(e, ir.Const) and e.weak and not isinstance(e.value, bool) or \
                isinstance(e, ir.Const) and to.kind == "b":
            v = e.value
            v = float(v) if to.is_float else (bool(v) if to.kind == "b" else int(v))
            return replace(e, value=v, dtype=to)
        return ir.Cast(to, e, dtype=to, loc=e.loc)

    def build(self, e: ir.Expr, want: DType | None = None) -> ir.Expr:
        """Rebuild e with dtypes; `want` is the type the context needs (a weak literal adopts it)."""
        t, w = self.typeof(e)
        target = want if want is not None and (w or want == t) else t
        out = self._build(e, t)
        return self.coerce(out, want if want is not None else target)

    def _build(self, e, t) -> ir.Expr:
        if isinstance(e, ir.Const):
            return self.coerce(replace(e, dtype=None), t) if e.dtype is None else e
        if isinstance(e, (ir.Name, ir.Symbol, ir.Shape)):
            return replace(e, dtype=t)
        if isinstance(e, ir.Load):
            return replace(e, index=tuple(self.build(i, self.index) for i in e.index), dtype=t)
        if isinstance(e, ir.Cast):
            return replace(e, value=self.build(e.value), dtype=e.to)
        if isinstance(e, ir.BinOp):
            opt = t
            if e.op == "/" or e.op == "**":
                opt = t if t.is_float else dt.f32
            if e.op in ("<<", ">>"):
                return replace(e, left=self.build(e.left, t), right=self.build(e.right, t), dtype=t)
            return replace(e, left=self.build(e.left, opt), right=self.build(e.right, opt), dtype=t)
        if isinstance(e, ir.UnaryOp):
            if e.op == "not":
                return replace(e, operand=self.build(e.operand, dt.bool_), dtype=dt.bool_)
            return replace(e, operand=self.build(e.operand, t), dtype=t)
        if isinstance(e, ir.Compare):
            ct, _ = self.join(self.typeof(e.left), self.typeof(e.right))
            return replace(e, left=self.build(e.left, ct), right=self.build(e.right, ct), dtype=dt.bool_)
        if isinstance(e, ir.BoolOp):
            return replace(e, values=tuple(self.build(v, dt.bool_) for v in e.values), dtype=dt.bool_)
        if isinstance(e, ir.Select):
            return replace(e, cond=self.build(e.cond, dt.bool_), then=self.build(e.then, t),
                           orelse=self.build(e.orelse, t), dtype=t)
        if isinstance(e, ir.Intrinsic):
            return self._build_intrinsic(e, t)
        if isinstance(e, ir.Call):
            return replace(e, args=tuple(self.build(a) for a in e.args), dtype=t)
        raise self.err(e, f"cannot type {type(e).__name__}", "simplify the expression")

    def _build_intrinsic(self, e, t):
        n = e.name
        if n in _INDEX_INTRINSICS:
            return replace(e, dtype=t)
        if n.startswith("atomic_"):
            ref, index = e.args[0], e.args[1]
            index = replace(index, args=tuple(self.build(i, self.index) for i in index.args))
            vals = tuple(self.build(a, t) for a in e.args[2:])
            return replace(e, args=(ref, index) + vals, dtype=t)
        if n in _BOOL_MATH:
            (at, _), = [self.typeof(a) for a in e.args]
            at = at if at.is_float else dt.f32
            return replace(e, args=(self.build(e.args[0], at),), dtype=dt.bool_)
        if n == "where":
            return replace(e, args=(self.build(e.args[0], dt.bool_), self.build(e.args[1], t),
                                    self.build(e.args[2], t)), dtype=t)
        return replace(e, args=tuple(self.build(a, t) for a in e.args), dtype=t)

    def block(self, body) -> tuple:
        out = []
        for s in body:
            out.append(self.stmt(s))
        return tuple(out)

    def stmt(self, s):
        if isinstance(s, ir.Assign):
            return replace(s, value=self.build(s.value, self.var_type(s.target)))
        if isinstance(s, ir.Store):
            if s.tensor not in self.tensors:
                raise self.err(s, f"cannot store into '{s.tensor}'", "store into a tensor parameter or shared tile")
            vt, _ = self.typeof(s.value)
            if vt.is_float and self.tensors[s.tensor].is_int:
                raise self.err(s, f"storing a {vt.name} value into the {self.tensors[s.tensor].name} "
                                  f"tensor '{s.tensor}' would silently truncate",
                               f"convert explicitly: {s.tensor}[...] = ts.{self.tensors[s.tensor].name}(value)")
            return replace(s, index=tuple(self.build(i, self.index) for i in s.index),
                           value=self.build(s.value, self.tensors[s.tensor]))
        if isinstance(s, ir.If):
            return replace(s, cond=self.build(s.cond, dt.bool_), then=self.block(s.then),
                           orelse=self.block(s.orelse))
        if isinstance(s, ir.For):
            vt = self.var_type(s.var)
            return replace(s, start=self.build(s.start, vt), stop=self.build(s.stop, vt),
                           step=self.build(s.step, vt), body=self.block(s.body))
        if isinstance(s, ir.While):
            return replace(s, cond=self.build(s.cond, dt.bool_), body=self.block(s.body))
        if isinstance(s, ir.Return):
            return replace(s, value=self.build(s.value) if s.value is not None else None)
        if isinstance(s, ir.ExprStmt):
            return replace(s, value=self.build(s.value))
        if isinstance(s, ir.CopyAsync):
            return replace(s, starts=tuple(self.build(x, self.index) for x in s.starts),
                           stops=tuple(self.build(x, self.index) for x in s.stops))
        if isinstance(s, ir.WaitGroup):
            return replace(s, n=self.build(s.n, dt.i32))
        return s  # Barrier, SharedAlloc (shapes are literal ints), Break, Continue

    def run(self) -> ir.Kernel:
        # Variables take the join of every assignment; iterate until stable
        # because a use may come before a later, wider assignment in a loop.
        self.scanning = True
        for _ in range(16):
            before = dict(self.vars)
            self.scan(self.k.body)
            if before == self.vars:
                break
        self.scanning = False
        body = self.block(self.k.body)
        ret = None
        if self.k.is_func:
            rets = [self.typeof(r.value) for r in ir.walk(self.k.body)
                    if isinstance(r, ir.Return) and r.value is not None]
            if rets:
                acc = rets[0]
                for r in rets[1:]:
                    acc = self.join(acc, r)
                ret = acc[0]
                body = _coerce_returns(body, ret, self)
        return replace(self.k, body=body, return_dtype=ret)


def _coerce_returns(body, ret: DType, typer: _Typer):
    def fix(stmts):
        out = []
        for s in stmts:
            if isinstance(s, ir.Return) and s.value is not None:
                s = replace(s, value=typer.coerce(s.value, ret))
            elif isinstance(s, ir.If):
                s = replace(s, then=fix(s.then), orelse=fix(s.orelse))
            elif isinstance(s, (ir.For, ir.While)):
                s = replace(s, body=fix(s.body))
            out.append(s)
        return tuple(out)
    return fix(body)


def infer_types(kernel: ir.Kernel, arg_types: dict, index_dtype: DType, func_types=None) -> ir.Kernel:
    """Return `kernel` with every expression typed and every conversion explicit.

    arg_types maps parameter names to dtypes (tensors: element type);
    func_types(name, arg_dtypes, node) gives a device function's return type.
    """
    def no_funcs(name, args, node):
        raise KernelTypeError(f"unknown function '{name}'", kernel=kernel.name, loc=node.loc,
                              hint="decorate it with @ts.func")
    return _Typer(kernel, arg_types, index_dtype, func_types or no_funcs).run()


def var_types(kernel: ir.Kernel) -> dict:
    """Name -> dtype of every local variable of a typed kernel (for code generation)."""
    out = {}
    for n in ir.walk(kernel.body):
        if isinstance(n, ir.Assign):
            out[n.target] = n.value.dtype
        elif isinstance(n, ir.For):
            out[n.var] = n.start.dtype
    return out
