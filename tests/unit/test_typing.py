"""Typing rules (DESIGN.md "Typing"): weak literals, int/float mixing, converting stores."""

import pytest

import tessera as ts
from tessera.frontend import ir
from tessera.frontend.parse import parse_kernel
from tessera.frontend.printer import format_kernel
from tessera.passes.typecheck import infer_types, var_types


def typed(fn, **types):
    return infer_types(parse_kernel(fn), types, ts.i32)


def lines(k) -> list:
    return [line[4:] for line in format_kernel(k, lines=False).splitlines()[1:]]


def accumulate(x: ts.Tensor["N", ts.f32], out: ts.Tensor["N", ts.f32]):
    acc = 0.0
    for k in range(4):
        acc += x[k] * 2
    out[0] = acc


def test_weak_float_literal_accumulates_in_f32_for_f32_loads():
    k = typed(accumulate, x=ts.f32, out=ts.f32)
    assert var_types(k)["acc"] is ts.f32
    init = k.body[0].value
    assert isinstance(init, ir.Const) and init.dtype is ts.f32 and init.value == 0.0
    # no f64 anywhere: the literal 2 became an f32 2.0, not a double
    dtypes = {n.dtype for n in ir.walk(k.body) if isinstance(n, ir.Expr) and n.dtype is not None}
    assert ts.f64 not in dtypes
    assert lines(k) == [
        "acc: f32 = 0.0",
        "for k in range(0, 4, 1):",
        "    acc: f32 = acc + x[k] * 2.0",
        "out[0] = acc",
    ]


def test_weak_float_literal_becomes_f64_for_f64_loads():
    k = typed(accumulate, x=ts.f64, out=ts.f64)
    assert var_types(k)["acc"] is ts.f64
    assert k.body[0].value.dtype is ts.f64
    assert lines(k)[2] == "    acc: f64 = acc + x[k] * 2.0"


def literal_only(out: ts.Tensor["N", ts.f32]):
    a = 1.5
    b = 3
    c = a * b
    out[0] = c


def test_literals_alone_are_f32_and_i32():
    k = typed(literal_only, out=ts.f32)
    t = var_types(k)
    assert (t["a"], t["b"], t["c"]) == (ts.f32, ts.i32, ts.f32)


def mixing(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.i32], z: ts.Tensor["N", ts.f64],
           n: ts.i32, big: ts.i64):
    a = n + 1.5
    b = y[0] * x[0]
    c = n / 2
    d = y[0] // 2
    e = x[0] + z[0]
    f = n + big
    g = y[0] * 3
    h = n < x[0]
    x[0] = a + b + c


def test_int_float_mixing():
    k = typed(mixing, x=ts.f32, y=ts.i32, z=ts.f64)
    t = var_types(k)
    assert t["a"] is ts.f32          # i32 + weak float: f32, never f64
    assert t["b"] is ts.f32          # i32 * f32: the float wins and keeps its width
    assert t["c"] is ts.f32          # true division of ints gives a float
    assert t["d"] is ts.i32          # floor division stays integer
    assert t["e"] is ts.f64          # f32 + f64 widens
    assert t["f"] is ts.i64          # i32 + i64 widens
    assert t["g"] is ts.i32          # a weak int literal takes the tensor's type
    assert t["h"] is ts.bool
    body = lines(k)
    assert body[0] == "a: f32 = f32(n) + 1.5"          # the int operand is converted explicitly
    assert body[1] == "b: f32 = f32(y[0]) * x[0]"
    assert body[7] == "h: bool = f32(n) < x[0]"


def stores(x: ts.Tensor["N", ts.f64], y: ts.Tensor["N", ts.f32], h: ts.Tensor["N", ts.i32],
           b: ts.Tensor["N", ts.i8]):
    y[0] = x[0] * 2.0
    x[1] = y[1]
    y[2] = h[0] + 1
    b[0] = h[1]
    h[2] = ts.i32(y[3])


def test_store_converts_to_the_destination_dtype():
    k = typed(stores, x=ts.f64, y=ts.f32, h=ts.i32, b=ts.i8)
    assert lines(k) == [
        "y[0] = f32(x[0] * 2.0)",
        "x[1] = f64(y[1])",
        "y[2] = f32(h[0] + 1)",
        "b[0] = i8(h[1])",
        "h[2] = i32(y[3])",
    ]
    for s in k.body:
        assert s.value.dtype is {"x": ts.f64, "y": ts.f32, "h": ts.i32, "b": ts.i8}[s.tensor]


def float_into_int(x: ts.Tensor["N", ts.f32], h: ts.Tensor["N", ts.i32]):
    h[0] = x[0] * 2


def test_storing_a_float_into_an_int_tensor_is_an_error(user_error):
    with pytest.raises(ts.KernelTypeError, match=r"storing a f32 value into the i32 tensor 'h' would silently truncate") as e:
        typed(float_into_int, x=ts.f32, h=ts.i32)
    text = user_error(e.value, float_into_int, "h[0] = x[0] * 2", at="h[0]")
    assert "ts.i32(value)" in text


def float_index(x: ts.Tensor["N", ts.f32]):
    x[0] = x[x[1]]


def test_float_index_is_an_error(user_error):
    with pytest.raises(ts.KernelTypeError, match=r"tensor index of type f32; indices must be integers") as e:
        typed(float_index, x=ts.f32)
    assert "x[ts.i32(x)]" in user_error(e.value, float_index, "x[x[1]]", at="x[1]")


def tensor_as_number(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    x[0] = y + 1.0


def test_a_whole_tensor_is_not_a_number(user_error):
    with pytest.raises(ts.KernelTypeError, match=r"the tensor 'y' is used as a number") as e:
        typed(tensor_as_number, x=ts.f32, y=ts.f32)
    assert "y[i]" in user_error(e.value, tensor_as_number, "y + 1.0", at="y +")


def bitwise_float(x: ts.Tensor["N", ts.f32]):
    x[0] = x[1] << 2


def test_bitwise_on_floats_is_an_error(user_error):
    with pytest.raises(ts.KernelTypeError, match=r"bitwise '<<' on f32 values") as e:
        typed(bitwise_float, x=ts.f32)
    user_error(e.value, bitwise_float, "x[1] << 2", at="x[1] <<")


def use_before_assign(x: ts.Tensor["N", ts.f32]):
    x[0] = later


def test_use_before_assignment_is_an_error():
    # `later` is no global, local or parameter: the front end already rejects it
    with pytest.raises(ts.TesseraError, match=r"name 'later' is not defined in kernel 'use_before_assign'"):
        typed(use_before_assign, x=ts.f32)


def float_range(x: ts.Tensor["N", ts.f32]):
    for i in range(x[0]):
        x[1] = 0.0


def test_float_range_bounds_are_an_error(user_error):
    with pytest.raises(ts.KernelTypeError, match=r"range bounds must be integers") as e:
        typed(float_range, x=ts.f32)
    user_error(e.value, float_range, "for i in range(x[0])")


def index_dtype(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * 256 + ts.thread_id(0)
    if i < N:
        x[i] = 0.0


def test_index_arithmetic_uses_the_index_dtype():
    k32 = infer_types(parse_kernel(index_dtype), {"x": ts.f32}, ts.i32)
    k64 = infer_types(parse_kernel(index_dtype), {"x": ts.f32}, ts.i64)
    assert var_types(k32)["i"] is ts.i32
    assert var_types(k64)["i"] is ts.i64


def math_types(x: ts.Tensor["N", ts.f32], z: ts.Tensor["N", ts.f64], h: ts.Tensor["N", ts.i32]):
    a = ts.exp(x[0])
    b = ts.exp(z[0])
    c = ts.sqrt(h[0])
    d = ts.min(h[0], 3)
    e = ts.where(h[0] > 0, x[0], 0.0)
    f = ts.isnan(x[0])


def test_math_follows_the_argument_float_type():
    t = var_types(typed(math_types, x=ts.f32, z=ts.f64, h=ts.i32))
    assert (t["a"], t["b"], t["c"], t["d"], t["e"], t["f"]) == (ts.f32, ts.f64, ts.f32, ts.i32, ts.f32, ts.bool)


def scalar_keeps_type(x: ts.Tensor["N", ts.f32], n: ts.i32, s: ts.f32):
    n = n * 2
    s = s + n
    x[0] = s


def test_a_scalar_parameter_keeps_its_declared_type():
    k = typed(scalar_keeps_type, x=ts.f32)
    assert k.body[0].value.dtype is ts.i32
    assert k.body[1].value.dtype is ts.f32


def float_into_int_param(x: ts.Tensor["N", ts.f32], n: ts.i32):
    n = n * 2.5
    x[0] = n


def test_a_float_into_an_int_parameter_is_an_error(user_error):
    with pytest.raises(ts.KernelTypeError, match=r"assigning a f32 value to the i32 parameter 'n' would silently truncate") as e:
        typed(float_into_int_param, x=ts.f32)
    user_error(e.value, float_into_int_param, "n = n * 2.5", at="n =")
