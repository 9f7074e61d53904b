"""fused_elementwise: ``y = gelu_tanh(x * w + b)``, a chain of elementwise ops in one kernel.

A fused kernel reads x, w, b once and writes y once (16 bytes per element, what GB/s is
computed from). Eager PyTorch runs the chain as two kernels (``addcmul``, then ``gelu``) and
moves the intermediate through memory: the gap is what fusing buys. CUDA C (NVRTC) and
Triton fuse it as Tessera does.
"""

from __future__ import annotations

import math

import numpy as np

import tessera as ts

from ..case import Case
from ..env import Env, as_torch, close, impl, nvrtc_launcher, size_label

SIZES = {"gpu": 1 << 27, "cpu": 1 << 22, "tiny": 1 << 12}
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


@ts.func
def gelu_tanh(v):
    # The tanh approximation of GELU, as torch's gelu(approximate="tanh").
    return 0.5 * v * (1.0 + ts.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)))


@ts.kernel
def bias_gelu(x: ts.Tensor["N", ts.f32], w: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32],
              y: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        # Every intermediate stays in a register: one read of each input, one write.
        y[i] = gelu_tanh(ts.fma(x[i], w[i], b[i]))


CUDA_C = r"""
extern "C" __global__ void bias_gelu(const float* x, const float* w, const float* b, float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = fmaf(x[i], w[i], b[i]);
        y[i] = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    }
}
"""


def reference(x, w, b):
    v = (x.astype(np.float64) * w + b)
    return 0.5 * v * (1.0 + np.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v ** 3)))


def build(env: Env) -> Case:
    n = SIZES[env.sizes]
    rng = np.random.default_rng(1)
    x_h, w_h, b_h = (rng.standard_normal(n, dtype=np.float32) for _ in range(3))
    expected = reference(x_h, w_h, b_h)
    arr = env.arrays
    x, w, b = arr.to_device(x_h), arr.to_device(w_h), arr.to_device(b_h)
    y = arr.empty_like(x)
    kw = {} if env.gpu else {"backend": "cpu"}
    impls = [impl("tessera", lambda: lambda: bias_gelu(x, w, b, y, **kw))]
    if env.gpu:
        grid = (n + 255) // 256
        impls += [impl("cuda_c", lambda: nvrtc_launcher(CUDA_C, "bias_gelu", grid, 256, x, w, b, y,
                                                        np.int32(n)), needs="cuda.core"),
                  impl("torch", lambda: _torch(x, w, b, y), needs="torch"),
                  impl("triton", lambda: _triton(x, w, b, y), needs="triton")]
    else:
        impls += [impl("numpy", lambda: _numpy(x, w, b, y)),
                  impl("numba", lambda: _numba(x, w, b, y), needs="numba")]
    return Case("fused_elementwise", size_label(n), "float32", impls, reset=lambda: arr.zero(y),
                check=lambda: close(arr.to_host(y), expected, "y", rtol=1e-4, atol=1e-5),
                bytes_moved=4 * n * 4,
                notes="torch: eager addcmul then gelu(approximate='tanh'), two kernels")


def _torch(x, w, b, y):
    import torch
    import torch.nn.functional as F

    tx, tw, tb, ty = (as_torch(t) for t in (x, w, b, y))
    run = lambda: F.gelu(torch.addcmul(tb, tx, tw), approximate="tanh")  # noqa: E731
    return run, lambda: ty.copy_(run()), {"ops": "addcmul, gelu"}


def _triton(x, w, b, y):
    from .. import triton_kernels as tk

    tx, tw, tb, ty = (as_torch(t) for t in (x, w, b, y))
    return lambda: tk.bias_gelu(tx, tw, tb, ty)


def _numpy(x, w, b, y):
    tmp = np.empty_like(x)

    def run():
        # NumPy evaluates one op at a time over whole arrays, with a temporary per step.
        np.multiply(x, w, out=tmp)
        np.add(tmp, b, out=tmp)
        np.multiply(tmp, 0.5 * (1.0 + np.tanh(np.float32(SQRT_2_OVER_PI) * (tmp + np.float32(0.044715) * tmp ** 3))),
                    out=y)
    return run


def _numba(x, w, b, y):
    import numba

    @numba.njit(parallel=True, fastmath=False)
    def bias_gelu_nb(x, w, b, y):
        for i in numba.prange(x.shape[0]):
            v = x[i] * w[i] + b[i]
            y[i] = np.float32(0.5) * v * (np.float32(1.0) + math.tanh(
                np.float32(0.7978845608028654) * (v + np.float32(0.044715) * v * v * v)))

    bias_gelu_nb(x, w, b, y)
    return lambda: bias_gelu_nb(x, w, b, y)
