"""Tessera translation of macro_loop_and_float4.cu (ts.migration.translate_cuda)."""

import tessera as ts

WARP = 32


@ts.func
def warp_reduce_sum(v: ts.f32):
    o = WARP // 2
    while o > 0:
        # TM101 (medium): warp shuffle has no Tessera form: __shfl_xor_sync
        #   v += __shfl_xor_sync(0xffffffff, v, o);
        o >>= 1
    return v


@ts.kernel
def relu(x: ts.Tensor["x_size", ts.f32], n: ts.i32):
    # TM190 (medium): depends on a name whose definition was not translated: `CUDA_KERNEL_LOOP` (line 4, TM170)
    #   CUDA_KERNEL_LOOP(i, n) { x[i] = x[i] > 0 ? x[i] : 0; }
    pass


# TM162 (medium): struct or vector-type value: parameter `const float4* __restrict__ a`
#   const float4* __restrict__ a
# TM162 (medium): struct or vector-type value: parameter `float4* b`
#   float4* b
@ts.kernel
def vec4(n4: ts.i32):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < n4:
        # TM162 (medium): struct or vector-type value: type `float4`
        #   float4 v = a[i];
        # TM190 (medium): depends on a name whose definition was not translated: `v` (line 17, TM162)
        #   v.x *= 2;
        # TM190 (medium): depends on a name whose definition was not translated: `b` (line 15, TM162)
        #   b[i] = v;
        pass
