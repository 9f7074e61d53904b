"""Uniformity: a block-level collective under thread-dependent control flow is a compile error."""

import numpy as np
import pytest

import tessera as ts
from tessera.frontend.parse import parse_kernel
from tessera.passes.specialize import specialize
from tessera.passes.uniformity import DivergentCollectiveError, check_collectives, varying_names


def check(fn, consts=None):
    check_collectives(specialize(parse_kernel(fn), consts or {}))


def test_the_error_is_public_and_a_tessera_error():
    assert ts.DivergentCollectiveError is DivergentCollectiveError
    assert issubclass(DivergentCollectiveError, ts.TesseraError)


def varying(x: ts.Tensor["N", ts.f32], n: ts.i32):
    p = ts.program_id(0)
    t = ts.thread_id(0)
    i = p * 64 + t
    j = p + n
    k = 0
    if t < 4:
        k = 1
    m = 0
    for q in range(t):
        m += 1
    x[i] = ts.f32(j + k + m)


def test_varying_names():
    # k and m are assigned under thread-dependent control flow
    assert varying_names(parse_kernel(varying)) == {"t", "i", "k", "m", "q"}


def barrier_under_thread_if(x: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32](8)
    if ts.thread_id(0) < 4:
        s[ts.thread_id(0)] = 1.0
        ts.barrier()
    x[0] = s[0]


def test_barrier_under_a_thread_dependent_if_is_an_error(user_error):
    with pytest.raises(DivergentCollectiveError,
                       match=r"ts.barrier\(\) is under control flow that depends on ts.thread_id \(line \d+\); "
                             r"threads that skip it would wait forever") as e:
        check(barrier_under_thread_if)
    text = user_error(e.value, barrier_under_thread_if, "ts.barrier()", at="ts.barrier()")
    assert "move ts.barrier() out of the thread-dependent if/loop" in text


def barrier_under_derived_if(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * 32 + ts.thread_id(0)
    inside = i < N
    if inside:
        ts.barrier()


def test_thread_dependence_flows_through_variables(user_error):
    with pytest.raises(DivergentCollectiveError, match=r"ts.barrier\(\) is under control flow") as e:
        check(barrier_under_derived_if)
    user_error(e.value, barrier_under_derived_if, "ts.barrier()")


def barrier_in_uniform_loop(x: ts.Tensor["N", ts.f32], n: ts.i32):
    s = ts.shared.alloc[ts.f32](32)
    t = ts.thread_id(0)
    for k in range(n):
        s[t] = x[k]
        ts.barrier()
        if t == 0:
            x[k] = s[31]
        ts.barrier()
    stride = 16
    while stride > 0:
        ts.barrier()
        stride = stride // 2
    if ts.program_id(0) == 0:
        ts.barrier()


def test_barrier_in_a_uniform_loop_or_uniform_if_is_fine():
    check(barrier_in_uniform_loop)


def barrier_in_thread_loop(x: ts.Tensor["N", ts.f32]):
    for k in range(ts.thread_id(0)):
        ts.barrier()


def test_barrier_in_a_loop_with_a_thread_dependent_bound_is_an_error(user_error):
    with pytest.raises(DivergentCollectiveError, match=r"ts.barrier\(\) is under control flow") as e:
        check(barrier_in_thread_loop)
    user_error(e.value, barrier_in_thread_loop, "ts.barrier()")


def barrier_after_divergent_break(x: ts.Tensor["N", ts.f32], n: ts.i32):
    for k in range(n):
        if ts.thread_id(0) == k:
            break
        ts.barrier()


def test_barrier_in_a_loop_with_a_thread_dependent_break_is_an_error(user_error):
    with pytest.raises(DivergentCollectiveError, match=r"ts.barrier\(\) is under control flow") as e:
        check(barrier_after_divergent_break)
    user_error(e.value, barrier_after_divergent_break, "ts.barrier()")


def barrier_after_early_return(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * 64 + ts.thread_id(0)
    if i >= N:
        return
    ts.barrier()
    x[i] = 1.0


def test_barrier_after_a_thread_dependent_early_return_is_an_error(user_error):
    with pytest.raises(DivergentCollectiveError, match=r"ts.barrier\(\) is under control flow that depends on "
                                                       r"ts.thread_id \(line (\d+)\)") as e:
        check(barrier_after_early_return)
    user_error(e.value, barrier_after_early_return, "ts.barrier()")
    # the message names the line of the early exit
    import inspect
    lines, first = inspect.getsourcelines(barrier_after_early_return)
    exit_line = first + next(n for n, line in enumerate(lines) if "if i >= N" in line)
    assert f"(line {exit_line})" in str(e.value)


def barrier_after_uniform_return(x: ts.Tensor["N", ts.f32], n: ts.i32):
    if ts.program_id(0) >= n:
        return
    ts.barrier()


def test_barrier_after_a_uniform_early_return_is_fine():
    check(barrier_after_uniform_return)


def shared_alloc_under_thread_if(x: ts.Tensor["N", ts.f32]):
    if ts.thread_id(0) == 0:
        s = ts.shared.alloc[ts.f32](8)


def copy_under_thread_if(A: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32](8)
    if ts.thread_id(0) == 0:
        ts.copy_async(A[0:8], s)


def wait_under_thread_if(A: ts.Tensor["N", ts.f32]):
    if ts.thread_id(0) == 0:
        ts.wait_group(0)


@pytest.mark.parametrize("fn, name, snippet", [
    (shared_alloc_under_thread_if, r"ts.shared.alloc", "s = ts.shared.alloc"),
    (copy_under_thread_if, r"ts.copy_async", "ts.copy_async(A[0:8], s)"),
    (wait_under_thread_if, r"ts.wait_group", "ts.wait_group(0)"),
])
def test_every_collective_must_be_uniform(fn, name, snippet, user_error):
    with pytest.raises(DivergentCollectiveError, match=name + r" is under control flow that depends on ts.thread_id"):
        check(fn)
    try:
        check(fn)
    except DivergentCollectiveError as e:
        user_error(e, fn, snippet)


def test_divergent_barrier_fails_at_the_call_before_anything_runs():
    k = ts.kernel(barrier_under_thread_if)
    with pytest.raises(DivergentCollectiveError, match=r"ts.barrier\(\) is under control flow"):
        k[1, 8](np.zeros(8, np.float32), backend="sim")
