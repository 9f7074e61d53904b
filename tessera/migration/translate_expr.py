"""CUDA C expressions -> Tessera (Python) expressions.

Each translation is an `Expr`: its Python text, its precedence (so that parentheses
appear where Python needs them, whatever C had), and its value kind (a dtype name
like "i32" or "f32", or None when unknown). What has no Tessera form raises
`Untranslatable`; the statement translator turns it into a commented block and a
diagnostic.

    >>> from tessera.migration.cuda_tree import parser
    >>> node = parser().parse(b"int x = blockIdx.x * blockDim.x + threadIdx.x;").root_node
    >>> init = node.children[0].child_by_field_name("declarator").child_by_field_name("value")
    >>> ExprTranslator(Scope(kernel="k")).expr(init).text
    'ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)'
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from .cuda_tree import child, named, text, walk

# C type spellings -> Tessera dtype names.
DTYPES = {
    "float": "f32", "double": "f64", "int": "i32", "signed": "i32", "signed int": "i32",
    "unsigned": "u32", "unsigned int": "u32", "uint32_t": "u32", "uint": "u32",
    "long": "i64", "long int": "i64", "long long": "i64", "long long int": "i64", "int64_t": "i64",
    "size_t": "i64", "ptrdiff_t": "i64", "unsigned long": "i64", "unsigned long long": "i64",
    "uint64_t": "i64", "int32_t": "i32", "short": "i16", "int16_t": "i16", "char": "i8",
    "signed char": "i8", "int8_t": "i8", "unsigned char": "u8", "uint8_t": "u8", "bool": "bool",
    "half": "f16", "__half": "f16", "__nv_bfloat16": "bf16", "nv_bfloat16": "bf16",
    "__bf16": "bf16",
}
PY_DTYPE = {"bool": "bool"}  # ts.bool is the dtype; everything else is ts.<name>

_AXES = {"x": 0, "y": 1, "z": 2}
_BUILTIN_VARS = {"threadIdx": "thread_id", "blockIdx": "program_id", "blockDim": "block_size",
                 "gridDim": "num_programs"}

# CUDA math -> ts intrinsic (same arguments).
MATH = {}
for _ts, _names in {
    "exp": "expf exp __expf", "exp2": "exp2f exp2 __exp2f", "log": "logf log __logf",
    "log2": "log2f log2 __log2f", "log10": "log10f log10 __log10f", "sqrt": "sqrtf sqrt __fsqrt_rn",
    "rsqrt": "rsqrtf rsqrt", "abs": "fabsf fabs abs labs llabs", "tanh": "tanhf tanh",
    "sin": "sinf sin __sinf", "cos": "cosf cos __cosf", "tan": "tanf tan __tanf",
    "floor": "floorf floor", "ceil": "ceilf ceil", "erf": "erff erf", "trunc": "truncf trunc",
    "round": "roundf round rintf rint nearbyintf", "asin": "asinf asin", "acos": "acosf acos",
    "atan": "atanf atan", "sinh": "sinhf sinh", "cosh": "coshf cosh", "log1p": "log1pf log1p",
    "expm1": "expm1f expm1", "isnan": "isnan __isnanf", "isinf": "isinf __isinff",
    "min": "min fminf fmin umin llmin", "max": "max fmaxf fmax umax llmax",
    "pow": "powf pow __powf", "atan2": "atan2f atan2", "fmod": "fmodf fmod",
    "fma": "fmaf fma __fmaf_rn __fma_rn",
}.items():
    for _n in _names.split():
        MATH[_n] = _ts
del _ts, _names, _n

# conversions spelled as calls
CASTS = {"__int2float_rn": "f32", "__uint2float_rn": "f32", "__float2int_rz": "i32", "__float2half": "f16",
         "__float2half_rn": "f16", "__half2float": "f32", "__float2bfloat16": "bf16",
         "__bfloat162float": "f32", "__int2half_rn": "f16", "__double2float_rn": "f32",
         "__float2int_rn": None, "__float2int_rd": None, "__float2int_ru": None}
_ROUNDING = {"__float2int_rn": "round", "__float2int_rd": "floor", "__float2int_ru": "ceil"}
HALF_OPS = {"__hadd": "+", "__hsub": "-", "__hmul": "*", "__hdiv": "/", "__fadd_rn": "+",
            "__fmul_rn": "*", "__fdividef": "/", "__fdiv_rn": "/", "__fsub_rn": "-"}
ATOMICS = {"atomicAdd": "atomic_add", "atomicMax": "atomic_max", "atomicMin": "atomic_min",
           "atomicCAS": "atomic_cas", "atomicSub": "atomic_add"}
UNSUPPORTED_ATOMICS = {"atomicExch", "atomicAnd", "atomicOr", "atomicXor", "atomicInc", "atomicDec"}
WARP_SHUFFLES = {"__shfl_sync", "__shfl_up_sync", "__shfl_down_sync", "__shfl_xor_sync",
                 "__shfl", "__shfl_up", "__shfl_down", "__shfl_xor", "__reduce_add_sync",
                 "__reduce_min_sync", "__reduce_max_sync"}
WARP_VOTES = {"__ballot_sync", "__any_sync", "__all_sync", "__ballot", "__any", "__all",
              "__activemask", "__match_any_sync", "__match_all_sync", "__uni_sync"}
WARP_SYNC = {"__syncwarp", "warpSize", "__lanemask_lt"}
TEXTURES = {"tex1D", "tex2D", "tex3D", "tex1Dfetch", "tex1DLayered", "tex2DLayered", "texCubemap",
            "tex2Dgather", "surf1Dread", "surf2Dread", "surf3Dread", "surf1Dwrite", "surf2Dwrite",
            "surf3Dwrite", "tex2DLod", "texture", "surface", "cudaTextureObject_t", "cudaSurfaceObject_t"}
FENCES = {"__threadfence", "__threadfence_block", "__threadfence_system"}
COOP = {"cooperative_groups", "cg", "this_thread_block", "this_grid", "tiled_partition",
        "thread_block", "grid_group", "thread_block_tile", "coalesced_threads", "sync_grid"}
DEVICE_RUNTIME = {"cudaMalloc", "cudaFree", "cudaDeviceSynchronize", "cudaLaunchKernel", "cudaMemcpyAsync",
                  "cudaGetParameterBuffer", "cudaLaunchDevice", "malloc", "free"}

# CUDA's named constants -> the module constant the translation defines for them (Tessera folds
# float globals; it has no literal for infinity).
NAMED_CONSTANTS = {
    "INFINITY": 'float("inf")', "HUGE_VALF": 'float("inf")', "CUDART_INF_F": 'float("inf")',
    "NAN": 'float("nan")', "CUDART_NAN_F": 'float("nan")', "FLT_MAX": "3.4028234663852886e+38",
    "FLT_MIN": "1.1754943508222875e-38", "FLT_EPSILON": "1.1920928955078125e-07", "INT_MAX": "2147483647",
    "INT_MIN": "-2147483648", "M_PI": "3.141592653589793", "CUDART_PI_F": "3.141592653589793",
    "M_E": "2.718281828459045", "M_SQRT2": "1.4142135623730951", "M_LN2": "0.6931471805599453",
}

PRECEDENCE = {"if": 0, "or": 1, "and": 2, "not": 3, "cmp": 4, "|": 5, "^": 6, "&": 7, "<<": 8, ">>": 8,
              "+": 9, "-": 9, "*": 10, "/": 10, "//": 10, "%": 10, "unary": 11, "**": 12, "atom": 13}
_C_OPS = {"&&": "and", "||": "or", "<": "cmp", ">": "cmp", "<=": "cmp", ">=": "cmp", "==": "cmp", "!=": "cmp"}


class Untranslatable(Exception):
    def __init__(self, id: str, detail: str = "", node=None):
        super().__init__(detail)
        self.id, self.detail, self.node = id, detail, node


@dataclass
class Expr:
    text: str
    prec: int = PRECEDENCE["atom"]
    kind: str | None = None


@dataclass
class Scope:
    """What a kernel's expressions refer to."""
    kernel: str
    vars: dict = field(default_factory=dict)        # local and scalar names -> dtype name
    pointers: dict = field(default_factory=dict)    # pointer parameter -> Layout
    elem: dict = field(default_factory=dict)        # pointer parameter -> element dtype
    shared: dict = field(default_factory=dict)      # shared tile -> (rank, dtype, is_scalar)
    symbols: dict = field(default_factory=dict)     # size parameter -> shape symbol
    constants: dict = field(default_factory=dict)   # #define / constexpr / template constant -> dtype
    funcs: dict = field(default_factory=dict)       # device function -> return dtype
    poisoned: dict = field(default_factory=dict)    # name -> (diagnostic id, line) of its untranslated definition
    renames: dict = field(default_factory=dict)     # C name -> Python name (keywords)
    types: dict = field(default_factory=dict)       # template type parameter -> dtype name
    notes: list = field(default_factory=list)       # (id, detail, node) low-effort notes raised while translating


def is_int(kind) -> bool:
    return kind is not None and (kind[0] in "iu" or kind == "bool")


def is_float(kind) -> bool:
    return kind is not None and kind[0] in "fb" and kind != "bool"


def py_name(name: str) -> str:
    return name + "_" if keyword.iskeyword(name) or name in ("ts", "None", "True", "False") else name


def dtype_expr(kind: str) -> str:
    return f"ts.{PY_DTYPE.get(kind, kind)}"


def c_dtype(type_text: str) -> str | None:
    t = re.sub(r"\b(const|volatile|__restrict__|__restrict|restrict|static|__shared__|register|"
               r"__device__|__constant__|extern|std::)\b", " ", type_text)
    t = re.sub(r"\s+", " ", t).strip()
    return DTYPES.get(t)


def _promote(a, b):
    if a is None or b is None:
        return a or b
    if is_float(a) or is_float(b):
        for k in ("f64", "f32", "bf16", "f16"):
            if k in (a, b):
                return k
    for k in ("i64", "u32", "i32", "i16", "u8", "i8", "bool"):
        if k in (a, b):
            return "i32" if k in ("i16", "u8", "i8", "bool") else k
    return a


def number(lit: str) -> Expr:
    s = lit.replace("'", "")
    low = s.lower()
    if low.startswith("0x"):
        return Expr(str(int(re.sub(r"[uUlL]+$", "", s), 16)), kind="i32")
    if low.startswith("0b"):
        return Expr(str(int(re.sub(r"[uUlL]+$", "", s)[2:], 2)), kind="i32")
    is_float_lit = any(c in low for c in ".e") or low.endswith("f")
    if is_float_lit:
        body = re.sub(r"[fFlL]$", "", s)
        if body.startswith("."):
            body = "0" + body
        if body.endswith("."):
            body += "0"
        if re.fullmatch(r"\d+[eE][-+]?\d+", body) or re.fullmatch(r"\d+", body):
            body = str(float(body))
        return Expr(body, kind="f32")
    body = re.sub(r"[uUlL]+$", "", s)
    if len(body) > 1 and body.startswith("0"):
        body = str(int(body, 8))
    return Expr(str(int(body)), kind="i64" if "l" in low[len(body):] else "i32")


class ExprTranslator:
    def __init__(self, scope: Scope):
        self.scope = scope

    # -------------------------------------------------------------- helpers

    def dtype(self, type_text: str):
        t = re.sub(r"\b(const|volatile)\b", " ", type_text).strip()
        return self.scope.types.get(t) or c_dtype(type_text)

    def wrap(self, e: Expr, prec: int) -> str:
        return f"({e.text})" if e.prec < prec else e.text

    def binop(self, op: str, a: Expr, b: Expr, kind) -> Expr:
        p = PRECEDENCE["cmp" if op in ("<", ">", "<=", ">=", "==", "!=") else op]
        if p == PRECEDENCE["cmp"]:       # both sides above: Python would chain `a < b < c`
            left, right = p + 1, p + 1
        elif op == "**":
            left, right = p + 1, p
        else:
            left, right = p, p + 1
        return Expr(f"{self.wrap(a, left)} {op} {self.wrap(b, right)}", p, kind)

    def condition(self, node) -> Expr:
        """`node` as a Python condition: C's int truthiness made explicit."""
        e = self.expr(node)
        if is_int(e.kind) and e.kind != "bool":
            return self.binop("!=", e, Expr("0", kind="i32"), "bool")
        if is_float(e.kind):
            return self.binop("!=", e, Expr("0.0", kind="f32"), "bool")
        return e

    # -------------------------------------------------------------- dispatch

    def expr(self, node) -> Expr:
        if node is None or node.is_missing or node.type == "ERROR":
            raise Untranslatable("TM002", "", node)
        meth = getattr(self, "_" + node.type, None)
        if meth is None:
            raise Untranslatable("TM181", f"{node.type.replace('_', ' ')} `{text(node)}`", node)
        return meth(node)

    def _parenthesized_expression(self, node):
        inner = named(node)
        if len(inner) != 1:
            raise Untranslatable("TM181", f"`{text(node)}`", node)
        return self.expr(inner[0])

    def _number_literal(self, node):
        return number(text(node))

    def _true(self, node):
        return Expr("True", kind="bool")

    def _false(self, node):
        return Expr("False", kind="bool")

    def _char_literal(self, node):
        s = text(node)[1:-1]
        value = ord(s.encode().decode("unicode_escape")) if s.startswith("\\") else ord(s)
        return Expr(str(value), kind="i8")

    def _null(self, node):
        raise Untranslatable("TM161", f"null pointer `{text(node)}`", node)

    _nullptr = _null

    def _string_literal(self, node):
        raise Untranslatable("TM181", f"string `{text(node)}`", node)

    def _identifier(self, node):
        name = text(node)
        sc = self.scope
        if name in sc.poisoned:
            raise Untranslatable("TM190", name, node)
        if name in sc.symbols:
            return Expr(sc.symbols[name], kind="i32")
        if name in sc.shared:
            rank, kind, scalar = sc.shared[name]
            if scalar:
                return Expr(f"{py_name(name)}[0]", kind=kind)
            raise Untranslatable("TM161", f"shared array `{name}` used as a pointer", node)
        if name in sc.pointers:
            raise Untranslatable("TM161", f"pointer `{name}` used as a value", node)
        if name in sc.vars:
            return Expr(sc.renames.get(name, py_name(name)), kind=sc.vars[name])
        if name in sc.constants:
            return Expr(name, kind=sc.constants[name])
        if name in WARP_SYNC:
            raise Untranslatable("TM103", name, node)
        if name in TEXTURES:
            raise Untranslatable("TM120", name, node)
        if name in _BUILTIN_VARS:
            raise Untranslatable("TM162", f"`{name}` used without .x/.y/.z", node)
        # An unknown name: most likely a variable from a macro or a global; kept as is.
        return Expr(py_name(name))

    def _field_expression(self, node):
        arg, fld = child(node, "argument"), child(node, "field")
        base = text(arg)
        if arg.type == "identifier" and base in _BUILTIN_VARS and text(fld) in _AXES:
            return Expr(f"ts.{_BUILTIN_VARS[base]}({_AXES[text(fld)]})", kind="i32")
        if arg.type == "identifier" and base in self.scope.poisoned:
            raise Untranslatable("TM190", base, node)
        raise Untranslatable("TM162", f"member access `{text(node)}`", node)

    def _binary_expression(self, node):
        op = text(child(node, "operator"))
        a, b = self.expr(child(node, "left")), self.expr(child(node, "right"))
        if op in ("&&", "||"):
            a, b = self._truth(a), self._truth(b)
            py = _C_OPS[op]
            p = PRECEDENCE[py]
            return Expr(f"{self.wrap(a, p)} {py} {self.wrap(b, p + 1)}", p, "bool")
        if op in ("<", ">", "<=", ">=", "==", "!="):
            return self.binop(op, a, b, "bool")
        kind = _promote(a.kind, b.kind)
        if op == "/" and is_int(a.kind) and is_int(b.kind):
            self._maybe_negative(node)
            return self.binop("//", a, b, kind)
        if op == "%":
            if is_float(kind):
                return Expr(f"ts.fmod({a.text}, {b.text})", kind=kind)
            self._maybe_negative(node)
        if op in ("+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^"):
            return self.binop(op, a, b, kind)
        raise Untranslatable("TM181", f"operator `{op}`", node)

    def _maybe_negative(self, node):
        # Only a visible negation: `(K + T - 1) / T` on sizes is the common, safe case.
        for n in walk(node):
            if (n.type == "unary_expression" and text(child(n, "operator")) == "-") or \
                    (n.type == "number_literal" and text(n).startswith("-")):
                self.scope.notes.append(("TM013", f"`{text(node)}`", node))
                return

    def _truth(self, e: Expr) -> Expr:
        if is_int(e.kind) and e.kind != "bool":
            return self.binop("!=", e, Expr("0", kind="i32"), "bool")
        return e

    def _unary_expression(self, node):
        op = text(child(node, "operator"))
        a = self.expr(child(node, "argument"))
        if op == "!":
            if is_int(a.kind) and a.kind != "bool":
                return self.binop("==", a, Expr("0", kind="i32"), "bool")
            return Expr(f"not {self.wrap(a, PRECEDENCE['not'])}", PRECEDENCE["not"], "bool")
        if op in ("-", "+", "~"):
            return Expr(f"{op}{self.wrap(a, PRECEDENCE['unary'])}", PRECEDENCE["unary"], a.kind)
        raise Untranslatable("TM181", f"operator `{op}`", node)

    def _conditional_expression(self, node):
        c = self.condition(child(node, "condition"))
        a, b = self.expr(child(node, "consequence")), self.expr(child(node, "alternative"))
        p = PRECEDENCE["if"]
        return Expr(f"{self.wrap(a, p + 1)} if {self.wrap(c, p + 1)} else {self.wrap(b, p)}", p,
                    _promote(a.kind, b.kind))

    def _cast_expression(self, node):
        tnode = child(node, "type")
        kind = self.dtype(text(tnode))
        if kind is None:
            raise Untranslatable("TM161" if "*" in text(tnode) else "TM162", f"cast `{text(node)}`", node)
        v = self.expr(child(node, "value"))
        return Expr(f"{dtype_expr(kind)}({v.text})", kind=kind)

    def _sizeof_expression(self, node):
        t = child(node, "type")
        kind = self.dtype(text(t)) if t is not None else None
        sizes = {"f64": 8, "i64": 8, "f32": 4, "i32": 4, "u32": 4, "f16": 2, "bf16": 2, "i16": 2,
                 "i8": 1, "u8": 1, "bool": 1}
        if kind is None:
            raise Untranslatable("TM162", f"`{text(node)}`", node)
        return Expr(str(sizes[kind]), kind="i32")

    def _pointer_expression(self, node):
        op = text(child(node, "operator"))
        arg = child(node, "argument")
        if op == "*":
            return self.load_through(arg, node)
        raise Untranslatable("TM161", f"address-of `{text(node)}`", node)

    def load_through(self, arg, node) -> Expr:
        """`*p` and `*(p + i)` on a 1-D pointer parameter: p[0], p[i]."""
        from .layouts import _unparen
        arg = _unparen(arg)
        if arg.type == "identifier" and text(arg) in self.scope.pointers \
                and len(self.scope.pointers[text(arg)].dims) == 1:
            return Expr(f"{py_name(text(arg))}[0]", kind=self.scope.elem.get(text(arg)))
        if arg.type == "binary_expression" and text(child(arg, "operator")) == "+":
            base, off = child(arg, "left"), child(arg, "right")
            if base.type == "identifier" and text(base) in self.scope.pointers \
                    and len(self.scope.pointers[text(base)].dims) == 1:
                i = self.expr(off)
                return Expr(f"{py_name(text(base))}[{i.text}]", kind=self.scope.elem.get(text(base)))
        raise Untranslatable("TM161", f"`{text(node)}`", node)

    # -------------------------------------------------------------- indexing

    def index_of(self, node) -> tuple:
        """(tensor name, [index texts], element kind) for a subscript (nested for shared tiles)."""
        subs = []
        n = node
        while n.type == "subscript_expression":
            idx = named(child(n, "indices"))
            if len(idx) != 1:
                raise Untranslatable("TM181", f"`{text(n)}`", node)
            subs.append(idx[0])
            n = child(n, "argument")
        subs.reverse()
        if n.type != "identifier":
            raise Untranslatable("TM161", f"indexing `{text(n)}`", node)
        name = text(n)
        sc = self.scope
        if name in sc.poisoned:
            raise Untranslatable("TM190", name, node)
        if name in sc.shared:
            rank, kind, _ = sc.shared[name]
            if len(subs) != rank:
                raise Untranslatable("TM181", f"`{text(node)}` indexes {len(subs)} of {rank} dimensions", node)
            return py_name(name), [self.expr(s).text for s in subs], kind
        if name in sc.pointers:
            if len(subs) != 1:
                raise Untranslatable("TM161", f"`{text(node)}`", node)
            lay = sc.pointers[name]
            split = lay.splits.get(subs[0].id)
            if split is None:
                return py_name(name), [self.expr(subs[0]).text], sc.elem.get(name)
            return py_name(name), [self.part(p) for p in split.parts], sc.elem.get(name)
        raise Untranslatable("TM161", f"indexing `{name}`, which is not a pointer parameter or shared array", node)

    def part(self, part) -> str:
        if part and part[0] == "prod":
            es = [self.expr(f) for f in part[1]]
            acc = es[0]
            for e in es[1:]:
                acc = self.binop("*", acc, e, _promote(acc.kind, e.kind))
            return acc.text
        acc = None
        for sign, t in part:
            e = self.expr(t)
            if acc is None:
                acc = e if sign > 0 else Expr(f"-{self.wrap(e, PRECEDENCE['unary'])}", PRECEDENCE["unary"], e.kind)
            else:
                acc = self.binop("+" if sign > 0 else "-", acc, e, _promote(acc.kind, e.kind))
        return acc.text

    def _subscript_expression(self, node):
        name, idx, kind = self.index_of(node)
        return Expr(f"{name}[{', '.join(idx)}]", kind=kind)

    # -------------------------------------------------------------- calls

    def _call_expression(self, node):
        fn = child(node, "function")
        args = named(child(node, "arguments")) if child(node, "arguments") is not None else []
        if any(c.type == "kernel_call_syntax" for c in node.children):
            raise Untranslatable("TM140", text(fn), node)
        if fn.type == "template_function":
            name = text(child(fn, "name"))
            targs = named(child(fn, "arguments"))
            if name in ("static_cast", "__float_as_int") and len(targs) == 1 and len(args) == 1:
                kind = self.dtype(text(targs[0]))
                if kind is not None:
                    return Expr(f"{dtype_expr(kind)}({self.expr(args[0]).text})", kind=kind)
            if name in TEXTURES:
                raise Untranslatable("TM120", name, node)
            raise Untranslatable("TM182", f"template call `{text(fn)}`", node)
        if fn.type == "qualified_identifier" or fn.type == "field_expression":
            if any(text(n) in COOP for n in walk(fn) if n.type in ("identifier", "namespace_identifier",
                                                                   "field_identifier")):
                raise Untranslatable("TM130", text(fn), node)
            if fn.type == "field_expression" and text(child(fn, "argument")) in self.scope.poisoned:
                raise Untranslatable("TM190", text(child(fn, "argument")), node)
            raise Untranslatable("TM182", text(fn), node)
        if fn.type != "identifier":
            raise Untranslatable("TM182", text(fn), node)
        name = text(fn)
        sc = self.scope
        if name in sc.poisoned:
            raise Untranslatable("TM190", name, node)
        if name in MATH:
            es = [self.expr(a) for a in args]
            kind = es[0].kind if es else None
            for e in es[1:]:
                kind = _promote(kind, e.kind)
            if name.endswith("f") and name not in ("erf",) and not is_int(kind):
                kind = "f32"
            if MATH[name] in ("isnan", "isinf"):
                kind = "bool"
            return Expr(f"ts.{MATH[name]}({', '.join(e.text for e in es)})", kind=kind)
        if name in CASTS and len(args) == 1:
            v = self.expr(args[0])
            if CASTS[name] is None:
                return Expr(f"ts.i32(ts.{_ROUNDING[name]}({v.text}))", kind="i32")
            return Expr(f"{dtype_expr(CASTS[name])}({v.text})", kind=CASTS[name])
        if name in HALF_OPS and len(args) == 2:
            a, b = self.expr(args[0]), self.expr(args[1])
            return self.binop(HALF_OPS[name], a, b, _promote(a.kind, b.kind))
        if name == "__saturatef" and len(args) == 1:
            v = self.expr(args[0])
            return Expr(f"ts.min(ts.max({v.text}, 0.0), 1.0)", kind="f32")
        if name in ATOMICS:
            return self.atomic(name, args, node)
        if name in UNSUPPORTED_ATOMICS:
            raise Untranslatable("TM183", name, node)
        if name in WARP_SHUFFLES:
            raise Untranslatable("TM101", name, node)
        if name in WARP_VOTES:
            raise Untranslatable("TM102", name, node)
        if name in WARP_SYNC:
            raise Untranslatable("TM103", name, node)
        if name in TEXTURES:
            raise Untranslatable("TM120", name, node)
        if name in FENCES:
            raise Untranslatable("TM184", name, node)
        if name in COOP:
            raise Untranslatable("TM130", name, node)
        if name in DEVICE_RUNTIME:
            raise Untranslatable("TM140", name, node)
        if name == "printf":
            raise Untranslatable("TM015", "", node)
        if name in ("__syncthreads",):
            raise Untranslatable("TM181", "__syncthreads() used as a value", node)
        if name in sc.funcs:
            es = [self.expr(a) for a in args]
            return Expr(f"{py_name(name)}({', '.join(e.text for e in es)})", kind=sc.funcs[name])
        raise Untranslatable("TM182", name, node)

    def atomic(self, name, args, node) -> Expr:
        want = 3 if name == "atomicCAS" else 2
        if len(args) != want:
            raise Untranslatable("TM183", f"{name} with {len(args)} arguments", node)
        target = args[0]
        from .layouts import _unparen
        target = _unparen(target)
        if target.type == "pointer_expression" and text(child(target, "operator")) == "&":
            t, idx, kind = self.index_of(_unparen(child(target, "argument")))
        elif target.type == "identifier" and text(target) in self.scope.pointers:
            t, idx, kind = py_name(text(target)), ["0"] * len(self.scope.pointers[text(target)].dims), \
                self.scope.elem.get(text(target))
        elif target.type == "binary_expression" and text(child(target, "operator")) == "+" and \
                child(target, "left").type == "identifier" and text(child(target, "left")) in self.scope.pointers \
                and len(self.scope.pointers[text(child(target, "left"))].dims) == 1:
            base = text(child(target, "left"))
            t, idx, kind = py_name(base), [self.expr(child(target, "right")).text], self.scope.elem.get(base)
        else:
            raise Untranslatable("TM161", f"{name} on `{text(args[0])}`", node)
        rest = [self.expr(a) for a in args[1:]]
        if name == "atomicSub":
            rest[0] = Expr(f"-{self.wrap(rest[0], PRECEDENCE['unary'])}", PRECEDENCE["unary"], rest[0].kind)
        index = idx[0] if len(idx) == 1 else f"({', '.join(idx)})"
        return Expr(f"ts.{ATOMICS[name]}({t}, {index}, {', '.join(e.text for e in rest)})", kind=kind)

    def _update_expression(self, node):
        raise Untranslatable("TM181", f"`{text(node)}` inside an expression", node)

    def _assignment_expression(self, node):
        raise Untranslatable("TM181", f"assignment `{text(node)}` inside an expression", node)

    def _comma_expression(self, node):
        raise Untranslatable("TM181", f"comma expression `{text(node)}`", node)

    def _gnu_asm_expression(self, node):
        raise Untranslatable("TM110", "", node)

    def _qualified_identifier(self, node):
        if any(text(n) in COOP for n in walk(node) if n.type in ("identifier", "namespace_identifier")):
            raise Untranslatable("TM130", text(node), node)
        raise Untranslatable("TM182", text(node), node)
