"""softmax: row-wise ``y = exp(x - max(x)) / sum(exp(x - max(x)))`` over an 8192 x 8192 fp32 matrix.

One program per row. The kernel language has no warp shuffles, so a row's reductions go
through shared memory: each thread first folds its strided share of the row into a
private (max, sum) pair -- an *online* softmax, which rescales the running sum whenever
the maximum grows, so the row is read once for both statistics instead of twice -- then
the block combines the pairs in a shared-memory tree, halving the active threads at each
level. A second pass writes ``exp(x - max) / sum``; at 32 KB a row is still in L1/L2 then.
GB/s counts one read and one write of the matrix (what a perfect kernel moves).
"""

from __future__ import annotations

import numpy as np

import tessera as ts

from ..case import Case
from ..env import Env, as_torch, close, impl, nvrtc_launcher

SIZES = {"gpu": (8192, 8192), "cpu": (2048, 2048), "tiny": (16, 300)}
LOG_BLOCK = {"gpu": 8, "cpu": 5, "tiny": 5}  # 256 threads per row on a GPU: 32 floats each at 8192
TARGETS = {"torch": 1.1}  # the issue: >= 1.1x torch.softmax (~1830 GB/s on an H100)


@ts.kernel
def softmax(x: ts.Tensor["M", "N", ts.f32], y: ts.Tensor["M", "N", ts.f32], LOG_BLOCK: ts.constexpr):
    BLOCK = 1 << LOG_BLOCK
    red_max = ts.shared.alloc[ts.f32](BLOCK)
    red_sum = ts.shared.alloc[ts.f32](BLOCK)
    row = ts.program_id(0)
    t = ts.thread_id(0)

    # 1. this thread's (max, sum of exp) over columns t, t + BLOCK, ...: consecutive threads
    #    read consecutive floats, so each step of the loop is one coalesced row segment.
    m = -3.0e38
    s = 0.0
    for j in ts.range(t, N, BLOCK):
        v = x[row, j]
        m_new = ts.max(m, v)
        s = s * ts.exp(m - m_new) + ts.exp(v - m_new)
        m = m_new
    red_max[t] = m
    red_sum[t] = s
    ts.barrier()

    # 2. a tree over the block: at each level the lower half absorbs the upper half.
    for level in range(LOG_BLOCK):
        stride = BLOCK >> (level + 1)
        if t < stride:
            m1 = red_max[t]
            m2 = red_max[t + stride]
            m_new = ts.max(m1, m2)
            red_sum[t] = red_sum[t] * ts.exp(m1 - m_new) + red_sum[t + stride] * ts.exp(m2 - m_new)
            red_max[t] = m_new
        ts.barrier()
    row_max = red_max[0]
    inv_sum = 1.0 / red_sum[0]

    # 3. normalize: the row is read a second time (from cache) and written once.
    for j in ts.range(t, N, BLOCK):
        y[row, j] = ts.exp(x[row, j] - row_max) * inv_sum


def launch(x, y, log_block: int, **kw):
    """One program of 2**log_block threads per row."""
    softmax[(x.shape[0],), (1 << log_block,)](x, y, log_block, **kw)


# The other form: a block as wide as the row (8192 threads), one element per thread, held in a
# register from the load to the store, so the row is read from memory exactly once. The block
# is larger than a GPU's 1024 threads, so it runs as virtual threads: num_warps * 32 threads,
# each holding 8192 / (num_warps * 32) elements of the row in registers. Without warp shuffles
# each reduction goes through shared memory; a binary tree would take 13 levels, each a barrier
# and a pass over every virtual thread (601 GB/s on an H100, 2026-11-25), so the tree here is
# shallow: 8192 values fold 8 at a time into 1024, those 32 at a time into 32, and one thread
# folds the last 32. Three barriers per reduction; the serial folds read shared memory only.
@ts.kernel.autotune(space={"num_warps": [8, 16, 32]}, key=["M", "N"])
def softmax_row_in_registers(x: ts.Tensor["M", "N", ts.f32], y: ts.Tensor["M", "N", ts.f32],
                             LOG_BLOCK: ts.constexpr):
    BLOCK = 1 << LOG_BLOCK  # the row's length rounded up to a power of two, at least 1024
    L1 = BLOCK // 1024      # values each of the first 1024 threads folds
    red = ts.shared.alloc[ts.f32](BLOCK)
    part = ts.shared.alloc[ts.f32](1024)
    part2 = ts.shared.alloc[ts.f32](32)
    total = ts.shared.alloc[ts.f32](1)
    row = ts.program_id(0)
    t = ts.thread_id(0)
    v = x[row, t] if t < N else -3.0e38

    # row max: 8192 -> 1024 -> 32 -> 1
    red[t] = v
    ts.barrier()
    if t < 1024:
        acc = red[t]
        for i in range(1, L1):
            acc = ts.max(acc, red[t + 1024 * i])
        part[t] = acc
    ts.barrier()
    if t < 32:
        acc = part[t]
        for i in range(1, 32):
            acc = ts.max(acc, part[t + 32 * i])
        part2[t] = acc
    ts.barrier()
    if t == 0:
        acc = part2[0]
        for i in range(1, 32):
            acc = ts.max(acc, part2[i])
        total[0] = acc
    ts.barrier()
    e = ts.exp(v - total[0]) if t < N else 0.0

    # row sum of the exponentials, the same way
    red[t] = e
    ts.barrier()
    if t < 1024:
        acc = red[t]
        for i in range(1, L1):
            acc += red[t + 1024 * i]
        part[t] = acc
    ts.barrier()
    if t < 32:
        acc = part[t]
        for i in range(1, 32):
            acc += part[t + 32 * i]
        part2[t] = acc
    ts.barrier()
    if t == 0:
        acc = part2[0]
        for i in range(1, 32):
            acc += part2[i]
        total[0] = acc
    ts.barrier()
    if t < N:
        y[row, t] = e / total[0]


# Grid and block as functions of the arguments; made once, since the tuner remembers its
# choice per launch (a new lambda per call would be a new launch to tune).
ROW_GRID = lambda m: (m["M"],)  # noqa: E731
ROW_BLOCK = lambda m: (1 << m["LOG_BLOCK"],)  # noqa: E731


# The same algorithm in CUDA C, with what CUDA C has and Tessera's language does not: warp
# shuffles for the reductions (no shared-memory tree inside a warp).
CUDA_C = r"""
__device__ __forceinline__ void combine(float& m, float& s, float m2, float s2) {
    float mn = fmaxf(m, m2);
    s = s * __expf(m - mn) + s2 * __expf(m2 - mn);
    m = mn;
}

extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int n_cols) {
    __shared__ float sm[32], ss[32];
    const float* xr = x + (size_t)blockIdx.x * n_cols;
    float* yr = y + (size_t)blockIdx.x * n_cols;
    float m = -3.0e38f, s = 0.0f;
    for (int j = threadIdx.x; j < n_cols; j += blockDim.x) {
        float v = xr[j];
        float mn = fmaxf(m, v);
        s = s * __expf(m - mn) + __expf(v - mn);
        m = mn;
    }
    for (int off = 16; off > 0; off >>= 1)
        combine(m, s, __shfl_xor_sync(0xffffffff, m, off), __shfl_xor_sync(0xffffffff, s, off));
    int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    if (lane == 0) { sm[warp] = m; ss[warp] = s; }
    __syncthreads();
    int n_warps = blockDim.x / 32;
    m = lane < n_warps ? sm[lane] : -3.0e38f;
    s = lane < n_warps ? ss[lane] : 0.0f;
    for (int off = 16; off > 0; off >>= 1)
        combine(m, s, __shfl_xor_sync(0xffffffff, m, off), __shfl_xor_sync(0xffffffff, s, off));
    float inv = 1.0f / s;
    for (int j = threadIdx.x; j < n_cols; j += blockDim.x)
        yr[j] = __expf(xr[j] - m) * inv;
}
"""


def reference(x: np.ndarray) -> np.ndarray:
    e = np.exp(x.astype(np.float64) - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def build(env: Env) -> Case:
    m, n = SIZES[env.sizes]
    log_block = LOG_BLOCK[env.sizes]
    x_h = np.random.default_rng(2).standard_normal((m, n), dtype=np.float32)
    expected = reference(x_h)
    arr = env.arrays
    x = arr.to_device(x_h)
    y = arr.empty_like(x)
    kw = {} if env.gpu else {"backend": "cpu"}
    impls = [impl("tessera", lambda: (lambda: launch(x, y, log_block, **kw), None,
                                      {"block": 1 << log_block}))]
    impls += [impl("tessera_row_in_registers", lambda: _row_in_registers(env, x, y, n))]
    if env.gpu:
        impls += [impl("tessera_1024_threads", lambda: (lambda: launch(x, y, 10, **kw), None, {"block": 1024}))]
        impls += [impl("cuda_c", lambda: nvrtc_launcher(CUDA_C, "softmax", m, 1 << log_block, x, y,
                                                        np.int32(n)), needs="cuda.core"),
                  impl("torch", lambda: _torch(x, y), needs="torch"),
                  impl("triton", lambda: _triton(x, y), needs="triton")]
    else:
        impls += [impl("numpy", lambda: _numpy(x, y)),
                  impl("numba", lambda: _numba(x, y), needs="numba")]
    return Case("softmax", f"{m}x{n}", "float32", impls, reset=lambda: arr.zero(y),
                check=lambda: close(arr.to_host(y), expected, "y", rtol=1e-4, atol=1e-7),
                bytes_moved=2 * m * n * 4, targets=TARGETS if env.gpu else {})


def _row_in_registers(env: Env, x, y, n: int):
    log_block = max(10, (n - 1).bit_length())
    k = softmax_row_in_registers
    if not env.gpu:  # on the cpu backend num_warps changes nothing, and no GPU resources matter
        k = k.with_options(resources=False, progress=False)
    kw = {} if env.gpu else {"backend": "cpu"}
    launcher = k[ROW_GRID, ROW_BLOCK]
    launcher(x, y, log_block, **kw)  # tunes num_warps for this shape
    return (lambda: launcher(x, y, log_block, **kw)), None, {"block": 1 << log_block,
                                                             "best_config": k.best_config}


def _torch(x, y):
    import torch

    tx, ty = as_torch(x), as_torch(y)
    run = lambda: torch.softmax(tx, dim=-1)  # noqa: E731
    return run, lambda: ty.copy_(run()), {}


def _triton(x, y):
    from .. import triton_kernels as tk

    tx, ty = as_torch(x), as_torch(y)
    return lambda: tk.softmax(tx, ty)


def _numpy(x, y):
    tmp = np.empty_like(x)
    col = np.empty((x.shape[0], 1), x.dtype)

    def run():
        np.max(x, axis=1, keepdims=True, out=col)
        np.subtract(x, col, out=tmp)
        np.exp(tmp, out=tmp)
        np.sum(tmp, axis=1, keepdims=True, out=col)
        np.divide(tmp, col, out=y)
    return run


def _numba(x, y):
    import numba

    @numba.njit(parallel=True)
    def softmax_nb(x, y):
        for r in numba.prange(x.shape[0]):
            mx = x[r, 0]
            for j in range(x.shape[1]):
                mx = max(mx, x[r, j])
            s = np.float32(0.0)
            for j in range(x.shape[1]):
                e = np.exp(x[r, j] - mx)
                y[r, j] = e
                s += e
            inv = np.float32(1.0) / s
            for j in range(x.shape[1]):
                y[r, j] *= inv

    softmax_nb(x, y)
    return lambda: softmax_nb(x, y)
