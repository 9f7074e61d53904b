"""CUDA C/C++ source -> tree-sitter tree, and the top-level items the translator reads.

tree-sitter parses real code and keeps its errors local (an ERROR node where a
construct did not parse), so one broken kernel does not hide the others.

    >>> unit = read_unit("#define T 32\\n__global__ void k(float* a) { a[0] = T; }\\n")
    >>> [(f.name, f.kind, f.lines) for f in unit.functions], [(d.name, d.value) for d in unit.defines]
    ([('k', 'kernel', (2, 2))], [('T', '32')])
"""

from __future__ import annotations

from dataclasses import dataclass, field

_PARSER = None


def parser():
    """The tree-sitter parser for CUDA (built once)."""
    global _PARSER
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_cuda
        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_cuda.language()))
    return _PARSER


def text(node) -> str:
    return node.text.decode("utf8", "replace")


def line(node) -> int:
    """1-based first line of `node`."""
    return node.start_point[0] + 1


def end_line(node) -> int:
    """1-based last line of `node` (a node ending at column 0 ends on the line before)."""
    row, col = node.end_point
    return row + 1 if col > 0 or row == node.start_point[0] else row


def child(node, field_name: str):
    return node.child_by_field_name(field_name)


def named(node) -> list:
    return [c for c in node.children if c.is_named and c.type != "comment"]


def walk(node):
    """Every node under `node`, `node` included, in source order."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def has_error(node) -> bool:
    return any(n.type == "ERROR" or n.is_missing for n in walk(node))


@dataclass
class Define:
    name: str
    value: str          # the replacement text ("" for a flag macro)
    line: int
    params: tuple | None = None   # function-like macro's parameters
    node: object = None


@dataclass
class Function:
    """A `__global__` kernel or a `__device__` function with a body."""
    name: str
    kind: str                 # "kernel" | "func"
    node: object              # the function_definition
    lines: tuple              # (first, last), template header and qualifiers included
    template: object = None   # the template_parameter_list, if any


@dataclass
class Launch:
    """A host-side `kernel<<<grid, block[, smem, stream]>>>(args)`."""
    kernel: str
    config: tuple             # texts of the <<<...>>> items
    args: tuple               # texts of the arguments
    line: int
    text: str


@dataclass
class Unit:
    tree: object
    functions: list = field(default_factory=list)
    defines: list = field(default_factory=list)
    globals: list = field(default_factory=list)     # file-scope declarations (const ints, __constant__, textures)
    launches: list = field(default_factory=list)
    errors: list = field(default_factory=list)      # top-level ERROR nodes outside any function


def _qualifiers(fdef) -> set:
    quals = set()
    for c in fdef.children:
        if c.type in ("__global__", "__device__", "__host__"):
            quals.add(c.type)
        elif c.type in ("storage_class_specifier", "type_qualifier", "attribute_specifier",
                        "ms_declspec_modifier"):
            quals.update(t.type for t in c.children)
    return quals


def function_name(fdef) -> str | None:
    d = child(fdef, "declarator")
    while d is not None and d.type not in ("identifier", "field_identifier", "qualified_identifier",
                                           "destructor_name", "operator_name"):
        d = child(d, "declarator")
    return text(d) if d is not None else None


def read_unit(source: str) -> Unit:
    tree = parser().parse(source.encode("utf8"))
    unit = Unit(tree)
    _scan(tree.root_node, unit, template=None)
    host = [f.node for f in unit.functions]
    for n in walk(tree.root_node):
        if n.type == "call_expression" and any(c.type == "kernel_call_syntax" for c in n.children):
            if any(h.start_byte <= n.start_byte < h.end_byte for h in host):
                continue  # a launch inside a kernel: dynamic parallelism, the kernel's translator reports it
            cfg = next(c for c in n.children if c.type == "kernel_call_syntax")
            fn = child(n, "function")
            name = text(child(fn, "name")) if fn.type == "template_function" else text(fn)
            name = name.split("::")[-1].split("<")[0].strip()
            args = child(n, "arguments")
            unit.launches.append(Launch(name, tuple(text(c) for c in named(cfg)),
                                        tuple(text(c) for c in named(args)) if args else (),
                                        line(n), text(n)))
    return unit


def _scan(node, unit: Unit, template):
    for c in node.children:
        t = c.type
        if t == "preproc_def":
            value = child(c, "value")
            unit.defines.append(Define(text(child(c, "name")), text(value).strip() if value else "", line(c),
                                       node=c))
        elif t == "preproc_function_def":
            params = child(c, "parameters")
            value = child(c, "value")
            unit.defines.append(Define(text(child(c, "name")), text(value).strip() if value else "", line(c),
                                       tuple(text(p) for p in named(params)) if params else (), node=c))
        elif t == "template_declaration":
            _scan(c, unit, template=child(c, "parameters"))
        elif t == "function_definition":
            quals = _qualifiers(c)
            kind = "kernel" if "__global__" in quals else "func" if "__device__" in quals else None
            if kind is not None:
                first = line(node) if template is not None else line(c)
                unit.functions.append(Function(function_name(c) or "<unnamed>", kind, c,
                                               (first, end_line(c)), template))
        elif t in ("linkage_specification", "namespace_definition", "declaration_list",
                   "preproc_ifdef", "preproc_if", "preproc_else", "preproc_elif"):
            _scan(c, unit, template=None)
        elif t == "declaration" and node.type in ("translation_unit", "declaration_list"):
            unit.globals.append(c)
        elif t == "ERROR":
            unit.errors.append(c)
            _scan(c, unit, template=None)
