"""Shared memory, barriers and async copies on the `sim` backend, checked against NumPy."""

import numpy as np
import pytest

import tessera as ts

rng = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def _sim():
    with ts.use_backend("sim"):
        yield


# --------------------------------------------------------------------------- tiled matmul

@ts.kernel
def matmul_tiled(A: ts.Tensor["M", "K", ts.f32], B: ts.Tensor["K", "N", ts.f32],
                 C: ts.Tensor["M", "N", ts.f32], TILE: ts.constexpr):
    """The guide's shared-memory matmul with one hardware thread per output element."""
    As = ts.shared.alloc[ts.f32](TILE, TILE, swizzle="xor")
    Bs = ts.shared.alloc[ts.f32](TILE, TILE)
    row = ts.program_id(0) * TILE + ts.thread_id(0)
    col = ts.program_id(1) * TILE + ts.thread_id(1)
    acc = 0.0
    for k0 in ts.range(0, K, TILE):
        ts.copy_async(A[ts.program_id(0) * TILE:(ts.program_id(0) + 1) * TILE, k0:k0 + TILE], As)
        ts.copy_async(B[k0:k0 + TILE, ts.program_id(1) * TILE:(ts.program_id(1) + 1) * TILE], Bs)
        ts.wait_group(0)
        ts.barrier()
        for k in ts.range(TILE):
            acc += As[ts.thread_id(0), k] * Bs[k, ts.thread_id(1)]
        ts.barrier()
    if row < M and col < N:
        C[row, col] = acc


def run_matmul(m, k, n, tile):
    A = rng.standard_normal((m, k)).astype(np.float32)
    B = rng.standard_normal((k, n)).astype(np.float32)
    C = np.full((m, n), np.nan, np.float32)
    matmul_tiled(A, B, C, tile)
    np.testing.assert_allclose(C, A @ B, rtol=1e-4, atol=1e-4)
    return C


def test_matmul_square():
    run_matmul(16, 16, 16, 8)


def test_matmul_ragged():
    # no dimension is a multiple of the tile: copy_async zero-fills, the guard drops the rest
    run_matmul(20, 14, 26, 8)


@pytest.mark.slow
def test_matmul_ragged_issue_shape():
    run_matmul(100, 70, 130, 16)


def test_matmul_accumulates_in_f32():
    A = np.ones((8, 8), np.float32)
    low = matmul_tiled.lower(A, A, A, 8)
    assert "float64" not in low.module.source
    assert low.plan.block == (8, 8, 1)
    assert low.plan.describe() == "grid = (cdiv(M, 8), cdiv(N, 8)), block = (8, 8)"


@ts.kernel
def transpose_tile(x: ts.Tensor["M", "N", ts.f32], y: ts.Tensor["N", "M", ts.f32], T: ts.constexpr):
    t = ts.shared.alloc[ts.f32](T, T, swizzle="xor")
    i = ts.program_id(0) * T + ts.thread_id(0)
    j = ts.program_id(1) * T + ts.thread_id(1)
    ts.copy_async(x[ts.program_id(0) * T:(ts.program_id(0) + 1) * T,
                    ts.program_id(1) * T:(ts.program_id(1) + 1) * T], t)
    ts.barrier()
    # read the tile transposed: with swizzle="xor" the permutation must not change the result
    oi = ts.program_id(1) * T + ts.thread_id(0)
    oj = ts.program_id(0) * T + ts.thread_id(1)
    if oi < N and oj < M:
        y[oi, oj] = t[ts.thread_id(1), ts.thread_id(0)]


def test_swizzled_tile_read_transposed():
    x = rng.standard_normal((11, 13)).astype(np.float32)
    y = np.zeros((13, 11), np.float32)
    # the output index pairs program_id(1) with thread_id(0): no pattern to infer from, so launch explicitly
    transpose_tile[(2, 2), (8, 8)](x, y, 8)
    np.testing.assert_array_equal(y, x.T)


# --------------------------------------------------------------------------- reductions

@ts.kernel
def block_sum_while(x: ts.Tensor["N", ts.f32], partial: ts.Tensor["P", ts.f32]):
    buf = ts.shared.alloc[ts.f32](64)
    t = ts.thread_id(0)
    i = ts.program_id(0) * 64 + t
    v = 0.0
    if i < N:
        v = x[i]
    buf[t] = v
    ts.barrier()
    stride = 32
    while stride > 0:              # a uniform bound: every thread runs every round
        if t < stride:
            buf[t] = buf[t] + buf[t + stride]
        ts.barrier()
        stride = stride // 2
    if t == 0:
        partial[ts.program_id(0)] = buf[0]


@ts.kernel
def block_sum_for(x: ts.Tensor["N", ts.f32], partial: ts.Tensor["P", ts.f32], LOG: ts.constexpr):
    buf = ts.shared.alloc[ts.f32](1 << LOG)
    t = ts.thread_id(0)
    i = ts.program_id(0) * (1 << LOG) + t
    buf[t] = x[i] if i < N else 0.0
    ts.barrier()
    for level in range(LOG):
        stride = (1 << LOG) >> (level + 1)
        if t < stride:
            buf[t] += buf[t + stride]
        ts.barrier()
    if t == 0:
        partial[ts.program_id(0)] = buf[0]


def test_tree_reduction_with_a_barrier_in_a_while_loop():
    x = rng.standard_normal(300).astype(np.float32)
    partial = np.zeros(5, np.float32)
    block_sum_while(x, partial)
    want = [x[p * 64:(p + 1) * 64].sum() for p in range(5)]
    np.testing.assert_allclose(partial, want, rtol=1e-5, atol=1e-5)


def test_tree_reduction_with_a_barrier_in_a_for_loop():
    x = rng.standard_normal(70).astype(np.float32)
    partial = np.zeros(3, np.float32)
    block_sum_for[3, 32](x, partial, 5)
    want = [x[p * 32:(p + 1) * 32].sum() for p in range(3)]
    np.testing.assert_allclose(partial, want, rtol=1e-5, atol=1e-5)


@ts.kernel
def shared_i32_counts(x: ts.Tensor["N", ts.i32], out: ts.Tensor["B", ts.i32]):
    counts = ts.shared.alloc[ts.i32](8)
    t = ts.thread_id(0)
    if t < 8:
        counts[t] = 0
    ts.barrier()
    i = ts.program_id(0) * 32 + t
    if i < N:
        ts.atomic_add(counts, x[i] % 8, 1)
    ts.barrier()
    if t < 8:
        ts.atomic_add(out[t], counts[t])


def test_shared_memory_atomics_then_global_atomics():
    x = rng.integers(0, 100, 90).astype(np.int32)
    out = np.zeros(8, np.int32)
    shared_i32_counts[3, 32](x, out)
    np.testing.assert_array_equal(out, np.bincount(x % 8, minlength=8))
