"""The side-by-side view on a GPU: a %%cuda-style kernel and its Tessera version run on the same inputs,
their outputs compared and both timed."""

import numpy as np
import pytest

import tessera as ts

pytestmark = pytest.mark.gpu

CUDA = r'''
extern "C" __global__ void vector_add(const float* a, const float* b, float* c, int n) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < n) {
        c[idx] = a[idx] + b[idx];
    }
}
'''


@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]


def test_outputs_match_and_both_are_timed():
    from tessera.notebook.cuda_cell import compile_cuda
    from tessera.notebook.views import side_by_side
    n = 1 << 20
    a, b, c = (ts.from_numpy(np.random.default_rng(i).standard_normal(n).astype(np.float32)) for i in range(3))
    cu = compile_cuda(CUDA, name="vector_add")
    view = side_by_side(cu, vector_add, args=(a, b, c), cuda_args=(a, b, c, n),
                        cuda_launch=dict(grid=(n + 255) // 256, block=256))
    html = view.to_html()
    assert "tessera-side-by-side" in html
    assert view.check.status == "match", html
    assert view.times.clock and view.times.ratio is not None and 0.5 < view.times.ratio < 2.0, html
