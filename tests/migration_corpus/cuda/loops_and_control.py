"""Tessera translation of loops_and_control.cu (ts.migration.translate_cuda)."""

import tessera as ts


@ts.kernel
def block_sum(x: ts.Tensor["N", ts.f32], out: ts.Tensor["out_size", ts.f32]):
    buf = ts.shared.alloc[ts.f32](256)
    tid = ts.thread_id(0)
    i = ts.program_id(0) * 256 + ts.thread_id(0)
    buf[tid] = x[i] if i < N else 0.0
    ts.barrier()
    s = 128
    while s > 0:
        if tid < s:
            buf[tid] += buf[tid + s]
        ts.barrier()
        s >>= 1
    if tid == 0:
        out[ts.program_id(0)] = buf[0]
# Tessera launch: block_sum(x, out)   # grid = (cdiv(N, 256),), block = (256,)


@ts.kernel
def collatz(steps: ts.Tensor["N", ts.i32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        v = i + 1
        count = 0
        while v != 1:
            if v % 2 == 0:
                v //= 2
            else:
                v = 3 * v + 1
            count += 1
            if count > 1000:
                break
        k = 0
        while True:
            k += 1
            if not (k < 3):
                break
        steps[i] = count + k
# Tessera launch: collatz(steps)   # grid = (cdiv(N, 256),), block = (256,)
