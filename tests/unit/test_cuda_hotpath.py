"""The cuda backend's cached launch function (backends/cuda_hotpath.py), checked without a GPU.

A stand-in backend named "cuda" builds a FastLaunch whose driver call is a
recorder, and device tensors are ts.Tensors over NumPy memory: everything up
to cuLaunchKernel is the real code, and the test reads back what would have
been handed to the driver (grid, block, the packed parameter block).
"""

from __future__ import annotations

import ctypes
import struct
import threading

import numpy as np
import pytest

import tessera as ts
from tessera import backends
from tessera.backends import cuda as cuda_backend
from tessera.backends.cuda_launch import FastLaunch
from tessera.runtime.tensor import Tensor


class _DeviceMemory(np.ndarray):
    """NumPy memory that answers like a numba device array."""

    def is_c_contiguous(self):
        return bool(self.flags.c_contiguous)

    @property
    def device_ctypes_pointer(self):
        return ctypes.c_void_p(self.ctypes.data)


def device_tensor(values, dtype=ts.f32):
    return Tensor._wrap(np.ascontiguousarray(values, dtype=dtype.numpy).view(_DeviceMemory), "cuda:0", dtype, 0)


class _RecordingLaunch(FastLaunch):
    def __init__(self, ndims_or_slots):
        self.calls = []
        fmt = ["<"]
        for x in ndims_or_slots:
            fmt.append("q" * (5 + 2 * x) if isinstance(x, int) else x)
        self.is_array = tuple(isinstance(x, int) for x in ndims_or_slots)
        self._fmt = struct.Struct("".join(fmt))
        self._buf = ctypes.create_string_buffer(self._fmt.size)
        base = ctypes.addressof(self._buf)
        self._ptrs = (ctypes.c_void_p * (self._fmt.size // 8))(*[base + 8 * i for i in range(self._fmt.size // 8)])
        self._lock = threading.Lock()
        self._func = 7
        self._func_ptr = ctypes.c_void_p(7)
        self._launch_raw = self._record

    def _record(self, func, gx, gy, gz, bx, by, bz, shmem, stream, ptrs, extra):
        self.calls.append(dict(func=func.value, grid=(gx, gy, gz), block=(bx, by, bz),
                               stream=stream.value, params=self._fmt.unpack(self._buf.raw)))
        return 0


class _StandInCuda(cuda_backend.CudaBackend):
    def __init__(self, slots):
        super().__init__()
        self.slots, self.launches = slots, []

    def is_available(self):
        return True

    def target(self):
        return "sm_90"

    def build(self, module, arg_types, kernel_name, key):
        fl = _RecordingLaunch(self.slots)
        self.launches.append(fl)
        return fl


@pytest.fixture
def standin():
    reg = backends._registry()
    saved = reg["cuda"]

    def install(slots):
        reg["cuda"] = _StandInCuda(slots)
        return reg["cuda"]
    yield install
    reg["cuda"] = saved


@ts.kernel
def axpy(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32], alpha: ts.f32):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < a.shape[0]:
        c[i] = alpha * a[i] + b[i]


@ts.kernel
def scale_rows(x: ts.Tensor["M", 4, ts.f32], k: ts.i32, COLS: ts.constexpr):
    r = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if r < x.shape[0]:
        for j in range(COLS):
            x[r, j] = x[r, j] * k


def abi(t: Tensor) -> tuple:
    return (0, 0, t.size, t.dtype.itemsize, t._ptr) + t.shape + tuple(int(s) for s in t._arr.strides)


def fresh(kernel):
    kernel._fast.clear()
    kernel._compiled.clear()
    kernel._hot = None


def test_the_second_call_launches_through_one_generated_function(standin):
    be = standin([1, 1, 1, "f4x"])
    fresh(axpy)
    a, b, c = (device_tensor(np.arange(1000)) for _ in range(3))
    with ts.use_backend("cuda"):
        axpy(a, b, c, 2.0)
        assert axpy._hot is not None and "def hot(args, stream)" in axpy._hot.source
        version = c._storage.version
        axpy(a, b, c, 3.0)
    fl = be.launches[0]
    assert len(fl.calls) == 2
    call = fl.calls[1]
    assert call["grid"] == (1, 1, 1) and call["block"] == (256, 1, 1) and call["func"] == 7  # cdiv(1000, 256*8)
    assert call["stream"] is None
    assert call["params"] == abi(a) + abi(b) + abi(c) + (3.0,)
    assert c._storage.version == version + 1   # host copies of c are stale now


def test_new_sizes_of_the_same_kind_stay_on_the_generated_function(standin):
    be = standin([1, 1, 1, "f4x"])
    fresh(axpy)
    with ts.use_backend("cuda"):
        axpy(*(device_tensor(np.zeros(10)) for _ in range(3)), 1.0)
        hot = axpy._hot
        big = [device_tensor(np.zeros(70000)) for _ in range(3)]
        assert hot(tuple(big) + (1.0,), None) is True
    assert be.launches[0].calls[-1]["grid"] == (35, 1, 1)   # cdiv(70000, 2048)


def test_anything_unusual_goes_back_to_the_checked_path(standin):
    standin([1, 1, 1, "f4x"])
    fresh(axpy)
    a, b, c = (device_tensor(np.zeros(8)) for _ in range(3))
    with ts.use_backend("cuda"):
        axpy(a, b, c, 1.0)
        hot = axpy._hot
        short = device_tensor(np.zeros(7))
        assert hot((a, short, c, 1.0), None) is False               # N disagrees
        assert hot((a, b, c, 1), None) is False                     # an int where a float was
        assert hot((a, b, device_tensor(np.zeros(8), ts.f64), 1.0), None) is False  # another dtype
        assert hot((a, b, c), None) is False                        # one argument short
        assert hot((a, b, np.zeros(8, np.float32), 1.0), None) is False  # host memory to copy
        with pytest.raises(ts.ShapeError, match=r"7 from b.shape\[0\]"):
            axpy(a, short, c, 1.0)
        c._storage.freed, c._arr = True, None   # what free() does, less the driver's cudaFree
        assert hot((a, b, c, 1.0), None) is False
        with pytest.raises(ts.TesseraError, match="freed"):
            axpy(a, b, c, 1.0)
    with ts.use_backend("sim"):
        assert hot((a, b, device_tensor(np.zeros(8)), 1.0), None) is False  # another backend chosen


def test_fixed_sizes_constexprs_and_integer_ranges(standin):
    be = standin([2, "i4x"])
    fresh(scale_rows)
    x = device_tensor(np.ones((5, 4)))
    with ts.use_backend("cuda"):
        scale_rows(x, 3, 4)
        hot = scale_rows._hot
        assert hot is not None
        assert hot((x, 4, 4), None) is True
        assert be.launches[0].calls[-1]["params"] == abi(x) + (4,)
        assert hot((x, 4, 2), None) is False                         # another constexpr: another specialization
        assert hot((x, 2**31, 4), None) is False                     # past int32: the checked path says so
        assert hot((device_tensor(np.ones((5, 3))), 4, 4), None) is False   # the fixed size 4


class _CountingTimer:
    """Stands in for the profiler's CUDA-event pool."""

    def __init__(self):
        self.recorded = []

    def record_on(self, handle):
        self.recorded.append(handle)
        return len(self.recorded)

    def release(self, ev):
        pass


def test_a_profile_records_launches_made_by_the_generated_function(standin, monkeypatch):
    from tessera.profile import hooks
    be = standin([1, 1, 1, "f4x"])
    fresh(axpy)
    timer = _CountingTimer()
    monkeypatch.setattr(hooks, "_gpu_timer", timer)
    a, b, c = (device_tensor(np.zeros(300)) for _ in range(3))
    with ts.use_backend("cuda"):
        axpy(a, b, c, 1.0)
        hot = axpy._hot
        records = []
        with ts.profile() as prof:
            axpy(a, b, c, 5.0)
            records = [r for r in prof._records if r[0] == "kernel"]
        assert axpy._hot is hot                       # the same function served the profiled call
    assert len(records) == 1 and records[0][1] == "axpy" and records[0][6] == (1, 2)
    assert timer.recorded == [0, 0]                   # both events on the default stream
    assert be.launches[0].calls[-1]["params"] == abi(a) + abi(b) + abi(c) + (5.0,)
    assert be.launches[0].calls[-1]["grid"] == (1, 1, 1)    # cdiv(300, 2048)


class _Tracer:
    """Stands in for the CUPTI tracer: the launches it was told about."""

    def __init__(self):
        self.pending = []


def test_with_cupti_the_generated_function_launches_and_files_the_record_itself(standin, monkeypatch):
    from tessera.profile import hooks
    be = standin([1, 1, 1, "f4x"])
    fresh(axpy)
    a, b, c = (device_tensor(np.zeros(300)) for _ in range(3))
    monkeypatch.setattr(_RecordingLaunch, "entry_name", "_Z4axpy_entry", raising=False)  # numba's cufunc name
    with ts.use_backend("cuda"):
        axpy(a, b, c, 1.0)
        tracer = _Tracer()
        monkeypatch.setattr(hooks, "_tracer", tracer)
        events = _CountingTimer()
        monkeypatch.setattr(hooks, "_gpu_timer", events)
        monkeypatch.setattr(hooks, "use_tracer", lambda: None)   # keep the stand-in tracer
        with ts.profile() as prof:
            axpy(a, b, c, 7.0)
            records = [r for r in prof._records if r[0] == "kernel"]
            monkeypatch.setattr(hooks, "_tracer", None)  # the profile reads no CUPTI records here
    [rec] = records
    assert rec[6] == ("cupti", "_Z4axpy_entry") and tracer.pending == [("_Z4axpy_entry", rec[2])]
    assert events.recorded == []                      # no CUDA event on this path
    assert be.launches[-1].calls[-1]["params"] == abi(a) + abi(b) + abi(c) + (7.0,)
