"""Tessera translation of warp_vote.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def count_positive(x: ts.Tensor["N", ts.f32], count: ts.Tensor["count_size", ts.i32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    # TM102 (medium): warp vote has no Tessera form: __ballot_sync
    #   unsigned mask = __ballot_sync(0xffffffff, i < n && x[i] > 0.0f);
    # TM103 (medium): warp-level synchronization or warp size: warpSize
    #   int lane = threadIdx.x % warpSize;
    # TM190 (medium): depends on a name whose definition was not translated: `lane` (line 6, TM103)
    #   if (lane == 0) {
    #       atomicAdd(count, __popc(mask));
    #   }
