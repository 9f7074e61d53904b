"""Tessera translation of inline_asm.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def lane_ids(out: ts.Tensor["out_size", ts.i32]):
    lane: ts.u32 = 0
    # TM110 (high): inline PTX assembly
    #   asm volatile("mov.u32 %0, %%laneid;" : "=r"(lane));
    out[ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)] = lane
