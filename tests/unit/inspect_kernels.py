"""Kernels that tests/unit/test_inspect.py inspects (a file of its own: the CLI loads it by path)."""

import tessera as ts


@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]


@ts.kernel
def matmul_tiled(A: ts.Tensor["M", "K", ts.f32], B: ts.Tensor["K", "N", ts.f32],
                 C: ts.Tensor["M", "N", ts.f32], TILE: ts.constexpr):
    """The guide's shared-memory matmul, one thread per output element."""
    As = ts.shared.alloc[ts.f32](TILE, TILE)
    Bs = ts.shared.alloc[ts.f32](TILE, TILE)
    row = ts.program_id(0) * TILE + ts.thread_id(0)
    col = ts.program_id(1) * TILE + ts.thread_id(1)
    acc = 0.0
    for k0 in ts.range(0, K, TILE):
        ts.copy_async(A[ts.program_id(0) * TILE:(ts.program_id(0) + 1) * TILE, k0:k0 + TILE], As)
        ts.copy_async(B[k0:k0 + TILE, ts.program_id(1) * TILE:(ts.program_id(1) + 1) * TILE], Bs)
        ts.wait_group(0)
        ts.barrier()
        for k in ts.range(TILE):
            acc += As[ts.thread_id(0), k] * Bs[k, ts.thread_id(1)]
        ts.barrier()
    if row < M and col < N:
        C[row, col] = acc


@ts.func
def square(x: ts.f32) -> ts.f32:
    return x * x


@ts.kernel
def sum_of_squares(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < a.shape[0]:
        c[i] = square(a[i]) + square(b[i])


@ts.kernel
def matmul_tuned(A: ts.Tensor["M", "K", ts.f32], B: ts.Tensor["K", "N", ts.f32], C: ts.Tensor["M", "N", ts.f32]):
    """The same matmul with its tile read from the autotune config."""
    TILE = ts.autotune.get_param("TILE")
    As = ts.shared.alloc[ts.f32](TILE, TILE)
    Bs = ts.shared.alloc[ts.f32](TILE, TILE)
    row = ts.program_id(0) * TILE + ts.thread_id(0)
    col = ts.program_id(1) * TILE + ts.thread_id(1)
    acc = 0.0
    for k0 in ts.range(0, K, TILE):
        ts.copy_async(A[ts.program_id(0) * TILE:(ts.program_id(0) + 1) * TILE, k0:k0 + TILE], As)
        ts.copy_async(B[k0:k0 + TILE, ts.program_id(1) * TILE:(ts.program_id(1) + 1) * TILE], Bs)
        ts.wait_group(0)
        ts.barrier()
        for k in ts.range(TILE):
            acc += As[ts.thread_id(0), k] * Bs[k, ts.thread_id(1)]
        ts.barrier()
    if row < M and col < N:
        C[row, col] = acc
