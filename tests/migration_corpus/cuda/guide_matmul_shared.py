"""Tessera translation of guide_matmul_shared.cu (ts.migration.translate_cuda)."""

import tessera as ts

TILE_SIZE = 32


@ts.kernel
def matmul_shared(A: ts.Tensor["M", "K", ts.f32],
                  B: ts.Tensor["K", "N", ts.f32],
                  C: ts.Tensor["M", "N", ts.f32]):
    As = ts.shared.alloc[ts.f32](TILE_SIZE, TILE_SIZE)
    Bs = ts.shared.alloc[ts.f32](TILE_SIZE, TILE_SIZE)
    row = ts.program_id(1) * TILE_SIZE + ts.thread_id(1)
    col = ts.program_id(0) * TILE_SIZE + ts.thread_id(0)
    sum = 0.0
    for t in ts.range(0, (K + TILE_SIZE - 1) // TILE_SIZE):
        # Load tiles into shared memory
        if row < M and t * TILE_SIZE + ts.thread_id(0) < K:
            As[ts.thread_id(1), ts.thread_id(0)] = A[row, t * TILE_SIZE + ts.thread_id(0)]
        else:
            As[ts.thread_id(1), ts.thread_id(0)] = 0.0
        if col < N and t * TILE_SIZE + ts.thread_id(1) < K:
            Bs[ts.thread_id(1), ts.thread_id(0)] = B[t * TILE_SIZE + ts.thread_id(1), col]
        else:
            Bs[ts.thread_id(1), ts.thread_id(0)] = 0.0
        ts.barrier()
        # Compute partial result
        for k in ts.range(0, TILE_SIZE):
            sum += As[ts.thread_id(1), k] * Bs[k, ts.thread_id(0)]
        ts.barrier()
    if row < M and col < N:
        C[row, col] = sum
# Tessera launch: matmul_shared(A, B, C)   # grid = (cdiv(N, 32), cdiv(M, 32)), block = (32, 32)
