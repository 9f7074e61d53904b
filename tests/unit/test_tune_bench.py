"""tessera.tune.bench: what the autotuner adds to benchmarks.timing's do_bench (the same module)."""

import pytest

import benchmarks.timing as timing
from tessera.tune import bench
from tessera.tune.bench import Timing, clock_for, do_bench


class Clock:
    def __init__(self):
        self.now = 0.0

    def event(self):
        clock = self

        class E:
            def record(self):
                self.t = clock.now

            def elapsed_ms(self, end):
                return end.t - self.t
        return E()

    def synchronize(self):
        pass


def kernel(clock, ms):
    calls = []

    def fn():
        clock.now += ms
        calls.append(1)
    return fn, calls


def test_benchmarks_use_the_same_implementation():
    assert timing.do_bench is do_bench and timing.Timing is Timing and timing.CudaClock is bench.CudaClock


def test_timing_statistics():
    t = Timing((4.0, 1.0, 3.0, 2.0), warmup_reps=1)
    assert (t.min_ms, t.max_ms, t.median_ms, t.reps) == (1.0, 4.0, 2.5, 4)


def test_max_ms_caps_a_slow_kernel():
    clock = Clock()
    fn, calls = kernel(clock, 10.0)
    t = do_bench(fn, clock, warmup_ms=100, rep_ms=1000, min_reps=3, max_ms=50.0)
    assert t.warmup_reps + t.reps <= 5 and t.reps >= 1   # 50 ms at 10 ms a call, warm-up included


def test_estimate_reps_is_settable():
    clock = Clock()
    fn, calls = kernel(clock, 10.0)
    t = do_bench(fn, clock, warmup_ms=10, rep_ms=30, min_reps=1, estimate_reps=1)
    assert len(calls) == 1 + 1 + t.warmup_reps + t.reps and t.reps == 3


def test_clock_for_the_cpu_backends_is_the_wall_clock_without_a_flush():
    for name in ("cpu", "sim"):
        clock, flush = clock_for(name)
        assert isinstance(clock, bench.HostClock) and flush is None
    t = do_bench(lambda: sum(range(200)), *clock_for("cpu")[:1], warmup_ms=1, rep_ms=2)
    assert t.median_ms > 0


@pytest.mark.gpu
def test_clock_for_cuda_uses_events_and_flushes_l2():
    clock, flush = clock_for("cuda")
    assert isinstance(clock, bench.CudaClock) and flush.nbytes >= 64 * 1024 * 1024
