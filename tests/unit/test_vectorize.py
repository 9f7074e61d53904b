"""Which kernels get 128-bit loads and stores (passes/vectorize.py), the code and launch they get
(backends/codegen_vector.py), the backends that get them, and the `fastmath` kernel flag."""

import numpy as np
import pytest

import tessera as ts
from tests.vector_kernels import half_axpy, relu_and_index, vector_add
from tessera.compiler import compile_source, lower, spec_key
from tessera.passes.vectorize import DEFAULT_ELEMENTS_PER_THREAD




@ts.kernel
def chain(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], out: ts.Tensor["N", ts.f32],
          out2: ts.Tensor["N", ts.f32], s: ts.f32):
    half = 0.5
    i = ts.thread_id(0) + ts.program_id(0) * 128
    if i < N:
        t = ts.exp(a[i]) * b[i]
        out[i] = t + half
        out2[i] = t * s + i


@ts.kernel
def widen(x: ts.Tensor["N", ts.f16], y: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = x[i] * 2.0


@ts.kernel
def neighbours(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0] - 1:
        y[i] = x[i + 1] - x[i]


@ts.kernel
def with_loop(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        acc = 0.0
        for k in range(3):
            acc += x[i]
        y[i] = acc


@ts.kernel
def uses_ids(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = ts.thread_id(0) * 1.0


@ts.kernel
def carried(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    acc = 1.0
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        acc = acc * x[i]
        y[i] = acc


@ts.kernel
def rows(x: ts.Tensor["M", "N", ts.f32]):
    r = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if r < x.shape[0]:
        x[r, 0] = 0.0


@ts.kernel
def counts(x: ts.Tensor["N", ts.i32], h: ts.Tensor["N", ts.i32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        ts.atomic_add(h, x[i], 1)


F32x3 = {"a": ts.f32, "b": ts.f32, "c": ts.f32}
CHAIN = {"a": ts.f32, "b": ts.f32, "out": ts.f32, "out2": ts.f32, "s": ts.f32}


def low(kernel, types, consts=None, **kw):
    return lower(kernel.ir, types, consts or {}, ts.i32, resolve_func=kernel.resolve_func, **kw)


# --------------------------------------------------------------------------- which kernels


def test_the_guides_vector_add_takes_eight_floats_per_thread_in_two_128_bit_chunks():
    lo = low(vector_add, F32x3)
    vp = lo.vector
    assert (vp.index, vp.lanes, vp.chunks, vp.elements_per_thread) == ("idx", 4, 2, DEFAULT_ELEMENTS_PER_THREAD)
    assert vp.tensors == ("a", "b", "c")
    # the block is the same; the grid is eight times smaller
    assert lo.plan.block == (256, 1, 1) and lo.plan.launch_block == (256, 1, 1)
    assert lo.plan.describe() == "grid = (cdiv(a.shape[0], 2048),), block = (256,)"
    ns = {}
    exec(compile(lo.module.source, "<generated>", "exec"), ns)
    assert ns["launch_grid"](*(np.zeros(2049, np.float32),) * 3) == (2, 1, 1)


def test_a_chain_with_locals_scalars_constant_blocks_and_two_outputs_qualifies():
    vp = low(chain, CHAIN).vector
    assert vp is not None and vp.block == 128 and vp.tensors == ("a", "b", "out", "out2")
    assert [type(s).__name__ for s in vp.prologue] == ["Assign"]


def test_the_narrowest_dtype_sets_the_lanes():
    vp = low(widen, {"x": ts.f16, "y": ts.f32}).vector
    assert (vp.lanes, vp.chunks) == (8, 1)
    src = low(widen, {"x": ts.f16, "y": ts.f32}).module.source
    # 8 halves are one 128-bit load; 8 floats are two 128-bit stores
    assert src.count("= load_vec(x, ") == 1 and src.count("store_vec(y, ") == 2


def test_elements_per_thread_is_a_config_value_and_one_turns_vectors_off():
    assert low(vector_add, F32x3, {"elements_per_thread": 16}).vector.chunks == 4
    assert low(vector_add, F32x3, {"elements_per_thread": 4}).vector.chunks == 1
    off = low(vector_add, F32x3, {"elements_per_thread": 1})
    assert off.vector is None and "load_vec" not in off.module.source


@pytest.mark.parametrize("kernel,types", [
    (neighbours, {"x": ts.f32, "y": ts.f32}),        # a load at i + 1
    (with_loop, {"x": ts.f32, "y": ts.f32}),         # a loop in the body
    (uses_ids, {"x": ts.f32}),                       # thread_id means something else per element
    (carried, {"x": ts.f32, "y": ts.f32}),           # a local carried from before the guard
    (rows, {"x": ts.f32}),                           # 2-D
    (counts, {"x": ts.i32, "h": ts.i32}),            # atomics
])
def test_kernels_that_are_not_elementwise_keep_one_element_per_thread(kernel, types):
    lo = low(kernel, types)
    assert lo.vector is None
    assert "load_vec" not in lo.module.source and "store_vec" not in lo.module.source


# --------------------------------------------------------------------------- the code


def test_the_vector_path_checks_every_pointer_and_the_scalar_path_is_the_users_code():
    src = low(vector_add, F32x3).module.source
    assert "from tessera.backends.cuda_intrinsics import load_vec, store_vec, vec_ready" in src
    assert "if (vec_ready(a) & vec_ready(b) & vec_ready(c)) and int32(_tlane + int32(1028)) <= _trem:" in src
    assert src.count("load_vec(a, ") == 2 and src.count("load_vec(b, ") == 2 and src.count("store_vec(c, ") == 2
    # every 128-bit load of the statement comes before its stores: all four in flight at once
    lines = src.splitlines()
    last_load = max(n for n, l in enumerate(lines) if "load_vec(" in l)
    first_store = min(n for n, l in enumerate(lines) if "store_vec(" in l)
    assert last_load < first_store
    assert "c[idx] = (a[idx] + b[idx])" in src        # the tail and unaligned arrays, element by element
    assert "_ti1 = int32(_tstart + _tlane + int32(1024))" in src   # chunk 1: 1024 elements on, coalesced


def test_lanes_of_locals_and_the_index_value_are_separate_names():
    src = low(chain, CHAIN).module.source
    assert "_tl0_t = " in src and "_tl7_t = " in src
    assert "float32(int32(_ti1 + int32(3)))" in src      # the value of i in lane 7
    assert "half = float32(0.5)" in src


def test_generated_lines_keep_the_users_line_numbers():
    lo = low(vector_add, F32x3)
    first = vector_add.fn.__code__.co_firstlineno
    store_line = first + 4
    lines = lo.module.source.splitlines()
    tagged = {n: l for n, l in enumerate(lines, start=1) if n in lo.module.line_map}
    stores = [l for n, l in tagged.items() if lo.module.line_map[n].line == store_line]
    assert any("store_vec(c" in l for l in stores) and any("c[idx] = " in l for l in stores)


# --------------------------------------------------------------------------- who gets it


def test_the_sim_backend_explicit_grids_and_the_readable_source_stay_scalar():
    from tessera.backends import get_backend
    assert getattr(get_backend("cuda"), "vector_io", False) is True
    assert getattr(get_backend("sim"), "vector_io", False) is False
    assert low(vector_add, F32x3, vectorize=False).vector is None
    assert "load_vec" not in compile_source(vector_add, F32x3).source
    x = np.zeros(16, np.float32)
    assert vector_add.lower(x, x, x).vector is None
    assert vector_add.lower(x, x, x, vectorize=True).vector is not None


def test_sim_runs_a_vectorizable_kernel_with_tails_and_views():
    a = np.arange(3001, dtype=np.float32)
    c = np.zeros(3000, np.float32)
    vector_add(a[1:], a[:-1], c, backend="sim")
    np.testing.assert_array_equal(c, a[1:] + a[:-1])


# --------------------------------------------------------------------------- fastmath


def test_fastmath_is_a_kernel_flag_in_the_cache_key_and_reaches_the_module():
    def body(x: ts.Tensor["N", ts.f32]):
        i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if i < x.shape[0]:
            x[i] = ts.exp(x[i])
    precise, fast = ts.kernel(body), ts.kernel(fastmath=True)(body)
    assert (precise.fastmath, fast.fastmath) == (False, True)
    from tessera.backends import get_backend
    from tessera.runtime.args import bind_args
    x = np.zeros(8, np.float32)
    b = bind_args(fast.ir, (x,))
    be = get_backend("cuda")
    _, p_precise = precise._spec_keys(be, b, None, {})
    _, p_fast = fast._spec_keys(be, b, None, {})
    assert p_precise != p_fast and spec_key("k", "sm_90", p_precise) != spec_key("k", "sm_90", p_fast)
    assert fast.lower(x).module.fastmath is True and precise.lower(x).module.fastmath is False


def test_fastmath_reaches_numba_cuda_jit(monkeypatch):
    from numba import cuda
    from tessera.backends.cuda import CudaBackend
    seen = []

    def fake_jit(*args, **kw):
        seen.append(kw)
        return lambda fn: fn
    monkeypatch.setattr(cuda, "jit", fake_jit)
    monkeypatch.setattr("tessera.backends.cuda.FastLaunch", lambda d, *rest: d)
    x = np.zeros(8, np.float32)
    fast = ts.kernel(fastmath=True)(vector_add.fn)
    CudaBackend().build(fast.lower(x, x, x).module, ["float32[::1]"] * 3, "vector_add", "fm_test")
    CudaBackend().build(vector_add.lower(x, x, x).module, ["float32[::1]"] * 3, "vector_add", "fm_test0")
    assert [kw.get("fastmath") for kw in seen] == [True, False]


def test_autotune_takes_fastmath_for_every_config():
    @ts.kernel.autotune(space={"BLOCK": [32, 64]}, fastmath=True)
    def tuned(x: ts.Tensor["N", ts.f32]):
        BLOCK = ts.autotune.get_param("BLOCK")
        i = ts.program_id(0) * BLOCK + ts.thread_id(0)
        if i < x.shape[0]:
            x[i] = 1.0
    assert tuned.kernel.fastmath is True


def test_an_unknown_kernel_option_names_it_and_lists_the_valid_ones():
    with pytest.raises(TypeError, match=r"unknown option 'fast_math'; valid options: grid, block, backend, "
                                        r"flops, bytes, fastmath(.|\n)*Write instead: fastmath=") as e:
        @ts.kernel(fast_math=True)
        def k(x: ts.Tensor["N", ts.f32]):
            pass
    assert isinstance(e.value, ts.TesseraError)
    with pytest.raises(TypeError, match="fastmath must be True or False, not 'yes'"):
        ts.kernel(fastmath="yes")(vector_add.fn)


# --------------------------------------------------------------------------- unsigned indices


@ts.kernel
def strided_rows(x: ts.Tensor["M", "N", ts.f32], out: ts.Tensor["M", ts.f32]):
    r = ts.program_id(0)
    t = ts.thread_id(0)
    acc = 0.0
    for j in range(t, N, ts.block_size(0)):
        acc += x[r, j]
    if t == 0:
        out[r] = acc + x[r, t - 1]


def test_the_cuda_form_indexes_unsigned_where_the_index_cannot_be_negative():
    types = {"x": ts.f32, "out": ts.f32}
    cuda_form = low(strided_rows, types, explicit_grid=True).module.source
    assert "acc = (acc + x[uint32(r), uint32(j)])" in cuda_form      # block-strided loop variable too
    assert "x[uint32(r), int32(t - int32(1))]" in cuda_form          # t - 1 may be negative
    readable = low(strided_rows, types, explicit_grid=True, vectorize=False).module.source
    assert "uint32" not in readable
    big = lower(strided_rows.ir, types, {}, ts.i64, resolve_func=strided_rows.resolve_func,
                explicit_grid=True).module.source
    assert "x[uint64(r), uint64(j)]" in big


@ts.kernel
def sums(x: ts.Tensor["M", "N", ts.f32], out: ts.Tensor["M", ts.f32], lo: ts.i32):
    r = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if r < M:
        acc = 0.0
        for j in range(r, N, 4):
            acc += x[r, j]
        for j in range(lo, N):                  # lo may be negative: range()
            acc += x[r, j]
        for j in range(0, N):
            if acc > 1.0:
                continue
            acc += 1.0
        out[r] = acc


def test_counted_loops_run_as_while_loops_with_an_unsigned_counter_in_the_cuda_form():
    types = {"x": ts.f32, "out": ts.f32, "lo": ts.i32}
    src = low(sums, types).module.source
    assert "_tw1 = uint32(r)" in src and "while _tw1 < uint32(N):" in src
    assert "j = int32(_tw1)" in src and "_tw1 = uint32(_tw1 + uint32(int32(4)))" in src
    assert "for j in range(lo, N, int32(1)):" in src            # a bound that may be negative
    assert "for j in range(int32(0), N, int32(1)):" in src      # continue
    assert "while" not in low(sums, types, vectorize=False).module.source


def _numba_cuda_library(kernel, *arrays):
    """numba-cuda's code library of `kernel`'s cuda form (vectorized) for sm_90, compiled with no GPU."""
    from numba.cuda import types
    from numba.cuda.compiler import compile_cuda
    from tessera.backends.base import load_module
    low = kernel.lower(*arrays, vectorize=True)
    assert low.vector is not None
    ns, _ = load_module(low.module, f"cacheable_{kernel.name}")
    numba_types = tuple(types.Array(getattr(types, a.dtype.name), 1, "C") for a in arrays)
    return compile_cuda(ns[low.module.entry], types.void, numba_types, cc=(9, 0)).library






@ts.kernel
def to_f32(x: ts.Tensor["N", ts.f16], y: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = x[i]   # a conversion, no f16 arithmetic


def test_the_vector_intrinsics_link_nothing_so_numba_cuda_can_cache_the_kernel():
    # the cuda backend compiles with cache=True; numba-cuda refuses to cache a kernel that links files
    n = 1000
    for kernel, arrays in ((vector_add, (np.zeros(n, np.float32),) * 3),
                           (relu_and_index, (np.zeros(n, np.float32),) * 2 + (np.zeros(n, np.int32),)),
                           (to_f32, (np.zeros(n, np.float16), np.zeros(n, np.float32)))):
        lib = _numba_cuda_library(kernel, *arrays)
        assert not lib._linking_files, kernel.name
        lib._reduce_states()   # what numba-cuda's cache pickles


def test_f16_arithmetic_goes_through_f32_and_links_no_cuda_cpp_shim():
    # numba-cuda's own f16 operators are CUDA C++ linked into the kernel: NVVM on the H100's image
    # refused them (ERROR_NVVM_COMPILE) and numba-cuda cannot cache a kernel that links files.
    n = 1000
    args = np.zeros(n, np.float16), np.zeros(n, np.float16), np.zeros(n, np.float32)
    src = half_axpy.lower(*args, vectorize=True).module.source
    assert "float16(float32(x[i]) * float32(float16(2.0)))" in src
    lib = _numba_cuda_library(half_axpy, *args)
    assert not lib._linking_files
    lib._reduce_states()   # what numba-cuda's cache pickles


def test_a_kernel_numba_cuda_cannot_cache_is_compiled_uncached(monkeypatch):
    # f16 arithmetic links numba-cuda's C++ shim; cuda.jit(cache=True) then raises while saving.
    from numba import cuda
    from tessera.backends.cuda import CudaBackend
    seen = []

    def fake_jit(*args, **kw):
        seen.append(kw.get("cache"))

        def deco(fn):
            if kw.get("cache"):
                raise RuntimeError("Cannot pickle CUDACodeLibrary with linking files")
            return fn
        return deco
    monkeypatch.setattr(cuda, "jit", fake_jit)
    monkeypatch.setattr("tessera.backends.cuda.FastLaunch", lambda d, *rest: d)
    x, y = np.zeros(8, np.float16), np.zeros(8, np.float32)
    CudaBackend().build(half_axpy.lower(x, x, y).module, ["float16[::1]"] * 2 + ["float32[::1]"], "half_axpy",
                        "uncached")
    assert seen == [True, False]
