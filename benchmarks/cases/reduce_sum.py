"""reduce_sum: the sum of 2^28 fp32 values, in two launches of one kernel.

The first launch runs P programs; program p walks the array with a grid-wide stride
(``p * BLOCK + t``, then ``+ BLOCK * P``), so every step of every thread is a coalesced
read, then folds its block's partial sums in a shared-memory tree and writes one value.
The second launch runs the same kernel as one program over the P partials. Two launches
instead of an atomic add keep the result deterministic (and on the cpu backend, atomics
would run programs one at a time). GB/s counts one read of the array.
"""

from __future__ import annotations

import numpy as np

import tessera as ts

from ..case import Case
from ..env import Env, as_torch, impl, nvrtc_launcher, size_label

SIZES = {"gpu": 1 << 28, "cpu": 1 << 24, "tiny": 1 << 12}
PROGRAMS = {"gpu": 1024, "cpu": 64, "tiny": 4}  # 1024 = 132 H100 SMs x ~8 resident blocks, rounded
LOG_BLOCK = {"gpu": 8, "cpu": 5, "tiny": 5}


@ts.kernel
def block_sums(x: ts.Tensor["N", ts.f32], partial: ts.Tensor["P", ts.f32], LOG_BLOCK: ts.constexpr):
    BLOCK = 1 << LOG_BLOCK
    red = ts.shared.alloc[ts.f32](BLOCK)
    t = ts.thread_id(0)
    acc = 0.0
    for i in ts.range(ts.program_id(0) * BLOCK + t, N, BLOCK * ts.num_programs(0)):
        acc += x[i]
    red[t] = acc
    ts.barrier()
    for level in range(LOG_BLOCK):
        stride = BLOCK >> (level + 1)
        if t < stride:
            red[t] += red[t + stride]
        ts.barrier()
    if t == 0:
        partial[ts.program_id(0)] = red[0]


def launch(x, partial, out, log_block: int, **kw):
    """P programs over x, then one program over the P partial sums."""
    block_sums[(partial.shape[0],), (1 << log_block,)](x, partial, log_block, **kw)
    block_sums[(1,), (1 << log_block,)](partial, out, log_block, **kw)


CUDA_C = r"""
extern "C" __global__ void block_sums(const float* __restrict__ x, float* __restrict__ partial, int n) {
    __shared__ float warp_sums[32];
    float acc = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        acc += x[i];
    for (int off = 16; off > 0; off >>= 1)
        acc += __shfl_xor_sync(0xffffffff, acc, off);
    int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    if (lane == 0) warp_sums[warp] = acc;
    __syncthreads();
    if (warp == 0) {
        acc = lane < blockDim.x / 32 ? warp_sums[lane] : 0.0f;
        for (int off = 16; off > 0; off >>= 1)
            acc += __shfl_xor_sync(0xffffffff, acc, off);
        if (lane == 0) partial[blockIdx.x] = acc;
    }
}
"""


def build(env: Env) -> Case:
    n, p, log_block = SIZES[env.sizes], PROGRAMS[env.sizes], LOG_BLOCK[env.sizes]
    x_h = np.random.default_rng(5).random(n, dtype=np.float32)
    expected = float(x_h.sum(dtype=np.float64))
    arr = env.arrays
    x = arr.to_device(x_h)
    partial, out = env.empty(p), env.empty(1)
    kw = {} if env.gpu else {"backend": "cpu"}
    impls = [impl("tessera", lambda: (lambda: launch(x, partial, out, log_block, **kw), None,
                                      {"programs": p, "block": 1 << log_block}))]
    if env.gpu:
        impls += [impl("cuda_c", lambda: _cuda_c(x, partial, out, n, p, 1 << log_block), needs="cuda.core"),
                  impl("torch", lambda: _torch(x, out), needs="torch"),
                  impl("triton", lambda: _triton(x, partial, out), needs="triton")]
    else:
        impls += [impl("numpy", lambda: _numpy(x, out)),
                  impl("numba", lambda: _numba(x, out), needs="numba")]

    def check() -> str | None:
        got = float(arr.to_host(out)[0])
        if abs(got - expected) <= 1e-5 * abs(expected):
            return None
        return f"sum is {got!r}, NumPy (float64) says {expected!r}"

    return Case("reduce_sum", size_label(n), "float32", impls, reset=lambda: arr.zero(out), check=check,
                bytes_moved=n * 4)


def _cuda_c(x, partial, out, n, p, block):
    first, _, info = nvrtc_launcher(CUDA_C, "block_sums", p, block, x, partial, np.int32(n))
    second, _, _ = nvrtc_launcher(CUDA_C, "block_sums", 1, block, partial, out, np.int32(p))
    return (lambda: (first(), second())), None, info


def _torch(x, out):
    import torch

    tx, tout = as_torch(x), as_torch(out)
    run = lambda: torch.sum(tx)  # noqa: E731
    return run, lambda: tout.copy_(run().reshape(1)), {}


def _triton(x, partial, out):
    from .. import triton_kernels as tk

    tx, tp, tout = as_torch(x), as_torch(partial), as_torch(out)
    return lambda: tk.reduce_sum(tx, tp, tout)


def _numpy(x, out):
    def run():
        out[0] = np.sum(x)
    return run


def _numba(x, out):
    import numba

    @numba.njit(parallel=True)
    def sum_nb(x):
        s = np.float32(0.0)
        for i in numba.prange(x.shape[0]):
            s += x[i]
        return s

    sum_nb(x)

    def run():
        out[0] = sum_nb(x)
    return run
