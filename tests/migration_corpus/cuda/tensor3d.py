"""Tessera translation of tensor3d.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def add_bias(x: ts.Tensor["B", "H", "W", ts.f32], bias: ts.Tensor["H", "W", ts.f32]):
    w = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    h = ts.program_id(1) * ts.block_size(1) + ts.thread_id(1)
    if w < W and h < H:
        for b in ts.range(0, B):
            x[b, h, w] += bias[h, w]
# Tessera launch: add_bias(x, bias)   # grid = (cdiv(W, 16), cdiv(H, 16)), block = (16, 16)
