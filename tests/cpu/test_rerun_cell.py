"""A notebook cell run twice defines the same kernel again: the second definition must compile and run
(the cpu backend shares one generated module between kernels with the same source)."""

import linecache

import numpy as np

CELL = '''
import tessera as ts

@ts.func
def twice(x: ts.f32) -> ts.f32:
    return 2.0 * x

@ts.kernel
def double(a: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < a.shape[0]:
        c[i] = twice(a[i])
'''


def test_the_same_kernel_source_defined_twice_runs_both_times():
    name = "<test-rerun-cell>"
    linecache.cache[name] = (len(CELL), None, CELL.splitlines(True), name)
    a = np.arange(5, dtype=np.float32)
    for _ in range(2):
        ns = {}
        exec(compile(CELL, name, "exec"), ns)
        c = np.zeros_like(a)
        ns["double"](a, c, backend="cpu")
        np.testing.assert_array_equal(c, 2 * a)
