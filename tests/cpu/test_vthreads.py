"""The virtual-thread pass: where the regions go, what lives in local arrays, and what it refuses.

IR shapes are checked as printed text (what the IR tab shows); semantics are
checked by running on `cpu` against NumPy and `sim`.
"""

import numpy as np
import pytest

import tessera as ts
from tessera.compiler import compile_source, lower
from tessera.frontend.printer import format_kernel

rng = np.random.default_rng(21)


def split(kernel, types, consts=None, block=None, explicit_grid=False):
    low = lower(kernel.ir, types, consts or {}, ts.i32, block=block, resolve_func=kernel.resolve_func,
                explicit_grid=explicit_grid, target="numba-cpu")
    return format_kernel(low.split, lines=False).splitlines()[1:]


@ts.kernel
def scaled(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32], a: ts.f32):
    i = ts.program_id(0) * 128 + ts.thread_id(0)
    s = a * 2.0
    if i < N:
        y[i] = x[i] * s


def test_elementwise_is_one_thread_loop_with_uniform_code_hoisted():
    assert split(scaled, {"x": ts.f32, "y": ts.f32, "a": ts.f32}) == [
        "    s: f32 = a * 2.0",
        "    for vt in threads(128):",
        "        i: i64 = program_id(0) * 128 + tid(0)",
        "        if i < N:",
        "            y[i] = x[i] * s",
    ]


@ts.kernel
def block_sum(x: ts.Tensor["N", ts.f32], partial: ts.Tensor["P", ts.f32]):
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


def test_uniform_loop_holding_a_barrier_stays_outside_and_ids_are_recomputed():
    assert split(block_sum, {"x": ts.f32, "partial": ts.f32}) == [
        "    buf = shared.alloc[f32](64)",
        "    for vt in threads(64):",
        "        t: i64 = tid(0)",
        "        i: i64 = program_id(0) * 64 + t",
        "        v: f32 = 0.0",
        "        if i < N:",
        "            v: f32 = x[i]",
        "        buf[t] = v",
        "    barrier()",
        "    stride: i32 = 32",
        "    while stride > 0:",
        "        for vt in threads(64):",
        "            t: i64 = tid(0)",
        "            if t < i64(stride):",
        "                buf[t] = buf[t] + buf[t + i64(stride)]",
        "        barrier()",
        "        stride: i32 = stride // 2",
        "    for vt in threads(64):",
        "        t: i64 = tid(0)",
        "        if t == 0:",
        "            partial[program_id(0)] = buf[0]",
    ]


@ts.kernel
def prefix_limit(x: ts.Tensor["R", "C", ts.f32], out: ts.Tensor["R", ts.f32], limit: ts.i32):
    r = ts.program_id(0) * 32 + ts.thread_id(0)
    acc = 0.0
    for k in range(C):
        if k >= limit:
            break
        if r < R:
            acc += x[r, k]
    if r < R:
        out[r] = acc


def test_uniform_loop_with_a_uniform_break_is_interchanged():
    text = split(prefix_limit, {"x": ts.f32, "out": ts.f32, "limit": ts.i32})
    assert text[:9] == [
        "    local acc: f32[32]",
        "    for vt in threads(32):",
        "        acc: f32 = 0.0",
        "        acc[vt] = acc",
        "    for k in range(0, C, 1):",
        "        if k >= i64(limit):",
        "            break",
        "        for vt in threads(32):",
        "            r: i64 = program_id(0) * 32 + tid(0)",
    ]
    x = rng.standard_normal((70, 9)).astype(np.float32)
    out = np.zeros(70, np.float32)
    prefix_limit(x, out, 5, backend="cpu")
    np.testing.assert_allclose(out, x[:, :5].sum(axis=1), rtol=1e-5, atol=1e-6)


@ts.kernel
def first_negative(x: ts.Tensor["R", "C", ts.f32], out: ts.Tensor["R", ts.i32]):
    r = ts.program_id(0) * 32 + ts.thread_id(0)
    if r >= R:
        return
    for j in range(C):
        if x[r, j] < 0.0:
            out[r] = j
            return
    out[r] = C


@pytest.mark.parametrize("backend", ["cpu", "sim"])
def test_a_return_inside_a_loop_ends_only_that_virtual_thread(backend):
    x = rng.uniform(-0.2, 1, (45, 6)).astype(np.float32)
    out = np.full(45, -7, np.int32)
    first_negative(x, out, backend=backend)
    want = np.where((x < 0).any(axis=1), np.argmax(x < 0, axis=1), 6)
    np.testing.assert_array_equal(out, want)


def test_the_flag_that_carries_a_return_out_of_a_loop():
    src = compile_source(first_negative, {"x": ts.f32, "out": ts.i32}, target="numba-cpu").source
    assert "continue  # return: this virtual thread is done" in src
    assert "_tret = True" in src and "if _tret:" in src


@ts.kernel
def counted(x: ts.Tensor["N", ts.f32], out: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * 64 + ts.thread_id(0)
    u = 0.0
    if i >= N:
        return
    for j in range(4):
        u = u + 1.0
    out[i] = x[i] + u


def test_uniform_values_after_a_per_thread_return_are_private_to_each_thread():
    text = split(counted, {"x": ts.f32, "out": ts.f32})
    assert "        u': f32 = u" in text and "            u': f32 = u' + 1.0" in text
    x = rng.standard_normal(100).astype(np.float32)
    out = np.zeros(100, np.float32)
    counted(x, out, backend="cpu")
    np.testing.assert_array_equal(out, x + np.float32(4.0))


@ts.kernel
def rotate3(out: ts.Tensor["N", ts.f32]):
    buf = ts.shared.alloc[ts.f32](24)
    lin = (ts.thread_id(0) * 2 + ts.thread_id(1)) * 3 + ts.thread_id(2)
    buf[lin] = ts.f32(lin) + 100.0 * ts.f32(ts.program_id(0))
    ts.barrier()
    out[ts.program_id(0) * 24 + lin] = buf[(lin + 5) % 24]


@pytest.mark.parametrize("backend", ["cpu", "sim"])
def test_three_axis_blocks(backend):
    out = np.zeros(48, np.float32)
    rotate3[2, (4, 2, 3)](out, backend=backend)
    lin = np.arange(24)
    np.testing.assert_array_equal(out, np.concatenate([(lin + 5) % 24 + 100.0 * p for p in range(2)]))


@ts.kernel
def first_program_only(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * 16 + ts.thread_id(0)
    if ts.program_id(0) == 0:
        x[i] = 1.0


def test_a_uniform_if_is_hoisted_out_of_the_thread_loop():
    assert split(first_program_only, {"x": ts.f32}, block=(16,), explicit_grid=True) == [
        "    if program_id(0) == 0:",
        "        for vt in threads(16):",
        "            i: i64 = program_id(0) * 16 + tid(0)",
        "            x[i] = 1.0",
    ]
    x = np.zeros(48, np.float32)
    first_program_only[3, 16](x, backend="cpu")
    np.testing.assert_array_equal(x, np.r_[np.ones(16), np.zeros(32)])


@ts.kernel
def return_then_loop_barrier(x: ts.Tensor["N", ts.f32]):
    buf = ts.shared.alloc[ts.f32](64)
    for k in range(4):
        buf[ts.thread_id(0)] = x[k]
        ts.barrier()
        if ts.thread_id(0) > 3:
            return


def test_a_per_thread_return_inside_a_loop_with_a_barrier_is_refused(user_error):
    with pytest.raises(ts.UnsupportedSyntaxError, match="early return that depends on ts.thread_id") as e:
        return_then_loop_barrier[1, 64](np.zeros(8, np.float32), backend="cpu")
    user_error(e.value, return_then_loop_barrier, "if ts.thread_id(0) > 3:")


@ts.kernel
def barrier_after_loop_return(x: ts.Tensor["N", ts.f32]):
    buf = ts.shared.alloc[ts.f32](64)
    for j in range(ts.thread_id(0)):
        if x[j] > 0.0:
            return
    ts.barrier()
    buf[ts.thread_id(0)] = 1.0


def test_a_barrier_after_a_per_thread_return_is_an_error(user_error):
    with pytest.raises(ts.TesseraError, match="follows an early return") as e:
        barrier_after_loop_return[1, 64](np.zeros(64, np.float32), backend="cpu")
    user_error(e.value, barrier_after_loop_return, "ts.barrier()")


@ts.kernel
def carried(x: ts.Tensor["N", ts.f32], out: ts.Tensor["N", ts.f32], flag: ts.Tensor["N", ts.i32]):
    buf = ts.shared.alloc[ts.f32](32)
    t = ts.thread_id(0)
    i = ts.program_id(0) * 32 + t
    v = x[i] * 3.0
    w = 0.0
    buf[t] = v
    ts.barrier()
    if flag[i] > 0:
        v = buf[31 - t]                      # reassigned only by some threads
    n = 0
    while n < 3:                             # uniform loop without a barrier: interchanged
        w += v
        n += 1
    ts.barrier()
    buf[t] = w
    ts.barrier()
    total = buf[t] + buf[(t + 1) % 32]
    out[i] = total + v


@pytest.mark.parametrize("backend", ["cpu", "sim"])
def test_values_carried_across_barriers_and_partial_reassignments(backend):
    x = rng.standard_normal(64).astype(np.float32)
    flag = rng.integers(0, 2, 64).astype(np.int32)
    out = np.zeros(64, np.float32)
    carried[2, 32](x, out, flag, backend=backend)
    v = (x * np.float32(3.0)).reshape(2, 32)
    v = np.where(flag.reshape(2, 32) > 0, v[:, ::-1], v)
    w = v + v + v
    want = w + np.roll(w, -1, axis=1) + v
    np.testing.assert_allclose(out, want.ravel(), rtol=1e-6, atol=1e-6)


@ts.kernel
def uniform_load_after_store(x: ts.Tensor["N", ts.f32], out: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * 16 + ts.thread_id(0)
    x[i] = x[i] + 1.0
    first = x[ts.program_id(0) * 16]         # uniform, but reads what the threads just stored
    out[i] = first


def test_a_uniform_load_does_not_move_above_stores_to_its_tensor():
    text = split(uniform_load_after_store, {"x": ts.f32, "out": ts.f32}, block=(16,), explicit_grid=True)
    assert [line.strip().split(":")[0] for line in text] == [
        "for vt in threads(16)", "i", "x[i] = x[i] + 1.0", "first", "for vt in threads(16)", "i", "out[i] = first"]
