"""The profiler and inspection on a real GPU: kernel times against independent CUDA-event timings,
the roofline of a bandwidth-bound kernel, streams as lanes, the per-launch overhead, NVTX, and
inspection's resources against what numba-cuda compiled for the device."""

import math
import statistics

import numpy as np
import pytest

import tessera as ts
from tessera.profile import hooks
from tessera.profile.peaks import local_device, peaks_for

pytestmark = pytest.mark.gpu


@ts.kernel(flops=lambda a: a["N"])
def vadd(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < a.shape[0]:
        c[i] = a[i] + b[i]


@ts.kernel(flops=lambda a: a["N"])
def scale(x: ts.Tensor["N", ts.f32], s: ts.f32):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = x[i] * s


def event_median_ms(fn, reps=30):
    """Independent timing: a pair of numba CUDA events around each call, on the default stream."""
    from numba import cuda
    fn()
    cuda.synchronize()
    pairs = [(cuda.event(), cuda.event()) for _ in range(reps)]
    for s, e in pairs:
        s.record()
        fn()
        e.record()
    cuda.synchronize()
    return statistics.median(cuda.event_elapsed_time(s, e) for s, e in pairs)


@pytest.fixture(params=["cupti", "cuda events"])
def clock(request, monkeypatch):
    """Both GPU clocks of the profiler: CUPTI where cupti-python is installed, CUDA events otherwise."""
    if request.param == "cupti":
        from tessera.profile.cupti_timer import tracer_or_none
        if tracer_or_none() is None:
            pytest.skip("cupti-python is not installed (or CUPTI is not usable) here")
    else:
        monkeypatch.setenv("TESSERA_PROFILER", "events")
    return request.param


def test_pipeline_kernel_times_agree_with_cuda_events(clock):
    n = 1 << 24
    host = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    a, b, c = ts.from_numpy(host), ts.from_numpy(host), ts.empty(n)
    ref_vadd = event_median_ms(lambda: vadd(a, b, c))
    ref_scale = event_median_ms(lambda: scale(c, 0.5))
    reps = 30
    with ts.profile() as prof:
        a = ts.from_numpy(host)                 # copy in
        b = ts.from_numpy(host)
        for _ in range(reps):
            vadd(a, b, c)                       # two kernels
            scale(c, 0.5)
        out = c.numpy()                         # copy out
    np.testing.assert_allclose(out, (host + host) * 0.5, rtol=1e-6)
    assert {e.clock for e in prof.kernels} == {clock}
    got = {name: statistics.median(e.duration_ms for e in prof.kernels if e.name == name)
           for name in ("vadd", "scale")}
    assert abs(got["vadd"] - ref_vadd) / ref_vadd < 0.10, (got, ref_vadd)
    assert abs(got["scale"] - ref_scale) / ref_scale < 0.10, (got, ref_scale)
    t = prof.table()
    assert dict(zip(t["kernel"], t["count"])) == {"vadd": reps, "scale": reps}
    copies = prof.table(kind="copy")
    assert set(copies["name"]) == {"H2D", "D2H"}
    # kernels sit on the device timeline after the copy that fed them, and do not overlap on one stream
    ks = prof.kernels
    assert all(x.end_ms <= y.start_ms + 1e-3 for x, y in zip(ks, ks[1:]))
    first_copy = next(e for e in prof.events if e.kind == "copy")
    assert ks[0].start_ms >= first_copy.start_ms


def test_roofline_of_a_large_vector_add_is_near_the_bandwidth_roof():
    n = 1 << 26
    a, b, c = ts.ones(n), ts.ones(n), ts.empty(n)
    vadd(a, b, c)
    with ts.profile() as prof:
        for _ in range(20):
            vadd(a, b, c)
    row = prof.table().iloc[0]
    device = local_device() or "H100-SXM"
    bw = peaks_for(device)["bandwidth_gbs"]
    assert row["bytes"] == 3 * n * 4
    assert row["gb_per_s"] / bw > 0.75, (row["gb_per_s"], bw)
    fig = prof.roofline()
    point = next(tr for tr in fig.data if tr.name == "vadd")
    roof = min(bw * point.x[0], peaks_for(device)["fp32_gflops"])
    assert 0.75 < point.y[0] / roof <= 1.05, (point.y[0], roof)


def test_streams_are_lanes_on_the_gpu():
    n = 1 << 20
    x, y = ts.ones(n), ts.ones(n)
    s1, s2 = ts.Stream(), ts.Stream()
    with ts.profile() as prof:
        scale(x, 2.0, stream=s1)
        scale(y, 2.0, stream=s2)
    s1.synchronize()
    s2.synchronize()
    assert len({e.lane for e in prof.kernels}) == 2
    assert all(not math.isnan(e.duration_ms) and e.duration_ms > 0 for e in prof.kernels)
    assert len(set(prof.timeline().data[0].y)) == 2


def test_nvtx_ranges_when_available():
    nvtx = pytest.importorskip("nvtx")
    x = ts.ones(1024)
    with ts.profile() as prof:
        assert prof.nvtx and hooks._nvtx is nvtx
        scale(x, 1.0)
    assert hooks._nvtx is None and len(prof.kernels) == 1


def test_inspection_defaults_to_this_gpu_and_matches_numba():
    from numba import cuda
    from tessera.inspect import ToolchainError, toolchain
    try:
        toolchain.find_tool("ptxas")
    except ToolchainError:
        pytest.skip("no ptxas on this machine (pip install nvidia-cuda-nvcc)")
    major, minor = cuda.get_current_device().compute_capability
    x = ts.ones(1 << 20)
    insp = vadd.inspect(x, x, x)
    assert insp.target == f"sm_{major}{minor}"
    vadd(x, x, x)
    compiled = next(c for c in vadd._compiled.values() if c.backend == "cuda")
    disp = compiled.handle.dispatcher
    regs = next(iter(disp.get_regs_per_thread().values())) if isinstance(disp.get_regs_per_thread(), dict) \
        else disp.get_regs_per_thread()
    # numba links through the driver's assembler, inspection through the wheel's ptxas: close, maybe not equal
    assert abs(insp.resources.registers - regs) <= 4, (insp.resources.registers, regs)
