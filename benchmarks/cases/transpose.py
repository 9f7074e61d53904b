"""transpose: ``y = x.T`` for an 8192 x 8192 fp32 matrix, through a shared-memory tile.

Reading x by rows and writing y by rows cannot both be coalesced from registers alone:
a program copies a T x T tile of x into shared memory with coalesced reads, waits for the
block, then writes the tile to y, again with consecutive threads on consecutive addresses
of a row, reading the tile by columns. It is the CUDA C kernel below, written in Tessera:

- 32 x 8 threads per 32 x 32 tile, each thread taking T / R = 4 rows. A transpose is nothing but
  memory traffic, and what bounds it is how many loads are in flight: the four loads of a
  thread are issued back to back before the first shared store (4 LDG per thread, 8 blocks of
  256 threads per SM). One element per thread (a 32 x 32 block) keeps a quarter as many loads
  in flight: written that way, this case ran at 0.48x of the CUDA C kernel on an H100.
- The tile is padded to T + 1 columns: a column of the tile then falls in 32 different
  shared-memory banks (row stride 33 words), so neither the writes nor the column reads
  conflict. (``swizzle="xor"`` avoids the conflicts too, but costs index arithmetic per access.)
- The launch is inferred (block fixed in ``@ts.kernel``, grid from the guards): with a grid
  given by hand (``kernel[grid, block]``) the cuda backend keeps every index signed, which
  about doubles the instructions per element.

GB/s counts one read and one write.
"""

from __future__ import annotations

import numpy as np

import tessera as ts

from ..case import Case
from ..env import Env, as_torch, impl, nvrtc_launcher

SIZES = {"gpu": (8192, 8192), "cpu": (2048, 2048), "tiny": (40, 70)}
TILE = 32  # a tile is TILE x TILE elements of x
ROWS = 8   # threads along axis 1: each thread copies TILE // ROWS rows of the tile


@ts.kernel(block=(TILE, ROWS))
def transpose(x: ts.Tensor["M", "N", ts.f32], y: ts.Tensor["N", "M", ts.f32], T: ts.constexpr, R: ts.constexpr):
    tile = ts.shared.alloc[ts.f32](T, T + 1)  # + 1 column: a tile column spans all 32 banks
    i0 = ts.program_id(1) * T  # this program's tile: rows i0.. and columns j0.. of x
    j0 = ts.program_id(0) * T
    if i0 >= M:  # never true in the inferred launch: this guard is what gives the grid's axis 1
        return
    tx = ts.thread_id(0)  # consecutive threads of a warp: consecutive columns
    ty = ts.thread_id(1)
    # Rows ty, ty + R, ...: constant bounds, so the loop unrolls and its loads issue together.
    for r in ts.range(0, T, R):
        if i0 + ty + r < M and j0 + tx < N:
            tile[ty + r, tx] = x[i0 + ty + r, j0 + tx]
    ts.barrier()
    # Row j0 + ty + r of y is column ty + r of the tile: a coalesced write, a conflict-free read.
    for r in ts.range(0, T, R):
        if j0 + ty + r < N and i0 + tx < M:
            y[j0 + ty + r, i0 + tx] = tile[tx, ty + r]


def launch(x, y, **kw):
    """Block (TILE, ROWS) from the decorator; grid (cdiv(n, TILE), cdiv(m, TILE)) from the guards."""
    transpose(x, y, TILE, ROWS, **kw)


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
