"""How the profiler pairs its launches with CUPTI's kernel records (profile/cupti_timer.py), without CUPTI."""

from collections import defaultdict, deque

from tessera.profile.cupti_timer import CuptiTracer


class _Cupti:
    def __init__(self, tracer, batches):
        self.tracer, self.batches = tracer, list(batches)

    def activity_flush_all(self, flag):
        if self.batches:
            self.tracer._done.extend(self.batches.pop(0))


def tracer_with(batches) -> CuptiTracer:
    t = CuptiTracer.__new__(CuptiTracer)
    t._done, t._queue, t.pending, t.times, t.enabled = [], defaultdict(deque), [], {}, True
    t.epoch_ns, t.epoch_host = 1_000_000_000, 100.0
    t._sync = lambda: None
    t._c = _Cupti(t, batches)
    return t


def test_launches_pair_with_records_of_their_kernel_in_driver_call_order():
    # CUPTI delivers records out of order and with other libraries' kernels among them
    t = tracer_with([[("k", 3, 1_000_004_000, 1_000_005_000), ("torch_add", 2, 1_000_002_000, 1_000_003_000),
                      ("k", 1, 1_000_000_000, 1_000_001_000), ("j", 4, 1_000_006_000, 1_000_009_000)]])
    t.pending = [("k", 10.0), ("k", 11.0), ("j", 12.0)]
    t.resolve()
    assert t.times[("k", 10.0)] == (100.0, 100.000001)
    assert t.times[("k", 11.0)] == (100.000004, 100.000005)
    assert t.times[("j", 12.0)] == (100.000006, 100.000009)
    assert t.pending == []


def test_a_launch_without_a_record_yet_waits_for_the_next_read():
    t = tracer_with([[("k", 1, 1_000_000_000, 1_000_001_000)], [("k", 5, 1_000_002_000, 1_000_003_000)]])
    t.pending = [("k", 10.0), ("k", 11.0)]
    t.resolve()
    assert ("k", 11.0) not in t.times and t.pending == [("k", 11.0)]
    t.resolve()
    assert t.times[("k", 11.0)] == (100.000002, 100.000003)
