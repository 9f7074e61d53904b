"""layernorm: ``y = (x - mean) / sqrt(var + eps) * w + b`` per row of an 8192 x 8192 fp32 matrix.

One program per row, as softmax. The statistics come from one read of the row: each thread
sums ``d = x - x[row, 0]`` and ``d * d`` over its strided share, and a shared-memory tree
adds the partial sums. Shifting by the row's first element keeps ``E[d^2] - E[d]^2`` from
cancelling catastrophically when the mean is large compared with the spread (the textbook
one-pass variance's weakness) at the cost of one subtraction. A second pass normalizes.
GB/s counts one read of x and one write of y (w and b are small and stay in cache).
"""

from __future__ import annotations

import numpy as np

import tessera as ts

from ..case import Case
from ..env import Env, as_torch, close, impl

SIZES = {"gpu": (8192, 8192), "cpu": (2048, 2048), "tiny": (16, 300)}
LOG_BLOCK = {"gpu": 8, "cpu": 5, "tiny": 5}
EPS = 1e-5
TARGETS = {"torch": 1.0}


@ts.kernel
def layernorm(x: ts.Tensor["M", "N", ts.f32], w: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32],
              y: ts.Tensor["M", "N", ts.f32], eps: ts.f32, LOG_BLOCK: ts.constexpr):
    BLOCK = 1 << LOG_BLOCK
    red1 = ts.shared.alloc[ts.f32](BLOCK)
    red2 = ts.shared.alloc[ts.f32](BLOCK)
    row = ts.program_id(0)
    t = ts.thread_id(0)
    shift = x[row, 0]
    s1 = 0.0
    s2 = 0.0
    for j in ts.range(t, N, BLOCK):
        d = x[row, j] - shift
        s1 += d
        s2 += d * d
    red1[t] = s1
    red2[t] = s2
    ts.barrier()
    for level in range(LOG_BLOCK):
        stride = BLOCK >> (level + 1)
        if t < stride:
            red1[t] += red1[t + stride]
            red2[t] += red2[t + stride]
        ts.barrier()
    mean_d = red1[0] / N
    var = ts.max(red2[0] / N - mean_d * mean_d, 0.0)
    mean = shift + mean_d
    rstd = ts.rsqrt(var + eps)
    for j in ts.range(t, N, BLOCK):
        y[row, j] = (x[row, j] - mean) * rstd * w[j] + b[j]


def launch(x, w, b, y, log_block: int, **kw):
    layernorm[(x.shape[0],), (1 << log_block,)](x, w, b, y, EPS, log_block, **kw)


def reference(x, w, b):
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=1, keepdims=True)
    var = x64.var(axis=1, keepdims=True)
    return (x64 - mean) / np.sqrt(var + EPS) * w + b


def build(env: Env) -> Case:
    m, n = SIZES[env.sizes]
    log_block = LOG_BLOCK[env.sizes]
    rng = np.random.default_rng(3)
    x_h = (rng.standard_normal((m, n), dtype=np.float32) * 2.0 + 3.0).astype(np.float32)
    w_h, b_h = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32)
    expected = reference(x_h, w_h, b_h)
    arr = env.arrays
    x, w, b = arr.to_device(x_h), arr.to_device(w_h), arr.to_device(b_h)
    y = arr.empty_like(x)
    kw = {} if env.gpu else {"backend": "cpu"}
    impls = [impl("tessera", lambda: (lambda: launch(x, w, b, y, log_block, **kw), None,
                                      {"block": 1 << log_block}))]
    if env.gpu:
        impls += [impl("tessera_1024_threads", lambda: (lambda: launch(x, w, b, y, 10, **kw), None,
                                                        {"block": 1024})),
                  impl("torch", lambda: _torch(x, w, b, y), needs="torch"),
                  impl("triton", lambda: _triton(x, w, b, y), needs="triton")]
    else:
        impls += [impl("numpy", lambda: _numpy(x, w, b, y)),
                  impl("numba", lambda: _numba(x, w, b, y), needs="numba")]
    return Case("layernorm", f"{m}x{n}", "float32", impls, reset=lambda: arr.zero(y),
                check=lambda: close(arr.to_host(y), expected, "y", rtol=1e-4, atol=1e-4),
                bytes_moved=2 * m * n * 4, targets=TARGETS if env.gpu else {})


def _torch(x, w, b, y):
    import torch.nn.functional as F

    tx, tw, tb, ty = (as_torch(t) for t in (x, w, b, y))
    run = lambda: F.layer_norm(tx, (tx.shape[-1],), tw, tb, EPS)  # noqa: E731
    return run, lambda: ty.copy_(run()), {}


def _triton(x, w, b, y):
    from .. import triton_kernels as tk

    tx, tw, tb, ty = (as_torch(t) for t in (x, w, b, y))
    return lambda: tk.layernorm(tx, tw, tb, ty, EPS)


def _numpy(x, w, b, y):
    def run():
        mean = x.mean(axis=1, keepdims=True)
        var = x.var(axis=1, keepdims=True)
        np.multiply((x - mean) / np.sqrt(var + np.float32(EPS)), w, out=y)
        np.add(y, b, out=y)
    return run


def _numba(x, w, b, y):
    import numba

    @numba.njit(parallel=True)
    def layernorm_nb(x, w, b, y, eps):
        n = x.shape[1]
        for r in numba.prange(x.shape[0]):
            s = np.float32(0.0)
            for j in range(n):
                s += x[r, j]
            mean = s / n
            v = np.float32(0.0)
            for j in range(n):
                d = x[r, j] - mean
                v += d * d
            rstd = np.float32(1.0) / np.sqrt(v / n + eps)
            for j in range(n):
                y[r, j] = (x[r, j] - mean) * rstd * w[j] + b[j]

    eps = np.float32(EPS)
    layernorm_nb(x, w, b, y, eps)
    return lambda: layernorm_nb(x, w, b, y, eps)
