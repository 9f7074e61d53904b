"""Tessera translation of texture_fetch.cu (ts.migration.translate_cuda)."""

import tessera as ts


# TM120 (high): textures and surfaces have no Tessera form: cudaTextureObject_t
#   cudaTextureObject_t tex
@ts.kernel
def sample(out: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        # TM120 (high): textures and surfaces have no Tessera form: tex1Dfetch
        #   out[i] = tex1Dfetch<float>(tex, i);
        pass
