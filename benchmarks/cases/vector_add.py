"""vector_add: ``c = a + b`` on float32, the migration guide's first kernel.

The simplest memory-bound kernel: every byte is read or written once, so the
best any implementation can do is the GPU's copy bandwidth. Traffic is three
arrays (two reads, one write). Alternatives: the guide's CUDA C kernel
compiled with NVRTC, ``torch.add(a, b, out=c)``, Triton's tutorial kernel;
on the CPU, NumPy's ``np.add(a, b, out=c)`` and a numba ``prange`` loop.
"""

from __future__ import annotations

import numpy as np

import tessera as ts

from ..case import Case
from ..env import Env, as_torch, impl, nvrtc_launcher, size_label

SIZES = {"gpu": 1 << 28, "cpu": 1 << 24, "tiny": 1 << 12}
TARGETS = {"triton": 0.97}  # the issue: >= 0.97x Triton (Triton and PyTorch reach ~3040 GB/s on an H100)


@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    # One thread per element. The launch is inferred: the block from block_size(0), the grid
    # from the guard, which also keeps the last, partial block inside the arrays.
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]


CUDA_C = r"""
extern "C" __global__ void vector_add(const float* a, const float* b, float* c, int n) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < n) {
        c[idx] = a[idx] + b[idx];
    }
}
"""
CUDA_C_BLOCK = 256  # the guide's launch_vector_add


def inputs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32)


def build(env: Env) -> Case:
    n = SIZES[env.sizes]
    a_host, b_host = inputs(n)
    expected = a_host + b_host
    arr = env.arrays
    a, b = arr.to_device(a_host), arr.to_device(b_host)
    c = arr.empty_like(a)
    kw = {} if env.gpu else {"backend": "cpu"}
    impls = [impl("tessera", lambda: lambda: vector_add(a, b, c, **kw))]
    if env.gpu:
        grid = (n + CUDA_C_BLOCK - 1) // CUDA_C_BLOCK
        impls += [impl("cuda_c", lambda: nvrtc_launcher(CUDA_C, "vector_add", grid, CUDA_C_BLOCK,
                                                        a, b, c, np.int32(n)), needs="cuda.core"),
                  impl("torch", lambda: _torch(a, b, c), needs="torch"),
                  impl("triton", lambda: _triton(a, b, c), needs="triton")]
    else:
        impls += [impl("numpy", lambda: lambda: np.add(a, b, out=c)),
                  impl("numba", lambda: _numba(a, b, c), needs="numba")]

    def check() -> str | None:
        got = arr.to_host(c)
        if np.array_equal(got, expected):
            return None
        return f"{int(np.count_nonzero(got != expected))} of {n} elements differ from NumPy's a + b"

    return Case("vector_add", size_label(n), "float32", impls, reset=lambda: arr.zero(c), check=check,
                bytes_moved=3 * n * 4, targets=TARGETS if env.gpu else {})


def _torch(a, b, c):
    import torch

    ta, tb, tc = as_torch(a), as_torch(b), as_torch(c)
    return lambda: torch.add(ta, tb, out=tc)


def _triton(a, b, c):
    from .. import triton_kernels as tk

    ta, tb, tc = as_torch(a), as_torch(b), as_torch(c)
    return lambda: tk.vector_add(ta, tb, tc)


def _numba(a, b, c):
    import numba

    @numba.njit(parallel=True)
    def add(a, b, c):
        for i in numba.prange(a.shape[0]):
            c[i] = a[i] + b[i]

    add(a, b, c)  # compile outside the timing
    return lambda: add(a, b, c)
