"""The profiler on a backend without a GPU: events, the table, the timeline and roofline figures,
the Chrome trace, exceptions, nesting, the decorator, and the hooks' cost when nothing records."""

import json
import math

import numpy as np
import pytest

import tessera as ts
from tessera.profile import Profile, hooks
from tessera.profile.summary import KERNEL_COLUMNS

N = 256


@ts.kernel(flops=lambda args: args["N"], bytes=None)
def vadd(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < a.shape[0]:
        c[i] = a[i] + b[i]


@ts.kernel
def scale(x: ts.Tensor["N", ts.f32], s: ts.f32):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = x[i] * s


@ts.kernel(flops=1000.0, bytes=lambda args: 2 * args["x"].nbytes)
def tiled(x: ts.Tensor["N", ts.f32], T: ts.constexpr):
    i = ts.program_id(0) * T + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = x[i] + 1.0


@pytest.fixture(autouse=True)
def _sim():
    with ts.use_backend("sim"):
        yield


def pipeline():
    """Copy in, two kernels (twice), copy out."""
    a = ts.from_numpy(np.arange(N, dtype=np.float32))
    b = ts.from_numpy(np.ones(N, np.float32))
    c = ts.empty(N)
    for _ in range(2):
        vadd(a, b, c)
        scale(c, 2.0)
    return c.numpy()


@pytest.fixture(scope="module")
def prof():
    with ts.use_backend("sim"):
        pipeline()  # compiles happen here, outside the profile
        with ts.profile() as p:
            out = pipeline()
    np.testing.assert_array_equal(out, (np.arange(N) + 1) * 2)
    return p


def test_events_in_order(prof):
    kinds = [(e.kind, e.name) for e in prof.events]
    assert kinds == [("alloc", "alloc cuda:0"), ("copy", "H2D (simulated)"),
                     ("alloc", "alloc cuda:0"), ("copy", "H2D (simulated)"), ("alloc", "alloc cuda:0"),
                     ("kernel", "vadd"), ("kernel", "scale"), ("kernel", "vadd"), ("kernel", "scale"),
                     ("copy", "D2H (simulated)")]
    starts = [e.start_ms for e in prof.events]
    assert starts == sorted(starts) and starts[0] >= 0
    assert all(e.end_ms >= e.start_ms for e in prof.events)
    assert prof.duration_ms >= prof.events[-1].end_ms
    k = prof.kernels[0]
    assert k.clock == "host wall clock" and k.lane == "default stream"
    assert k.details["grid"] == (1, 1, 1) and k.details["block"] == (256, 1, 1)
    assert k.details["backend"] == "sim" and len(k.details["key"]) == 20
    copies = [e for e in prof.events if e.kind == "copy"]
    assert [e.details["bytes"] for e in copies] == [N * 4] * 3
    assert "launches" in repr(prof) and "copies" in repr(prof)


def test_table_per_kernel(prof):
    t = prof.table()
    assert list(t.columns) == [c for c in KERNEL_COLUMNS if c != "config"]
    rows = {r["kernel"]: r for r in t.to_dict("records")}
    assert set(rows) == {"vadd", "scale"}
    v, s = rows["vadd"], rows["scale"]
    assert v["count"] == s["count"] == 2
    assert math.isclose(v["pct_total"] + s["pct_total"], 100.0)
    assert v["min_ms"] <= v["mean_ms"] <= v["max_ms"]
    assert math.isclose(v["total_ms"], sum(e.duration_ms for e in prof.kernels if e.name == "vadd"))
    assert v["bytes"] == 3 * N * 4 and s["bytes"] == N * 4        # argument sizes
    assert v["flops"] == N and math.isnan(s["flops"])              # declared, and not
    assert math.isclose(v["gb_per_s"], 2 * 3 * N * 4 / (v["total_ms"] / 1e3) / 1e9)
    assert math.isclose(v["gflop_per_s"], 2 * N / (v["total_ms"] / 1e3) / 1e9)
    assert math.isnan(s["gflop_per_s"])
    assert v["clock"] == "host wall clock" and v["backend"] == "sim"
    assert t["total_ms"].is_monotonic_decreasing


def test_copy_table(prof):
    t = prof.table(kind="copy")
    rows = {r["name"]: r for r in t.to_dict("records")}
    assert rows["H2D (simulated)"]["count"] == 2 and rows["H2D (simulated)"]["bytes"] == 2 * N * 4
    assert rows["D2H (simulated)"]["count"] == 1


def test_table_by_config_and_declared_bytes():
    x = ts.zeros(100)
    with ts.profile() as p:
        tiled(x, 32)
        tiled(x, 64)
        tiled(x, 64)
    t = p.table(by="config")
    assert list(t["config"]) == ["T=64", "T=32"] or list(t["config"]) == ["T=32", "T=64"]
    assert sorted(t["count"]) == [1, 2]
    assert set(t["bytes"]) == {2 * 400.0} and set(t["flops"]) == {1000.0}
    assert len(p.table()) == 1
    grids = sorted(e.details["grid"] for e in p.kernels)
    assert grids == [(2, 1, 1), (2, 1, 1), (4, 1, 1)]


def test_timeline_figure(prof):
    fig = prof.timeline()
    by_name = {tr.name: tr for tr in fig.data}
    assert set(by_name) == {"kernel", "copy", "alloc"}
    kern = by_name["kernel"]
    assert kern.orientation == "h" and list(kern.y) == ["default stream"] * 4
    assert list(kern.text) == ["vadd", "scale", "vadd", "scale"]
    assert [round(b, 9) for b in kern.base] == [round(e.start_ms, 9) for e in prof.kernels]
    assert [round(x, 9) for x in kern.x] == [round(e.duration_ms, 9) for e in prof.kernels]
    assert "grid: (1, 1, 1)" in kern.hovertext[0] and "clock: host wall clock" in kern.hovertext[0]
    assert set(by_name["alloc"].y) == {"host"}
    assert list(fig.layout.yaxis.categoryarray) == ["default stream", "host"]
    assert "host wall clock" in fig.layout.title.text


def test_streams_get_their_own_lanes():
    x = ts.zeros(64)
    s1, s2 = ts.Stream(), ts.Stream()
    with ts.profile() as p:
        scale(x, 1.0, stream=s1)
        scale(x, 1.0, stream=s2)
        with s1:
            scale(x, 1.0)
        scale(x, 1.0)
    lanes = [e.lane for e in p.kernels]
    assert lanes[0] == lanes[2] != lanes[1] and lanes[3] == "default stream"
    fig = p.timeline()
    assert len(set(fig.data[0].y)) == 3


def test_roofline_figure(prof):
    fig = prof.roofline(device="H200")
    names = [tr.name for tr in fig.data]
    assert names[:2] == ["memory roof (4800 GB/s)", "FP32 roof (67 TFLOP/s)"]
    assert names[2:] == ["vadd"]          # scale declares no flops: no point
    point = fig.data[2]
    assert math.isclose(point.x[0], N / (3 * N * 4))
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert "no flops known for: scale" in fig.layout.title.text
    roof = fig.data[0]
    assert math.isclose(roof.y[0] / roof.x[0], 4800.0)
    custom = prof.roofline(device="H200", peaks={"bandwidth_gbs": 1000.0})
    assert custom.data[0].name == "memory roof (1000 GB/s)"
    default = prof.roofline()
    assert "H100" in default.layout.title.text


def test_chrome_trace(prof, tmp_path):
    path = prof.export_chrome_trace(tmp_path / "trace.json")
    trace = json.loads(open(path).read())
    evs = trace["traceEvents"]
    meta = [e for e in evs if e["ph"] == "M"]
    assert {e["args"]["name"] for e in meta} == {"Tessera", "host", "default stream"}
    xs = [e for e in evs if e["ph"] == "X"]
    assert [e["name"] for e in xs if e["cat"] == "kernel"] == ["vadd", "scale", "vadd", "scale"]
    assert len(xs) == len(prof.events)
    assert all(e["dur"] >= 0 and e["ts"] >= 0 for e in xs)
    k = next(e for e in xs if e["cat"] == "kernel")
    assert k["args"]["grid"] == [1, 1, 1] and k["args"]["clock"] == "host wall clock"
    tids = {e["args"]["name"]: e["tid"] for e in meta if e["name"] == "thread_name"}
    assert k["tid"] == tids["default stream"]


def test_exception_keeps_the_events_so_far():
    x = ts.zeros(32)
    p = ts.profile()
    with pytest.raises(ZeroDivisionError):
        with p:
            scale(x, 3.0)
            scale(x, 3.0)
            1 / 0
            scale(x, 3.0)
    assert [e.name for e in p.kernels] == ["scale", "scale"]
    assert not hooks.active
    scale(x, 3.0)
    assert len(p.kernels) == 2            # nothing recorded after the block


def test_a_failed_launch_is_not_recorded():
    with ts.profile() as p:
        with pytest.raises(ts.ShapeError):
            vadd(ts.zeros(4), ts.zeros(5), ts.zeros(4))
    assert p.kernels == []


def test_nested_profiles():
    x = ts.zeros(32)
    with ts.profile() as outer:
        scale(x, 1.0)
        with ts.profile() as inner:
            scale(x, 2.0)
            with inner:                   # re-entering the same profile is fine
                scale(x, 3.0)
        scale(x, 4.0)
    assert len(inner.kernels) == 2 and len(outer.kernels) == 4
    inner_keys = {(e.start_ms + inner._t0 * 1e3) for e in inner.kernels}
    outer_keys = {(e.start_ms + outer._t0 * 1e3) for e in outer.kernels}
    assert all(any(abs(a - b) < 1e-6 for b in outer_keys) for a in inner_keys)
    assert not hooks.active


def test_profile_as_decorator():
    x = ts.zeros(16)

    @ts.profile
    def step():
        scale(x, 2.0)

    step()
    step()
    assert isinstance(step.profile, Profile)
    assert [e.name for e in step.profile.kernels] == ["scale", "scale"]

    prof = ts.profile()

    @prof
    def other():
        scale(x, 1.0)
    other()
    assert len(prof.kernels) == 1 and other.profile is prof


def test_ranges_and_compiles():
    @ts.kernel
    def fresh(x: ts.Tensor["N", ts.f32]):
        i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if i < x.shape[0]:
            x[i] = 1.0

    x = ts.zeros(8)
    with ts.profile() as p:
        with p.range("first call"):
            fresh(x)
    kinds = [e.kind for e in p.events]
    assert kinds == ["range", "compile", "kernel"]
    rng, comp, kern = p.events
    assert rng.start_ms <= comp.start_ms and kern.end_ms <= rng.end_ms
    assert comp.name == "compile fresh" and comp.details["backend"] == "sim"
    assert comp.lane == rng.lane == "host"
    assert list(p.table(kind="compile")["name"]) == ["compile fresh"]


def test_nothing_is_recorded_without_a_profile():
    x = ts.zeros(16)
    assert not hooks.active
    p = Profile()
    scale(x, 1.0)
    assert p.events == [] and "nothing recorded" in repr(p)


def test_table_errors():
    p = ts.profile()
    with pytest.raises(ts.TesseraError, match=r"table\(by='stream'\) is not a grouping\nWrite instead: "):
        p.table(by="stream")
    with pytest.raises(ts.TesseraError, match=r"table\(kind='launch'\) is not an event kind\nWrite instead: one of"):
        p.table(kind="launch")
    assert list(p.table().columns) == [c for c in KERNEL_COLUMNS if c != "config"]


def test_roofline_unknown_device():
    with pytest.raises(ts.TesseraError, match=r"no peak numbers for device 'V100'\nWrite instead: one of: H100-SXM"):
        ts.profile().roofline(device="V100")
    fig = ts.profile().roofline(device="V100", peaks={"bandwidth_gbs": 900, "fp32_gflops": 15700})
    assert fig.data[0].name == "memory roof (900 GB/s)"


class _FakeTimer:
    """Stands in for the CUDA-event timer: 'GPU' times are the host times of the records, shifted."""

    def __init__(self):
        self.n, self.times, self.released = 0, {}, []

    def record_on(self, stream_handle):
        self.n += 1
        self.times[self.n] = hooks.now() + 0.5   # as if the GPU ran half a second behind
        return self.n

    def release(self, ev):
        self.released.append(ev)

    def host_times(self, ev0, ev1):
        return self.times[ev0], self.times[ev1]


class _FakeCuda:
    """The sim backend under the cuda backend's name, so the launch hook takes its GPU path."""

    name = "cuda"

    def __init__(self):
        from tessera.backends import get_backend
        self.sim = get_backend("sim")

    def launch(self, *args):
        self.sim.launch(*args)


def test_the_gpu_path_reads_events_once_across_nested_profiles(monkeypatch):
    timer = _FakeTimer()
    monkeypatch.setattr(hooks, "_gpu_timer", timer)
    x = np.zeros(64, np.float32)
    scale(x, 1.0)
    c = next(iter(scale._compiled.values()))
    cuda = _FakeCuda()
    with ts.profile() as outer:
        hooks.launch(scale, c, (1, 1, 1), (x, 2.0), None, cuda, None, None, (x, np.float32(2.0)))
        with ts.profile() as middle:
            with ts.profile() as inner:
                hooks.launch(scale, c, (1, 1, 1), (x, 3.0), None, cuda, None, None, (x, np.float32(3.0)))
            assert len(middle.kernels) == 1  # read while the outer one still records
    np.testing.assert_array_equal(x, 0.0)  # zeros stay zeros, but both launches ran
    assert [e.clock for e in outer.kernels] == ["cuda events"] * 2
    assert inner.kernels[0].clock == "cuda events"
    # the inner profile read the second launch's events; the outer one got the same times
    assert math.isclose(inner.kernels[0].start_ms + inner._t0 * 1e3, outer.kernels[1].start_ms + outer._t0 * 1e3)
    assert middle.kernels[0].start_ms + middle._t0 * 1e3 == pytest.approx(outer.kernels[1].start_ms
                                                                           + outer._t0 * 1e3)
    assert sorted(timer.released) == [1, 2, 3, 4]                 # each event back in the pool once
    assert outer.kernels[0].start_ms > 400                         # placed at the 'GPU' time
    assert outer.kernels[0].details["includes_copies"] is True     # NumPy arguments on the GPU
    assert hooks.gpu_times == {}
