"""The Python side of the migration analyzer: PyTorch constructs read from the syntax tree, never imported.

Each corpus file (tests/migration_corpus/python) states what the scanner must find in
`# expect <field>: name@line ...` lines; the test compares field by field.
"""

import pathlib
import re

import pytest

from tessera.migration.python_scan import is_torch_module_base, resolve_subclasses, scan_python

CORPUS = pathlib.Path(__file__).parents[1] / "migration_corpus" / "python"
FILES = sorted(CORPUS.glob("*.py"))
EXPECT = re.compile(r"^# expect (\w+)(?::(.*))?$", re.M)


def _expectations(path):
    return {m.group(1): (m.group(2) or "").split() for m in EXPECT.finditer(path.read_text())}


@pytest.fixture(scope="module")
def scans():
    found = {p.name: scan_python(p.read_text(), p.name) for p in FILES}
    resolve_subclasses(list(found.values()))
    return found


def test_corpus_is_there():
    assert len(FILES) >= 7
    assert all(_expectations(p) for p in FILES), "every corpus file says what it expects"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file(path, scans):
    scan = scans[path.name]
    for name, want in _expectations(path).items():
        if name == "syntax_error":
            assert scan.syntax_error and "line 3" in scan.syntax_error
        elif name == "imports":
            assert sorted(scan.imports) == sorted(want)
        elif name in ("modules", "autograd_functions"):
            assert [f"{c.name}@{c.line}" for c in getattr(scan, name)] == want, name
        else:
            assert [f"{f.what}@{f.line}" for f in getattr(scan, name)] == want, name


def test_aliases_follow_imports():
    src = ("import torch.nn.parallel as par\nfrom torch import distributed as d\n"
           "m = par.DistributedDataParallel(m)\nd.all_reduce(t)\n")
    s = scan_python(src, "x.py")
    assert [(f.what, f.line) for f in s.distributed] == [("DistributedDataParallel", 3), ("torch.distributed", 4)]


def test_unimported_names_are_not_torch():
    s = scan_python("class A(nn.Module): pass\nwith autocast(): pass\n", "x.py")
    assert s.modules == [] and s.mixed_precision == []


def test_subclass_chain_across_files_resolves_to_fixed_point():
    a = scan_python("import torch\nclass A(torch.nn.Module): pass\n", "a.py")
    b = scan_python("from a import A\nclass B(A): pass\n", "b.py")
    c = scan_python("from b import B\nclass C(B): pass\nclass D: pass\n", "c.py")
    resolve_subclasses([c, b, a])   # order does not matter
    assert [x.name for s in (a, b, c) for x in s.modules] == ["A", "B", "C"]


def test_autograd_function_subclasses_resolve_too():
    a = scan_python("import torch\nclass F(torch.autograd.Function): pass\n", "a.py")
    b = scan_python("from a import F\nclass G(F): pass\n", "b.py")
    resolve_subclasses([a, b])
    assert [x.name for x in b.autograd_functions] == ["G"] and b.modules == []


def test_relative_imports_are_not_dependencies():
    s = scan_python("from . import layers\nfrom .ops import f\nimport numpy as np\n", "x.py")
    assert s.imports == {"numpy"}


def test_test_functions_and_sync_points_counted():
    s = scan_python("def test_a():\n    assert x.item() == 1\nasync def test_b(): pass\ndef helper(): pass\n", "t.py")
    assert s.test_functions == 2
    assert [(f.what, f.line) for f in s.sync_points] == [(".item()", 2)]


def test_extension_call_records_literal_sources():
    s = scan_python("from torch.utils.cpp_extension import load\n"
                    "m = load('m', sources=['a.cpp', 'b.cu'])\n", "x.py")
    assert [(f.what, f.detail) for f in s.cuda_extensions] == [("cpp_extension.load", "a.cpp, b.cu")]


def test_torch_module_bases():
    assert is_torch_module_base("torch.nn.Module")
    assert is_torch_module_base("torch.nn.modules.conv.Conv2d")
    assert is_torch_module_base("pytorch_lightning.LightningModule")
    assert not is_torch_module_base("torch.nn.Parameter")
    assert not is_torch_module_base("torch.nn.functional.relu")
    assert not is_torch_module_base("mylib.Module")


def test_pathological_sources_do_not_raise():
    deep = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    assert scan_python(deep, "deep.py").syntax_error            # the parser's own limit, reported
    assert scan_python("\0", "nul.py").syntax_error
    assert scan_python("", "empty.py").syntax_error is None
