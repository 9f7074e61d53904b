"""CUDA events for the profiler, through the driver API with ctypes.

numba's event objects cost several microseconds each to create and record;
the profiler records two per launch, so it keeps a pool of driver events and
records them with `cuEventRecord` directly (well under a microsecond each).
Times are read when a profile ends: the elapsed time from one process-wide
epoch event, recorded with the host clock beside it, places every kernel on
the host timeline.

Example::

    >>> from tessera.profile.gpu_timer import stream_handle
    >>> stream_handle(None)
    0
"""

from __future__ import annotations

import ctypes
import time

_POOL_START = 2048
_POOL_GROW = 256


def stream_handle(stream) -> int:
    """The CUstream of a ts.Stream / numba stream / None (the current ts.Stream, else the default stream)."""
    from ..runtime.stream import cu_stream
    return cu_stream(stream)


class GpuTimer:
    """A pool of timing events on the current CUDA context."""

    def __init__(self):
        from numba import cuda
        cuda.current_context()  # make numba's primary context current: the driver calls below use it
        lib = ctypes.CDLL("libcuda.so.1")
        self._create = lib.cuEventCreate
        self._create.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_uint]
        self._record = lib.cuEventRecord
        self._record.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        self._sync = lib.cuEventSynchronize
        self._sync.argtypes = [ctypes.c_void_p]
        self._elapsed = getattr(lib, "cuEventElapsedTime_v2", None) or lib.cuEventElapsedTime
        self._elapsed.argtypes = [ctypes.POINTER(ctypes.c_float), ctypes.c_void_p, ctypes.c_void_p]
        self._pool: list = []
        self._grow(_POOL_START)  # made before the profiled loop, not inside it
        self.epoch = self.record(None)
        self.epoch_host = time.perf_counter()
        self._check(self._sync(self.epoch), "cuEventSynchronize")

    @staticmethod
    def _check(err: int, what: str):
        if err:
            raise RuntimeError(f"{what} failed with CUresult {err}")

    def _grow(self, n: int = _POOL_GROW):
        for _ in range(n):
            h = ctypes.c_void_p()
            self._check(self._create(ctypes.byref(h), 0), "cuEventCreate")
            self._pool.append(h.value)

    def record(self, stream) -> int:
        """Record a pooled event on `stream` now; returns its handle."""
        return self.record_on(stream_handle(stream))

    def record_on(self, handle: int) -> int:
        """`record` for a CUstream handle already looked up (the profiler records two per launch)."""
        pool = self._pool
        if not pool:
            self._grow()
        ev = pool.pop()
        err = self._record(ev, handle or None)
        if err:
            self._check(err, "cuEventRecord")
        return ev

    def release(self, ev: int) -> None:
        self._pool.append(ev)

    def elapsed_ms(self, start: int, end: int) -> float:
        """Milliseconds between two recorded events (waits for `end`)."""
        self._check(self._sync(end), "cuEventSynchronize")
        ms = ctypes.c_float()
        self._check(self._elapsed(ctypes.byref(ms), start, end), "cuEventElapsedTime")
        return float(ms.value)

    def host_times(self, ev0: int, ev1: int) -> tuple:
        """(start, end) of the work between two events, in host perf_counter seconds."""
        a = self.elapsed_ms(self.epoch, ev0)
        d = self.elapsed_ms(ev0, ev1)
        start = self.epoch_host + a / 1e3
        return start, start + d / 1e3


_timer: GpuTimer | None = None


def timer_for() -> GpuTimer:
    """The process's timer (made on first use)."""
    global _timer
    if _timer is None:
        _timer = GpuTimer()
    return _timer
