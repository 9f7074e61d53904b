"""Tessera translation of template_type.cu (ts.migration.translate_cuda)."""

import tessera as ts


# TM012 (medium): template type parameter: the kernel is translated for float: `T` is float here
#   typename T
@ts.kernel
def copy(src: ts.Tensor["N", ts.f32], dst: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        dst[i] = src[i]
