"""128-bit loads and stores of elementwise kernels on a real GPU (passes/vectorize.py,
backends/codegen_vector.py, backends/cuda_intrinsics.py): results against NumPy for tails, unaligned
and strided views, f16, several outputs and fused chains, through the first and the cached launch;
the SASS the GPU runs; and `fastmath`."""

import numpy as np
import pytest

import tessera as ts
from tests.vector_kernels import fused, fused_fast, half_axpy, vector_add
from tests.vector_kernels import relu_and_index as split

pytestmark = pytest.mark.gpu












def rand(n, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(n).astype(dtype)


@pytest.mark.parametrize("n", [1, 3, 4, 5, 2047, 2048, 2049, (1 << 20) + 3])
def test_vector_add_sizes_with_tails(n):
    a, b, c = rand(n), rand(n, 1), np.zeros(n, np.float32)
    vector_add(a, b, c)
    np.testing.assert_array_equal(c, a + b)


def test_the_cuda_backend_compiles_the_vector_form_and_its_sass_has_128_bit_accesses():
    a = rand(4096)
    c = np.zeros_like(a)
    vector_add._compiled.clear()
    vector_add._fast.clear()
    vector_add._hot = None
    vector_add(a, a, c)
    (compiled,) = vector_add._compiled.values()
    assert compiled.lowered.vector is not None and compiled.lowered.vector.elements_per_thread == 8
    assert tuple(compiled.grid_fn(a, a, c)) == (2, 1, 1)          # 4096 / (256 x 8)
    try:
        sass = compiled.handle.dispatcher.inspect_sass()
    except Exception as e:   # nvdisasm missing on this machine
        pytest.skip(f"no SASS: {e}")
    sass = "\n".join(sass.values()) if isinstance(sass, dict) else str(sass)
    assert "LDG.E.128" in sass and "STG.E.128" in sass


def test_unaligned_and_strided_device_views_and_the_cached_launch():
    from numba import cuda
    base, other = rand(10_001), rand(10_001, 1)
    da, db = cuda.to_device(base), cuda.to_device(other)
    for sl in (slice(1, None), slice(0, None, 2), slice(4, None), slice(3, 9_000)):
        n = len(base[sl])
        for _ in range(2):   # the first call binds; the second runs through the cached launcher
            out = cuda.to_device(np.zeros(n, np.float32))
            vector_add(da[sl], db[sl], out)
            cuda.synchronize()
            np.testing.assert_array_equal(out.copy_to_host(), base[sl] + other[sl])
    big = cuda.to_device(np.zeros(5001, np.float32))
    vector_add(da[:5000], db[:5000], big[1:])      # only the output is unaligned
    cuda.synchronize()
    np.testing.assert_array_equal(big.copy_to_host()[1:], base[:5000] + other[:5000])


def test_ts_tensors_and_new_sizes_through_the_hot_path():
    for n in (5000, 77, 1 << 16):
        a, b = rand(n), rand(n, 1)
        ta, tb, tc = ts.from_numpy(a), ts.from_numpy(b), ts.zeros(n)
        vector_add(ta, tb, tc)
        vector_add(ta, tb, tc)
        np.testing.assert_array_equal(tc.numpy(), a + b)


def test_fused_chain():
    a, b = rand(100_003), rand(100_003, 1)
    out = np.zeros_like(a)
    fused(a, b, out)
    np.testing.assert_allclose(out, np.exp(a) * b + 0.5, rtol=1e-5, atol=1e-6)


def test_two_outputs_f32_and_i32():
    a = rand(100_003)
    pos, idx = np.zeros_like(a), np.zeros(a.size, np.int32)
    split(a, pos, idx)
    np.testing.assert_array_equal(pos, np.where(a > 0, a, 0))
    np.testing.assert_array_equal(idx, np.arange(a.size, dtype=np.int32))


def test_f16_arithmetic_into_f32():
    # f16 arithmetic links numba-cuda's CUDA C++ shim, which numba-cuda cannot cache (cuda.jit(cache=True)
    # raised "Cannot pickle CUDACodeLibrary with linking files"): the backend compiles such kernels uncached.
    # `x * 2.0 + y` is f16 arithmetic (the literal is weak) stored as f32, as NumPy computes it below;
    # both round each operation to f16, so the tolerance only covers a different rounding of the last bit.
    x, y = rand(9_999, 2, np.float16), rand(9_999, 3, np.float16)
    o = np.zeros(9_999, np.float32)
    half_axpy(x, y, o)
    np.testing.assert_allclose(o, (x * np.float16(2) + y).astype(np.float32), rtol=2e-3, atol=2e-3)


def test_fastmath_runs_and_stays_close():
    a, b = rand(50_000), rand(50_000, 1)
    out = np.zeros_like(a)
    fused_fast(a, b, out)
    np.testing.assert_allclose(out, np.exp(a) * b + 0.5, rtol=1e-4, atol=1e-5)
