"""benchmarks.timing.do_bench on a fake clock: schedule, exclusions and statistics."""

import numpy as np
import pytest

from benchmarks.timing import ESTIMATE_REPS, HostClock, do_bench, quantile


class FakeClock:
    """Virtual time in ms; an event reads it when recorded, as a CUDA event would."""

    def __init__(self):
        self.now = 0.0

    def event(self):
        return FakeEvent(self)

    def synchronize(self):
        pass


class FakeEvent:
    def __init__(self, clock):
        self.clock = clock
        self.t = None

    def record(self):
        self.t = self.clock.now

    def elapsed_ms(self, end):
        return end.t - self.t


class FakeKernel:
    """Advances the clock by cost(i) on its i-th call."""

    def __init__(self, clock, cost):
        self.clock, self.cost, self.calls = clock, cost, 0

    def __call__(self):
        self.clock.now += self.cost(self.calls)
        self.calls += 1


class FakeFlush:
    def __init__(self, clock, ms):
        self.clock, self.ms, self.calls = clock, ms, 0

    def __call__(self):
        self.clock.now += self.ms
        self.calls += 1


REP_COSTS = [2.0 + 0.1 * ((7 * i) % 20) for i in range(20)]  # 20 distinct values, not in order


def schedule(i):
    # call 0 compiles; then the estimate; then 10 warm-ups; then the timed reps
    if i == 0:
        return 500.0
    if i <= ESTIMATE_REPS:
        return 1.0
    if i <= ESTIMATE_REPS + 10:
        return 1000.0  # a warm-up leaking into the results would dominate them
    return REP_COSTS[i - ESTIMATE_REPS - 11]


def test_times_only_the_timed_reps_without_the_flush():
    clock = FakeClock()
    fn, flush = FakeKernel(clock, schedule), FakeFlush(clock, 0.5)
    # estimate: (1.0 + 0.5 flush) ms per call -> 15 ms of warm-up is 10 calls, 30 ms of reps is 20
    t = do_bench(fn, clock, flush=flush, warmup_ms=15.0, rep_ms=30.0)
    assert t.warmup_reps == 10
    assert t.reps == 20
    assert t.times_ms == pytest.approx(REP_COSTS)
    assert fn.calls == 1 + ESTIMATE_REPS + 10 + 20
    assert flush.calls == ESTIMATE_REPS + 20  # before every estimate call and every timed rep


def test_median_and_quantiles_match_numpy():
    clock = FakeClock()
    t = do_bench(FakeKernel(clock, schedule), clock, flush=FakeFlush(clock, 0.5),
                 warmup_ms=15.0, rep_ms=30.0)
    assert t.median_ms == pytest.approx(np.quantile(REP_COSTS, 0.5))
    assert t.p20_ms == pytest.approx(np.quantile(REP_COSTS, 0.2))
    assert t.p80_ms == pytest.approx(np.quantile(REP_COSTS, 0.8))
    assert t.p20_ms < t.median_ms < t.p80_ms


def test_rep_count_is_clamped():
    clock = FakeClock()
    free = do_bench(FakeKernel(clock, lambda i: 0.0), clock, max_reps=7)
    assert free.reps == 7  # a zero estimate must not divide by zero or loop forever
    slow = do_bench(FakeKernel(clock, lambda i: 50.0), clock, rep_ms=10.0, min_reps=3)
    assert slow.reps == 3 and slow.warmup_reps == 1


@pytest.mark.parametrize("q", [0.0, 0.2, 0.5, 0.8, 1.0])
def test_quantile_is_numpys_linear(q):
    xs = list(np.random.default_rng(1).random(11))
    assert quantile(xs, q) == pytest.approx(np.quantile(xs, q))


def test_quantile_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        quantile([], 0.5)


def test_host_clock_times_real_work():
    t = do_bench(lambda: sum(range(1000)), HostClock(), warmup_ms=1.0, rep_ms=2.0)
    assert t.reps >= 5 and all(x >= 0 for x in t.times_ms)
