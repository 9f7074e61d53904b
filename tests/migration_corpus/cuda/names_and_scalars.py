"""Tessera translation of names_and_scalars.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def names(out: ts.Tensor["N", ts.f32]):
    total = ts.shared.alloc[ts.f32](1)
    lambda_ = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if ts.thread_id(0) == 0:
        total[0] = 1.5
    ts.barrier()
    if lambda_ < N:
        is_even: ts.bool = lambda_ & 1 == 0
        out[lambda_] = total[0] if is_even else -total[0]
# Tessera launch: names(out)   # grid = (cdiv(N, 256),), block = (256,)
