"""Tessera translation of histogram_atomics.cu (ts.migration.translate_cuda)."""

import tessera as ts

BINS = 64


@ts.kernel
def histogram(data: ts.Tensor["N", ts.i32], hist: ts.Tensor["hist_size", ts.i32]):
    local = ts.shared.alloc[ts.i32](BINS)
    tid = ts.thread_id(0)
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if tid < BINS:
        local[tid] = 0
    ts.barrier()
    if i < N:
        ts.atomic_add(local, data[i] % BINS, 1)
    ts.barrier()
    if tid < BINS:
        ts.atomic_add(hist, tid, local[tid])
# Tessera launch: histogram(data, hist)   # grid = (cdiv(N, 256),), block = (256,)
