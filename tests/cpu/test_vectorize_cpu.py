"""The vectorized form of elementwise kernels (backends/codegen_vector.py) run without a GPU.

numba's CUDA simulator runs the generated module as the cuda backend would compile it, with the
three 128-bit intrinsics replaced by NumPy stand-ins that insist on what the hardware needs (16-byte
aligned addresses, consecutive elements). Arrays reach the kernel as they are (views included), so
tails, unaligned views and strided views all take the path the GPU would take. Results are checked
against NumPy, and the number of 128-bit accesses shows which path ran.
"""

import numpy as np
import pytest

import tessera as ts
from tests.vector_kernels import fused, vector_add
from tessera.backends.base import load_module
from tessera.compiler import lower
from tessera.runtime.args import bind_args


class Intrinsics:
    """NumPy stand-ins for load_vec / store_vec / vec_ready that count and check every 128-bit access."""

    def __init__(self):
        self.loads = self.stores = 0

    @staticmethod
    def _check(arr, i):
        assert (arr.__array_interface__["data"][0] + int(i) * arr.itemsize) % 16 == 0, "unaligned 128-bit access"
        assert arr.strides[0] == arr.itemsize, "128-bit access to a strided array"
        assert int(i) + 16 // arr.itemsize <= arr.shape[0], "128-bit access past the end"

    def load_vec(self, arr, i):
        self._check(arr, i)
        self.loads += 1
        return tuple(arr[int(i):int(i) + 16 // arr.itemsize])

    def store_vec(self, arr, i, values):
        self._check(arr, i)
        assert len(values) == 16 // arr.itemsize
        self.stores += 1
        arr[int(i):int(i) + len(values)] = values

    @staticmethod
    def vec_ready(arr):
        return arr.__array_interface__["data"][0] % 16 == 0 and arr.strides[0] == arr.itemsize


def run_vectorized(kernel, *args, block=32, config=None, grid=None, vector=True) -> Intrinsics:
    """Run the cuda backend's form of `kernel` (vectorize=True) on the simulator."""
    from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray
    from numba.cuda.simulator.kernel import FakeCUDAKernel
    b = bind_args(kernel.ir, args)
    low = lower(kernel.ir, b.arg_types, {**b.consts, **(config or {})}, b.index, block=(block, 1, 1),
                resolve_func=kernel.resolve_func, explicit_grid=grid is not None)
    assert (low.vector is not None) == vector
    ns, _ = load_module(low.module, f"vec_cpu_{kernel.name}")
    intr = Intrinsics()
    ns.update(load_vec=intr.load_vec, store_vec=intr.store_vec, vec_ready=intr.vec_ready)
    grid = grid or ns["launch_grid"](*b.values)
    if 0 in grid:
        return intr
    # FakeCUDAArray: the simulator would otherwise copy arrays (realigning views) before the kernel
    values = [FakeCUDAArray(v) if isinstance(v, np.ndarray) else v for v in b.values]
    FakeCUDAKernel(ns[low.module.entry], device=False)[grid, low.plan.launch_block](*values)
    return intr






@ts.kernel
def two_outputs(x: ts.Tensor["N", ts.f32], lo: ts.Tensor["N", ts.f32], hi: ts.Tensor["N", ts.i32], s: ts.f32):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        t = x[i] * s
        lo[i] = ts.where(t < 1.0, t, 1.0)
        hi[i] = i + 1


@ts.kernel
def negate(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = -x[i]


@ts.kernel
def widen(x: ts.Tensor["N", ts.f16], y: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = x[i] * 2.0


@ts.kernel
def axpy64(x: ts.Tensor["N", ts.f64], y: ts.Tensor["N", ts.f64], a: ts.f64):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = a * x[i] + y[i]


def _f32(n, seed=0):
    return np.random.default_rng(seed).standard_normal(n).astype(np.float32)


@pytest.mark.parametrize("n", [1, 3, 4, 255, 256, 257, 511, 600])
def test_vector_add_with_every_kind_of_tail(n):
    a, b, c = _f32(n), _f32(n, 1), np.full(n, np.nan, np.float32)
    intr = run_vectorized(vector_add, a, b, c)
    np.testing.assert_array_equal(c, a + b)
    # 32 threads x 8 elements per block; a thread whose 8 elements all fit uses two 128-bit chunks
    full = sum(1 for blk in range(-(-n // 256)) for t in range(32) if blk * 256 + t * 4 + 128 + 4 <= n)
    assert (intr.loads, intr.stores) == (4 * full, 2 * full)


@pytest.mark.parametrize("view", ["offset by one element", "every other element", "offset by 16 bytes"])
def test_views_run_correctly_and_unaligned_or_strided_ones_take_the_scalar_path(view):
    base = _f32(1200)
    other = _f32(1200, 1)
    sl = {"offset by one element": slice(1, 601), "every other element": slice(0, 1200, 2),
          "offset by 16 bytes": slice(4, 604)}[view]
    a, b = base[sl], other[sl]
    c = np.zeros(600, np.float32)
    intr = run_vectorized(vector_add, a, b, c)
    np.testing.assert_array_equal(c, a + b)
    if view == "offset by 16 bytes":
        assert intr.loads > 0
    else:
        assert intr.loads == intr.stores == 0


def test_a_misaligned_output_alone_sends_everything_to_the_scalar_path():
    a, b = _f32(600), _f32(600, 1)
    out = np.zeros(601, np.float32)
    intr = run_vectorized(vector_add, a, b, out[1:])
    np.testing.assert_array_equal(out[1:], a + b)
    assert intr.loads == intr.stores == 0


def test_a_fused_chain():
    a, b, out = _f32(777), _f32(777, 1), np.zeros(777, np.float32)
    intr = run_vectorized(fused, a, b, out)
    np.testing.assert_allclose(out, np.exp(a) * b + np.float32(0.5), rtol=2e-6, atol=1e-6)
    assert intr.stores > 0


def test_two_outputs_of_different_dtypes_a_scalar_argument_and_the_index_as_a_value():
    x = _f32(700)
    lo, hi = np.zeros(700, np.float32), np.zeros(700, np.int32)
    intr = run_vectorized(two_outputs, x, lo, hi, 2.0)
    t = x * np.float32(2.0)
    np.testing.assert_array_equal(lo, np.where(t < 1, t, np.float32(1)))
    np.testing.assert_array_equal(hi, np.arange(1, 701, dtype=np.int32))
    assert intr.stores > 0


def test_in_place_update():
    x = _f32(300)
    want = -x
    run_vectorized(negate, x)
    np.testing.assert_array_equal(x, want)


def test_halves_in_floats_out():
    x = _f32(530).astype(np.float16)
    y = np.zeros(530, np.float32)
    intr = run_vectorized(widen, x, y)
    np.testing.assert_array_equal(y, x.astype(np.float32) * 2)
    assert intr.loads > 0 and intr.stores == 2 * intr.loads   # 8 halves in, two 128-bit float stores out


def test_doubles_and_other_elements_per_thread():
    x, y = np.arange(333, dtype=np.float64), np.ones(333)
    intr = run_vectorized(axpy64, x, y, 0.5, config={"elements_per_thread": 4})
    np.testing.assert_array_equal(y, 0.5 * np.arange(333) + 1)
    assert intr.loads > 0
    for ept in (4, 16):
        a, b, c = _f32(1000), _f32(1000, 1), np.zeros(1000, np.float32)
        run_vectorized(vector_add, a, b, c, config={"elements_per_thread": ept})
        np.testing.assert_array_equal(c, a + b)


def test_an_empty_input_launches_nothing():
    e = np.zeros(0, np.float32)
    assert run_vectorized(vector_add, e, e, e).loads == 0


@ts.kernel
def row_sums(x: ts.Tensor["M", "N", ts.f32], out: ts.Tensor["M", ts.f32]):
    r = ts.program_id(0)
    t = ts.thread_id(0)
    acc = 0.0
    for j in range(t, N, ts.block_size(0)):
        acc += x[r, j]
    ts.atomic_add(out, r, acc)


@ts.kernel
def shift(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = x[i - 1] if i > 0 else 0.0


def test_unsigned_indices_of_the_cuda_form_read_the_same_elements():
    x = _f32(7 * 50).reshape(7, 50)
    out = np.zeros(7, np.float32)
    run_vectorized(row_sums, x, out, block=16, grid=(7, 1, 1), vector=False)
    np.testing.assert_allclose(out, x.sum(axis=1), rtol=1e-5)
    a, y = _f32(100), np.zeros(100, np.float32)
    run_vectorized(shift, a, y, vector=False)          # i - 1 may be negative: it stays signed
    np.testing.assert_array_equal(y, np.concatenate([[0], a[:-1]]))


@ts.kernel
def loops(x: ts.Tensor["M", "N", ts.f32], out: ts.Tensor["M", ts.f32], last: ts.Tensor["M", ts.i32],
          lo: ts.i32):
    r = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if r < M:
        acc = 0.0
        j = -1
        for j in range(lo, N, 2):        # a counted loop: runs as a while loop in the cuda form
            acc += x[r, j]
        last[r] = j                       # the last value, or -1 where the loop did not run
        for k in range(0, N):            # `continue`: stays a range() loop
            if x[r, k] < 0.0:
                continue
            acc += 1.0
        out[r] = acc


@pytest.mark.parametrize("lo", [0, 1, 7, 8, 50])
def test_counted_loops_keep_python_semantics(lo):
    x = _f32(5 * 8).reshape(5, 8)
    out, last = np.zeros(5, np.float32), np.zeros(5, np.int32)
    run_vectorized(loops, x, out, last, lo, vector=False)
    js = list(range(lo, 8, 2))
    want = x[:, js].sum(axis=1) + (x >= 0).sum(axis=1)
    np.testing.assert_allclose(out, want, rtol=1e-6)
    np.testing.assert_array_equal(last, js[-1] if js else -1)
