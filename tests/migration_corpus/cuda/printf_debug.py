"""Tessera translation of printf_debug.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def debug(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        # TM015 (low): printf is not translated
        #   printf("x[%d] = %f\n", i, x[i]);
        x[i] = 0.0
# Tessera launch: debug(x)   # grid = (cdiv(N, 256),), block = (256,)
