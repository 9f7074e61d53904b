"""Tessera translation of cooperative_groups.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def scale_sync(x: ts.Tensor["N", ts.f32]):
    # TM130 (high): cooperative groups have no Tessera form: cg::thread_block
    #   cg::thread_block block = cg::this_thread_block();
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        x[i] *= 2.0
    # TM190 (high): depends on a name whose definition was not translated: `block` (line 7, TM130)
    #   block.sync();
