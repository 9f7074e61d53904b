"""Elementwise kernels that the vector-form tests share (tests/unit, tests/cpu, tests/sim, tests/gpu):
each is a shape passes/vectorize.py turns into 128-bit loads and stores on the cuda backend."""

import tessera as ts


@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]


@ts.kernel
def fused(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], out: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < a.shape[0]:
        out[i] = ts.exp(a[i]) * b[i] + 0.5


@ts.kernel(fastmath=True)
def fused_fast(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], out: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < a.shape[0]:
        out[i] = ts.exp(a[i]) * b[i] + 0.5


@ts.kernel
def relu_and_index(x: ts.Tensor["N", ts.f32], pos: ts.Tensor["N", ts.f32], idx: ts.Tensor["N", ts.i32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        pos[i] = ts.where(x[i] > 0.0, x[i], 0.0)
        idx[i] = i


@ts.kernel
def half_axpy(x: ts.Tensor["N", ts.f16], y: ts.Tensor["N", ts.f16], out: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        out[i] = x[i] * 2.0 + y[i]
