"""Tessera translation of dynamic_parallelism.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def child(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        x[i] += 1.0
# Tessera launch: child(x)   # grid = (cdiv(N, 256),), block = (256,)


@ts.kernel
def parent(x: ts.Tensor["x_size", ts.f32], n: ts.i32):
    if ts.thread_id(0) == 0 and ts.program_id(0) == 0:
        # TM140 (high): dynamic parallelism (a kernel launched from device code): child
        #   child<<<(n + 255) / 256, 256>>>(x, n);
        pass
