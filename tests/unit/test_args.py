"""Arguments are checked against the annotations before anything launches (no kernels run)."""

import numpy as np
import pytest

import tessera as ts
from tessera.runtime.args import bind_args


@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32],
               b: ts.Tensor["N", ts.f32],
               c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]


@ts.kernel
def rows(m: ts.Tensor["R", 3, ts.f32], scale: ts.f32, n: ts.i32, flag: ts.bool, T: ts.constexpr):
    i = ts.program_id(0) * T + ts.thread_id(0)
    if i < n and flag:
        m[i, 0] = m[i, 1] * scale


def f32(*shape):
    return np.zeros(shape, np.float32)


def call(kernel, *args):
    kernel(*args, backend="sim")


def test_a_float64_array_for_f32_says_to_astype(user_error):
    with pytest.raises(ts.KernelTypeError, match=r"argument 'b' must hold f32 \(ts.Tensor\[\"N\", ts.f32\]\) "
                                                 r"but holds float64") as e:
        call(vector_add, f32(10), np.zeros(10), f32(10))
    text = user_error(e.value, vector_add, "b: ts.Tensor", at="b:")
    assert "b.astype(np.float32)" in text


def test_an_int_array_for_f32_is_not_converted_silently():
    with pytest.raises(ts.KernelTypeError, match=r"argument 'a' must hold f32 .* but holds int64") as e:
        call(vector_add, np.arange(10), f32(10), f32(10))
    assert "a.astype(np.float32)" in str(e.value) and "never converts silently" in str(e.value)


def test_wrong_rank(user_error):
    with pytest.raises(ts.ShapeError, match=r"argument 'a' must have 1 dimension \(ts.Tensor\[\"N\", ts.f32\]\) "
                                            r"but has 2 \(shape \(2, 5\)\)") as e:
        call(vector_add, f32(2, 5), f32(10), f32(10))
    user_error(e.value, vector_add, "def vector_add(a:", at="a:")
    with pytest.raises(ts.ShapeError, match=r"argument 'm' must have 2 dimensions .* but has 1"):
        call(rows, f32(4), 1.0, 4, True, 4)


def test_shape_symbol_conflict_names_both_arguments(user_error):
    with pytest.raises(ts.ShapeError, match=r"shape symbol N is 10 from a.shape\[0\] but 12 from b.shape\[0\]") as e:
        call(vector_add, f32(10), f32(12), f32(10))
    text = user_error(e.value, vector_add, "b: ts.Tensor", at="b:")
    assert "a and b share N" in text


def test_fixed_dimension_mismatch(user_error):
    with pytest.raises(ts.ShapeError, match=r"argument 'm' must have 3 elements along axis 1 "
                                            r"\(ts.Tensor\[\"R\", 3, ts.f32\]\) but has 4") as e:
        call(rows, f32(5, 4), 1.0, 5, True, 4)
    user_error(e.value, rows, "def rows", at="m:")


def test_wrong_argument_count(user_error):
    with pytest.raises(ts.TesseraError, match=r"vector_add takes 3 arguments \(a, b, c\), got 2") as e:
        call(vector_add, f32(10), f32(10))
    assert "Write instead: vector_add(a, b, c)" in user_error(e.value, vector_add, "def vector_add")


def test_not_an_array(user_error):
    with pytest.raises(ts.KernelTypeError, match=r"argument 'c' must be an array \(ts.Tensor\[\"N\", ts.f32\]\), "
                                                 r"got list") as e:
        call(vector_add, f32(3), f32(3), [0.0, 0.0, 0.0])
    assert "np.asarray(c, dtype=np.float32)" in user_error(e.value, vector_add, "c: ts.Tensor", at="c:")


@pytest.mark.parametrize("args, match, hint", [
    ((f32(4, 3), 1.0, 2.5, True, 4), r"argument 'n' must be an int \(ts.i32\), got float 2.5", "pass int(n)"),
    ((f32(4, 3), 1.0, True, True, 4), r"argument 'n' must be an int \(ts.i32\), got bool True", "pass int(n)"),
    ((f32(4, 3), "2", 4, True, 4), r"argument 'scale' must be a number \(ts.f32\), got str '2'",
     "pass float(scale)"),
    ((f32(4, 3), 1.0, 4, 1, 4), r"argument 'flag' must be a bool \(ts.bool\), got int 1", "pass bool(flag)"),
    ((f32(4, 3), 1.0, 2**40, True, 4), r"argument 'n' = 1099511627776 does not fit in ts.i32",
     "declare the parameter as ts.i64"),
    ((f32(4, 3), 1.0, 4, True, "4"), r"constexpr 'T' must be an int, float or bool, got str", "T=32"),
])
def test_wrong_scalar_kind(args, match, hint, user_error):
    with pytest.raises(ts.KernelTypeError, match=match) as e:
        call(rows, *args)
    assert hint in user_error(e.value, rows, "def rows")


def test_numpy_scalars_are_accepted():
    b = bind_args(rows.ir, (f32(4, 3), np.float32(1.0), np.int64(4), np.bool_(True), np.int32(8)))
    assert b.consts == {"T": 8} and isinstance(b.consts["T"], int)
    assert b.values[1:] == (np.float32(1.0), np.int32(4), np.bool_(True))
    assert type(b.values[2]) is np.int32


def test_binding_gathers_symbols_layouts_and_index_type():
    a = np.zeros((6, 3), np.float32)
    b = bind_args(rows.ir, (a, 1.0, 6, True, 4))
    assert b.symbols == {"R": 6}
    assert b.layouts == {"m": "C"} and b.index is ts.i32
    assert b.numba_types(rows.ir) == ["float32[:, ::1]", "float32", "int32", "boolean"]
    t = bind_args(rows.ir, (np.zeros((3, 6), np.float32).T, 1.0, 6, True, 4))
    assert t.layouts == {"m": "A"}
    assert t.numba_types(rows.ir)[0] == "float32[:, :]"

