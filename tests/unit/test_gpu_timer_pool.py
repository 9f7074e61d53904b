"""The profiler's CUDA-event pool reuses the events of finished launches instead of creating more
(creating one costs the driver about as much as recording two). The driver calls are stand-ins."""

import ctypes

import tessera as ts
from tessera.profile import gpu_timer, hooks


class _Driver:
    """cuEventCreate/Record/Query/Synchronize/ElapsedTime over Python state."""

    def __init__(self):
        self.created, self.recorded_at, self.clock = 0, {}, 0.0

    def create(self, ref, flags):
        self.created += 1
        ref._obj.value = 1000 + self.created
        return 0

    def record(self, ev, stream):
        self.clock += 1.0
        self.recorded_at[ev] = self.clock
        return 0

    def query(self, ev):
        return 0   # every launch has finished

    def sync(self, ev):
        return 0

    def elapsed(self, ref, a, b):
        ref._obj.value = self.recorded_at.get(b, 0.0) - self.recorded_at.get(a, 0.0)
        return 0


def timer_over(driver) -> gpu_timer.GpuTimer:
    t = gpu_timer.GpuTimer.__new__(gpu_timer.GpuTimer)
    t._create, t._record, t._query = driver.create, driver.record, driver.query
    t._sync, t._elapsed, t._pool = driver.sync, driver.elapsed, []
    t._grow(64)
    t.epoch, t.epoch_host = t.record(None), 0.0
    return t


class _Compiled:
    block, key = (1, 1, 1), "stand-in"


class _Backend:
    name = "cuda"


@ts.kernel
def noop(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = 0.0


def test_a_long_profile_reuses_the_events_of_finished_launches(monkeypatch):
    driver = _Driver()
    timer = timer_over(driver)
    monkeypatch.setattr(hooks, "_gpu_timer", timer)
    args = (ts.zeros(4, device="cpu"),)
    with ts.profile() as prof:
        for _ in range(1000):   # 2000 events through a pool of 64
            hooks.launch(noop, _Compiled(), (1, 1, 1), args, None, _Backend(), None,
                         lambda g, b, v, s: None, args)
    assert driver.created <= 64 + gpu_timer._POOL_GROW
    kernels = prof.kernels
    assert len(kernels) == 1000 and all(e.clock == "cuda events" for e in kernels)
    # each launch lasted one tick (1 ms) of the stand-in clock: its two events are consecutive records
    assert {round(e.duration_ms, 6) for e in kernels} == {1.0}
