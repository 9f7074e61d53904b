"""Kernel times from CUPTI's activity records: the profiler's GPU clock where cupti-python is installed.

With CUDA events the profiler recorded two events around every launch, and a
`cuEventRecord` costs about 1.9 us of host time on the H100 machine this was
measured on: more than half the per-launch budget. CUPTI's kernel activity
records are written by the driver itself (about 2.6 us per launch there, all
in the driver), and Tessera only notes which kernel it launched when.

Matching: while a profile records, each launch appends (kernel entry name,
host time) to `pending`. `resolve()` synchronizes, flushes CUPTI's buffers and
pairs each pending launch, in launch order, with the next CUPTI kernel record
of the same entry name, in CUPTI's correlation order (the order of the
driver calls). Only Tessera launches its kernels' entry points, and CUPTI
stops collecting while the profiler is paused (an autotune sweep's benchmark
launches), so the two sequences agree; where they do not, the launch keeps
its host times and its event says so (`clock`).

Kernels of other libraries (PyTorch, cuBLAS) launched inside the profile are
in CUPTI's records too; they are not Tessera's and are left out.

Example::

    >>> from tessera.profile.cupti_timer import tracer_or_none
    >>> tracer_or_none() is None or tracer_or_none().enabled in (True, False)
    True
"""

from __future__ import annotations

import time
from collections import defaultdict, deque

_BUFFER_BYTES = 8 << 20


class CuptiTracer:
    """CUPTI's concurrent-kernel activity, enabled while a profile records."""

    def __init__(self):
        from cupti import cupti  # ImportError without cupti-python: the profiler uses CUDA events
        from numba import cuda
        self._c, self._sync = cupti, cuda.synchronize
        self._kind = cupti.ActivityKind.CONCURRENT_KERNEL
        self._done: list = []                    # (name, correlation id, start ns, end ns), from CUPTI
        self._queue: dict = defaultdict(deque)   # entry name -> CUPTI records not matched yet
        self.pending: list = []                  # (entry name, host t0) of launches not matched yet
        self.times: dict = {}                    # (entry name, host t0) -> (start, end) host seconds
        self.enabled = False
        cupti.activity_register_callbacks(self._requested, self._completed)
        self.epoch_ns, self.epoch_host = cupti.get_timestamp(), time.perf_counter()

    @staticmethod
    def _requested():
        return _BUFFER_BYTES, 0

    def _completed(self, activities):
        kind, out = self._kind, self._done
        for a in activities:
            if a.kind == kind:
                out.append((a.name, a.correlation_id, a.start, a.end))

    def enable(self):
        if not self.enabled:
            # CUPTI has one pair of buffer callbacks per process: another client (torch.profiler's
            # kineto) may have replaced ours since the last profile.
            self._c.activity_register_callbacks(self._requested, self._completed)
            self._c.activity_enable(self._kind)
            self.enabled = True

    def disable(self):
        if self.enabled:
            self._c.activity_disable(self._kind)
            self.enabled = False

    def _host(self, ns: int) -> float:
        return self.epoch_host + (ns - self.epoch_ns) / 1e9

    def resolve(self):
        """Wait for the GPU, read CUPTI's records, and time every pending launch that has one."""
        self._sync()
        self._c.activity_flush_all(1)   # forced: records of finished kernels still in a partial buffer
        done, self._done = self._done, []
        done.sort(key=lambda r: r[1])
        for r in done:
            self._queue[r[0]].append(r)
        left = []
        for name, t0 in self.pending:
            q = self._queue.get(name)
            if q:
                _, _, start, end = q.popleft()
                self.times[(name, t0)] = (self._host(start), self._host(end))
            else:
                left.append((name, t0))
        self.pending = left

    def reset(self):
        """Forget everything: no profile records any more."""
        self.disable()
        self._c.activity_flush_all(1)
        self._done, self.pending, self.times = [], [], {}
        self._queue.clear()


_tracer = None
_failed = False


def tracer_or_none():
    """The process's CUPTI tracer, or None where cupti-python (or CUPTI itself) is not usable."""
    global _tracer, _failed
    if _tracer is None and not _failed:
        try:
            _tracer = CuptiTracer()
        except Exception:  # no cupti-python, or a CUPTI that does not match the driver: use events
            _failed = True
    return _tracer
