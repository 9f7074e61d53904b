"""Kernel timing in the manner of Triton's ``do_bench``.

One call of ``fn`` to compile and specialize, a short estimate, warm-up runs
for a time budget, then timed repetitions for a time budget. Each repetition
is bracketed by a pair of events, and the L2 cache is flushed before it,
outside the bracket.

The clock is injected (anything with ``event()`` and ``synchronize()``), so
the schedule and the statistics are testable without a GPU: ``CudaClock`` and
``L2Flush`` are the GPU's, ``HostClock`` is the wall clock used for the CPU
backends. benchmarks/timing.py re-exports this module, so the autotuner and
the benchmark runner time kernels the same way.

Example::

    >>> t = do_bench(lambda: sum(range(100)), HostClock(), warmup_ms=1.0, rep_ms=2.0)
    >>> t.reps >= 5 and t.min_ms <= t.median_ms <= t.max_ms
    True
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

ESTIMATE_REPS = 5
L2_FLUSH_BYTES = 256 * 1024 * 1024


class Event(Protocol):
    def record(self) -> None: ...
    def elapsed_ms(self, end: "Event") -> float: ...


class Clock(Protocol):
    def event(self) -> Event: ...
    def synchronize(self) -> None: ...


def quantile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (NumPy's default method).

    >>> quantile([4.0, 1.0, 3.0, 2.0], 0.5)
    2.5
    """
    if not values:
        raise ValueError("quantile of no values")
    xs = sorted(values)
    pos = q * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass(frozen=True)
class Timing:
    """Every timed repetition of one benchmark (warm-up excluded), and statistics over them.

    >>> Timing((3.0, 1.0, 2.0), warmup_reps=0).median_ms
    2.0
    """

    times_ms: tuple[float, ...]
    warmup_reps: int

    @property
    def reps(self) -> int:
        return len(self.times_ms)

    @property
    def median_ms(self) -> float:
        return quantile(self.times_ms, 0.5)

    @property
    def p20_ms(self) -> float:
        return quantile(self.times_ms, 0.2)

    @property
    def p80_ms(self) -> float:
        return quantile(self.times_ms, 0.8)

    @property
    def min_ms(self) -> float:
        return min(self.times_ms)

    @property
    def max_ms(self) -> float:
        return max(self.times_ms)


def do_bench(fn: Callable[[], object], clock: Clock, *,
             flush: Callable[[], object] | None = None,
             warmup_ms: float = 25.0, rep_ms: float = 100.0,
             min_reps: int = 5, max_reps: int = 10_000,
             estimate_reps: int = ESTIMATE_REPS, max_ms: float | None = None) -> Timing:
    """Time ``fn`` on ``clock``; returns every timed repetition (warm-up excluded).

    ``estimate_reps`` calls estimate one call's time, which sizes the warm-up and
    the repetitions. ``max_ms`` caps the estimated time of warm-up plus
    repetitions (at least one of each still runs): the autotuner's per-config
    time limit.
    """
    fn()  # compilation and first-call work stay out of every measurement
    clock.synchronize()

    start, end = clock.event(), clock.event()
    start.record()
    for _ in range(estimate_reps):
        if flush is not None:
            flush()
        fn()
    end.record()
    clock.synchronize()
    estimate_ms = start.elapsed_ms(end) / max(1, estimate_reps)

    if estimate_ms > 0:
        n_warmup = max(1, int(warmup_ms / estimate_ms))
        n_reps = int(rep_ms / estimate_ms)
    else:
        n_warmup, n_reps = 1, max_reps
    n_reps = max(min_reps, min(max_reps, n_reps))
    if max_ms is not None and estimate_ms > 0:
        # A slow config must not spend the whole sweep's time on repetitions.
        fit = max(2, int(max_ms / estimate_ms))
        if n_warmup + n_reps > fit:
            n_warmup = max(1, min(n_warmup, fit // 4))
            n_reps = max(1, fit - n_warmup)

    for _ in range(n_warmup):
        fn()
    # Events are made up front so that creating them does not sit between reps.
    pairs = [(clock.event(), clock.event()) for _ in range(n_reps)]
    for s, e in pairs:
        if flush is not None:
            flush()  # keeps the previous rep's data in L2 from faking bandwidth
        s.record()
        fn()
        e.record()
    clock.synchronize()
    return Timing(tuple(s.elapsed_ms(e) for s, e in pairs), n_warmup)


class _CudaEvent:
    def __init__(self, cuda):
        self._evt = cuda.event(timing=True)

    def record(self) -> None:
        self._evt.record(0)  # the legacy default stream: see CudaClock

    def elapsed_ms(self, end: "_CudaEvent") -> float:
        return self._evt.elapsed_time(end._evt)


class CudaClock:
    """CUDA events on the legacy default stream, through numba-cuda.

    The legacy default stream orders against every blocking stream, so the
    events bracket work that Tessera, torch and cuda.core enqueue on their own
    default streams.
    """

    def __init__(self):
        from numba import cuda

        self._cuda = cuda

    def event(self) -> _CudaEvent:
        return _CudaEvent(self._cuda)

    def synchronize(self) -> None:
        self._cuda.synchronize()


class L2Flush:
    """Overwrites a buffer larger than any current GPU's L2 (H100: 50 MB)."""

    def __init__(self, nbytes: int = L2_FLUSH_BYTES):
        from numba import cuda
        from numba.cuda.cudadrv.driver import device_memset

        self.nbytes = nbytes
        self._buf = cuda.device_array(nbytes, dtype="u1")
        self._stream = cuda.legacy_default_stream()
        self._memset = device_memset

    def __call__(self) -> None:
        # A Stream object (not 0) selects cuMemsetD8Async: no host blocking.
        self._memset(self._buf, 0, self.nbytes, stream=self._stream)


class _HostEvent:
    def __init__(self):
        self.t = 0.0

    def record(self) -> None:
        self.t = time.perf_counter()

    def elapsed_ms(self, end: "_HostEvent") -> float:
        return (end.t - self.t) * 1e3


class HostClock:
    """Wall-clock timing for work that runs on the host (CPU backends, the runner's smoke run)."""

    def event(self) -> _HostEvent:
        return _HostEvent()

    def synchronize(self) -> None:
        pass


_gpu_tools: tuple | None = None


def clock_for(backend_name: str) -> tuple:
    """(clock, flush) for timing kernels of a backend: CUDA events and an L2 flush on `cuda`,
    the wall clock and no flush elsewhere (one flush buffer per process, made on first use).

    >>> clock, flush = clock_for("sim")
    >>> type(clock).__name__, flush
    ('HostClock', None)
    """
    global _gpu_tools
    if backend_name != "cuda":
        return HostClock(), None
    if _gpu_tools is None:
        _gpu_tools = (CudaClock(), L2Flush())
    return _gpu_tools
