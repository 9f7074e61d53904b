"""Tessera translation of struct_param.cu (ts.migration.translate_cuda)."""

import tessera as ts


# TM162 (medium): struct or vector-type value: parameter `Params p`
#   Params p
# TM162 (medium): struct or vector-type value: parameter `const float4* x`
#   const float4* x
@ts.kernel
def affine(y: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        # TM190 (medium): depends on a name whose definition was not translated: `p` (line 5, TM162)
        #   y[i] = p.scale * 2.0f + p.bias;
        pass
