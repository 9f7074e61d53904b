"""Tessera translation of local_array.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def window(x: ts.Tensor["N", ts.f32], y: ts.Tensor["y_size", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    # TM160 (medium): local (per-thread) arrays have no Tessera form: `w`
    #   float w[4];
    for k in ts.range(0, 4):
        # TM190 (medium): depends on a name whose definition was not translated: `w` (line 5, TM160)
        #   w[k] = 0.25f;
        pass
    if i + 3 < N:
        # TM190 (medium): depends on a name whose definition was not translated: `w` (line 5, TM160)
        #   y[i] = w[0] * x[i] + w[1] * x[i + 1] + w[2] * x[i + 2] + w[3] * x[i + 3];
        pass
