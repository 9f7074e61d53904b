"""`translate_cuda`: a CUDA C/C++ source -> a Tessera module, its diagnostics and its line map.

    >>> import tessera as ts
    >>> t = ts.migration.translate_cuda('''
    ... #define SCALE 2.0f
    ... __global__ void scale(float* x, int n) {
    ...     int i = blockIdx.x * blockDim.x + threadIdx.x;
    ...     if (i < n) x[i] = x[i] * SCALE;
    ... }''', "scale.cu")
    >>> print(t.kernels[0].tessera_code, end="")
    @ts.kernel
    def scale(x: ts.Tensor["N", ts.f32]):
        i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if i < N:
            x[i] = x[i] * SCALE
    >>> [(d.id, d.line) for d in t.diagnostics]
    [('TM010', 3)]
    >>> import numpy as np
    >>> x = np.arange(5, dtype=np.float32)
    >>> load(t).scale(x, backend="cpu")
    >>> x
    array([0., 2., 4., 6., 8.], dtype=float32)
"""

from __future__ import annotations

import linecache
import re
import types

from .cuda_tree import child, end_line, line, parser, read_unit, text, walk
from .diagnostics import diagnostic
from .result import Translation
from .translate_expr import NAMED_CONSTANTS, ExprTranslator, Scope, Untranslatable, c_dtype, is_float, py_name
from .translate_kernel import Context, translate_function


def translate_cuda(source: str, filename: str = "<cuda>") -> Translation:
    """Translate the `__global__` kernels and `__device__` functions of a CUDA source to Tessera.

    Returns a `Translation`: the whole Tessera module (`tessera_source`), one
    `KernelTranslation` per function, every `Diagnostic` (what was kept commented and why),
    and the CUDA line -> Tessera line map. Host code is not translated; host launches
    of a kernel are shown next to it as the Tessera call.
    """
    if not isinstance(source, str):
        raise TypeError(f"translate_cuda takes the CUDA source as a str, not {type(source).__name__}"
                        + ("; decode it first: source.decode('utf-8')" if isinstance(source, (bytes, bytearray))
                           else "; read the file first: open(path).read()"))
    unit = read_unit(source)
    lines = source.split("\n")
    ctx = Context(source_lines=lines)
    diags: list = []
    device_text = " ".join(text(f.node) for f in unit.functions)
    used_in_device = set(re.findall(r"[A-Za-z_]\w*", device_text))

    const_lines = _constants(unit, ctx, diags, used_in_device)
    for f in unit.functions:
        if f.kind == "func":
            rtype = child(f.node, "type")
            ctx.funcs[f.name] = (c_dtype(text(rtype)) if rtype is not None else None) or "f32"

    translations = []
    for f in unit.functions:
        kt = translate_function(f, unit, ctx)
        # A device function whose signature lost a parameter, or that cannot be a @ts.func, is not
        # callable as translated: its calls are kept as CUDA too (TM190).
        decl = child(f.node, "declarator")
        signature = range(line(decl), end_line(decl) + 1) if decl is not None else range(0)
        if f.kind == "func" and any(d.id in ("TM163", "TM162", "TM120") and d.line in signature
                                    or d.id == "TM164" or d.effort == "high" for d in kt.diagnostics):
            ctx.funcs.pop(f.name, None)
            worst = "high" if any(d.effort == "high" for d in kt.diagnostics) else "medium"
            ctx.poisoned[f.name] = (kt.diagnostics[0].id, kt.diagnostics[0].line, worst)
        translations.append(kt)

    for e in unit.errors:
        diags.append(diagnostic("TM002", line(e), text(e), end_line=end_line(e)))
    if not any(f.kind == "kernel" for f in unit.functions):
        diags.append(diagnostic("TM001", 1, detail=filename))

    return _assemble(source, filename, unit, translations, const_lines, diags)


# ------------------------------------------------------------------ constants


def _constants(unit, ctx: Context, diags: list, used: set) -> list:
    """Module constants from `#define`s and file-scope `const` ints; returns [(cuda line, python line)]."""
    out = []
    for d in unit.defines:
        if d.params is not None:
            if d.name in used:
                diags.append(diagnostic("TM170", d.line, text(d.node), detail=f"`{d.name}`",
                                        end_line=end_line(d.node)))
                ctx.poisoned[d.name] = ("TM170", d.line, "medium")
            continue
        value = _constant_value(d.value, ctx)
        if value is None:
            if d.name in used and d.value:
                diags.append(diagnostic("TM171", d.line, text(d.node), detail=f"`{d.name}`"))
                ctx.poisoned[d.name] = ("TM171", d.line, "medium")
            continue
        ctx.constants[d.name] = "f32" if isinstance(value, float) else "bool" if isinstance(value, bool) else "i32"
        ctx.values[d.name] = value
        out.append((d.line, f"{d.name} = {value!r}" + (f"  # {d.value}" if d.value != repr(value) else "")))
    defined = {d.name for d in unit.defines}
    for name, value in NAMED_CONSTANTS.items():
        if name in used and name not in defined:
            ctx.constants[name] = "i32" if name.startswith("INT") else "f32"
            out.append((None, f"{name} = {value}"))
    for decl in unit.globals:
        quals = {c.type for q in decl.children if q.type in ("type_qualifier", "storage_class_specifier")
                 for c in q.children}
        names = []
        for dn in decl.children_by_field_name("declarator"):
            n = dn
            while n is not None and n.type != "identifier":
                n = child(n, "declarator")
            if n is not None:
                names.append((text(n), dn))
        ttext = text(child(decl, "type")) if child(decl, "type") is not None else ""
        for name, dn in names:
            if name not in used:
                continue
            if "__constant__" in quals:
                diags.append(diagnostic("TM151", line(decl), text(decl), detail=f"`{name}`"))
                ctx.poisoned[name] = ("TM151", line(decl), "medium")
            elif "texture" in ttext or "surface" in ttext:
                diags.append(diagnostic("TM120", line(decl), text(decl), detail=f"`{name}`"))
                ctx.poisoned[name] = ("TM120", line(decl), "high")
            elif ("const" in quals or "constexpr" in quals) and dn.type == "init_declarator":
                value = _constant_value(text(child(dn, "value")), ctx)
                if value is not None:
                    if is_float(c_dtype(ttext)):
                        value = float(value)
                    ctx.constants[name] = "f32" if isinstance(value, float) else "i32"
                    ctx.values[name] = value
                    out.append((line(decl), f"{name} = {value!r}"))
    return out


def _constant_value(value: str, ctx: Context):
    """The number a #define / const initializer stands for, or None when it is not a constant."""
    if not value or not re.fullmatch(r"[\w\s.+\-*/%()<>&|^~!?:']+", value):
        return None
    tree = parser().parse(f"auto __v = {value};".encode())
    decl = tree.root_node.children[0] if tree.root_node.children else None
    if decl is None or tree.root_node.has_error:
        return None
    dn = child(decl, "declarator")
    init = child(dn, "value") if dn is not None else None
    if init is None:
        return None
    scope = Scope(kernel="<module>", constants=dict(ctx.constants))
    try:
        e = ExprTranslator(scope).expr(init)
    except Untranslatable:
        return None
    if any(n.type == "identifier" and text(n) not in ctx.constants for n in walk(init)):
        return None
    try:
        v = eval(e.text, {"__builtins__": {}, "float": float, **ctx.values})  # noqa: S307
    except Exception:
        return None
    return v if isinstance(v, (int, float, bool)) else None


# ------------------------------------------------------------------ assembly


def _assemble(source, filename, unit, translations, const_lines, diags) -> Translation:
    doc = f'"""Tessera translation of {filename} (ts.migration.translate_cuda)."""'
    out: list = [doc, "", "import tessera as ts"]
    lmap: dict = {}
    if const_lines:
        out.append("")
        for cl, py in const_lines:
            out.append(py)
            if cl is not None:
                lmap.setdefault(cl, len(out))
    for kt in translations:
        out += ["", ""]
        offset = len(out)
        out += kt.tessera_code.rstrip("\n").split("\n")
        for cl, tl in kt.line_map.items():
            lmap.setdefault(cl, offset + tl)
        launch = _launch_comment(kt, unit)
        if launch:
            out += launch
    all_diags = [d for kt in translations for d in kt.diagnostics] + diags
    all_diags.sort(key=lambda d: (d.line, d.id))
    tessera_source = "\n".join(out) + "\n"
    t = Translation(source, filename, tessera_source, translations, all_diags, dict(sorted(lmap.items())))
    _check_launches(t, unit)
    return t


def _launch_comment(kt, unit) -> list:
    if kt.kind != "kernel":
        return []
    out = []
    for ln in unit.launches:
        if ln.kernel == kt.name:
            out.append(f"# CUDA launch (line {ln.line}): {' '.join(ln.text.split())}")
    return out


def _check_launches(t: Translation, unit):
    """Add the Tessera call under each kernel: inferred launch, or kernel[grid, block](...) (TM014)."""
    try:
        mod = load(t)
    except Exception:  # a translation with commented parts may not even import; its diagnostics say why
        return
    try:
        _add_launch_notes(t, unit, mod)
    finally:
        linecache.cache.pop(mod.__file__, None)  # the check's copy; a user's load() keeps its own


def _add_launch_notes(t: Translation, unit, mod):
    from ..errors import TesseraError
    from ..frontend.parse import parse_kernel
    from ..passes.launch import infer_launch
    lines = t.tessera_source.split("\n")
    inserts = []
    for kt in t.kernels:
        if kt.kind != "kernel" or not kt.automatic:
            continue
        k = getattr(mod, py_name(kt.name), None)
        if k is None:
            continue
        names = [p for p in k.fn.__code__.co_varnames[:k.fn.__code__.co_argcount]]
        try:
            plan = infer_launch(parse_kernel(k.fn), max_threads=None)
            note = f"# Tessera launch: {py_name(kt.name)}({', '.join(names)})   # {plan.describe()}"
        except TesseraError as e:
            launches = [ln for ln in unit.launches if ln.kernel == kt.name]
            cfg = ", ".join(_host_expr(c) for c in launches[0].config[:2]) if launches else "grid, block"
            note = f"# Tessera launch: {py_name(kt.name)}[{cfg}]({', '.join(names)})   # explicit: {e.message}"
            kt.diagnostics.append(diagnostic("TM014", kt.cuda_lines[0], kernel=kt.name,
                                             detail=e.message))
            t.diagnostics.append(kt.diagnostics[-1])
        end = _kernel_end(lines, kt)
        inserts.append((end, note))
    for end, note in sorted(inserts, reverse=True):
        lines.insert(end, note)
        for cl, tl in list(t.line_map.items()):
            if tl > end:
                t.line_map[cl] = tl + 1
    t.tessera_source = "\n".join(lines)
    t.diagnostics.sort(key=lambda d: (d.line, d.id))


def _host_expr(c: str) -> str:
    """A launch configuration expression of host code, in Python where it translates, else as written."""
    tree = parser().parse(f"auto __v = {c};".encode())
    try:
        init = child(child(tree.root_node.children[0], "declarator"), "value")
        return ExprTranslator(Scope(kernel="<host>")).expr(init).text
    except Exception:
        return c


def _kernel_end(lines, kt) -> int:
    """Index (0-based, insertion point) just after kernel `kt`'s code and its CUDA launch comments."""
    head = f"def {py_name(kt.name)}("
    start = next(i for i, s in enumerate(lines) if s.startswith(head))
    i = start + 1
    while i < len(lines) and (lines[i].startswith((" ", "#")) or lines[i] == "" and i + 1 < len(lines)
                              and lines[i + 1].startswith(" ")):
        i += 1
    return i


_LOADED = 0


def load(translation: Translation) -> types.ModuleType:
    """Run a translation's module and return it: its kernels are ready to call.

    The source is registered with linecache (as notebooks do), so Tessera reads
    the kernels' source and its errors show the translated lines.
    """
    global _LOADED
    _LOADED += 1
    stem = re.sub(r"\W", "_", translation.filename.rsplit("/", 1)[-1])
    name = f"<tessera-migration-{_LOADED}-{stem}>"
    src = translation.tessera_source
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    mod = types.ModuleType(f"tessera_migrated_{stem}")
    mod.__file__ = name
    exec(compile(src, name, "exec"), mod.__dict__)  # noqa: S102 - code we generated
    return mod
