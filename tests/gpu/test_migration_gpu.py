"""Translated CUDA kernels on a GPU against the CUDA C originals compiled with NVRTC: the guide's
vector_add and matmul_shared, and corpus kernels with shared memory, atomics and reductions.
The originals run from the corpus's kernel text (host code left out: NVRTC compiles device code)."""

import functools
from pathlib import Path

import numpy as np
import pytest

from tessera.migration import load, translate_cuda
from tessera.notebook.cuda_cell import compile_cuda

pytestmark = pytest.mark.gpu

CORPUS = Path(__file__).parent.parent / "migration_corpus" / "cuda"
rng = np.random.default_rng(11)


def cdiv(a, b):
    return (a + b - 1) // b


@functools.lru_cache(maxsize=None)
def both(name, kernel):
    """(Tessera kernel, NVRTC-compiled CUDA kernel) for corpus file `name`."""
    source = (CORPUS / f"{name}.cu").read_text()
    t = translate_cuda(source, f"{name}.cu")
    assert all(k.automatic for k in t.kernels if k.kind == "kernel"), t.diagnostics
    lines = source.split("\n")
    keep = set()
    for k in t.kernels:
        keep.update(range(k.cuda_lines[0], k.cuda_lines[1] + 1))
    keep.update(i for i, s in enumerate(lines, 1) if s.startswith("#define"))
    device_only = "\n".join(s if i in keep else "" for i, s in enumerate(lines, 1))
    if "INFINITY" in device_only:  # math.h's, which NVRTC does not include; line 1 is a comment in the corpus
        device_only = "#define INFINITY __int_as_float(0x7f800000)" + device_only
    return getattr(load(t), kernel), compile_cuda(device_only, kernel, filename=f"{name}.cu")


@pytest.mark.parametrize("n", [1, 1000, 1 << 20])
def test_vector_add(n):
    ts_k, cu_k = both("guide_vector_add", "vector_add")
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    want = np.zeros(n, np.float32)
    cu_k(a, b, want, n, grid=cdiv(n, 256), block=256)
    got = np.full(n, np.nan, np.float32)
    ts_k(a, b, got, backend="cuda")
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, a + b)


@pytest.mark.parametrize("M, K, N", [(256, 256, 256), (100, 70, 130), (1, 1, 1), (512, 1024, 384)])
def test_matmul_shared(M, K, N):
    ts_k, cu_k = both("guide_matmul_shared", "matmul_shared")
    A = rng.standard_normal((M, K)).astype(np.float32)
    B = rng.standard_normal((K, N)).astype(np.float32)
    want = np.zeros((M, N), np.float32)
    cu_k(A, B, want, M, N, K, grid=(cdiv(N, 32), cdiv(M, 32)), block=(32, 32))
    got = np.full((M, N), np.nan, np.float32)
    ts_k(A, B, got, backend="cuda")
    # the same products summed in the same order; FMA contraction may differ in the last bits
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.sqrt(K))
    np.testing.assert_allclose(got, A @ B, rtol=1e-4, atol=1e-4 * np.sqrt(K))


def test_histogram_atomics():
    ts_k, cu_k = both("histogram_atomics", "histogram")
    n = 100_000
    data = rng.integers(0, 1 << 20, n).astype(np.int32)
    want = np.zeros(64, np.int32)
    cu_k(data, want, n, grid=cdiv(n, 256), block=256)
    got = np.zeros(64, np.int32)
    ts_k(data, got, backend="cuda")
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, np.bincount(data % 64, minlength=64))


def test_block_sum_reduction():
    ts_k, cu_k = both("loops_and_control", "block_sum")
    n = 10_000
    x = rng.standard_normal(n).astype(np.float32)
    blocks = cdiv(n, 256)
    want = np.zeros(blocks, np.float32)
    cu_k(x, want, n, grid=blocks, block=256)
    got = np.zeros(blocks, np.float32)
    ts_k(x, got, backend="cuda")
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_grid_stride_saxpy():
    ts_k, cu_k = both("saxpy_grid_stride", "saxpy")
    n = 1 << 16
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    want, got = y.copy(), y.copy()
    cu_k(n, 0.5, x, want, grid=cdiv(n, 256), block=256)
    ts_k(np.float32(0.5), x, got, backend="cuda")
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_tensor3d():
    ts_k, cu_k = both("tensor3d", "add_bias")
    B, H, W = 4, 50, 70
    x = rng.standard_normal((B, H, W)).astype(np.float32)
    bias = rng.standard_normal((H, W)).astype(np.float32)
    want, got = x.copy(), x.copy()
    cu_k(want, bias, B, H, W, grid=(cdiv(W, 16), cdiv(H, 16)), block=(16, 16))
    ts_k(got, bias, backend="cuda")
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("rows, cols", [(1, 1), (64, 1000), (300, 4096)])
def test_softmax_rows(rows, cols):
    ts_k, cu_k = both("softmax_rows", "softmax_rows")
    x = rng.standard_normal((rows, cols)).astype(np.float32) * 4
    want = np.zeros_like(x)
    cu_k(x, want, rows, cols, grid=rows, block=256)
    got = np.full_like(x, np.nan)
    ts_k(x, got, backend="cuda")
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(got, e / e.sum(1, keepdims=True), rtol=1e-4, atol=1e-7)


def test_template_int_with_explicit_launch():
    """The template's int parameter is a ts.constexpr; the launch is explicit (TM014)."""
    t = translate_cuda((CORPUS / "template_int.cu").read_text(), "template_int.cu")
    scale = load(t).scale
    n = 10_000
    x = rng.standard_normal(n).astype(np.float32)
    got = x.copy()
    scale[cdiv(n, 128), 128](got, np.float32(3.0), 128, backend="cuda")
    np.testing.assert_array_equal(got, x * np.float32(3.0))
