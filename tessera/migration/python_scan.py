"""What a Python file does with PyTorch, read from its syntax tree alone (`ast`): nothing is imported or run.

`scan_python(text, filename)` finds, each with its line:

- classes deriving from `torch.nn.Module` (directly, through a `torch.nn` layer class,
  or a Lightning module) and from `torch.autograd.Function`;
- distributed training: `torch.distributed`, DistributedDataParallel, FSDP, DataParallel,
  DeepSpeed, Horovod;
- mixed precision: autocast (`torch.autocast`, `torch.cuda.amp`, `torch.amp`), GradScaler, apex.amp;
- custom CUDA extensions: `torch.utils.cpp_extension` `load`, `load_inline`, `CUDAExtension`,
  `CppExtension`, `BuildExtension`, called (with the source files named, when they are literal
  strings) or referenced (`Extension = CUDAExtension`);
- host synchronisation points (`.item()`, `.cpu()`, `torch.cuda.synchronize()`), timing
  code (`torch.utils.benchmark`, `torch.cuda.Event`, `timeit`) and test functions;
- the top-level packages it imports, for the dependency analysis.

Names are resolved through the file's imports, so `from torch.nn.parallel import
DistributedDataParallel as DDP; DDP(model)` is found, and a local variable that
happens to be called `nn` is not mistaken for `torch.nn` unless it was imported as such.
Classes deriving from a project class are resolved later, across files, by
`resolve_subclasses`.

Example::

    >>> src = '''
    ... import torch
    ... from torch import nn
    ... class Net(nn.Module):
    ...     def forward(self, x):
    ...         with torch.autocast("cuda"):
    ...             return x
    ... '''
    >>> s = scan_python(src, "net.py")
    >>> [(c.name, c.line) for c in s.modules], [(u.what, u.line) for u in s.mixed_precision]
    ([('Net', 4)], [('autocast', 6)])
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Found:
    """One thing found in a file: its name or kind (`what`), and where."""
    what: str
    file: str
    line: int
    detail: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class ClassDef:
    """A class and the qualified names of its bases (as far as the imports resolve them)."""
    name: str
    file: str
    line: int
    bases: tuple

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class PythonScan:
    """Everything `scan_python` found in one file."""
    file: str
    classes: list = field(default_factory=list)          # ClassDef, all of them
    modules: list = field(default_factory=list)          # ClassDef deriving from torch.nn.Module
    autograd_functions: list = field(default_factory=list)
    distributed: list = field(default_factory=list)      # Found
    mixed_precision: list = field(default_factory=list)
    cuda_extensions: list = field(default_factory=list)
    sync_points: list = field(default_factory=list)
    timing: list = field(default_factory=list)
    test_functions: int = 0
    imports: set = field(default_factory=set)            # top-level package names, absolute imports only
    syntax_error: str | None = None


# Qualified-name prefixes -> what they are. The longest matching prefix wins.
DISTRIBUTED = {
    "torch.distributed": "torch.distributed",
    "torch.nn.parallel.DistributedDataParallel": "DistributedDataParallel",
    "torch.nn.parallel.distributed.DistributedDataParallel": "DistributedDataParallel",
    "torch.distributed.fsdp": "FSDP",
    "torch.distributed._composable.fsdp": "FSDP",
    "torch.distributed.fsdp.fully_shard": "FSDP",
    "torch.nn.DataParallel": "DataParallel",
    "torch.nn.parallel.DataParallel": "DataParallel",
    "deepspeed": "DeepSpeed",
    "horovod": "Horovod",
}
MIXED_PRECISION = {
    "torch.autocast": "autocast",
    "torch.amp.autocast": "autocast",
    "torch.cuda.amp.autocast": "autocast",
    "torch.cpu.amp.autocast": "autocast",
    "torch.cuda.amp.GradScaler": "GradScaler",
    "torch.amp.GradScaler": "GradScaler",
    "torch.GradScaler": "GradScaler",
    "apex.amp": "apex.amp",
}
CUDA_EXTENSIONS = {
    "torch.utils.cpp_extension.load": "cpp_extension.load",
    "torch.utils.cpp_extension.load_inline": "cpp_extension.load_inline",
    "torch.utils.cpp_extension.CUDAExtension": "CUDAExtension",
    "torch.utils.cpp_extension.CppExtension": "CppExtension",
    "torch.utils.cpp_extension.BuildExtension": "BuildExtension",
}
TIMING = {
    "torch.utils.benchmark": "torch.utils.benchmark",
    "torch.cuda.Event": "torch.cuda.Event",
    "timeit": "timeit",
    "triton.testing.do_bench": "triton.testing.do_bench",
}
SYNC_CALLS = {"torch.cuda.synchronize": "torch.cuda.synchronize"}
SYNC_METHODS = {"item", "cpu", "tolist"}   # each copies a GPU value to the host and waits for it

MODULE_ROOTS = ("torch.nn.Module", "lightning.LightningModule", "pytorch_lightning.LightningModule",
                "lightning.pytorch.LightningModule")
FUNCTION_ROOTS = ("torch.autograd.Function", "torch.autograd.function.Function",
                  "torch.autograd.function.InplaceFunction")
_NOT_MODULES = ("torch.nn.Parameter", "torch.nn.parameter", "torch.nn.functional", "torch.nn.init",
                "torch.nn.utils", "torch.nn.parallel")


def is_torch_module_base(qualname: str) -> bool:
    """A base that makes a class an nn.Module: nn.Module itself or any layer class in torch.nn (nn.Linear, ...).

        >>> is_torch_module_base("torch.nn.Sequential"), is_torch_module_base("torch.nn.functional.relu")
        (True, False)
    """
    if qualname in MODULE_ROOTS:
        return True
    if not qualname.startswith("torch.nn.") or qualname.startswith(_NOT_MODULES):
        return False
    return qualname.rsplit(".", 1)[1][:1].isupper()


def scan_python(text: str, filename: str) -> PythonScan:
    """Scan one Python source (see the module doc). A file that does not parse gets `syntax_error` set."""
    scan = PythonScan(file=filename)
    try:
        tree = ast.parse(text, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        scan.syntax_error = f"{type(e).__name__}: {getattr(e, 'msg', e)} (line {getattr(e, 'lineno', '?')})"
        return scan
    try:
        _Visitor(scan).visit(tree)
    except RecursionError:  # absurdly nested expressions: keep what was found so far
        scan.syntax_error = "RecursionError: nesting too deep to analyze completely"
    for c in scan.classes:
        if any(is_torch_module_base(b) for b in c.bases):
            scan.modules.append(c)
        elif any(b in FUNCTION_ROOTS for b in c.bases):
            scan.autograd_functions.append(c)
    return scan


def resolve_subclasses(scans: list) -> None:
    """Add to each scan the classes that derive, through project classes, from an nn.Module or autograd Function.

    Bases are matched by their last name (`from .layers import Block` -> `Block`), to a fixed point.
    A project with two different classes of the same name may over-count; the analyzer says so.

        >>> a = scan_python("import torch.nn as nn\\nclass Block(nn.Module): pass", "a.py")
        >>> b = scan_python("from a import Block\\nclass Big(Block): pass", "b.py")
        >>> resolve_subclasses([a, b]); [c.name for c in b.modules]
        ['Big']
    """
    found = {"modules": {c.name for s in scans for c in s.modules},
             "autograd_functions": {c.name for s in scans for c in s.autograd_functions}}
    changed = True
    while changed:
        changed = False
        for s in scans:
            for c in s.classes:
                if c in s.modules or c in s.autograd_functions:
                    continue
                for attr, names in found.items():
                    if any(b.rsplit(".", 1)[-1] in names for b in c.bases):
                        getattr(s, attr).append(c)
                        names.add(c.name)
                        changed = True
                        break
    for s in scans:
        s.modules.sort(key=lambda c: c.line)
        s.autograd_functions.sort(key=lambda c: c.line)


class _Visitor(ast.NodeVisitor):
    def __init__(self, scan: PythonScan):
        self.scan = scan
        self.aliases: dict[str, str] = {}   # local name -> qualified name it was imported as
        self.seen: set = set()

    # -- imports ---------------------------------------------------------------------------------
    def visit_Import(self, node):
        for a in node.names:
            self.scan.imports.add(a.name.split(".")[0])
            if a.asname:
                self.aliases[a.asname] = a.name
            else:  # `import torch.nn` binds `torch`
                top = a.name.split(".")[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node):
        if node.level or not node.module:
            return  # relative imports are the project's own modules
        self.scan.imports.add(node.module.split(".")[0])
        for a in node.names:
            if a.name == "*":
                continue
            qual = f"{node.module}.{a.name}"
            self.aliases[a.asname or a.name] = qual  # an import is not a use: the references below are

    # -- definitions -----------------------------------------------------------------------------
    def visit_ClassDef(self, node):
        bases = tuple(q for q in (self._qualname(b) or _dotted(b) for b in node.bases) if q)
        self.scan.classes.append(ClassDef(node.name, self.scan.file, node.lineno, bases))
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        if node.name.startswith("test"):
            self.scan.test_functions += 1
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    # -- uses ------------------------------------------------------------------------------------
    def visit_Attribute(self, node):
        qual = self._qualname(node)
        if qual is not None:
            self._match(qual, node.lineno)
            return  # the chain's prefixes (torch.cuda, torch) are not separate uses
        self.generic_visit(node)

    def visit_Name(self, node):
        qual = self.aliases.get(node.id)
        if qual is not None:
            self._match(qual, node.lineno)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in SYNC_METHODS and not node.args \
                and self._qualname(func) is None:
            self._add("sync_points", f".{func.attr}()", node.lineno)
        qual = self._qualname(func)
        if qual is not None and _longest(qual, CUDA_EXTENSIONS):
            self._add("cuda_extensions", _longest(qual, CUDA_EXTENSIONS), node.lineno,
                      ", ".join(_literal_sources(node)))
            for a in node.args + [k.value for k in node.keywords]:
                self.visit(a)
            return
        self.generic_visit(node)

    # -- helpers ---------------------------------------------------------------------------------
    def _qualname(self, node) -> str | None:
        """`nn.parallel.DistributedDataParallel` -> 'torch.nn.parallel.DistributedDataParallel', via imports."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.aliases:
            return None
        return ".".join([self.aliases[node.id]] + parts[::-1])

    def _match(self, qual: str, line: int):
        for table, attr in ((DISTRIBUTED, "distributed"), (MIXED_PRECISION, "mixed_precision"),
                            (TIMING, "timing"), (SYNC_CALLS, "sync_points"), (CUDA_EXTENSIONS, "cuda_extensions")):
            what = _longest(qual, table)
            if what:
                self._add(attr, what, line)

    def _add(self, attr: str, what: str, line: int, detail: str = ""):
        key = (attr, what, line)
        if key not in self.seen:
            self.seen.add(key)
            getattr(self.scan, attr).append(Found(what, self.scan.file, line, detail))


def _longest(qual: str, table: dict) -> str | None:
    best = None
    for prefix, what in table.items():
        if (qual == prefix or qual.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, what)
    return best[1] if best else None


def _dotted(node) -> str | None:
    """`pkg.Base` -> 'pkg.Base' for a base class whose root name was not imported (a class of this file)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id] + parts[::-1]) if isinstance(node, ast.Name) else None


def _literal_sources(call: ast.Call) -> list:
    """The .cu/.cpp file names given to a cpp_extension call as literal strings (sources=[...] or positional)."""
    out = []
    for node in ast.walk(call):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value.endswith((".cu", ".cpp", ".cc", ".cuh")):
            out.append(node.value)
    return out
