"""The suite's cases: one module each, exporting the Tessera kernel(s) as a user would write them,
the NumPy reference, the alternatives, and ``build(env) -> Case``. Listed in run order."""

from . import (batched_matmul, fused_elementwise, layernorm, matmul, reduce_sum, rmsnorm, softmax, transpose,
               vector_add)

CASES = {m.__name__.rsplit(".", 1)[1]: m.build for m in
         (vector_add, fused_elementwise, softmax, layernorm, rmsnorm, reduce_sum, transpose, matmul, batched_matmul)}
