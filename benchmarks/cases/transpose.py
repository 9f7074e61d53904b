"""transpose: ``y = x.T`` for an 8192 x 8192 fp32 matrix, through a shared-memory tile.

Reading x by rows and writing y by rows cannot both be coalesced from registers alone:
a program copies a T x T tile of x into shared memory with coalesced reads
(``ts.copy_async``), waits for the block, then each thread writes one element of y, with
consecutive threads on consecutive addresses of a row of y, reading the tile by columns.
Reading a column of a plain tile would make 32 threads hit one shared-memory bank;
``swizzle="xor"`` permutes the tile's columns so they fall in 32 different banks (CUDA C
pads the tile to 33 columns for the same effect). GB/s counts one read and one write.
"""

from __future__ import annotations

import numpy as np

import tessera as ts

from ..case import Case
from ..env import Env, as_torch, impl, nvrtc_launcher

SIZES = {"gpu": (8192, 8192), "cpu": (2048, 2048), "tiny": (40, 70)}
TILE = 32


@ts.kernel
def transpose(x: ts.Tensor["M", "N", ts.f32], y: ts.Tensor["N", "M", ts.f32], T: ts.constexpr):
    tile = ts.shared.alloc[ts.f32](T, T, swizzle="xor")
    i0 = ts.program_id(1) * T  # this program's tile: rows i0.. and columns j0.. of x
    j0 = ts.program_id(0) * T
    ts.copy_async(x[i0:i0 + T, j0:j0 + T], tile)
    ts.wait_group(0)
    ts.barrier()
    tx = ts.thread_id(0)
    ty = ts.thread_id(1)
    if j0 + ty < N and i0 + tx < M:
        y[j0 + ty, i0 + tx] = tile[tx, ty]


def launch(x, y, **kw):
    """A T x T block per tile; axis 0 of the grid runs along x's columns."""
    m, n = x.shape
    transpose[((n + TILE - 1) // TILE, (m + TILE - 1) // TILE), (TILE, TILE)](x, y, TILE, **kw)


CUDA_C = r"""
#define TILE 32
#define ROWS 8
extern "C" __global__ void transpose(const float* __restrict__ x, float* __restrict__ y, int m, int n) {
    __shared__ float tile[TILE][TILE + 1];
    int col = blockIdx.x * TILE + threadIdx.x, row = blockIdx.y * TILE + threadIdx.y;
    for (int r = 0; r < TILE; r += ROWS)
        if (row + r < m && col < n) tile[threadIdx.y + r][threadIdx.x] = x[(size_t)(row + r) * n + col];
    __syncthreads();
    col = blockIdx.y * TILE + threadIdx.x;
    row = blockIdx.x * TILE + threadIdx.y;
    for (int r = 0; r < TILE; r += ROWS)
        if (row + r < n && col < m) y[(size_t)(row + r) * m + col] = tile[threadIdx.x][threadIdx.y + r];
}
"""


def build(env: Env) -> Case:
    m, n = SIZES[env.sizes]
    x_h = np.random.default_rng(6).random((m, n), dtype=np.float32)
    expected = np.ascontiguousarray(x_h.T)
    arr = env.arrays
    x = arr.to_device(x_h)
    y = arr.to_device(np.zeros((n, m), np.float32))
    kw = {} if env.gpu else {"backend": "cpu"}
    impls = [impl("tessera", lambda: (lambda: launch(x, y, **kw), None, {"tile": TILE}))]
    if env.gpu:
        grid = ((n + TILE - 1) // TILE, (m + TILE - 1) // TILE)
        impls += [impl("cuda_c", lambda: nvrtc_launcher(CUDA_C, "transpose", grid, (TILE, 8), x, y,
                                                        np.int32(m), np.int32(n)), needs="cuda.core"),
                  impl("torch", lambda: _torch(x, y), needs="torch"),
                  impl("triton", lambda: _triton(x, y), needs="triton")]
    else:
        impls += [impl("numpy", lambda: lambda: np.copyto(y, x.T)),
                  impl("numba", lambda: _numba(x, y), needs="numba")]

    def check() -> str | None:
        got = arr.to_host(y)
        if np.array_equal(got, expected):
            return None
        return f"{int(np.count_nonzero(got != expected))} of {got.size} elements differ from x.T"

    return Case("transpose", f"{m}x{n}", "float32", impls, reset=lambda: arr.zero(y), check=check,
                bytes_moved=2 * m * n * 4)


def _torch(x, y):
    tx, ty = as_torch(x), as_torch(y)
    return lambda: ty.copy_(tx.t())


def _triton(x, y):
    from .. import triton_kernels as tk

    tx, ty = as_torch(x), as_torch(y)
    return lambda: tk.transpose(tx, ty)


def _numba(x, y):
    import numba

    @numba.njit(parallel=True)
    def transpose_nb(x, y):
        # 32 x 32 blocks so that both the reads and the writes stay within a few cache lines.
        m, n = x.shape
        for bi in numba.prange((m + 31) // 32):
            for bj in range(0, n, 32):
                for i in range(bi * 32, min(bi * 32 + 32, m)):
                    for j in range(bj, min(bj + 32, n)):
                        y[j, i] = x[i, j]

    transpose_nb(x, y)
    return lambda: transpose_nb(x, y)
