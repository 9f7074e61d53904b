"""batched_matmul: 4096 independent 64 x 64 x 64 fp32 products, ``C[z] = A[z] @ B[z]``.

Small matrices are where a library call's overhead and a big-tile GEMM's shape hurt most.
One program per matrix: a 64 x 64 block of virtual threads, one per output element, as in
the guide's matmul, with the batch index on grid axis 2. The compiler runs the block on
``num_warps * 32`` GPU threads (4 warps by default), so each thread owns 32 outputs and
reuses every value it loads from the shared tiles across them.
The alternative is cuBLAS's batched SGEMM through ``torch.bmm`` (TF32 off).
"""

from __future__ import annotations

import numpy as np

import tessera as ts

from ..case import Case
from ..env import Env, as_torch, close, impl

SIZES = {"gpu": (4096, 64), "cpu": (512, 64), "tiny": (4, 32)}  # (batch, n): each matrix n x n
TILE_K = 32


@ts.kernel
def bmm(A: ts.Tensor["Z", "M", "K", ts.f32], B: ts.Tensor["Z", "K", "N", ts.f32], C: ts.Tensor["Z", "M", "N", ts.f32],
        TILE_M: ts.constexpr, TILE_N: ts.constexpr, TILE_K: ts.constexpr):
    # copy_async takes start:stop slices on every axis: the batch axis is a slice of one.
    As = ts.shared.alloc[ts.f32](1, TILE_M, TILE_K)
    Bs = ts.shared.alloc[ts.f32](1, TILE_K, TILE_N)
    z = ts.program_id(2)
    row = ts.program_id(0) * TILE_M + ts.thread_id(0)
    col = ts.program_id(1) * TILE_N + ts.thread_id(1)
    acc = 0.0
    for k0 in ts.range(0, K, TILE_K):
        ts.copy_async(A[z:z + 1, ts.program_id(0) * TILE_M:(ts.program_id(0) + 1) * TILE_M, k0:k0 + TILE_K], As)
        ts.copy_async(B[z:z + 1, k0:k0 + TILE_K, ts.program_id(1) * TILE_N:(ts.program_id(1) + 1) * TILE_N], Bs)
        ts.wait_group(0)
        ts.barrier()
        for k in ts.range(TILE_K):
            acc += As[0, ts.thread_id(0), k] * Bs[0, k, ts.thread_id(1)]
        ts.barrier()
    if row < M and col < N:
        C[z, row, col] = acc


def launch(a, b, c, tile: int, **kw):
    z, m, _ = a.shape
    n = b.shape[2]
    bmm[((m + tile - 1) // tile, (n + tile - 1) // tile, z), (tile, tile)](a, b, c, tile, tile, TILE_K, **kw)


def build(env: Env) -> Case:
    z, n = SIZES[env.sizes]
    rng = np.random.default_rng(8)
    a_h, b_h = (rng.standard_normal((z, n, n), dtype=np.float32) for _ in range(2))
    expected = np.matmul(a_h.astype(np.float64), b_h)
    arr = env.arrays
    a, b = arr.to_device(a_h), arr.to_device(b_h)
    c = arr.to_device(np.zeros((z, n, n), np.float32))
    kw = {} if env.gpu else {"backend": "cpu"}
    impls = [impl("tessera", lambda: (lambda: launch(a, b, c, n, **kw), None, {"tile": [n, n, TILE_K]}))]
    if env.gpu:
        impls += [impl("cublas", lambda: _cublas(a, b, c), needs="torch")]
    else:
        impls += [impl("numpy", lambda: lambda: np.matmul(a, b, out=c))]
    return Case("batched_matmul", f"{z}x{n}x{n}x{n}", "float32", impls, reset=lambda: arr.zero(c),
                check=lambda: close(arr.to_host(c), expected, "C", rtol=1e-4, atol=1e-4 * np.sqrt(n)),
                flops=2 * z * n ** 3)


def _cublas(a, b, c):
    import torch

    from .matmul import _fp32_cublas

    _fp32_cublas()
    ta, tb, tc = as_torch(a), as_torch(b), as_torch(c)
    return (lambda: torch.bmm(ta, tb, out=tc)), None, {"tf32": False}
