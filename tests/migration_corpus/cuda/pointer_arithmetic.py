"""Tessera translation of pointer_arithmetic.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def row_scale(A: ts.Tensor["A_size", ts.f32], s: ts.Tensor["s_size", ts.f32], rows: ts.i32, cols: ts.i32):
    r = ts.program_id(0)
    # TM161 (medium): pointer arithmetic that is not indexing: local pointer `float* row = A + r * cols;`
    #   float* row = A + r * cols;
    for c in ts.range(ts.thread_id(0), cols, ts.block_size(0)):
        # TM190 (medium): depends on a name whose definition was not translated: `row` (line 5, TM161)
        #   row[c] *= *(s + r);
        pass
