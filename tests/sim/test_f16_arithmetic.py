"""f16 arithmetic is computed in f32 and rounded once per operation: exactly NumPy's float16 results."""

import numpy as np

import tessera as ts
from tests.vector_kernels import half_axpy




@ts.kernel
def half_ops(x: ts.Tensor["N", ts.f16], y: ts.Tensor["N", ts.f16], out: ts.Tensor["N", ts.f16]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        out[i] = -(x[i] / y[i]) - x[i] if x[i] > y[i] else x[i] * y[i]


def test_f16_arithmetic_rounds_as_numpy_float16_does():
    rng = np.random.default_rng(5)
    x, y = (rng.standard_normal(300).astype(np.float16) for _ in range(2))
    out = np.zeros(300, np.float32)
    half_axpy(x, y, out, backend="sim")   # the cpu backend has no f16 loads
    np.testing.assert_array_equal(out, (x * np.float16(2) + y).astype(np.float32))
    h = np.zeros(300, np.float16)
    half_ops(x, y, h, backend="sim")
    np.testing.assert_array_equal(h, np.where(x > y, -(x / y) - x, x * y))
