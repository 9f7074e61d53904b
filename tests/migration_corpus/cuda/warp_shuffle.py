"""Tessera translation of warp_shuffle.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def warp_sum(x: ts.Tensor["N", ts.f32], out: ts.Tensor["out_size", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    v = x[i] if i < N else 0.0
    offset = 16
    while offset > 0:
        # TM101 (medium): warp shuffle has no Tessera form: __shfl_down_sync
        #   v += __shfl_down_sync(0xffffffff, v, offset);
        offset //= 2
    if ts.thread_id(0) % 32 == 0:
        ts.atomic_add(out, 0, v)
