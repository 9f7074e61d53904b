"""Tessera translation of unsupported_statements.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def classify(x: ts.Tensor["N", ts.i32], y: ts.Tensor["N", ts.i32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i >= N:
        return
    v = x[i]
    c = 0
    # TM180 (medium): statement has no Tessera form: switch statement
    #   switch (v) {
    #       case 0: c = 10; break;
    #       default: c = 20;
    #   }
    y[i] = c + v
