"""Tessera translation of constant_memory.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def poly(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        v = x[i]
        # TM190 (medium): depends on a name whose definition was not translated: `coeffs` (line 3, TM151)
        #   y[i] = coeffs[0] + v * (coeffs[1] + v * (coeffs[2] + v * coeffs[3]));
