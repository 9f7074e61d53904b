"""Kernels the cpu tier runs on `cpu` and `sim` (the same kernels as tests/sim)."""

import tessera as ts


@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]


@ts.kernel
def matmul_tiled(A: ts.Tensor["M", "K", ts.f32], B: ts.Tensor["K", "N", ts.f32],
                 C: ts.Tensor["M", "N", ts.f32], TILE: ts.constexpr):
    As = ts.shared.alloc[ts.f32](TILE, TILE, swizzle="xor")
    Bs = ts.shared.alloc[ts.f32](TILE, TILE)
    row = ts.program_id(0) * TILE + ts.thread_id(0)
    col = ts.program_id(1) * TILE + ts.thread_id(1)
    acc = 0.0
    for k0 in ts.range(0, K, TILE):
        ts.copy_async(A[ts.program_id(0) * TILE:(ts.program_id(0) + 1) * TILE, k0:k0 + TILE], As)
        ts.copy_async(B[k0:k0 + TILE, ts.program_id(1) * TILE:(ts.program_id(1) + 1) * TILE], Bs)
        ts.wait_group(0)
        ts.barrier()
        for k in ts.range(TILE):
            acc += As[ts.thread_id(0), k] * Bs[k, ts.thread_id(1)]
        ts.barrier()
    if row < M and col < N:
        C[row, col] = acc


@ts.kernel
def transpose_tile(x: ts.Tensor["M", "N", ts.f32], y: ts.Tensor["N", "M", ts.f32], T: ts.constexpr):
    t = ts.shared.alloc[ts.f32](T, T, swizzle="xor")
    ts.copy_async(x[ts.program_id(0) * T:(ts.program_id(0) + 1) * T,
                    ts.program_id(1) * T:(ts.program_id(1) + 1) * T], t)
    ts.barrier()
    oi = ts.program_id(1) * T + ts.thread_id(0)
    oj = ts.program_id(0) * T + ts.thread_id(1)
    if oi < N and oj < M:
        y[oi, oj] = t[ts.thread_id(1), ts.thread_id(0)]


@ts.kernel
def block_sum_while(x: ts.Tensor["N", ts.f32], partial: ts.Tensor["P", ts.f32]):
    buf = ts.shared.alloc[ts.f32](64)
    t = ts.thread_id(0)
    i = ts.program_id(0) * 64 + t
    v = 0.0
    if i < N:
        v = x[i]
    buf[t] = v
    ts.barrier()
    stride = 32
    while stride > 0:
        if t < stride:
            buf[t] = buf[t] + buf[t + stride]
        ts.barrier()
        stride = stride // 2
    if t == 0:
        partial[ts.program_id(0)] = buf[0]


@ts.kernel
def block_sum_for(x: ts.Tensor["N", ts.f32], partial: ts.Tensor["P", ts.f32], LOG: ts.constexpr):
    buf = ts.shared.alloc[ts.f32](1 << LOG)
    t = ts.thread_id(0)
    i = ts.program_id(0) * (1 << LOG) + t
    buf[t] = x[i] if i < N else 0.0
    ts.barrier()
    for level in range(LOG):
        stride = (1 << LOG) >> (level + 1)
        if t < stride:
            buf[t] += buf[t + stride]
        ts.barrier()
    if t == 0:
        partial[ts.program_id(0)] = buf[0]


@ts.kernel
def histogram(x: ts.Tensor["N", ts.i32], hist: ts.Tensor["B", ts.i32]):
    i = ts.program_id(0) * 128 + ts.thread_id(0)
    if i < N:
        ts.atomic_add(hist, x[i] % B, 1)


@ts.kernel
def shared_i32_counts(x: ts.Tensor["N", ts.i32], out: ts.Tensor["B", ts.i32]):
    counts = ts.shared.alloc[ts.i32](8)
    t = ts.thread_id(0)
    if t < 8:
        counts[t] = 0
    ts.barrier()
    i = ts.program_id(0) * 32 + t
    if i < N:
        ts.atomic_add(counts, x[i] % 8, 1)
    ts.barrier()
    if t < 8:
        ts.atomic_add(out[t], counts[t])


@ts.kernel
def max_abs(x: ts.Tensor["N", ts.f32], out: ts.Tensor[1, ts.f32]):
    i = ts.program_id(0) * 64 + ts.thread_id(0)
    if i < N:
        ts.atomic_max(out[0], ts.abs(x[i]))


@ts.func
def smoothstep(e0, e1, v):
    t = ts.min(ts.max((v - e0) / (e1 - e0), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


@ts.func
def blend(v, w: ts.f32):
    s = smoothstep(0.0, 1.0, v)
    return s * w + (1.0 - s) * ts.exp(-w)


@ts.kernel
def apply_funcs(x: ts.Tensor["N", ts.f32], w: ts.Tensor["N", ts.f32], out: ts.Tensor["N", ts.f32],
                out2: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        out[i] = smoothstep(-1.0, 2.0, x[i])
        out2[i] = blend(x[i], w[i])


@ts.kernel
def math_ops(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32], out: ts.Tensor["K", "N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        a = x[i]
        b = y[i]
        out[0, i] = ts.exp(a)
        out[1, i] = ts.sqrt(b)
        out[2, i] = ts.rsqrt(b)
        out[3, i] = ts.tanh(a)
        out[4, i] = ts.min(a, b)
        out[5, i] = ts.max(a, b)
        out[6, i] = ts.fma(a, b, 1.5)
        out[7, i] = ts.where(a > 0.0, a, -2.0 * a)
        out[8, i] = ts.sigmoid(a)
        out[9, i] = ts.log(b) + ts.abs(a)
        out[10, i] = a if a < b else b


@ts.kernel
def saxpy(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32], alpha: ts.f32, n: ts.i32):
    i = ts.program_id(0) * 64 + ts.thread_id(0)
    if i >= n:
        return
    y[i] = alpha * x[i] + y[i]


@ts.kernel
def int_ops(x: ts.Tensor["N", ts.i32], out: ts.Tensor["N", ts.i32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        v = x[i]
        out[i] = (v * 7 + 3) // 4 - v % 5 + (v << 2) - (v >> 1) + (v & 12) + (v ^ 5)


@ts.kernel
def add_scaled_2d(a: ts.Tensor["M", "N", ts.f32], b: ts.Tensor["M", "N", ts.f32],
                  out: ts.Tensor["M", "N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    j = ts.program_id(1) * ts.block_size(1) + ts.thread_id(1)
    if i < M and j < N:
        out[i, j] = a[i, j] * 10.0 + b[i, j]


@ts.kernel(block=(8,))
def fill_ids(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    x[i] = ts.f32(ts.thread_id(0)) + 100.0 * ts.f32(ts.program_id(0)) + 1000.0 * ts.f32(ts.num_programs(0))
