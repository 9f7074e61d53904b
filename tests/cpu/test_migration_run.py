"""Translated CUDA kernels run on the CPU backend and match NumPy: the guide's two kernels first,
then corpus kernels that cover shared memory, atomics, device functions, loops, 3-D indexing."""

import functools
from pathlib import Path

import numpy as np
import pytest

import tessera as ts
from tessera.migration import load, translate_cuda

CORPUS = Path(__file__).parent.parent / "migration_corpus" / "cuda"
rng = np.random.default_rng(9)


@functools.lru_cache(maxsize=None)  # one module per file: its kernels compile once
def module(name):
    t = translate_cuda((CORPUS / f"{name}.cu").read_text(), f"{name}.cu")
    assert all(k.automatic for k in t.kernels if k.kind == "kernel"), t.diagnostics
    return load(t)


@pytest.fixture(scope="module")
def cpu():
    with ts.use_backend("cpu"):
        yield


@pytest.mark.parametrize("n", [1, 255, 256, 1000])
def test_guide_vector_add(cpu, n):
    m = module("guide_vector_add")
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    c = np.full(n, np.nan, np.float32)
    m.vector_add(a, b, c)
    np.testing.assert_array_equal(c, a + b)


@pytest.mark.parametrize("M, K, N", [(64, 64, 64), (37, 50, 45), (1, 1, 1), (33, 96, 31)])
def test_guide_matmul_shared(cpu, M, K, N):
    m = module("guide_matmul_shared")
    A = rng.standard_normal((M, K)).astype(np.float32)
    B = rng.standard_normal((K, N)).astype(np.float32)
    C = np.full((M, N), np.nan, np.float32)
    m.matmul_shared(A, B, C)
    np.testing.assert_allclose(C, A @ B, rtol=1e-4, atol=1e-4 * np.sqrt(K))


def test_guide_matmul_shared_launches_32_by_32_blocks():
    from tessera.frontend.parse import parse_kernel
    from tessera.passes.launch import infer_launch
    m = module("guide_matmul_shared")
    plan = infer_launch(parse_kernel(m.matmul_shared.fn))
    assert plan.block == (32, 32, 1)
    assert plan.describe() == "grid = (cdiv(N, 32), cdiv(M, 32)), block = (32, 32)"


def test_grid_stride_saxpy(cpu):
    m = module("saxpy_grid_stride")
    x = rng.standard_normal(1000).astype(np.float32)
    y = rng.standard_normal(1000).astype(np.float32)
    want = 2.5 * x + y
    m.saxpy(np.float32(2.5), x, y)
    np.testing.assert_allclose(y, want, rtol=1e-6)


def test_device_functions(cpu):
    m = module("device_function")
    x = rng.standard_normal(300).astype(np.float32) * 3
    out = np.zeros_like(x)
    m.activate(x, out)
    gelu = 0.5 * x * (1 + np.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(out, np.clip(gelu, 0, 1), rtol=1e-5, atol=1e-6)


def test_shared_histogram_with_atomics(cpu):
    m = module("histogram_atomics")
    data = rng.integers(0, 1000, 5000).astype(np.int32)
    hist = np.zeros(64, np.int32)
    m.histogram(data, hist)
    np.testing.assert_array_equal(hist, np.bincount(data % 64, minlength=64))


def test_math_and_casts(cpu):
    m = module("math_and_casts")
    n = 500
    x = rng.standard_normal(n).astype(np.float32)
    y = np.zeros(n, np.float32)
    q = np.zeros(n, np.int32)
    m.mathy(x, y, q)
    i = np.arange(n)
    r = np.sqrt(np.abs(x)) + np.exp(-x * x) + 1 / np.sqrt(1 + x * x)
    r += np.power(2.0, np.where(x > 0, 1.0, -1.0))
    r *= (i % 7) / 7.0
    np.testing.assert_allclose(y, r.astype(np.float32), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(q, i // 2 + np.floor(x).astype(np.int32) + np.maximum(i, 3) - np.minimum(i, 5))


def test_block_reduction_and_while_loops(cpu):
    m = module("loops_and_control")
    x = rng.standard_normal(1000).astype(np.float32)
    out = np.zeros(4, np.float32)
    m.block_sum(x, out)
    np.testing.assert_allclose(out, [x[i * 256:(i + 1) * 256].sum() for i in range(4)], rtol=1e-4, atol=1e-4)

    steps = np.zeros(50, np.int32)
    m.collatz(steps)

    def collatz(v):
        c = 0
        while v != 1 and c <= 1000:
            v = v // 2 if v % 2 == 0 else 3 * v + 1
            c += 1
        return c
    np.testing.assert_array_equal(steps, [collatz(i + 1) + 3 for i in range(50)])


def test_three_dimensional_indexing(cpu):
    m = module("tensor3d")
    x = rng.standard_normal((3, 20, 30)).astype(np.float32)
    bias = rng.standard_normal((20, 30)).astype(np.float32)
    want = x + bias
    m.add_bias(x, bias)
    np.testing.assert_allclose(x, want, rtol=1e-6)


def test_keywords_and_shared_scalar(cpu):
    m = module("names_and_scalars")
    out = np.zeros(300, np.float32)
    m.names(out)
    np.testing.assert_array_equal(out, np.where(np.arange(300) % 2 == 0, 1.5, -1.5))


@pytest.mark.parametrize("rows, cols", [(1, 1), (7, 300), (3, 1000)])
def test_softmax_rows(cpu, rows, cols):
    m = module("softmax_rows")
    x = rng.standard_normal((rows, cols)).astype(np.float32) * 4
    y = np.full_like(x, np.nan)
    m.softmax_rows(x, y)
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(1, keepdims=True), rtol=1e-4, atol=1e-7)


def test_template_int_as_constexpr_with_explicit_launch(cpu):
    m = module("template_int")
    x = rng.standard_normal(1000).astype(np.float32)
    want = x * np.float32(3.0)
    m.scale[(1000 + 127) // 128, 128](x, np.float32(3.0), 128)
    np.testing.assert_array_equal(x, want)
