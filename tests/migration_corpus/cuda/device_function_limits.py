"""Tessera translation of device_function_limits.cu (ts.migration.translate_cuda)."""

import tessera as ts


# TM163 (medium): parameter type has no Tessera form: pointer parameter `const float* p` of a device function
#   const float* p
@ts.func
def pair_sum(i: ts.i32):
    # TM190 (medium): depends on a name whose definition was not translated: `p` (line 4, TM163)
    #   return p[i] + p[i + 1];
    pass


# TM164 (medium): device function reads thread or block indices: `blockIdx.x`
#   blockIdx.x
@ts.func
def global_index():
    return ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)


@ts.kernel
def pairs(a: ts.Tensor["a_size", ts.f32], b: ts.Tensor["b_size", ts.f32], n: ts.i32):
    # TM190 (medium): depends on a name whose definition was not translated: `global_index` (line 6, TM164)
    #   int i = global_index();
    j = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if j + 1 < n:
        # TM190 (medium): depends on a name whose definition was not translated: `pair_sum` (line 4, TM163)
        #   b[j] = pair_sum(a, j);
        pass
