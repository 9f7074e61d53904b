"""Kernels run on the `sim` backend (numba's CUDA simulator), checked against NumPy.

Sizes stay tiny: every simulated thread is a Python thread.
"""

import numpy as np
import pytest

import tessera as ts

rng = np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _sim():
    with ts.use_backend("sim"):
        yield


# --------------------------------------------------------------------------- the guide, verbatim

@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32], 
               b: ts.Tensor["N", ts.f32], 
               c: ts.Tensor["N", ts.f32]):
    """Vector addition in Tessera."""
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]

# Automatic launch configuration - Tessera handles block/grid sizing
def launch_vector_add(a, b, c):
    vector_add(a, b, c)


def test_guide_vector_add_matches_numpy():
    a = rng.standard_normal(1000).astype(np.float32)
    b = rng.standard_normal(1000).astype(np.float32)
    c = np.zeros_like(a)
    launch_vector_add(a, b, c)
    np.testing.assert_allclose(c, a + b, rtol=0, atol=0)
    assert vector_add.specializations[0][0] == "sim"


def test_backend_argument_and_environment_choose_sim(monkeypatch):
    a = np.ones(10, np.float32)
    c = np.zeros_like(a)
    vector_add(a, a, c, backend="sim")
    np.testing.assert_array_equal(c, 2.0)
    from tessera import settings
    monkeypatch.setenv("TESSERA_BACKEND", "sim")
    settings.reload()
    try:
        assert ts.current_backend().name == "sim"
        c[:] = 0
        vector_add(a, a, c)
        np.testing.assert_array_equal(c, 2.0)
    finally:
        monkeypatch.undo()
        settings.reload()


def test_second_call_reuses_the_compiled_specialization():
    a = np.ones(7, np.float32)
    c = np.zeros_like(a)
    vector_add(a, a, c)
    n = len(vector_add.specializations)
    vector_add(a, a, c)
    assert len(vector_add.specializations) == n


def test_empty_input_launches_nothing():
    a = np.zeros(0, np.float32)
    c = np.zeros(0, np.float32)
    vector_add(a, a, c)        # grid of 0 programs: no launch, no error
    assert c.shape == (0,)


# --------------------------------------------------------------------------- explicit launch

@ts.kernel
def fill_block_size(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = ts.f32(ts.block_size(0)) + ts.f32(ts.num_programs(0)) * 1000.0


def test_explicit_grid_and_block():
    x = np.zeros(100, np.float32)
    fill_block_size[4, 32](x)
    np.testing.assert_array_equal(x, 32 + 4 * 1000.0)
    y = np.zeros(100, np.float32)
    fill_block_size(y)                      # inferred: one program of the default 256 threads
    np.testing.assert_array_equal(y, 256 + 1 * 1000.0)


@ts.kernel(block=(8,))
def stride_fill(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    x[i] = 1.0 + ts.f32(ts.thread_id(0))


def test_explicit_launch_needs_no_guard():
    x = np.zeros(24, np.float32)
    stride_fill[3, 8](x)
    np.testing.assert_array_equal(x, np.tile(np.arange(8, dtype=np.float32) + 1, 3))
    # the same kernel and block without a grid: the explicit launch's specialization must not serve it
    with pytest.raises(ts.LaunchError, match=r"cannot infer the grid along axis 0"):
        stride_fill(x)


@ts.kernel(grid=(2,), block=(16,))
def decorated_launch(x: ts.Tensor["N", ts.i32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    x[i] = i


def test_launch_given_in_the_decorator():
    x = np.zeros(32, np.int32)
    decorated_launch(x)
    np.testing.assert_array_equal(x, np.arange(32))


# --------------------------------------------------------------------------- scalars and early exit

@ts.kernel
def saxpy(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32], alpha: ts.f32, n: ts.i32):
    i = ts.program_id(0) * 64 + ts.thread_id(0)
    if i >= n:
        return
    y[i] = alpha * x[i] + y[i]


def test_scalar_parameters_and_early_exit():
    x = rng.standard_normal(150).astype(np.float32)
    y = rng.standard_normal(150).astype(np.float32)
    want = y.copy()
    want[:100] = np.float32(2.5) * x[:100] + y[:100]
    saxpy(x, y, 2.5, 100)                   # only the first n elements; the guard sets the grid from n
    np.testing.assert_allclose(y, want, rtol=1e-6)


@ts.kernel
def scale_shift(x: ts.Tensor["N", ts.i32], k: ts.i32, s: ts.f32, out: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        out[i] = ts.f32(x[i] * k) + s


def test_i32_and_f32_scalars():
    x = np.arange(-20, 20, dtype=np.int32)
    out = np.zeros(40, np.float32)
    scale_shift(x, np.int32(3), np.float32(0.25), out)
    np.testing.assert_allclose(out, x * 3 + 0.25)


# --------------------------------------------------------------------------- dtypes

@ts.kernel
def axpb_f64(x: ts.Tensor["N", ts.f64], out: ts.Tensor["N", ts.f64]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        acc = 0.1
        acc += x[i] / 3.0
        out[i] = acc


def test_f64_tensors_compute_in_f64():
    x = rng.standard_normal(100)
    out = np.zeros(100)
    axpb_f64(x, out)
    np.testing.assert_allclose(out, 0.1 + x / 3.0, rtol=1e-15)   # f32 would be off by ~1e-7


@ts.kernel
def int_ops(x: ts.Tensor["N", ts.i32], out: ts.Tensor["N", ts.i32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        v = x[i]
        out[i] = (v * 7 + 3) // 4 - v % 5 + (v << 2) - (v >> 1) + (v & 12) + (v ^ 5)


def test_i32_tensors():
    x = rng.integers(-1000, 1000, 100).astype(np.int32)
    out = np.zeros(100, np.int32)
    int_ops(x, out)
    want = (x * 7 + 3) // 4 - x % 5 + (x << 2) - (x >> 1) + (x & 12) + (x ^ 5)
    np.testing.assert_array_equal(out, want)


# --------------------------------------------------------------------------- math

@ts.kernel
def math_ops(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32], out: ts.Tensor["K", "N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        a = x[i]
        b = y[i]
        out[0, i] = ts.exp(a)
        out[1, i] = ts.sqrt(b)
        out[2, i] = ts.rsqrt(b)
        out[3, i] = ts.tanh(a)
        out[4, i] = ts.min(a, b)
        out[5, i] = ts.max(a, b)
        out[6, i] = ts.fma(a, b, 1.5)
        out[7, i] = ts.where(a > 0.0, a, -2.0 * a)
        out[8, i] = ts.sigmoid(a)
        out[9, i] = ts.log(b) + ts.abs(a)
        out[10, i] = a if a < b else b


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def test_math_intrinsics_match_numpy():
    x = rng.uniform(-3, 3, 200).astype(np.float32)
    y = rng.uniform(0.1, 4, 200).astype(np.float32)
    out = np.zeros((11, 200), np.float32)
    math_ops(x, y, out)
    want = [np.exp(x), np.sqrt(y), 1 / np.sqrt(y), np.tanh(x), np.minimum(x, y), np.maximum(x, y),
            x * y + 1.5, np.where(x > 0, x, -2 * x), sigmoid(x), np.log(y) + np.abs(x), np.minimum(x, y)]
    for row, (got, exp) in enumerate(zip(out, want)):
        np.testing.assert_allclose(got, exp.astype(np.float32), rtol=2e-6, atol=1e-6, err_msg=f"row {row}")


# --------------------------------------------------------------------------- device functions

@ts.func
def smoothstep(e0, e1, v):
    t = ts.min(ts.max((v - e0) / (e1 - e0), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


@ts.func
def blend(v, w: ts.f32):
    s = smoothstep(0.0, 1.0, v)
    return s * w + (1.0 - s) * ts.exp(-w)


@ts.kernel
def apply_funcs(x: ts.Tensor["N", ts.f32], w: ts.Tensor["N", ts.f32], out: ts.Tensor["N", ts.f32],
                out2: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        out[i] = smoothstep(-1.0, 2.0, x[i])
        out2[i] = blend(x[i], w[i])


def np_smoothstep(e0, e1, v):
    t = np.clip((v - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def test_device_functions_scalar_math_and_nested_calls():
    x = rng.uniform(-2, 3, 120).astype(np.float32)
    w = rng.uniform(0, 2, 120).astype(np.float32)
    out = np.zeros(120, np.float32)
    out2 = np.zeros(120, np.float32)
    apply_funcs(x, w, out, out2)
    np.testing.assert_allclose(out, np_smoothstep(-1.0, 2.0, x), rtol=1e-5, atol=1e-6)
    s = np_smoothstep(0.0, 1.0, x)
    np.testing.assert_allclose(out2, s * w + (1 - s) * np.exp(-w), rtol=1e-5, atol=1e-6)
    # the same functions run as plain Python on the host only where they call no intrinsic
    with pytest.raises(ts.OutsideKernelError):
        smoothstep(0.0, 1.0, 0.5)


# --------------------------------------------------------------------------- atomics

@ts.kernel
def histogram(x: ts.Tensor["N", ts.i32], hist: ts.Tensor["B", ts.i32]):
    i = ts.program_id(0) * 128 + ts.thread_id(0)
    if i < N:
        ts.atomic_add(hist, x[i] % B, 1)


@ts.kernel
def max_abs(x: ts.Tensor["N", ts.f32], out: ts.Tensor[1, ts.f32]):
    i = ts.program_id(0) * 64 + ts.thread_id(0)
    if i < N:
        ts.atomic_max(out[0], ts.abs(x[i]))


def test_histogram_with_atomic_add():
    x = rng.integers(0, 1000, 500).astype(np.int32)
    hist = np.zeros(10, np.int32)
    histogram(x, hist)
    np.testing.assert_array_equal(hist, np.bincount(x % 10, minlength=10))
    assert hist.sum() == 500


def test_atomic_max():
    x = rng.standard_normal(130).astype(np.float32)
    out = np.zeros(1, np.float32)
    max_abs(x, out)
    assert out[0] == np.abs(x).max()


# --------------------------------------------------------------------------- 2-D and strided inputs

@ts.kernel
def add_transpose(a: ts.Tensor["M", "N", ts.f32], b: ts.Tensor["M", "N", ts.f32],
                  out: ts.Tensor["M", "N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    j = ts.program_id(1) * ts.block_size(1) + ts.thread_id(1)
    if i < M and j < N:
        out[i, j] = a[i, j] * 10.0 + b[i, j]


def test_two_d_kernel_with_a_transposed_view():
    base = rng.standard_normal((19, 13)).astype(np.float32)
    a = base.T                                   # shape (13, 19), not C-contiguous
    assert not a.flags.c_contiguous
    b = rng.standard_normal((13, 19)).astype(np.float32)
    out = np.zeros((13, 19), np.float32)
    before = len(add_transpose.specializations)
    add_transpose(a, b, out)
    np.testing.assert_allclose(out, a * 10.0 + b, rtol=1e-6)
    # the strided and the contiguous layouts are separate specializations
    out2 = np.zeros_like(out)
    add_transpose(np.ascontiguousarray(a), b, out2)
    np.testing.assert_array_equal(out, out2)
    assert len(add_transpose.specializations) == before + 2


def test_writes_into_a_strided_output_view():
    a = rng.standard_normal((5, 6)).astype(np.float32)
    b = np.zeros((5, 6), np.float32)
    big = np.zeros((6, 5), np.float32)
    out = big.T                                  # a view: results must land in `big`
    add_transpose(a, b, out)
    np.testing.assert_allclose(big.T, a * 10.0, rtol=1e-6)


# --------------------------------------------------------------------------- runtime errors on sim

@ts.kernel
def out_of_bounds(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * 8 + ts.thread_id(0)
    if i < N:
        x[i + 100] = 1.0


def test_an_exception_in_a_simulated_thread_points_at_the_users_line(user_error):
    with pytest.raises(ts.TesseraError, match=r"the kernel raised IndexError on the sim backend") as e:
        out_of_bounds(np.zeros(4, np.float32))
    user_error(e.value, out_of_bounds, "x[i + 100] = 1.0")
