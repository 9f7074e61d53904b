"""Tessera translation of dynamic_shared.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def reverse(x: ts.Tensor["N", ts.f32]):
    # TM150 (medium): dynamic shared memory (extern __shared__)
    #   extern __shared__ float tile[];
    t = ts.thread_id(0)
    # TM190 (medium): depends on a name whose definition was not translated: `tile` (line 4, TM150)
    #   tile[t] = x[t];
    ts.barrier()
    if t < N:
        # TM190 (medium): depends on a name whose definition was not translated: `tile` (line 4, TM150)
        #   x[t] = tile[n - 1 - t];
        pass
