"""Tessera translation of softmax_rows.cu (ts.migration.translate_cuda)."""

import tessera as ts

INFINITY = float("inf")


@ts.kernel
def softmax_rows(x: ts.Tensor["ROWS", "COLS", ts.f32], y: ts.Tensor["ROWS", "COLS", ts.f32]):
    row = ts.program_id(0)
    if row >= ROWS:
        return
    red = ts.shared.alloc[ts.f32](256)
    m = -INFINITY
    for c in ts.range(ts.thread_id(0), COLS, ts.block_size(0)):
        m = ts.max(m, x[row, c])
    red[ts.thread_id(0)] = m
    ts.barrier()
    # #pragma unroll  (CUDA pragma, not needed)
    s = ts.block_size(0) // 2
    while s > 0:
        if ts.thread_id(0) < s:
            red[ts.thread_id(0)] = ts.max(red[ts.thread_id(0)], red[ts.thread_id(0) + s])
        ts.barrier()
        s >>= 1
    m = red[0]
    ts.barrier()
    sum = 0.0
    for c in ts.range(ts.thread_id(0), COLS, ts.block_size(0)):
        sum += ts.exp(x[row, c] - m)
    red[ts.thread_id(0)] = sum
    ts.barrier()
    s = ts.block_size(0) // 2
    while s > 0:
        if ts.thread_id(0) < s:
            red[ts.thread_id(0)] += red[ts.thread_id(0) + s]
        ts.barrier()
        s >>= 1
    sum = red[0]
    for c in ts.range(ts.thread_id(0), COLS, ts.block_size(0)):
        y[row, c] = ts.exp(x[row, c] - m) / sum
# CUDA launch (line 41): ops::softmax_rows<<<rows, 256>>>(x, y, rows, cols)
# Tessera launch: softmax_rows(x, y)   # grid = (ROWS,), block = (256,)
