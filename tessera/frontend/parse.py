"""Python AST -> Tessera IR.

One `_stmt_<Node>` / `_expr_<Node>` method per Python construct, found by
name; anything else is rejected by name with the user's line and what to
write instead. Calls are resolved statically against the function's globals
(so `ts.program_id`, `tessera.program_id` and `from tessera import
program_id` all work), never executed.

Example::

    >>> import tessera as ts
    >>> from tessera.frontend.parse import parse_kernel
    >>> def scale(x: ts.Tensor["N", ts.f32], s: ts.f32):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = x[i] * s
    >>> k = parse_kernel(scale)
    >>> [p.name for p in k.params], len(k.body)
    (['x', 's'], 2)
"""

from __future__ import annotations

import ast
import builtins
import inspect
import math
import textwrap
import types

from ..errors import SourceLoc, TesseraError, UnsupportedSyntaxError, KernelTypeError
from ..lang import dtypes as _dt
from ..lang import intrinsics as _intr
from ..lang import autotune as _autotune
from ..lang.dtypes import DType
from ..lang.shared import _Alloc
from ..lang.tensor import TensorSpec, _ConstExpr
from . import ir

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
           ast.Mod: "%", ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>",
           ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_UNOPS = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not", ast.Invert: "~"}

# Python builtins and math functions a kernel may call, as the intrinsic they mean.
_BUILTIN_CALLS = {builtins.min: "min", builtins.max: "max", builtins.abs: "abs"}
_MATH_CALLS = {getattr(math, n): n for n in ("exp", "exp2", "log", "log2", "log10", "sqrt",
                                            "tanh", "sin", "cos", "tan", "floor", "ceil",
                                            "erf", "trunc", "isnan", "isinf", "asin", "acos",
                                            "atan", "sinh", "cosh", "log1p", "expm1", "pow",
                                            "atan2", "fmod", "fabs") if hasattr(math, n)}
_MATH_CALLS[math.fabs] = "abs"
_PY_CASTS = {builtins.float: _dt.f32, builtins.int: _dt.i32, builtins.bool: _dt.bool_}

COLLECTIVE_HINT = "call it at the top level of the kernel body, or in loops and ifs whose condition is the same for every thread"


class _Parser:
    def __init__(self, fn, is_func: bool):
        self.fn = fn
        self.is_func = is_func
        self.name = fn.__name__
        try:
            lines, self.first_line = inspect.getsourcelines(fn)
        except (OSError, TypeError):
            raise TesseraError(
                f"cannot read the source of '{self.name}'",
                kernel=self.name,
                hint="define kernels in a .py file or a notebook cell, not with exec() or in the REPL",
            ) from None
        self.filename = fn.__code__.co_filename
        self.lines = [l.rstrip("\n") for l in lines]
        src = "".join(lines)
        self.indent = len(lines[0]) - len(lines[0].lstrip())
        self.tree = ast.parse(textwrap.dedent(src))
        self.globals = dict(fn.__globals__)
        if fn.__closure__:
            for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
                try:
                    self.globals[name] = cell.cell_contents
                except ValueError:
                    pass
        self.params: dict[str, ir.Param] = {}
        self.symbols: set[str] = set()
        self.locals: set[str] = set()
        self.shared: dict[str, ir.SharedAlloc] = {}
        self.funcs: dict[str, object] = {}
        self.const_params: list[str] = []

    # ------------------------------------------------------------------ helpers

    def loc(self, node) -> SourceLoc:
        lineno = getattr(node, "lineno", 1)
        text = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else None
        return SourceLoc(self.filename, self.first_line + lineno - 1,
                         getattr(node, "col_offset", 0) + self.indent, text)

    def error(self, node, message, hint=None, cls=UnsupportedSyntaxError):
        return cls(message, kernel=self.name, loc=self.loc(node), hint=hint)

    def resolve(self, node):
        """The Python object a Name/Attribute chain rooted in globals names, or None."""
        if isinstance(node, ast.Name):
            if node.id in self.locals or node.id in self.params:
                return None
            if node.id in self.globals:
                return self.globals[node.id]
            return getattr(builtins, node.id, None)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if isinstance(base, (types.ModuleType, type)) or hasattr(base, "__dict__"):
                return getattr(base, node.attr, None)
        if isinstance(node, ast.Subscript):
            base = self.resolve(node.value)
            if isinstance(base, _Alloc):
                dtype = self.resolve(node.slice)
                if isinstance(dtype, DType):
                    return base[dtype]
        return None

    def const_int(self, node, what: str, hint: str) -> int:
        # `-1` is UnaryOp(USub, Constant(1)) in the AST, not a negative constant.
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self.const_int(node.operand, what, hint)
        if isinstance(node, ast.Constant) and type(node.value) is int:  # not True/False
            return node.value
        raise self.error(node, f"{what} must be a literal integer", hint=hint)

    # ------------------------------------------------------------------ parameters

    def parse_params(self, fdef: ast.FunctionDef):
        a = fdef.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or a.defaults:
            raise self.error(fdef, "kernels take plain positional parameters only (no *args, **kwargs, defaults)",
                             hint="def k(x: ts.Tensor[\"N\", ts.f32], n: ts.i32): ...")
        hints = getattr(self.fn, "__annotations__", {})
        out = []
        for arg in a.args:
            ann = hints.get(arg.arg)
            if isinstance(ann, str):
                try:
                    ann = eval(ann, self.globals)  # noqa: S307 - the user's own annotation
                except Exception:
                    ann = None
            loc = self.loc(arg)
            if isinstance(ann, TensorSpec):
                p = ir.Param(arg.arg, "tensor", ann.dtype, ann.dims, loc)
                self.symbols.update(d for d in ann.dims if isinstance(d, str))
            elif isinstance(ann, DType):
                p = ir.Param(arg.arg, "scalar", ann, (), loc)
            elif isinstance(ann, _ConstExpr):
                p = ir.Param(arg.arg, "constexpr", None, (), loc)
            elif ann is None and self.is_func:
                p = ir.Param(arg.arg, "scalar", None, (), loc)  # typed at each call site
            else:
                raise self.error(
                    arg, f"parameter '{arg.arg}' needs an annotation: a tensor, a scalar dtype or ts.constexpr",
                    hint=f'{arg.arg}: ts.Tensor["N", ts.f32]   or   {arg.arg}: ts.i32   or   {arg.arg}: ts.constexpr',
                    cls=KernelTypeError)
            out.append(p)
            self.params[p.name] = p
        return tuple(out)

    # ------------------------------------------------------------------ statements

    def parse(self) -> ir.Kernel:
        fdef = self.tree.body[0]
        if not isinstance(fdef, ast.FunctionDef):
            raise self.error(fdef, "a kernel must be a plain `def` function", hint="def my_kernel(...):")
        params = self.parse_params(fdef)
        body = fdef.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]  # docstring
        stmts = self.block(body)
        return ir.Kernel(self.name, params, stmts, self.loc(fdef), is_func=self.is_func,
                         shared=tuple(self.shared.items()),
                         funcs=tuple(self.funcs.items()),
                         const_params=tuple(self.const_params))

    def block(self, stmts) -> tuple:
        out = []
        for s in stmts:
            r = self.stmt(s)
            if r is None:
                continue
            out.extend(r if isinstance(r, list) else [r])
        return tuple(out)

    def stmt(self, node):
        meth = getattr(self, "_stmt_" + type(node).__name__, None)
        if meth is None:
            what = {"With": "`with` blocks", "Try": "try/except blocks", "FunctionDef": "nested functions",
                    "ClassDef": "classes", "Import": "imports", "ImportFrom": "imports",
                    "Global": "`global` statements", "Nonlocal": "`nonlocal` statements",
                    "Raise": "`raise` statements", "Assert": "`assert` statements",
                    "Delete": "`del` statements", "Match": "`match` statements",
                    "AsyncFunctionDef": "async functions", "AsyncFor": "async loops"}.get(
                        type(node).__name__, f"`{type(node).__name__}` statements")
            raise self.error(node, f"{what} are not supported in kernels",
                             hint="use assignments, if/else, for over range/ts.range, while, and calls of @ts.func functions")
        return meth(node)

    def _stmt_Pass(self, node):
        return None

    def _stmt_Assign(self, node):
        if len(node.targets) != 1:
            raise self.error(node, "chained assignment (a = b = ...) is not supported in kernels",
                             hint="assign each name on its own line")
        return self.assign(node.targets[0], node.value, node)

    def _stmt_AnnAssign(self, node):
        ann = self.resolve(node.annotation)
        if node.value is None:
            raise self.error(node, "a declaration needs a value in kernels", hint="x: ts.f32 = 0.0")
        if not isinstance(ann, DType):
            raise self.error(node.annotation, "a local annotation must be a dtype", hint="acc: ts.f32 = 0.0",
                             cls=KernelTypeError)
        value = ir.Cast(ann, self.expr(node.value), loc=self.loc(node.value))
        if not isinstance(node.target, ast.Name):
            raise self.error(node.target, "annotated assignment needs a plain name", hint="acc: ts.f32 = 0.0")
        self.locals.add(node.target.id)
        return ir.Assign(node.target.id, value, self.loc(node))

    def assign(self, target, value_node, node):
        loc = self.loc(node)
        if isinstance(target, ast.Name):
            name = target.id
            if name in self.params and self.params[name].kind == "tensor":
                raise self.error(target, f"'{name}' is a tensor parameter and cannot be re-assigned",
                                 hint=f"write into it with {name}[i] = ..., or use another name")
            if isinstance(value_node, ast.Call):
                callee = self.resolve(value_node.func)
                if isinstance(callee, _Alloc):
                    return self.shared_alloc(name, callee, value_node, loc)
                if callee is _autotune.get_param:
                    if len(value_node.args) != 1 or not isinstance(value_node.args[0], ast.Constant) \
                            or not isinstance(value_node.args[0].value, str):
                        raise self.error(value_node, "ts.autotune.get_param takes one string literal",
                                         hint='TILE_M = ts.autotune.get_param("TILE_M")')
                    pname = value_node.args[0].value
                    if pname not in self.const_params:
                        self.const_params.append(pname)
                    self.locals.add(name)
                    return ir.Assign(name, ir.ConstParam(pname, loc=self.loc(value_node)), loc)
            value = self.expr(value_node)
            if name in self.shared:
                raise self.error(target, f"'{name}' names a shared tile and cannot be re-assigned",
                                 hint="use another name")
            self.locals.add(name)
            return ir.Assign(name, value, loc)
        if isinstance(target, ast.Subscript):
            tname, index = self.subscript(target)
            return ir.Store(tname, index, self.expr(value_node), loc)
        if isinstance(target, (ast.Tuple, ast.List)):
            raise self.error(target, "tuple unpacking is not supported in kernels",
                             hint="assign one name per line: a = ...; b = ...")
        raise self.error(target, f"cannot assign to {type(target).__name__} in a kernel",
                         hint="assign to a name (x = ...) or a tensor element (t[i] = ...)")

    def _stmt_AugAssign(self, node):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise self.error(node, f"operator {type(node.op).__name__} is not supported",
                             hint="use + - * / // % ** << >> & | ^")
        loc = self.loc(node)
        if isinstance(node.target, ast.Name):
            cur = self.expr(node.target)
            return ir.Assign(node.target.id, ir.BinOp(op, cur, self.expr(node.value), loc=loc), loc)
        if isinstance(node.target, ast.Subscript):
            tname, index = self.subscript(node.target)
            cur = ir.Load(tname, index, loc=loc)
            return ir.Store(tname, index, ir.BinOp(op, cur, self.expr(node.value), loc=loc), loc)
        raise self.error(node.target, "augmented assignment needs a name or a tensor element",
                         hint="x += 1  or  t[i] += 1")

    def shared_alloc(self, name, alloc: _Alloc, call: ast.Call, loc):
        if alloc.dtype is None:
            raise self.error(call, "ts.shared.alloc needs a dtype", hint="ts.shared.alloc[ts.f32](32, 32)",
                             cls=KernelTypeError)
        swizzle = None
        for kw in call.keywords:
            if kw.arg != "swizzle":
                raise self.error(kw, f"ts.shared.alloc has no argument '{kw.arg}'",
                                 hint='ts.shared.alloc[ts.f32](32, 32, swizzle="xor")')
            if not (isinstance(kw.value, ast.Constant) and kw.value.value in (None, "xor")):
                raise self.error(kw.value, 'swizzle must be None or "xor"', hint='swizzle="xor"')
            swizzle = kw.value.value
        if not call.args:
            raise self.error(call, "ts.shared.alloc needs a shape", hint="ts.shared.alloc[ts.f32](32, 32)")
        shape = tuple(self.expr(a) for a in call.args)
        if name in self.shared or name in self.locals:
            raise self.error(call, f"'{name}' is already defined; shared tiles are allocated once",
                             hint="allocate the tile once at the top of the kernel and reuse it")
        node = ir.SharedAlloc(name, alloc.dtype, shape, swizzle, loc)
        self.shared[name] = node
        return node

    def _stmt_If(self, node):
        return ir.If(self.expr(node.test), self.block(node.body), self.block(node.orelse), self.loc(node))

    def _stmt_For(self, node):
        if node.orelse:
            raise self.error(node, "for/else is not supported in kernels", hint="use a flag variable")
        if not isinstance(node.target, ast.Name):
            raise self.error(node.target, "a loop variable must be a plain name", hint="for i in range(n):")
        it = node.iter
        callee = self.resolve(it.func) if isinstance(it, ast.Call) else None
        if callee not in (builtins.range, _intr.range):
            raise self.error(it, "kernels loop over range(...) or ts.range(...) only",
                             hint="for i in ts.range(0, n, step):")
        if it.keywords or not 1 <= len(it.args) <= 3:
            raise self.error(it, "range takes 1 to 3 positional arguments", hint="ts.range(start, stop, step)")
        args = [self.expr(a) for a in it.args]
        if len(args) == 1:
            start, stop, step = ir.Const(0, loc=args[0].loc), args[0], ir.Const(1, loc=args[0].loc)
        elif len(args) == 2:
            start, stop, step = args[0], args[1], ir.Const(1, loc=args[1].loc)
        else:
            start, stop, step = args
        var = node.target.id
        if var in self.params:
            raise self.error(node.target, f"the loop variable '{var}' hides a parameter", hint="use another name")
        self.locals.add(var)
        body = self.block(node.body)
        return ir.For(var, start, stop, step, body, unroll=callee is _intr.range, loc=self.loc(node))

    def _stmt_While(self, node):
        if node.orelse:
            raise self.error(node, "while/else is not supported in kernels", hint="use a flag variable")
        return ir.While(self.expr(node.test), self.block(node.body), self.loc(node))

    def _stmt_Break(self, node):
        return ir.Break(self.loc(node))

    def _stmt_Continue(self, node):
        return ir.Continue(self.loc(node))

    def _stmt_Return(self, node):
        if node.value is not None and not self.is_func:
            raise self.error(node, "a kernel cannot return a value",
                             hint="write results into an output tensor: out[i] = value")
        return ir.Return(self.expr(node.value) if node.value is not None else None, self.loc(node))

    def _stmt_Expr(self, node):
        v = node.value
        if isinstance(v, ast.Constant) and isinstance(v.value, str):
            return None  # a string used as a comment
        if not isinstance(v, ast.Call):
            raise self.error(node, "this expression has no effect",
                             hint="assign it (x = ...) or store it (t[i] = ...)")
        callee = self.resolve(v.func)
        loc = self.loc(node)
        if callee is _intr.barrier:
            if v.args:
                raise self.error(v, "ts.barrier() takes no arguments", hint="ts.barrier()")
            return ir.Barrier(loc)
        if callee is _intr.copy_async:
            return self.copy_async(v, loc)
        if callee is _intr.wait_group:
            if len(v.args) != 1:
                raise self.error(v, "ts.wait_group takes one argument", hint="ts.wait_group(0)")
            return ir.WaitGroup(self.expr(v.args[0]), loc)
        return ir.ExprStmt(self.expr(v), loc)

    def copy_async(self, call, loc):
        if len(call.args) != 2 or call.keywords:
            raise self.error(call, "ts.copy_async takes a global tile slice and a shared tile",
                             hint="ts.copy_async(A[r0:r0 + T, k:k + T], As)")
        src, dst = call.args
        if not isinstance(dst, ast.Name) or dst.id not in self.shared:
            raise self.error(dst, "the destination of ts.copy_async must be a shared tile",
                             hint="As = ts.shared.alloc[ts.f32](T, T) ... ts.copy_async(A[...], As)")
        if not isinstance(src, ast.Subscript) or not isinstance(src.value, ast.Name) \
                or src.value.id not in self.params or self.params[src.value.id].kind != "tensor":
            raise self.error(src, "the source of ts.copy_async must be a slice of a tensor parameter",
                             hint="ts.copy_async(A[r0:r0 + T, k:k + T], As)")
        tname = src.value.id
        items = src.slice.elts if isinstance(src.slice, ast.Tuple) else [src.slice]
        rank = self.params[tname].rank
        if len(items) != rank:
            raise self.error(src, f"'{tname}' has {rank} dimension{'s' if rank != 1 else ''} but the slice has {len(items)}",
                             hint="give one start:stop per dimension")
        starts, stops = [], []
        for it in items:
            if not isinstance(it, ast.Slice) or it.lower is None or it.upper is None or it.step is not None:
                raise self.error(it, "ts.copy_async needs start:stop slices with both ends",
                                 hint="A[r0:r0 + T, k:k + T]")
            starts.append(self.expr(it.lower))
            stops.append(self.expr(it.upper))
        return ir.CopyAsync(tname, tuple(starts), tuple(stops), dst.id, loc)

    # ------------------------------------------------------------------ expressions

    def expr(self, node) -> ir.Expr:
        meth = getattr(self, "_expr_" + type(node).__name__, None)
        if meth is None:
            what = {"Lambda": "lambdas", "ListComp": "list comprehensions", "List": "lists",
                    "Dict": "dicts", "Set": "sets", "Tuple": "tuples", "JoinedStr": "f-strings",
                    "GeneratorExp": "generators", "Starred": "*args", "Await": "await",
                    "NamedExpr": "assignment expressions (:=)", "Slice": "slices"}.get(
                        type(node).__name__, f"`{type(node).__name__}` expressions")
            raise self.error(node, f"{what} are not supported in kernels",
                             hint="use scalars, tensor elements t[i, j], and calls of ts intrinsics")
        return meth(node)

    def _expr_Constant(self, node):
        v = node.value
        if isinstance(v, bool) or isinstance(v, (int, float)):
            return ir.Const(v, loc=self.loc(node))
        raise self.error(node, f"constant {v!r} of type {type(v).__name__} is not supported in kernels",
                         hint="use int, float or bool values", cls=KernelTypeError)

    def _expr_Name(self, node):
        name, loc = node.id, self.loc(node)
        if name in self.locals:
            return ir.Name(name, loc=loc)
        if name in self.params:
            p = self.params[name]
            if p.kind == "tensor":
                return ir.TensorRef(name, loc=loc)
            if p.kind == "constexpr":
                return ir.ConstParam(name, loc=loc)
            return ir.Name(name, loc=loc)
        if name in self.shared:
            return ir.TensorRef(name, loc=loc)
        if name in self.symbols:
            return ir.Symbol(name, loc=loc)
        obj = self.resolve(node)
        if isinstance(obj, (bool, int, float)) and not isinstance(obj, DType):
            return ir.Const(obj, loc=loc)  # a global constant: folded in
        if obj is None:
            raise self.error(node, f"name '{name}' is not defined in kernel '{self.name}'",
                             hint="define it before use, pass it as a parameter, or make it a global int/float constant",
                             cls=TesseraError)
        raise self.error(node, f"'{name}' ({type(obj).__name__}) cannot be used as a value in a kernel",
                         hint="kernels read numbers, tensor elements and shape symbols", cls=KernelTypeError)

    def _expr_BinOp(self, node):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise self.error(node, f"operator {type(node.op).__name__} is not supported in kernels",
                             hint="use + - * / // % ** << >> & | ^")
        return ir.BinOp(op, self.expr(node.left), self.expr(node.right), loc=self.loc(node))

    def _expr_UnaryOp(self, node):
        return ir.UnaryOp(_UNOPS[type(node.op)], self.expr(node.operand), loc=self.loc(node))

    def _expr_BoolOp(self, node):
        op = "and" if isinstance(node.op, ast.And) else "or"
        return ir.BoolOp(op, tuple(self.expr(v) for v in node.values), loc=self.loc(node))

    def _expr_Compare(self, node):
        parts, left = [], self.expr(node.left)
        for op, right_node in zip(node.ops, node.comparators):
            sym = _CMPOPS.get(type(op))
            if sym is None:
                raise self.error(node, f"comparison {type(op).__name__} is not supported in kernels",
                                 hint="use < <= > >= == !=")
            right = self.expr(right_node)
            parts.append(ir.Compare(sym, left, right, loc=self.loc(node)))
            left = right
        return parts[0] if len(parts) == 1 else ir.BoolOp("and", tuple(parts), loc=self.loc(node))

    def _expr_IfExp(self, node):
        return ir.Select(self.expr(node.test), self.expr(node.body), self.expr(node.orelse), loc=self.loc(node))

    def subscript(self, node) -> tuple[str, tuple]:
        base = node.value
        if not isinstance(base, ast.Name) or not (
                (base.id in self.params and self.params[base.id].kind == "tensor") or base.id in self.shared):
            raise self.error(node, "only tensor parameters and shared tiles can be indexed",
                             hint="t[i] where t is a ts.Tensor parameter or a ts.shared.alloc tile")
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for it in items:
            if isinstance(it, ast.Slice):
                raise self.error(it, "slices are only allowed as the source of ts.copy_async",
                                 hint="index one element per axis: t[i, j]")
        rank = self.params[base.id].rank if base.id in self.params else len(self.shared[base.id].shape)
        if len(items) != rank:
            raise self.error(node, f"'{base.id}' has {rank} dimension{'s' if rank != 1 else ''} "
                                   f"but is indexed with {len(items)}",
                             hint=f"{base.id}[{', '.join('ijkl'[:rank])}]", cls=KernelTypeError)
        return base.id, tuple(self.expr(i) for i in items)

    def _expr_Subscript(self, node):
        v = node.value
        if isinstance(v, ast.Attribute) and v.attr == "shape" and isinstance(v.value, ast.Name):
            tname = v.value.id
            rank = (self.params[tname].rank if tname in self.params and self.params[tname].kind == "tensor"
                    else len(self.shared[tname].shape) if tname in self.shared else None)
            if rank is None:
                raise self.error(node, f"'{tname}' has no shape: only tensors do", hint="t.shape[0]")
            axis = self.const_int(node.slice, "a shape index", hint=f"{tname}.shape[0]")
            if not -rank <= axis < rank:
                raise self.error(node.slice, f"'{tname}' has {rank} dimension{'s' if rank != 1 else ''}; shape[{axis}] does not exist",
                                 hint=f"{tname}.shape[0] ... {tname}.shape[{rank - 1}]", cls=KernelTypeError)
            return ir.Shape(tname, axis % rank, loc=self.loc(node))
        tname, index = self.subscript(node)
        return ir.Load(tname, index, loc=self.loc(node))

    def _expr_Attribute(self, node):
        obj = self.resolve(node)
        if isinstance(obj, (bool, int, float)):
            return ir.Const(obj, loc=self.loc(node))
        raise self.error(node, f"attribute '{node.attr}' cannot be used as a value here",
                         hint="read shapes as t.shape[i]; call intrinsics as ts.name(...)")

    def _expr_Call(self, node):
        loc = self.loc(node)
        callee = self.resolve(node.func)
        if node.keywords:
            raise self.error(node, "keyword arguments are not supported in kernel calls",
                             hint="pass arguments by position")
        if isinstance(callee, DType) or callee in _PY_CASTS:
            to = callee if isinstance(callee, DType) else _PY_CASTS[callee]
            if len(node.args) != 1:
                raise self.error(node, f"a cast takes one value", hint=f"ts.{to.name}(x)")
            return ir.Cast(to, self.expr(node.args[0]), loc=loc)
        fname = ast.unparse(node.func)
        # Checked before the intrinsic dispatch below, which would otherwise accept
        # `v = ts.barrier()` as a value (these stubs are intrinsics too).
        if callee in (_intr.barrier, _intr.copy_async, _intr.wait_group):
            raise self.error(node, f"{fname}() is a statement and has no value", hint=f"{fname}(...) on its own line")
        iname = getattr(callee, "__tessera_intrinsic__", None) if callee is not None else None
        if iname is None and callee is not None:
            try:
                iname = _BUILTIN_CALLS.get(callee) or _MATH_CALLS.get(callee)
            except TypeError:
                iname = None
        if iname is not None:
            return self.intrinsic(iname, node, loc)
        from ..runtime.func import DeviceFunction  # the @ts.func wrapper
        if isinstance(callee, DeviceFunction):
            self.funcs[callee.name] = callee
            return ir.Call(callee.name, tuple(self.expr(a) for a in node.args), loc=loc)
        if callee is _autotune.get_param:
            raise self.error(node, "ts.autotune.get_param must be assigned to a name",
                             hint='TILE_M = ts.autotune.get_param("TILE_M")')
        if isinstance(callee, _Alloc):
            raise self.error(node, "ts.shared.alloc must be assigned to a name",
                             hint="As = ts.shared.alloc[ts.f32](32, 32)")
        if getattr(callee, "__tessera_kernel__", False):
            raise self.error(node, f"'{fname}' is a kernel; kernels cannot call kernels",
                             hint=f"make the shared code a device function with @ts.func")
        raise self.error(node, f"'{fname}' cannot be called inside a kernel",
                         hint="call ts intrinsics (ts.exp, ts.min, ...), casts (ts.f32(x)) or @ts.func functions")

    def intrinsic(self, name, node, loc):
        nargs = _intr.INTRINSICS.get(name, 1 if name in _BUILTIN_CALLS.values() else None)
        if name in ("min", "max") and len(node.args) > 2:
            # min(a, b, c) == min(min(a, b), c)
            args = [self.expr(a) for a in node.args]
            acc = args[0]
            for a in args[1:]:
                acc = ir.Intrinsic(name, (acc, a), loc=loc)
            return acc
        if name in ("program_id", "num_programs", "thread_id", "block_size"):
            if len(node.args) != 1:
                raise self.error(node, f"ts.{name} takes one axis", hint=f"ts.{name}(0)")
            axis = self.const_int(node.args[0], f"ts.{name} axis", hint=f"ts.{name}(0)")
            if axis not in (0, 1, 2):
                raise self.error(node.args[0], f"ts.{name} axis must be 0, 1 or 2", hint=f"ts.{name}(0)")
            return ir.Intrinsic(name, (ir.Const(axis, loc=loc),), loc=loc)
        if name in _intr.ATOMIC_NAMES:
            return self.atomic(name, node, loc)
        if name in ("range",):
            raise self.error(node, "ts.range is only used as a for-loop iterable", hint="for k in ts.range(0, K, 32):")
        if nargs is not None and len(node.args) != nargs:
            raise self.error(node, f"ts.{name} takes {nargs} argument{'s' if nargs != 1 else ''}, "
                                   f"got {len(node.args)}",
                             hint=f"ts.{name}({', '.join('abc'[:nargs])})")
        return ir.Intrinsic(name, tuple(self.expr(a) for a in node.args), loc=loc)

    def atomic(self, name, node, loc):
        args = list(node.args)
        want = 3 if name == "atomic_cas" else 2
        if args and isinstance(args[0], ast.Subscript) and len(args) == want:
            tname, index = self.subscript(args[0])
            rest = args[1:]
        elif len(args) == want + 1 and isinstance(args[0], ast.Name):
            tname = args[0].id
            if not ((tname in self.params and self.params[tname].kind == "tensor") or tname in self.shared):
                raise self.error(args[0], f"the first argument of ts.{name} must be a tensor",
                                 hint=f"ts.{name}(hist, i, 1)  or  ts.{name}(hist[i], 1)")
            idx = args[1]
            items = idx.elts if isinstance(idx, ast.Tuple) else [idx]
            index = tuple(self.expr(i) for i in items)
            rest = args[2:]
        else:
            extra = ", expected, new" if name == "atomic_cas" else ", value"
            raise self.error(node, f"ts.{name} takes a tensor element and a value",
                             hint=f"ts.{name}(t[i]{extra})  or  ts.{name}(t, i{extra})")
        return ir.Intrinsic(name, (ir.TensorRef(tname, loc=loc), ir.Intrinsic("index", index, loc=loc))
                            + tuple(self.expr(a) for a in rest), loc=loc)


def parse_kernel(fn, *, is_func: bool = False) -> ir.Kernel:
    """Parse a Python function into Tessera IR (no types yet; see passes.typing)."""
    return _Parser(fn, is_func).parse()
