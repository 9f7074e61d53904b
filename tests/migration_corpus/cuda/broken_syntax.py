"""Tessera translation of broken_syntax.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def broken(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    # TM002 (medium): this part of the source did not parse
    #   if (i < n) x[i] = (x[i] + ;


@ts.kernel
def fine(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        x[i] = x[i] + 1.0
# Tessera launch: fine(x)   # grid = (cdiv(N, 256),), block = (256,)
