"""rmsnorm: ``y = x / sqrt(mean(x^2) + eps) * w`` per row of an 8192 x 8192 fp32 matrix.

LayerNorm without the mean: one strided pass for the sum of squares, a shared-memory tree
for the row total, a second pass that scales. GB/s counts one read of x and one write of y.
"""

from __future__ import annotations

import numpy as np

import tessera as ts

from ..case import Case
from ..env import Env, as_torch, close, impl

SIZES = {"gpu": (8192, 8192), "cpu": (2048, 2048), "tiny": (16, 300)}
LOG_BLOCK = {"gpu": 8, "cpu": 5, "tiny": 5}
EPS = 1e-6
TARGETS = {"torch": 1.0}


@ts.kernel
def rmsnorm(x: ts.Tensor["M", "N", ts.f32], w: ts.Tensor["N", ts.f32], y: ts.Tensor["M", "N", ts.f32],
            eps: ts.f32, LOG_BLOCK: ts.constexpr):
    BLOCK = 1 << LOG_BLOCK
    red = ts.shared.alloc[ts.f32](BLOCK)
    row = ts.program_id(0)
    t = ts.thread_id(0)
    ss = 0.0
    for j in ts.range(t, N, BLOCK):
        v = x[row, j]
        ss += v * v
    red[t] = ss
    ts.barrier()
    for level in range(LOG_BLOCK):
        stride = BLOCK >> (level + 1)
        if t < stride:
            red[t] += red[t + stride]
        ts.barrier()
    rstd = ts.rsqrt(red[0] / N + eps)
    for j in ts.range(t, N, BLOCK):
        y[row, j] = x[row, j] * rstd * w[j]


def launch(x, w, y, log_block: int, **kw):
    rmsnorm[(x.shape[0],), (1 << log_block,)](x, w, y, EPS, log_block, **kw)


def reference(x, w):
    x64 = x.astype(np.float64)
    return x64 / np.sqrt((x64 * x64).mean(axis=1, keepdims=True) + EPS) * w


def build(env: Env) -> Case:
    m, n = SIZES[env.sizes]
    log_block = LOG_BLOCK[env.sizes]
    rng = np.random.default_rng(4)
    x_h = rng.standard_normal((m, n), dtype=np.float32)
    w_h = rng.standard_normal(n, dtype=np.float32)
    expected = reference(x_h, w_h)
    arr = env.arrays
    x, w = arr.to_device(x_h), arr.to_device(w_h)
    y = arr.empty_like(x)
    kw = {} if env.gpu else {"backend": "cpu"}
    impls = [impl("tessera", lambda: (lambda: launch(x, w, y, log_block, **kw), None,
                                      {"block": 1 << log_block}))]
    if env.gpu:
        impls += [impl("tessera_1024_threads", lambda: (lambda: launch(x, w, y, 10, **kw), None, {"block": 1024})),
                  impl("torch", lambda: _torch(x, w, y), needs="torch"),
                  impl("triton", lambda: _triton(x, w, y), needs="triton")]
    else:
        impls += [impl("numpy", lambda: _numpy(x, w, y)),
                  impl("numba", lambda: _numba(x, w, y), needs="numba")]
    return Case("rmsnorm", f"{m}x{n}", "float32", impls, reset=lambda: arr.zero(y),
                check=lambda: close(arr.to_host(y), expected, "y", rtol=1e-4, atol=1e-5),
                bytes_moved=2 * m * n * 4, targets=TARGETS if env.gpu else {})


def _torch(x, w, y):
    import torch
    import torch.nn.functional as F

    tx, tw, ty = (as_torch(t) for t in (x, w, y))
    if hasattr(F, "rms_norm"):  # torch >= 2.4
        run = lambda: F.rms_norm(tx, (tx.shape[-1],), tw, EPS)  # noqa: E731
        info = {"op": "F.rms_norm"}
    else:
        run = lambda: tx * torch.rsqrt(tx.pow(2).mean(-1, keepdim=True) + EPS) * tw  # noqa: E731
        info = {"op": "eager formula (torch < 2.4 has no rms_norm)"}
    return run, lambda: ty.copy_(run()), info


def _triton(x, w, y):
    from .. import triton_kernels as tk

    tx, tw, ty = (as_torch(t) for t in (x, w, y))
    return lambda: tk.rmsnorm(tx, tw, ty, EPS)


def _numpy(x, w, y):
    col = np.empty((x.shape[0], 1), x.dtype)

    def run():
        np.einsum("ij,ij->i", x, x, out=col[:, 0])
        np.multiply(x, w, out=y)
        np.multiply(y, 1.0 / np.sqrt(col / np.float32(x.shape[1]) + np.float32(EPS)), out=y)
    return run


def _numba(x, w, y):
    import numba

    @numba.njit(parallel=True)
    def rmsnorm_nb(x, w, y, eps):
        n = x.shape[1]
        for r in numba.prange(x.shape[0]):
            ss = np.float32(0.0)
            for j in range(n):
                ss += x[r, j] * x[r, j]
            rstd = np.float32(1.0) / np.sqrt(ss / n + eps)
            for j in range(n):
                y[r, j] = x[r, j] * rstd * w[j]

    eps = np.float32(EPS)
    rmsnorm_nb(x, w, y, eps)
    return lambda: rmsnorm_nb(x, w, y, eps)
