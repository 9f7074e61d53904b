"""Launch inference: the block from index patterns, the grid from the guard (no kernels run)."""

import numpy as np
import pytest

import tessera as ts
from tessera.frontend.parse import parse_kernel
from tessera.passes.launch import DEFAULT_BLOCK, infer_launch
from tessera.passes.specialize import specialize


def plan_of(fn, block=None, consts=None, **kw):
    return infer_launch(specialize(parse_kernel(fn), consts or {}), block, **kw)


def guide_vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]


def test_block_size_defaults_to_256_and_grid_comes_from_the_guard():
    plan = plan_of(guide_vector_add)
    assert DEFAULT_BLOCK[1] == (256,)
    assert plan.block == (256, 1, 1) and plan.axes == 1
    assert plan.describe() == "grid = (cdiv(a.shape[0], 256),), block = (256,)"


def literal_tile(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * 128 + ts.thread_id(0)
    if i < N:
        x[i] = 0.0


def thread_first(x: ts.Tensor["N", ts.f32]):
    i = ts.thread_id(0) + 64 * ts.program_id(0)
    if N > i:
        x[i] = 0.0


def via_variables(x: ts.Tensor["N", ts.f32]):
    t = ts.thread_id(0)
    base = ts.program_id(0) * 64
    i = base + t
    if i < N:
        x[i] = 0.0


def constexpr_tile(x: ts.Tensor["N", ts.f32], TILE: ts.constexpr):
    i = ts.program_id(0) * TILE + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = 0.0


def test_block_from_program_id_times_extent_plus_thread_id():
    assert plan_of(literal_tile).describe() == "grid = (cdiv(N, 128),), block = (128,)"
    assert plan_of(thread_first).describe() == "grid = (cdiv(N, 64),), block = (64,)"
    assert plan_of(via_variables).describe() == "grid = (cdiv(N, 64),), block = (64,)"
    assert plan_of(constexpr_tile, consts={"TILE": 32}).describe() == \
        "grid = (cdiv(x.shape[0], 32),), block = (32,)"


def two_d(x: ts.Tensor["M", "N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    j = ts.program_id(1) * ts.block_size(1) + ts.thread_id(1)
    if i < M and j < N:
        x[i, j] = 0.0


def test_two_d_default_block_and_and_chain_guard():
    plan = plan_of(two_d)
    assert plan.block == (16, 16, 1) == DEFAULT_BLOCK[2] + (1,)
    assert plan.describe() == "grid = (cdiv(M, 16), cdiv(N, 16)), block = (16, 16)"


def matmul_guard(A: ts.Tensor["M", "K", ts.f32], C: ts.Tensor["M", "N", ts.f32], TILE: ts.constexpr):
    row = ts.program_id(0) * TILE + ts.thread_id(0)
    col = ts.program_id(1) * TILE + ts.thread_id(1)
    if row < M and col < N and row >= 0:
        C[row, col] = A[row, 0]


def test_tile_constexpr_two_d():
    plan = plan_of(matmul_guard, consts={"TILE": 8})
    assert plan.describe() == "grid = (cdiv(M, 8), cdiv(N, 8)), block = (8, 8)"


def grid_stride(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * 128 + ts.thread_id(0)
    for j in range(i, N, 4096):
        x[j] = 0.0


def test_grid_from_a_for_loop_over_range_from_the_index():
    assert plan_of(grid_stride).describe() == "grid = (cdiv(N, 128),), block = (128,)"


def early_exit(x: ts.Tensor["N", ts.f32], n: ts.i32):
    i = ts.program_id(0) * 64 + ts.thread_id(0)
    if i >= n:
        return
    x[i] = 0.0


def test_grid_from_an_early_return_guard_on_a_scalar():
    assert plan_of(early_exit).describe() == "grid = (cdiv(n, 64),), block = (64,)"


def per_program(x: ts.Tensor["N", ts.f32]):
    p = ts.program_id(0)
    if p < N:
        x[p] = 0.0


def test_one_thread_per_program():
    assert plan_of(per_program).describe() == "grid = (N,), block = (1,)"


def test_explicit_block_overrides_the_default():
    assert plan_of(guide_vector_add, block=(64,)).describe() == "grid = (cdiv(a.shape[0], 64),), block = (64,)"
    assert plan_of(two_d, block=(32, 4)).block == (32, 4, 1)


def test_explicit_block_through_the_kernel_object():
    @ts.kernel(block=(128,))
    def fill(x: ts.Tensor["N", ts.f32]):
        i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if i < N:
            x[i] = 1.0

    x = np.zeros(10, np.float32)
    assert fill.lower(x).plan.block == (128, 1, 1)
    assert fill.lower(x, block=(32, 1, 1)).plan.block == (32, 1, 1)
    assert "return ((-(-x.shape[0] // 32)), 1, 1)" in fill.lower(x, block=(32, 1, 1)).module.source


def no_guard(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * 64 + ts.thread_id(0)
    x[i] = 0.0


def test_no_guard_cannot_infer_the_grid(user_error):
    with pytest.raises(ts.LaunchError, match=r"cannot infer the grid along axis 0: no guard like `if i < n:` "
                                             r"bounds the index built from ts.program_id\(0\)") as e:
        plan_of(no_guard)
    text = user_error(e.value, no_guard, "def no_guard")
    assert "no_guard[grid, block](...)" in text


def test_an_explicit_grid_needs_no_guard():
    plan = plan_of(no_guard, explicit_grid=True)
    assert plan.block == (64, 1, 1)
    assert plan.grid[0] is None and plan.describe() == "grid = (given,), block = (64,)"


def thread_only(x: ts.Tensor["N", ts.f32]):
    x[ts.thread_id(0)] = 0.0


def test_thread_id_without_program_id_pattern_cannot_infer_the_block(user_error):
    with pytest.raises(ts.LaunchError, match=r"cannot infer the block size along axis 0: ts.thread_id\(0\) is used "
                                             r"without `ts.program_id\(0\) \* SIZE \+ ts.thread_id\(0\)`") as e:
        plan_of(thread_only)
    assert "thread_only[grid, block](...)" in user_error(e.value, thread_only, "def thread_only")
    assert plan_of(thread_only, block=(32,)).block == (32, 1, 1)


def runtime_extent(x: ts.Tensor["N", ts.f32], e: ts.i32):
    i = ts.program_id(0) * e + ts.thread_id(0)
    if i < N:
        x[i] = 0.0


def test_runtime_extent_is_an_error(user_error):
    with pytest.raises(ts.LaunchError, match=r"the block size along axis 0 must be a compile-time constant") as e:
        plan_of(runtime_extent)
    assert "ts.constexpr" in user_error(e.value, runtime_extent, "def runtime_extent")


def two_tiles(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * 64 + ts.thread_id(0)
    j = ts.program_id(0) * 32 + ts.thread_id(0)
    if i < N:
        x[j] = 0.0


def test_two_tile_sizes_on_one_axis_is_an_error(user_error):
    with pytest.raises(ts.LaunchError, match=r"axis 0 is indexed with two different tile sizes \(64 and 32\)") as e:
        plan_of(two_tiles)
    user_error(e.value, two_tiles, "* 32 +", at="ts.program_id(0) * 32")


def too_big(x: ts.Tensor["M", "N", ts.f32], T: ts.constexpr):
    i = ts.program_id(0) * T + ts.thread_id(0)
    j = ts.program_id(1) * T + ts.thread_id(1)
    if i < M and j < N:
        x[i, j] = 0.0


def test_more_than_1024_threads_is_an_error(user_error):
    assert plan_of(too_big, consts={"T": 32}).block == (32, 32, 1)
    with pytest.raises(ts.LaunchError, match=r"a block of 64 x 64 = 4096 threads exceeds the GPU's 1024 threads per block") as e:
        plan_of(too_big, consts={"T": 64})
    user_error(e.value, too_big, "def too_big")
    with pytest.raises(ts.LaunchError, match=r"a block of 2048 threads exceeds"):
        plan_of(guide_vector_add, block=(2048,))


def test_launch_inference_errors_surface_at_the_call():
    k = ts.kernel(no_guard)
    with pytest.raises(ts.LaunchError, match=r"cannot infer the grid along axis 0") as e:
        k(np.zeros(4, np.float32), backend="sim")
    assert e.value.__traceback__ is None or all(
        "tessera/passes" not in f.tb_frame.f_code.co_filename for f in _frames(e.value.__traceback__))


def _frames(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


@pytest.mark.parametrize("launch, match", [
    ((0, 32), r"grid must be a positive int or a tuple of 1 to 3 positive ints, got \(0,\)"),
    ((1, (1, 2, 3, 4)), r"block must be a positive int or a tuple of 1 to 3 positive ints"),
    ((1.5, 32), r"grid must be a positive int"),
])
def test_explicit_launch_config_is_checked(launch, match):
    k = ts.kernel(guide_vector_add)
    with pytest.raises(ts.LaunchError, match=match):
        k[launch]


def test_kernel_indexing_needs_grid_and_block():
    k = ts.kernel(guide_vector_add)
    with pytest.raises(ts.LaunchError, match=r"write kernel\[grid, block\]\(...\) with both a grid and a block") as e:
        k[4]
    assert "Write instead: guide_vector_add[(n + 255) // 256, 256](...)" in str(e.value)
