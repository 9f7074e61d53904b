"""Tessera translation of math_and_casts.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def mathy(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32], q: ts.Tensor["N", ts.i32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i >= N:
        return
    v = x[i]
    r = ts.sqrt(ts.abs(v)) + ts.exp(-v * v) + ts.rsqrt(1.0 + v * v)
    r += ts.pow(2.0, 1.0 if v > 0.0 else -1.0)
    r *= ts.f32(i % 7) / 7.0
    half_i = i // 2
    q[i] = half_i + ts.i32(ts.floor(v)) + ts.max(i, 3) - ts.min(i, 5)
    y[i] = r
# Tessera launch: mathy(x, y, q)   # grid = (cdiv(N, 256),), block = (256,)
