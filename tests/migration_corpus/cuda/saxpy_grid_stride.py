"""Tessera translation of saxpy_grid_stride.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def saxpy(alpha: ts.f32, x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    for i in ts.range(ts.program_id(0) * ts.block_size(0) + ts.thread_id(0), N, ts.block_size(0) * ts.num_programs(0)):
        y[i] = alpha * x[i] + y[i]
# CUDA launch (line 10): saxpy<<<(n + 255) / 256, 256>>>(n, a, x, y)
# Tessera launch: saxpy(alpha, x, y)   # grid = (cdiv(N, 256),), block = (256,)
