"""The IR printer: what the IR tab shows. The guide's vector add is pinned as golden text."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import tessera as ts
from tessera.frontend import ir
from tessera.frontend.printer import format_expr, format_kernel

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def vector_add():
    """The guide's kernel from golden/vector_add.py, whose line numbers the golden text pins."""
    spec = importlib.util.spec_from_file_location("tessera_golden_vector_add", GOLDEN / "vector_add.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.vector_add


def golden(name: str) -> str:
    return (GOLDEN / name).read_text().rstrip("\n")


def test_vector_add_ir_is_golden(vector_add):
    assert format_kernel(vector_add.ir) == golden("vector_add.ir")


def test_vector_add_typed_ir_is_golden(vector_add):
    x = np.zeros(10, np.float32)
    typed = vector_add.lower(x, x, x).typed
    assert format_kernel(typed) == golden("vector_add.typed.ir")


def test_line_column_is_optional(vector_add):
    plain = format_kernel(vector_add.ir, lines=False)
    assert "# L" not in plain
    assert plain.splitlines() == [line.split("#")[0].rstrip() for line in golden("vector_add.ir").splitlines()]


def test_launch_plan_description(vector_add):
    x = np.zeros(10, np.float32)
    assert vector_add.lower(x, x, x).plan.describe() == "grid = (cdiv(a.shape[0], 256),), block = (256,)"


@pytest.mark.parametrize("expr, want", [
    (ir.BinOp("*", ir.BinOp("+", ir.Name("a"), ir.Name("b")), ir.Name("c")), "(a + b) * c"),
    (ir.BinOp("+", ir.Name("a"), ir.BinOp("*", ir.Name("b"), ir.Name("c"))), "a + b * c"),
    (ir.BinOp("-", ir.Name("a"), ir.BinOp("-", ir.Name("b"), ir.Name("c"))), "a - (b - c)"),
    (ir.BinOp("**", ir.Name("a"), ir.BinOp("**", ir.Name("b"), ir.Name("c"))), "a ** b ** c"),
    (ir.UnaryOp("-", ir.BinOp("+", ir.Name("a"), ir.Name("b"))), "-(a + b)"),
    (ir.UnaryOp("not", ir.Compare("<", ir.Name("a"), ir.Name("b"))), "not a < b"),
    (ir.BoolOp("and", (ir.BoolOp("or", (ir.Name("a"), ir.Name("b"))), ir.Name("c"))), "(a or b) and c"),
    (ir.Select(ir.Name("p"), ir.Const(1.0), ir.Const(2.0)), "1.0 if p else 2.0"),
    (ir.Const(2.0, weak=False, dtype=ts.f64), "f64(2.0)"),
    (ir.Const(2.0, weak=True, dtype=ts.f32), "2.0"),
    (ir.Cast(ts.i32, ir.Name("x")), "i32(x)"),
    (ir.ConstParam("TILE"), "$TILE"),
    (ir.Shape("A", 1), "A.shape[1]"),
    (ir.Load("A", (ir.Name("i"), ir.Name("j"))), "A[i, j]"),
    (ir.Intrinsic("atomic_add", (ir.TensorRef("h"), ir.Intrinsic("index", (ir.Name("i"), ir.Const(0))),
                                 ir.Const(1))), "atomic_add(h[i, 0], 1)"),
    (ir.Call("f", (ir.Name("x"), ir.Const(1))), "f(x, 1)"),
])
def test_expression_precedence_and_forms(expr, want):
    assert format_expr(expr) == want


def test_function_and_return_type_are_printed():
    @ts.func
    def twice(v: ts.f32):
        return v * 2

    @ts.kernel
    def use(x: ts.Tensor["N", ts.f32]):
        x[0] = twice(x[0])

    x = np.zeros(2, np.float32)
    lowered = use.lower(x)
    text = format_kernel(lowered.typed, lines=False)
    assert text.splitlines() == ["kernel use(x: Tensor[N, f32]):", "    x[0] = twice(x[0])"]
    assert format_kernel(twice.ir, lines=False).splitlines() == ["func twice(v: f32):", "    return v * 2"]
