"""Tessera translation of macros.cu (ts.migration.translate_cuda)."""

import tessera as ts

BLOCK = 128
HALF = 64  # (BLOCK / 2)
EPS = 1e-05  # 1e-5f


@ts.kernel
def normalize(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * BLOCK + ts.thread_id(0)
    if i < N:
        x[i] = x[i] / (HALF + EPS)
        # TM190 (medium): depends on a name whose definition was not translated: `SQR` (line 6, TM170)
        #   x[i] = SQR(x[i]);
