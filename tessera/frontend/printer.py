"""The IR as text: what the IR tab shows and what golden tests compare.

Python-like, one statement per line, with each assignment's type once types
are known and the user's line number at the right.

Example::

    >>> from tessera.frontend import ir
    >>> from tessera.frontend.printer import format_expr
    >>> format_expr(ir.BinOp("+", ir.Load("a", (ir.Name("i"),)), ir.Const(1.0)))
    'a[i] + 1.0'
"""

from __future__ import annotations

from . import ir

_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "|": 5, "^": 6, "&": 7, "<<": 8, ">>": 8,
         "+": 9, "-": 9, "*": 10, "/": 10, "//": 10, "%": 10, "unary": 11, "**": 12, "atom": 13}


def _prec(e) -> int:
    if isinstance(e, ir.BinOp):
        return _PREC[e.op]
    if isinstance(e, ir.Compare):
        return _PREC["cmp"]
    if isinstance(e, ir.BoolOp):
        return _PREC[e.op]
    if isinstance(e, ir.UnaryOp):
        return _PREC["not"] if e.op == "not" else _PREC["unary"]
    if isinstance(e, ir.Select):
        return 0
    return _PREC["atom"]


def _wrap(e, min_prec) -> str:
    s = format_expr(e)
    return f"({s})" if _prec(e) < min_prec else s


def format_expr(e) -> str:
    if isinstance(e, ir.Const):
        v = repr(e.value)
        return f"{e.dtype.name}({v})" if e.dtype is not None and not e.weak else v
    if isinstance(e, ir.Name):
        return e.id
    if isinstance(e, ir.ConstParam):
        return f"${e.name}"
    if isinstance(e, ir.Symbol):
        return e.name
    if isinstance(e, ir.Shape):
        return f"{e.tensor}.shape[{e.axis}]"
    if isinstance(e, ir.TensorRef):
        return e.tensor
    if isinstance(e, ir.BinOp):
        p = _PREC[e.op]
        right_p = p + 1 if e.op != "**" else p
        left_p = p if e.op != "**" else p + 1
        return f"{_wrap(e.left, left_p)} {e.op} {_wrap(e.right, right_p)}"
    if isinstance(e, ir.UnaryOp):
        sp = " " if e.op == "not" else ""
        return f"{e.op}{sp}{_wrap(e.operand, _prec(e))}"
    if isinstance(e, ir.Compare):
        p = _PREC["cmp"] + 1
        return f"{_wrap(e.left, p)} {e.op} {_wrap(e.right, p)}"
    if isinstance(e, ir.BoolOp):
        p = _PREC[e.op] + 1
        return f" {e.op} ".join(_wrap(v, p) for v in e.values)
    if isinstance(e, ir.Select):
        return f"{_wrap(e.then, 1)} if {_wrap(e.cond, 1)} else {_wrap(e.orelse, 0)}"
    if isinstance(e, ir.Load):
        return f"{e.tensor}[{', '.join(format_expr(i) for i in e.index)}]"
    if isinstance(e, ir.Intrinsic):
        if e.name == "index":
            return ", ".join(format_expr(a) for a in e.args)
        if e.name.startswith("atomic_"):
            ref, idx, *rest = e.args
            return f"{e.name}({ref.tensor}[{format_expr(idx)}], {', '.join(format_expr(r) for r in rest)})"
        return f"{e.name}({', '.join(format_expr(a) for a in e.args)})"
    if isinstance(e, ir.Cast):
        return f"{e.to.name}({format_expr(e.value)})"
    if isinstance(e, ir.Call):
        return f"{e.func}({', '.join(format_expr(a) for a in e.args)})"
    if hasattr(e, "format_with"):  # nodes of later IR forms (ir_vthreads.py) print themselves
        return e.format_with(format_expr)
    return f"<{type(e).__name__}>"


def _param(p: ir.Param) -> str:
    if p.kind == "tensor":
        dims = ", ".join(str(d) for d in p.dims)
        return f"{p.name}: Tensor[{dims}, {p.dtype.name}]"
    if p.kind == "constexpr":
        return f"{p.name}: constexpr"
    return f"{p.name}: {p.dtype.name}" if p.dtype is not None else p.name


def format_kernel(k: ir.Kernel, *, lines: bool = True) -> str:
    """The whole kernel as text; `lines=True` adds `# L<n>` with the user's line."""
    out: list[tuple[str, object]] = []
    word = "func" if k.is_func else "kernel"
    ret = f" -> {k.return_dtype.name}" if k.return_dtype is not None else ""
    out.append((f"{word} {k.name}({', '.join(_param(p) for p in k.params)}){ret}:", k.loc))

    def emit(stmts, depth):
        pad = "    " * depth
        for s in stmts:
            if isinstance(s, ir.Assign):
                t = f": {s.value.dtype.name}" if s.value.dtype is not None else ""
                out.append((f"{pad}{s.target}{t} = {format_expr(s.value)}", s.loc))
            elif isinstance(s, ir.Store):
                idx = ", ".join(format_expr(i) for i in s.index)
                out.append((f"{pad}{s.tensor}[{idx}] = {format_expr(s.value)}", s.loc))
            elif isinstance(s, ir.If):
                out.append((f"{pad}if {format_expr(s.cond)}:", s.loc))
                emit(s.then or (ir.ExprStmt(ir.Name("pass")),), depth + 1)
                if s.orelse:
                    out.append((f"{pad}else:", None))
                    emit(s.orelse, depth + 1)
            elif isinstance(s, ir.For):
                kw = "unrolled range" if s.unroll else "range"
                rng = f"{format_expr(s.start)}, {format_expr(s.stop)}, {format_expr(s.step)}"
                out.append((f"{pad}for {s.var} in {kw}({rng}):", s.loc))
                emit(s.body, depth + 1)
            elif isinstance(s, ir.While):
                out.append((f"{pad}while {format_expr(s.cond)}:", s.loc))
                emit(s.body, depth + 1)
            elif isinstance(s, ir.Break):
                out.append((f"{pad}break", s.loc))
            elif isinstance(s, ir.Continue):
                out.append((f"{pad}continue", s.loc))
            elif isinstance(s, ir.Return):
                v = f" {format_expr(s.value)}" if s.value is not None else ""
                out.append((f"{pad}return{v}", s.loc))
            elif isinstance(s, ir.ExprStmt):
                out.append((f"{pad}{format_expr(s.value)}", s.loc))
            elif isinstance(s, ir.Barrier):
                out.append((f"{pad}barrier()", s.loc))
            elif isinstance(s, ir.SharedAlloc):
                shape = ", ".join(format_expr(d) for d in s.shape)
                sw = f", swizzle={s.swizzle!r}" if s.swizzle else ""
                out.append((f"{pad}{s.name} = shared.alloc[{s.elem.name}]({shape}{sw})", s.loc))
            elif isinstance(s, ir.CopyAsync):
                sl = ", ".join(f"{format_expr(a)}:{format_expr(b)}" for a, b in zip(s.starts, s.stops))
                out.append((f"{pad}copy_async({s.src}[{sl}], {s.dst})", s.loc))
            elif isinstance(s, ir.WaitGroup):
                out.append((f"{pad}wait_group({format_expr(s.n)})", s.loc))
            elif hasattr(s, "format_header"):  # nodes of later IR forms (ir_vthreads.py)
                out.append((f"{pad}{s.format_header(format_expr)}", s.loc))
                if hasattr(s, "body"):
                    emit(s.body, depth + 1)
            else:
                out.append((f"{pad}<{type(s).__name__}>", getattr(s, "loc", None)))

    emit(k.body, 1)
    if not lines:
        return "\n".join(t for t, _ in out)
    width = max(len(t) for t, _ in out) + 2
    return "\n".join(f"{t:<{width}}# L{loc.line}" if loc is not None else t for t, loc in out)
