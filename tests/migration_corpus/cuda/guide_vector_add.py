"""Tessera translation of guide_vector_add.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < N:
        c[idx] = a[idx] + b[idx]
# CUDA launch (line 16): vector_add<<<gridSize, blockSize>>>(a, b, c, n)
# Tessera launch: vector_add(a, b, c)   # grid = (cdiv(N, 256),), block = (256,)
