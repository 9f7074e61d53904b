"""Tessera translation of half_types.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def to_half(x: ts.Tensor["N", ts.f32], h: ts.Tensor["N", ts.f16], b: ts.Tensor["N", ts.bf16]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        h[i] = ts.f16(x[i])
        b[i] = ts.bf16(x[i] * 2.0)
# Tessera launch: to_half(x, h, b)   # grid = (cdiv(N, 256),), block = (256,)
