"""One `__global__` kernel or `__device__` function -> Tessera source, statement by statement.

A statement that cannot be translated is kept, commented, where it stood, with a
diagnostic; names it defines are marked so that statements using them are kept
too (TM190) instead of failing later at compile time. Each emitted line remembers
the CUDA line it came from: that is the line map of the side-by-side view.

    >>> from tessera.migration.cuda_tree import read_unit
    >>> unit = read_unit("__global__ void k(float* a, int n) {\\n"
    ...                  "  int i = blockIdx.x * blockDim.x + threadIdx.x;\\n"
    ...                  "  if (i < n) a[i] = 2.0f * a[i];\\n}\\n")
    >>> kt = translate_function(unit.functions[0], unit, Context())
    >>> print(kt.tessera_code, end="")
    @ts.kernel
    def k(a: ts.Tensor["N", ts.f32]):
        i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if i < N:
            a[i] = 2.0 * a[i]
    >>> kt.line_map
    {1: 2, 2: 3, 3: 4}
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .cuda_tree import child, end_line, has_error, line, named, text, walk
from .diagnostics import diagnostic
from .layouts import infer_layouts
from .result import KernelTranslation
from .translate_expr import (COOP, TEXTURES, Expr, ExprTranslator, Scope, Untranslatable, c_dtype, dtype_expr,
                             is_float, is_int, py_name)

_INT_SYMBOL_KINDS = ("i32", "i64", "u32")
# compound statements: the fields that make up their head (the rest is their body, mapped line by line)
_HEADED = {"if_statement": ("condition",), "while_statement": ("condition",),
           "for_statement": ("initializer", "condition", "update"), "do_statement": ()}



@dataclass
class Context:
    """What every function of the unit can refer to."""
    constants: dict = field(default_factory=dict)    # module constant -> dtype name
    values: dict = field(default_factory=dict)       # module constant -> its value (folding #defines)
    funcs: dict = field(default_factory=dict)        # translated device function -> return dtype
    poisoned: dict = field(default_factory=dict)     # macro / untranslated function -> (id, line, effort)
    source_lines: list = field(default_factory=list)


class _Emitter:
    def __init__(self):
        self.lines: list = []           # (indent, text, cuda line)

    def emit(self, indent: int, s: str, cuda_line: int | None):
        self.lines.append((indent, s, cuda_line))


class FunctionTranslator:
    def __init__(self, fn, unit, ctx: Context):
        self.fn, self.unit, self.ctx = fn, unit, ctx
        self.is_kernel = fn.kind == "kernel"
        self.scope = Scope(kernel=fn.name, constants=dict(ctx.constants), funcs=dict(ctx.funcs),
                           poisoned={k: v for k, v in ctx.poisoned.items()})
        self.ex = ExprTranslator(self.scope)
        self.out = _Emitter()
        self.diags: list = []
        self.origins: dict = {}        # poisoned name -> effort of the diagnostic that poisoned it
        for k, (_, _, effort) in ctx.poisoned.items():
            self.origins[k] = effort
        self.lines = ctx.source_lines
        self.loops = 0                 # depth of enclosing loops (break/continue need one)
        self.spans: dict = {}          # first CUDA line of a construct's head -> its last line

    # -------------------------------------------------------------- diagnostics

    def diag(self, id, node, detail="", *, effort=None, whole=True):
        first = line(node)
        last = end_line(node) if whole else first
        d = diagnostic(id, first, text(node).split("\n")[0] if not whole else text(node),
                       kernel=self.fn.name, detail=detail, effort=effort, end_line=last)
        self.diags.append(d)
        return d

    def keep_commented(self, indent, node, err: Untranslatable, defines=()):
        """The CUDA statement as a commented block, with its diagnostic."""
        effort = None
        detail = err.detail
        if err.id == "TM190":
            origin = self.scope.poisoned.get(err.detail)
            effort = self.origins.get(err.detail)
            if origin:
                detail = f"`{err.detail}` (line {origin[1]}, {origin[0]})"
        d = self.diag(err.id, node, detail, effort=effort)
        self.out.emit(indent, f"# {d.id} ({d.effort}): {d.message}", None)
        first = line(node)
        # The construct's own text (not its whole first line), dedented as a block.
        texts = text(node).split("\n")
        col = node.start_point[1]
        rest = [t for t in texts[1:] if t.strip()]
        common = min([len(t) - len(t.lstrip()) for t in rest] + [col]) if rest else col
        texts = [texts[0]] + [t[common:] if len(t) - len(t.lstrip()) >= common else t.lstrip() for t in texts[1:]]
        extra = [" " * (col - common) if i == 0 else "" for i in range(len(texts))]
        for i, src in enumerate(texts):
            src = (extra[i] + src).rstrip()
            self.out.emit(indent, f"#   {src}" if src.strip() else "#", first + i)
        for name in defines:
            self.scope.poisoned[name] = (d.id, d.line)
            self.origins[name] = d.effort

    def flush_notes(self, node):
        seen = {(d.id, d.line) for d in self.diags}
        for id, detail, where in self.scope.notes:
            if (id, line(where)) not in seen:
                self.diag(id, where, detail, whole=False)
                seen.add((id, line(where)))
        self.scope.notes.clear()

    # -------------------------------------------------------------- signature

    def params(self):
        """[(name, annotation or None, node)] and the template constants."""
        out = []
        plist = child(child(self.fn.node, "declarator"), "parameters")
        ints, pointers = [], []
        for p in named(plist) if plist is not None else []:
            if p.type != "parameter_declaration":
                if p.type == "variadic_parameter":
                    self.diag("TM163", p, "variadic parameters")
                continue
            tnode, d = child(p, "type"), child(p, "declarator")
            if d is None:
                continue  # `void`
            stars, arr = 0, False
            while d.type in ("pointer_declarator", "array_declarator", "reference_declarator"):
                if d.type == "reference_declarator":
                    stars = 99
                    d = named(d)[-1]
                    continue
                stars += d.type == "pointer_declarator"
                arr = arr or d.type == "array_declarator"
                d = child(d, "declarator")
            if d.type != "identifier":
                self.diag("TM163", p, f"parameter `{text(p)}`", whole=False)
                continue
            name = text(d)
            ctype = text(tnode) + "".join(" " + text(c) for c in p.children
                                          if c.type == "type_qualifier" and c.end_byte <= tnode.start_byte)
            kind = self.ex.dtype(ctype)
            if any(t in text(tnode) for t in TEXTURES):
                self._poison_param(p, name, "TM120", text(tnode))
            elif stars == 99:
                self._poison_param(p, name, "TM163", f"reference parameter `{text(p)}`")
            elif stars + arr > 1:
                self._poison_param(p, name, "TM163", f"pointer to pointer `{text(p)}`")
            elif kind is None:
                self._poison_param(p, name, "TM162", f"parameter `{text(p)}`")
            elif stars or arr:
                if not self.is_kernel:
                    self._poison_param(p, name, "TM163", f"pointer parameter `{text(p)}` of a device function")
                    continue
                pointers.append(name)
                self.scope.elem[name] = kind
                out.append([name, "pointer", p])
            else:
                self.scope.vars[name] = kind
                if kind in _INT_SYMBOL_KINDS:
                    ints.append(name)
                out.append([name, kind, p])
        return out, ints, pointers

    def _poison_param(self, p, name, id, detail):
        d = self.diag(id, p, detail, whole=False)
        self.scope.poisoned[name] = (d.id, d.line)
        self.origins[name] = d.effort

    def template_params(self):
        consts = []
        tl = self.fn.template
        if tl is None:
            return consts
        for p in named(tl):
            if p.type in ("parameter_declaration", "optional_parameter_declaration") and \
                    child(p, "declarator") is not None and is_int(c_dtype(text(child(p, "type")))):
                name = text(child(p, "declarator"))
                if not name.isidentifier():
                    self.diag("TM162", p, f"template parameter `{text(p)}`", whole=False)
                    continue
                consts.append(name)
                self.scope.vars[name] = "i32"
                self.diag("TM011", p, f"`{name}`", whole=False)
            elif p.type in ("type_parameter_declaration", "optional_type_parameter_declaration") and named(p):
                name = text(named(p)[0])
                self.scope.types[name] = "f32"
                self.diag("TM012", p, f"`{name}` is float here", whole=False)
            else:
                name = text(p)
                self.diag("TM162", p, f"template parameter `{name}`", whole=False)
        return consts

    def assigned_names(self, body) -> set:
        out = set()
        for n in walk(body):
            if n.type in ("assignment_expression", "update_expression"):
                t = child(n, "left") if n.type == "assignment_expression" else child(n, "argument")
                if t is not None and t.type == "identifier":
                    out.add(text(t))
        return out

    # -------------------------------------------------------------- whole function

    def translate(self) -> KernelTranslation:
        if not self.fn.name.isidentifier():
            raise ValueError(f"function name {self.fn.name!r}")  # translate_function keeps it as CUDA
        body = child(self.fn.node, "body")
        consts = self.template_params()
        params, ints, pointers = self.params()
        assigned = self.assigned_names(body)
        shape_ints = [n for n in ints if n not in assigned]
        layouts = infer_layouts(body, pointers, shape_ints) if self.is_kernel else {}
        self.scope.pointers.update(layouts)
        used = {d for lay in layouts.values() for d in lay.dims}
        taken = {text(n) for n in walk(self.fn.node) if n.type == "identifier"} | set(self.ctx.constants)
        dropped = []
        for name in shape_ints:
            if name in used:
                sym = name.upper() if name.upper() not in taken or name.upper() == name else name
                self.scope.symbols[name] = sym
                dropped.append(name)
                self.scope.vars.pop(name, None)
        header_line = line(child(self.fn.node, "declarator"))
        if dropped:
            self.diag("TM010", child(self.fn.node, "declarator"),
                      ", ".join(n if self.scope.symbols[n] == n else f"{n} (now {self.scope.symbols[n]})"
                                for n in dropped), whole=False)
        sig = []
        for name, kind, p in params:
            if name in self.scope.poisoned or name in dropped:
                continue
            if kind == "pointer":
                lay = layouts[name]
                dims = ", ".join(f'"{self.scope.symbols.get(d, d)}"' for d in lay.dims)
                sig.append(f"{py_name(name)}: ts.Tensor[{dims}, {dtype_expr(self.scope.elem[name])}]")
            else:
                sig.append(f"{py_name(name)}: {dtype_expr(kind)}")
        sig += [f"{py_name(c)}: ts.constexpr" for c in consts]
        if not self.is_kernel:
            self._check_device_function(body)
        for d in self.diags:   # what the signature lost stays visible above it
            if d.effort != "low":
                self.out.emit(0, f"# {d.id} ({d.effort}): {d.message}", None)
                for part in d.snippet.split("\n"):
                    self.out.emit(0, f"#   {part.strip()}", None)
        deco = "@ts.kernel" if self.is_kernel else "@ts.func"
        self.out.emit(0, deco, None)
        head = f"def {py_name(self.fn.name)}({', '.join(sig)}):"
        if len(head) > 110:
            pad = " " * (len(py_name(self.fn.name)) + 5)
            head = f"def {py_name(self.fn.name)}(" + (",\n" + pad).join(sig) + "):"
        for i, h in enumerate(head.split("\n")):
            self.out.emit(0, h, header_line if i == 0 else None)
        self.span(child(self.fn.node, "declarator"))
        n_before = len(self.out.lines)
        self.block(body, 1)
        if not any(t and not t.startswith("#") for _, t, _ in self.out.lines[n_before:]):
            self.out.emit(1, "pass", None)
        return self.result()

    def _check_device_function(self, body):
        for n in walk(body):
            if n.type == "field_expression" and text(child(n, "argument")) in (
                    "threadIdx", "blockIdx", "blockDim", "gridDim"):
                self.diag("TM164", n, f"`{text(n)}`", whole=False)
                return

    def result(self) -> KernelTranslation:
        code, lmap = [], {}
        for indent, s, cl in self.out.lines:
            for part in s.split("\n"):
                code.append(("    " * indent + part) if part else "")
            if cl is not None and cl not in lmap:
                lmap[cl] = len(code) - s.count("\n")
        for first, last in self.spans.items():   # the other lines of a multi-line statement
            if first in lmap:
                for cl in range(first + 1, last + 1):
                    lmap.setdefault(cl, lmap[first])
        lmap = dict(sorted(lmap.items()))
        return KernelTranslation(self.fn.name, self.fn.kind, self.fn.lines, "\n".join(code) + "\n",
                                 self.diags, lmap)

    def span(self, first_node, last_node=None):
        first, last = line(first_node), end_line(last_node or first_node)
        if last > first:
            self.spans[first] = max(last, self.spans.get(first, first))

    # -------------------------------------------------------------- statements

    def block(self, node, indent):
        """Statements of a compound statement (or one statement) at `indent`; emits `pass` if none."""
        start = len(self.out.lines)
        items = named(node) if node.type == "compound_statement" else [node]
        if node.type == "compound_statement":
            items = [c for c in node.children if c.is_named]
        for s in items:
            self.stmt(s, indent)
        if not any(not t.startswith("#") for _, t, _ in self.out.lines[start:]):
            self.out.emit(indent, "pass", line(node))

    def stmt(self, node, indent):
        t = node.type
        if t == "comment":
            body = text(node)
            body = body[2:] if body.startswith("//") else body[2:-2]
            for i, part in enumerate(body.strip().split("\n")):
                self.out.emit(indent, f"# {part.strip().lstrip('*').strip()}".rstrip(), line(node) + i)
            return
        meth = getattr(self, "_" + t, None)
        try:
            if t == "ERROR" or (meth is not None and has_error(node) and t != "compound_statement"):
                raise Untranslatable("TM002", "", node)
            if meth is None:  # e.g. a macro call that parsed as something else: say what it uses
                for n in walk(node):
                    if n.type == "identifier" and text(n) in self.scope.poisoned:
                        raise Untranslatable("TM190", text(n), node)
                raise Untranslatable("TM180", t.replace("_", " "), node)
            mark = len(self.out.lines)
            try:
                meth(node, indent)
            except Untranslatable:
                del self.out.lines[mark:]
                raise
            except Exception as e:  # a shape of code the translator does not know: kept, never a crash
                del self.out.lines[mark:]
                raise Untranslatable("TM180", f"{t.replace('_', ' ')} not understood ({type(e).__name__})",
                                     node) from e
            self.flush_notes(node)
            if t in _HEADED:
                heads = [child(node, f) for f in _HEADED[t]]
                heads = [h for h in heads if h is not None]
                if heads:
                    self.span(node, max(heads, key=lambda h: h.end_byte))
            elif t != "compound_statement":
                self.span(node)
        except Untranslatable as e:
            self.scope.notes.clear()
            self.keep_commented(indent, node, e, defines=self.declared(node))

    def declared(self, node) -> list:
        if node.type != "declaration":
            return []
        out = []
        for d in node.children_by_field_name("declarator"):
            while d is not None and d.type != "identifier":
                d = child(d, "declarator") or (named(d)[0] if named(d) else None)
            if d is not None:
                out.append(text(d))
        return out

    def _compound_statement(self, node, indent):
        self.block(node, indent)

    def _declaration(self, node, indent):
        quals = {c.type for q in node.children if q.type in ("type_qualifier", "storage_class_specifier")
                 for c in q.children}
        tnode = child(node, "type")
        ttext = text(tnode)
        if any(w in ttext for w in COOP) or "cg::" in ttext:
            raise Untranslatable("TM130", ttext, node)
        if any(w in ttext for w in TEXTURES):
            raise Untranslatable("TM120", ttext, node)
        if "__shared__" in quals and "extern" in quals:
            raise Untranslatable("TM150", "", node)
        if "__constant__" in quals:
            raise Untranslatable("TM151", "", node)
        kind = self.ex.dtype(ttext)
        auto = ttext == "auto"
        if kind is None and not auto:
            if ttext == "dim3":
                raise Untranslatable("TM162", "dim3 value", node)
            raise Untranslatable("TM162", f"type `{ttext}`", node)
        lines = []
        for d in node.children_by_field_name("declarator"):
            value = None
            if d.type == "init_declarator":
                value = child(d, "value")
                d = child(d, "declarator")
            if d.type == "pointer_declarator":
                raise Untranslatable("TM161", f"local pointer `{text(node)}`", node)
            if d.type == "array_declarator":
                dims = []
                while d.type == "array_declarator":
                    size = child(d, "size")
                    if size is None:
                        raise Untranslatable("TM150" if "__shared__" in quals else "TM160", "", node)
                    dims.append(size)
                    d = child(d, "declarator")
                dims.reverse()
                name = text(d)
                if "__shared__" not in quals:
                    raise Untranslatable("TM160", f"`{name}`", node)
                if value is not None:
                    raise Untranslatable("TM181", "initialized shared array", node)
                shape = ", ".join(self.ex.expr(s).text for s in dims)
                self.scope.shared[name] = (len(dims), kind, False)
                lines.append(f"{py_name(name)} = ts.shared.alloc[{dtype_expr(kind)}]({shape})")
                continue
            if d.type != "identifier":
                raise Untranslatable("TM181", f"declarator `{text(d)}`", node)
            name = text(d)
            if "__shared__" in quals:
                if value is not None:
                    raise Untranslatable("TM181", "initialized shared variable", node)
                self.scope.shared[name] = (1, kind, True)
                lines.append(f"{py_name(name)} = ts.shared.alloc[{dtype_expr(kind)}](1)")
                continue
            if value is not None and value.type == "initializer_list":
                raise Untranslatable("TM160", f"`{name}`", node)
            if value is None:
                v = Expr("0.0" if is_float(kind) else "False" if kind == "bool" else "0", kind=kind)
            else:
                v = self.ex.expr(value)
            if auto:
                kind = v.kind
                if kind is None:
                    raise Untranslatable("TM181", f"`auto {name}` of unknown type", node)
            self.scope.vars[name] = kind
            pyn = py_name(name)
            if kind in ("f32", "i32") and v.kind == kind:
                lines.append(f"{pyn} = {v.text}")
            else:
                lines.append(f"{pyn}: {dtype_expr(kind)} = {v.text}")
        for s in lines:
            self.out.emit(indent, s, line(node))

    def _expression_statement(self, node, indent):
        inner = named(node)
        if not inner:
            return
        e = inner[0]
        if e.type == "assignment_expression":
            self.assignment(e, indent, node)
        elif e.type == "update_expression":
            op = text(child(e, "operator"))
            tgt = self.target(child(e, "argument"))
            self.out.emit(indent, f"{tgt.text} {'+=' if op == '++' else '-='} 1", line(node))
        elif e.type == "call_expression" and child(e, "function").type == "identifier" and \
                text(child(e, "function")) == "__syncthreads":
            self.out.emit(indent, "ts.barrier()", line(node))
        elif e.type == "call_expression":
            self.out.emit(indent, self.ex.expr(e).text, line(node))
        elif e.type == "gnu_asm_expression":
            raise Untranslatable("TM110", "", e)
        else:
            raise Untranslatable("TM181", f"expression statement `{text(e)}` has no effect or no Tessera form", e)

    def target(self, node) -> Expr:
        if node.type == "identifier":
            name = text(node)
            if name in self.scope.symbols:
                raise Untranslatable("TM181", f"assignment to size parameter `{name}`", node)
            if name in self.scope.shared and self.scope.shared[name][2]:
                return Expr(f"{py_name(name)}[0]", kind=self.scope.shared[name][1])
            if name in self.scope.poisoned:
                raise Untranslatable("TM190", name, node)
            if name not in self.scope.vars:
                raise Untranslatable("TM181", f"assignment to `{name}`, which is not a local variable", node)
            return Expr(py_name(name), kind=self.scope.vars[name])
        if node.type == "subscript_expression":
            return self.ex.expr(node)
        if node.type == "pointer_expression" and text(child(node, "operator")) == "*":
            return self.ex.load_through(child(node, "argument"), node)
        if node.type == "parenthesized_expression" and len(named(node)) == 1:
            return self.target(named(node)[0])
        if node.type == "field_expression":
            return self.ex.expr(node)  # raises with the right id
        raise Untranslatable("TM181", f"assignment to `{text(node)}`", node)

    def assignment(self, e, indent, stmt_node):
        op = text(child(e, "operator"))
        right = child(e, "right")
        if right.type == "assignment_expression" and op == "=":
            self.assignment(right, indent, stmt_node)  # a = b = v: b = v first, then a = b
            right = child(right, "left")
        tgt = self.target(child(e, "left"))
        v = self.ex.expr(right)
        if op == "=":
            if tgt.kind and v.kind and tgt.kind != v.kind and not tgt.text.endswith("]") and \
                    (is_float(tgt.kind) != is_float(v.kind) or tgt.kind == "bool"):
                v = Expr(f"{dtype_expr(tgt.kind)}({v.text})", kind=tgt.kind)
            self.out.emit(indent, f"{tgt.text} = {v.text}", line(stmt_node))
            return
        base = op[:-1]
        if base == "/" and is_int(tgt.kind) and is_int(v.kind):
            base = "//"
        if base == "%" and is_float(tgt.kind):
            self.out.emit(indent, f"{tgt.text} = ts.fmod({tgt.text}, {v.text})", line(stmt_node))
            return
        if base not in ("+", "-", "*", "/", "//", "%", "<<", ">>", "&", "|", "^"):
            raise Untranslatable("TM181", f"operator `{op}`", e)
        self.out.emit(indent, f"{tgt.text} {base}= {v.text}", line(stmt_node))

    def _if_statement(self, node, indent, keyword="if"):
        cond = child(node, "condition")
        value = child(cond, "value") if cond.type == "condition_clause" else cond
        c = self.ex.condition(value)
        self.out.emit(indent, f"{keyword} {c.text}:", line(node))
        self.block(child(node, "consequence"), indent + 1)
        alt = child(node, "alternative")
        if alt is not None:
            inner = [x for x in alt.children if x.is_named]
            if len(inner) == 1 and inner[0].type == "if_statement":
                mark = len(self.out.lines)
                try:
                    self._if_statement(inner[0], indent, "elif")
                    return
                except Untranslatable:
                    del self.out.lines[mark:]
            self.out.emit(indent, "else:", line(alt))
            if len(inner) == 1:
                self.block(inner[0], indent + 1)
            else:
                for s in inner:
                    self.stmt(s, indent + 1)

    def _return_statement(self, node, indent):
        inner = named(node)
        if not inner:
            self.out.emit(indent, "return", line(node))
            return
        if self.is_kernel:
            raise Untranslatable("TM181", "a kernel returning a value", node)
        v = self.ex.expr(inner[0])
        rtype = child(self.fn.node, "type")
        ret = self.ex.dtype(text(rtype)) if rtype is not None else None
        if ret and v.kind and ret != v.kind and (is_float(ret) != is_float(v.kind)):
            v = Expr(f"{dtype_expr(ret)}({v.text})", kind=ret)
        self.out.emit(indent, f"return {v.text}", line(node))

    def _break_statement(self, node, indent):
        if not self.loops:
            raise Untranslatable("TM180", "break outside a loop", node)
        self.out.emit(indent, "break", line(node))

    def _continue_statement(self, node, indent):
        if not self.loops:
            raise Untranslatable("TM180", "continue outside a loop", node)
        self.out.emit(indent, "continue", line(node))

    def loop_body(self, body, indent):
        self.loops += 1
        try:
            self.block(body, indent)
        finally:
            self.loops -= 1

    def _while_statement(self, node, indent):
        cond = child(node, "condition")
        value = child(cond, "value") if cond.type == "condition_clause" else named(cond)[0]
        c = self.ex.condition(value)
        self.out.emit(indent, f"while {c.text}:", line(node))
        self.loop_body(child(node, "body"), indent + 1)

    def _do_statement(self, node, indent):
        body = child(node, "body")
        if _has_own_continue(body):
            raise Untranslatable("TM180", "do-while with continue", node)
        cond = child(node, "condition")
        c = self.ex.condition(named(cond)[0] if cond.type == "parenthesized_expression" else cond)
        self.out.emit(indent, "while True:", line(node))
        self.loop_body(body, indent + 1)
        self.out.emit(indent + 1, f"if not ({c.text}):", end_line(node))
        self.out.emit(indent + 2, "break", end_line(node))

    def _for_statement(self, node, indent):
        init, cond, upd, body = (child(node, "initializer"), child(node, "condition"),
                                 child(node, "update"), child(node, "body"))
        r = self.canonical_for(init, cond, upd, body)
        if r is not None:
            var, start, stop, step = r
            args = ", ".join([start, stop] + ([step] if step != "1" else []))
            self.out.emit(indent, f"for {py_name(var)} in ts.range({args}):", line(node))
            self.loop_body(body, indent + 1)
            return
        # the general form: init; while cond: body; update
        if upd is not None and _has_own_continue(body):
            raise Untranslatable("TM180", "for loop with `continue` and a non-counting update", node)
        if init is not None:
            if init.type == "declaration":
                self._declaration(init, indent)
            else:
                self._expression_statement_of(init, indent, node)
        c = self.ex.condition(cond) if cond is not None else Expr("True")
        self.out.emit(indent, f"while {c.text}:", line(node))
        self.loop_body(body, indent + 1)
        if upd is not None:
            if self.out.lines and self.out.lines[-1][:2] == (indent + 1, "pass"):
                self.out.lines.pop()
            self._expression_statement_of(upd, indent + 1, node)

    def _expression_statement_of(self, e, indent, stmt_node):
        if e.type == "assignment_expression":
            self.assignment(e, indent, stmt_node)
        elif e.type == "update_expression":
            op = text(child(e, "operator"))
            tgt = self.target(child(e, "argument"))
            self.out.emit(indent, f"{tgt.text} {'+=' if op == '++' else '-='} 1", line(stmt_node))
        elif e.type == "comma_expression":
            for part in named(e):
                self._expression_statement_of(part, indent, stmt_node)
        else:
            raise Untranslatable("TM181", f"`{text(e)}` in a for header", e)

    def canonical_for(self, init, cond, upd, body):
        """(var, start, stop, step) texts for `for (int v = a; v < b; v += s)` and its variants."""
        if init is None or init.type != "declaration" or cond is None or upd is None:
            return None
        decls = init.children_by_field_name("declarator")
        kind = self.ex.dtype(text(child(init, "type")))
        if len(decls) != 1 or decls[0].type != "init_declarator" or not is_int(kind):
            return None
        var = text(child(decls[0], "declarator"))
        if child(decls[0], "declarator").type != "identifier":
            return None
        if var in self.assigned_names(body):
            return None
        step = None
        if upd.type == "update_expression" and text(child(upd, "argument")) == var:
            step = 1 if text(child(upd, "operator")) == "++" else -1
            step_text = "1"
        elif upd.type == "assignment_expression" and text(child(upd, "left")) == var and \
                text(child(upd, "operator")) in ("+=", "-="):
            r = child(upd, "right")
            if any(text(n) == var for n in walk(r) if n.type == "identifier"):
                return None
            step = 1 if text(child(upd, "operator")) == "+=" else -1
            if r.type == "number_literal" and text(r).startswith("-"):
                return None
            step_text = None
        else:
            return None
        if cond.type != "binary_expression":
            return None
        op = text(child(cond, "operator"))
        left, right = child(cond, "left"), child(cond, "right")
        if left.type == "identifier" and text(left) == var:
            bound = right
        elif right.type == "identifier" and text(right) == var:
            bound = left
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "!=": "!="}.get(op)
        else:
            return None
        if any(text(n) == var for n in walk(bound) if n.type == "identifier"):
            return None
        self.scope.vars[var] = kind
        start = self.ex.expr(child(decls[0], "value"))
        stop = self.ex.expr(bound)
        if step_text is None:
            st = self.ex.expr(child(upd, "right"))
            step_text = st.text
        if step > 0 and op in ("<", "!=", "<="):
            if op == "!=" and step_text != "1":
                return None
            stop_t = stop.text if op != "<=" else self.ex.binop("+", stop, Expr("1", kind="i32"), stop.kind).text
            return var, start.text, stop_t, step_text
        if step < 0 and op in (">", ">="):
            stop_t = stop.text if op == ">" else self.ex.binop("-", stop, Expr("1", kind="i32"), stop.kind).text
            neg = f"-{step_text}" if step_text.isidentifier() or step_text.isdigit() else f"-({step_text})"
            return var, start.text, stop_t, neg
        return None

    def _preproc_call(self, node, indent):
        self.out.emit(indent, f"# {text(node).strip()}  (CUDA pragma, not needed)", line(node))

    def _labeled_statement(self, node, indent):
        raise Untranslatable("TM180", "labels and goto", node)


def _has_own_continue(body) -> bool:
    """A `continue` that belongs to this loop (not to a nested one)."""
    stack = [body]
    while stack:
        n = stack.pop()
        if n.type == "continue_statement":
            return True
        if n is not body and n.type in ("for_statement", "while_statement", "do_statement"):
            continue
        stack.extend(n.children)
    return False


def translate_function(fn, unit, ctx: Context) -> KernelTranslation:
    """Translate one kernel or device function (see the module docstring)."""
    if not ctx.source_lines:
        ctx.source_lines = unit.tree.root_node.text.decode("utf8", "replace").split("\n")
    try:
        return FunctionTranslator(fn, unit, ctx).translate()
    except Exception as e:  # a signature the translator does not understand: the whole function stays CUDA
        d = diagnostic("TM002", fn.lines[0], text(fn.node).split("\n")[0], kernel=fn.name,
                       detail=f"{fn.name} not understood ({type(e).__name__})", end_line=fn.lines[1])
        code = [f"# {d.id} ({d.effort}): {d.message}"]
        code += [f"#   {s}".rstrip() for s in ctx.source_lines[fn.lines[0] - 1:fn.lines[1]]]
        return KernelTranslation(fn.name, fn.kind, fn.lines, "\n".join(code) + "\n", [d],
                                 {fn.lines[0] + i: 2 + i for i in range(fn.lines[1] - fn.lines[0] + 1)})

