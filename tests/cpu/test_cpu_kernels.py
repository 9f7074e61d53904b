"""The same kernels on `cpu` and `sim`, each checked against NumPy; where cheap, cpu against sim too.

Sizes stay small for the simulator (every simulated thread is a Python thread).
"""

import numpy as np
import pytest

import tessera as ts
from tessera.compiler import compile_source
from tests.cpu import kernels as K

rng = np.random.default_rng(11)
BACKENDS = ["cpu", "sim"]


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def test_cpu_is_the_default_without_a_gpu():
    from numba import cuda
    if cuda.is_available():
        pytest.skip("a GPU is present: the default is cuda")
    assert ts.current_backend().name == "cpu"
    assert {"cpu", "sim"} <= set(ts.available_backends())


def test_vector_add(backend):
    a, b = f32(1000), f32(1000)
    c = np.zeros_like(a)
    K.vector_add(a, b, c, backend=backend)
    np.testing.assert_array_equal(c, a + b)
    assert K.vector_add.specializations[-1][0] == backend


@pytest.mark.parametrize("m, k, n, tile", [(16, 16, 16, 8), (20, 14, 26, 8)])
def test_tiled_matmul_cpu_matches_numpy_and_sim(m, k, n, tile):
    A, B = f32(m, k), f32(k, n)
    out = {}
    for b in BACKENDS:
        out[b] = np.full((m, n), np.nan, np.float32)
        K.matmul_tiled(A, B, out[b], tile, backend=b)
        np.testing.assert_allclose(out[b], A @ B, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(out["cpu"], out["sim"], rtol=1e-6, atol=1e-6)


def test_tiled_matmul_issue_shape_on_cpu():
    A, B = f32(100, 70), f32(70, 130)
    C = np.full((100, 130), np.nan, np.float32)
    K.matmul_tiled(A, B, C, 16, backend="cpu")
    np.testing.assert_allclose(C, A @ B, rtol=1e-4, atol=1e-4)


def test_tree_reduction_barrier_in_a_while_loop(backend):
    x = f32(300)
    partial = np.zeros(5, np.float32)
    K.block_sum_while(x, partial, backend=backend)
    np.testing.assert_allclose(partial, [x[p * 64:(p + 1) * 64].sum() for p in range(5)], rtol=1e-5, atol=1e-5)


def test_tree_reduction_barrier_in_a_for_loop(backend):
    x = f32(70)
    partial = np.zeros(3, np.float32)
    K.block_sum_for[3, 32](x, partial, 5, backend=backend)
    np.testing.assert_allclose(partial, [x[p * 32:(p + 1) * 32].sum() for p in range(3)], rtol=1e-5, atol=1e-5)


def test_transpose_through_a_swizzled_tile(backend):
    x = f32(11, 13)
    y = np.zeros((13, 11), np.float32)
    K.transpose_tile[(2, 2), (8, 8)](x, y, 8, backend=backend)
    np.testing.assert_array_equal(y, x.T)


def test_histogram_with_atomics(backend):
    x = rng.integers(0, 1000, 500).astype(np.int32)
    hist = np.zeros(10, np.int32)
    K.histogram(x, hist, backend=backend)
    np.testing.assert_array_equal(hist, np.bincount(x % 10, minlength=10))


def test_shared_then_global_atomics(backend):
    x = rng.integers(0, 100, 90).astype(np.int32)
    out = np.zeros(8, np.int32)
    K.shared_i32_counts[3, 32](x, out, backend=backend)
    np.testing.assert_array_equal(out, np.bincount(x % 8, minlength=8))


def test_atomic_max(backend):
    x = f32(130)
    out = np.zeros(1, np.float32)
    K.max_abs(x, out, backend=backend)
    assert out[0] == np.abs(x).max()


def test_atomics_run_the_grid_serially_and_others_in_parallel():
    src = compile_source(K.histogram, {"x": ts.i32, "hist": ts.i32}, target="numba-cpu").source
    assert "for _tpid in range(" in src and "prange(" not in src.split("import")[-1]
    src = compile_source(K.vector_add, {"a": ts.f32, "b": ts.f32, "c": ts.f32}, target="numba-cpu").source
    assert "for _tpid in prange(" in src


def np_smoothstep(e0, e1, v):
    t = np.clip((v - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def test_device_functions(backend):
    x = rng.uniform(-2, 3, 120).astype(np.float32)
    w = rng.uniform(0, 2, 120).astype(np.float32)
    out, out2 = np.zeros(120, np.float32), np.zeros(120, np.float32)
    K.apply_funcs(x, w, out, out2, backend=backend)
    np.testing.assert_allclose(out, np_smoothstep(-1.0, 2.0, x), rtol=1e-5, atol=1e-6)
    s = np_smoothstep(0.0, 1.0, x)
    np.testing.assert_allclose(out2, s * w + (1 - s) * np.exp(-w), rtol=1e-5, atol=1e-6)


def test_math_cpu_matches_numpy_and_sim():
    x = rng.uniform(-3, 3, 200).astype(np.float32)
    y = rng.uniform(0.1, 4, 200).astype(np.float32)
    out = {b: np.zeros((11, 200), np.float32) for b in BACKENDS}
    for b in BACKENDS:
        K.math_ops(x, y, out[b], backend=b)
    want = [np.exp(x), np.sqrt(y), 1 / np.sqrt(y), np.tanh(x), np.minimum(x, y), np.maximum(x, y),
            x * y + 1.5, np.where(x > 0, x, -2 * x), 1 / (1 + np.exp(-x)), np.log(y) + np.abs(x), np.minimum(x, y)]
    for row, exp in enumerate(want):
        np.testing.assert_allclose(out["cpu"][row], exp.astype(np.float32), rtol=2e-6, atol=1e-6,
                                   err_msg=f"row {row}")
    np.testing.assert_allclose(out["cpu"], out["sim"], rtol=1e-6, atol=1e-7)


def test_early_return_and_scalars(backend):
    x, y = f32(150), f32(150)
    want = y.copy()
    want[:100] = np.float32(2.5) * x[:100] + y[:100]
    K.saxpy(x, y, 2.5, 100, backend=backend)
    np.testing.assert_allclose(y, want, rtol=1e-6)


@pytest.mark.filterwarnings("ignore:overflow encountered")   # the simulator's NumPy scalars say so
def test_i32_arithmetic_wraps_like_sim():
    x = rng.integers(-2**31, 2**31 - 1, 100, dtype=np.int64).astype(np.int32)
    out = {b: np.zeros(100, np.int32) for b in BACKENDS}
    for b in BACKENDS:
        K.int_ops(x, out[b], backend=b)
    np.testing.assert_array_equal(out["cpu"], out["sim"])


def test_two_d_kernel_on_strided_views(backend):
    a = f32(19, 13).T
    b = f32(13, 19)
    big = np.zeros((19, 13), np.float32)
    out = big.T                                   # results must land in `big`
    K.add_scaled_2d(a, b, out, backend=backend)
    np.testing.assert_allclose(big.T, a * 10.0 + b, rtol=1e-6)


def test_ids_and_grid_sizes(backend):
    x = np.zeros(24, np.float32)
    K.fill_ids[3, 8](x, backend=backend)
    want = np.arange(8, dtype=np.float32)[None, :] + 100 * np.arange(3, dtype=np.float32)[:, None] + 3000
    np.testing.assert_array_equal(x, want.ravel())


def test_tensors_on_the_cpu_backend():
    a = ts.from_numpy(f32(300), device="cpu")
    c = ts.zeros_like(a)
    K.vector_add(a, a, c, backend="cpu")
    np.testing.assert_array_equal(c.numpy(), 2 * a.numpy())


def test_cached_launches_reuse_the_specialization():
    a = f32(64)
    c = np.zeros_like(a)
    for _ in range(3):
        K.vector_add(a, a, c, backend="cpu")
    assert sum(1 for s in K.vector_add.specializations if s[0] == "cpu") == 1
    np.testing.assert_array_equal(c, 2 * a)


@pytest.mark.parametrize("backend", ["cpu", "sim"])
def test_blocks_beyond_1024_threads_are_virtual_threads(backend):
    x = np.zeros(8192, np.float32)
    K.fill_ids[2, 4096](x, backend=backend)
    np.testing.assert_array_equal(x[:4096], np.arange(4096, dtype=np.float32) + 2000)
    np.testing.assert_array_equal(x[4096:], np.arange(4096, dtype=np.float32) + 2100)


@ts.kernel
def halve_f16(x: ts.Tensor["N", ts.f16]):
    i = ts.program_id(0) * 64 + ts.thread_id(0)
    if i < N:
        x[i] = x[i] * 0.5


def test_f16_is_refused_on_cpu_with_a_way_out(user_error):
    with pytest.raises(ts.BackendError, match="numba's CPU target cannot load or store") as e:
        halve_f16(np.ones(8, np.float16), backend="cpu")
    user_error(e.value, halve_f16, "def halve_f16(", at="x:")


@ts.func
def lane(v):
    return v + ts.f32(ts.thread_id(0))


@ts.kernel
def add_lane(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * 64 + ts.thread_id(0)
    if i < N:
        x[i] = lane(x[i])


def test_thread_ids_inside_device_functions_are_refused_on_cpu(user_error):
    with pytest.raises(ts.UnsupportedSyntaxError, match=r"ts.thread_id inside a @ts.func") as e:
        add_lane(np.zeros(8, np.float32), backend="cpu")
    user_error(e.value, lane, "return v + ts.f32(ts.thread_id(0))")
