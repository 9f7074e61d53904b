"""Host time per call of a launch, for benchmarks/launch_overhead.py and benchmarks/profile_overhead.py.

A loop of many launches of a tiny kernel, timed to a final synchronize,
measures the GPU's throughput of tiny kernels once the launch queue fills (on
the H100 machine used here, about 8 us per kernel for PyTorch and Tessera
alike): the host then waits in the driver, and its own cost is hidden. The
host's cost is measured in batches that never fill the queue: each batch of
`batch` calls is timed on the host clock, and the synchronize between batches
is not timed.

    >>> host_us_per_call(lambda: None, 1000, lambda: None) < 100
    True
"""

from __future__ import annotations

import time


def host_us_per_call(fn, calls: int, sync, batch: int = 100) -> float:
    """Microseconds of host time per call of `fn`, `calls` calls in batches of `batch`."""
    fn()
    sync()
    total, done = 0.0, 0
    while done < calls:
        n = min(batch, calls - done)
        sync()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        total += time.perf_counter() - t0
        done += n
    sync()
    return total / calls * 1e6


def queued_us_per_call(fn, calls: int, sync) -> float:
    """Microseconds per call of `calls` calls in a row, to a final synchronize: the GPU's pace once its
    launch queue is full, or the host's where the host is slower."""
    fn()
    sync()
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    sync()
    return (time.perf_counter() - t0) / calls * 1e6
