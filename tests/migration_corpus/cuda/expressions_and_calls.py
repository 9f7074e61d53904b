"""Tessera translation of expressions_and_calls.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def misc(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.i32], z: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        k = i
        y[i] = -i // 2
        # TM181 (medium): expression has no Tessera form: `k++` inside an expression
        #   y[k++] = 0;
        # TM182 (medium): call of a function with no Tessera equivalent: user_lib
        #   z[i] = user_lib(x[i]);
        # TM184 (medium): memory fence: __threadfence
        #   __threadfence();
        z[i] += 1.0
