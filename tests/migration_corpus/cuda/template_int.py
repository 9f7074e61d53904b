"""Tessera translation of template_int.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def scale(x: ts.Tensor["N", ts.f32], s: ts.f32, BLOCK: ts.constexpr):
    i = ts.program_id(0) * BLOCK + ts.thread_id(0)
    if i < N:
        x[i] *= s
# Tessera launch: scale[grid, block](x, s, BLOCK)   # explicit: the block size along axis 0 must be a compile-time constant
