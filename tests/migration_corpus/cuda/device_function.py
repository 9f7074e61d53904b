"""Tessera translation of device_function.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.func
def gelu(x: ts.f32):
    return 0.5 * x * (1.0 + ts.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))


@ts.func
def clamp01(v: ts.f32):
    return ts.min(ts.max(v, 0.0), 1.0)


@ts.kernel
def activate(in_: ts.Tensor["N", ts.f32], out: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        out[i] = clamp01(gelu(in_[i]))
# Tessera launch: activate(in_, out)   # grid = (cdiv(N, 256),), block = (256,)
