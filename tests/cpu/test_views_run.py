"""The notebook views over kernels that run on the `cpu` backend: a live autotune sweep, a real profile,
and a CUDA C kernel side by side with a Tessera one (the CUDA C side faked where there is no GPU)."""

import re

import numpy as np
import pytest

import tessera as ts
from tessera.notebook import views as V

TIMING = re.compile(r'(<(span|td) class="tessera-timing">)[^<]*(</(span|td)>)')
FIGURE = re.compile(r"<!-- tessera-figure -->[\s\S]*?<!-- /tessera-figure -->")
OPTIONS = dict(progress=False, warmup_ms=1.0, rep_ms=5.0, workers=0)


def sanitized(text: str) -> str:
    return FIGURE.sub("FIGURE", TIMING.sub(r"\1TIME\3", text))


@ts.kernel(flops=lambda args: args["N"])
def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]


@ts.kernel.autotune(space={"B": [32, 64], "U": [1, 2]}, key=["N"], constraints=lambda c: c["B"] * c["U"] <= 64,
                    **OPTIONS)
def scale(x: ts.Tensor["N", ts.f32], s: ts.f32):
    B = ts.autotune.get_param("B")
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = x[i] * s


def make_scale(**options):
    # with_options shares the compiled kernel: the cpu backend cannot build the same kernel source
    # twice in one process (a second ts.kernel object of identical source fails to compile).
    return scale.with_options(**options)


# --------------------------------------------------------------------------- autotune


def test_live_view_draws_a_sweep_and_leaves_the_kernel_tuned():
    k = make_scale(bench=lambda fn, config, **kw: 1.0 / config["B"] + 0.01 * config["U"])
    view = V.autotune_view(k, live=True)
    bar = view.widget.children[1]
    seen = []
    bar.observe(lambda ch: seen.append(ch["new"]), "value")
    x = np.ones(1000, np.float32)
    assert view.tune(x, np.float32(2.0), backend="cpu") == {"B": 64, "U": 1}
    assert k.options.progress is False  # borrowed for the sweep only
    assert seen and seen[-1] == 4 and bar.bar_style == "success"
    assert view.counts == {"ok": 3, "pruned": 1}  # the constraint's is there, though never reported live
    assert view.best_config == {"B": 64, "U": 1}
    assert 'configs=[{"B": 64, "U": 1}]' in view.widget.children[-1].children[5].children[1].value
    sweeps = k.last_sweep
    k(x, np.float32(2.0), backend="cpu")
    assert k.last_sweep == sweeps  # the kernel learnt its config: no second sweep


def test_autotune_view_of_a_timed_sweep_reads_the_same_on_a_rerun():
    k = make_scale()
    x = np.ones(4096, np.float32)
    k(x, np.float32(1.0), backend="cpu")
    first = V.autotune_view(k)
    assert first.counts["ok"] == 3 and set(first.figures()) == {"time per config", "heatmap"}
    html1 = first.to_html()
    k.tune(x, np.float32(1.0), backend="cpu", force=True)
    html2 = V.autotune_view(k).to_html()
    assert sanitized(html1) == sanitized(html2)
    assert "constraints: ruled out by constraints()" in html1


# --------------------------------------------------------------------------- profile


def test_profile_view_of_a_real_profile():
    a = np.ones(1 << 12, np.float32)
    c = np.empty_like(a)

    def work():
        with ts.profile() as prof:
            for _ in range(3):
                vector_add(a, a, c, backend="cpu")
        return prof

    work()  # compiled once, so both profiles below hold the same events
    views = [V.profile_view(work()), V.profile_view(work())]
    assert repr(views[0]) == "<ts.ProfileView: 3 kernel launches>"
    table = views[0].kernel_table().sorted_frame()
    assert table["kernel"].tolist() == ["vector_add"] and table["count"].tolist() == [3]
    assert sanitized(views[0].to_html()) == sanitized(views[1].to_html())
    tab = views[0].widget.children[-1]
    assert [type(c).__name__ for c in tab.children] == ["FigureWidget", "VBox", "HTML", "FigureWidget"]


# --------------------------------------------------------------------------- side by side

CUDA = """__global__ void vector_add(const float* a, const float* b, float* c, int n) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < n) {
        c[idx] = a[idx] + b[idx];
    }
}
"""


class HostCuda:
    """A CUDA C kernel stand-in that 'launches' with NumPy, as CudaKernel launches on a GPU."""

    name, source, filename, first_line, arch = "vector_add", CUDA, "<cell>", 1, "sm_90"
    ptx = sass = None
    resources = {"registers": 12, "shared_bytes": 0, "local_bytes": 0, "spill_bytes": 0}
    can_launch = True

    def __init__(self, fn=None):
        self.calls = []
        self.fn = fn or (lambda a, b, c, n: np.add(a[:n], b[:n], out=c[:n]))

    def __call__(self, *args, grid, block, shared_mem=0, stream=None):
        self.calls.append((grid, block))
        self.fn(*args)


def test_side_by_side_outputs_match_and_time_on_cpu():
    a = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    b, c = np.ones_like(a), np.zeros_like(a)
    cuda = HostCuda()
    view = V.side_by_side(cuda, vector_add, args=(a, b, c), cuda_args=(a, b, c, 1000),
                          cuda_launch=dict(grid=4, block=256),
                          backend="cpu", rep_ms=2.0, warmup_ms=1.0)
    assert cuda.calls == [(4, 256)] and not c.any()  # both ran on copies
    assert view.check.status == "match" and view.check.message == "outputs match (max abs error 0, in a)"
    assert [d.name for d in view.check.outputs] == ["a", "b", "c"]
    t = view.times
    assert t.tessera_ms > 0 and t.cuda_ms is None and t.ratio is None
    assert t.note == "the time ratio needs both kernels on a GPU: Tessera ran on the cpu backend"
    assert view.resources()["Tessera"]["threads / block"] == 256
    assert view.widget.children[-1].children[1].disabled is False
    view.rerun()
    assert len(cuda.calls) == 2


def test_side_by_side_reports_a_mismatch_and_a_failure():
    a = np.arange(8, dtype=np.float32)
    args = (a, a, np.zeros_like(a))
    wrong = HostCuda(lambda a, b, c, n: np.multiply(a, b, out=c))
    view = V.side_by_side(wrong, vector_add, args=args, cuda_args=args + (8,), cuda_launch=dict(grid=1, block=8),
                          backend="cpu", time=False)
    assert view.check.status == "mismatch" and view.check.message == "outputs differ: c (max abs error 35)"

    def boom(*args):
        raise RuntimeError("illegal address")
    view = V.side_by_side(HostCuda(boom), vector_add, args=args, cuda_args=args + (8,),
                          cuda_launch=dict(grid=1, block=8), backend="cpu", time=False)
    assert view.check.status == "failed"
    assert view.check.message == "the CUDA C kernel raised RuntimeError: illegal address"

    others = (a.copy(), a.copy(), np.zeros_like(a), 8)  # equal values, other arrays: nothing to pair up
    view = V.side_by_side(HostCuda(), vector_add, args=args, cuda_args=others, cuda_launch=dict(grid=1, block=8),
                          backend="cpu", time=False)
    assert view.check.status == "not compared" and "pass the same arrays in args= and cuda_args=" in view.check.message
    assert view.times is None and "not timed" in view.times_html()


def test_side_by_side_with_a_compiled_cuda_cell_and_no_gpu():
    cuda_cell = pytest.importorskip("tessera.notebook.cuda_cell")
    from tessera.runtime.memory import gpu_available
    if gpu_available():
        pytest.skip("this test is about a machine without a GPU")
    try:
        ck = cuda_cell.compile_cuda(CUDA, arch="sm_90")
    except Exception as e:  # no NVRTC wheel here
        pytest.skip(f"CUDA C does not compile here: {e}")
    a = np.ones(256, np.float32)
    c = np.zeros_like(a)
    view = V.side_by_side(ck, vector_add, args=(a, a, c), cuda_args=(a, a, c, 256), cuda_launch=dict(grid=1, block=256),
                          backend="cpu", rep_ms=2.0, warmup_ms=1.0)
    assert view.check.message == "CUDA C compiled for sm_90; no GPU here to run it"
    res = view.resources()
    assert res["CUDA C"]["registers / thread"] > 0 and res["Tessera"]["registers / thread"] > 0
    assert view.times.tessera_ms > 0 and "CUDA C did not run" in view.times.note
    assert len(view.alignment.pairs) == 4


def test_live_view_of_a_sweep_where_nothing_can_run_shows_why():
    k = make_scale(constraints=lambda c: False)
    view = V.autotune_view(k, live=True)
    with pytest.raises(ts.TesseraError, match=r"no config of scale can run for N=64: 4 pruned \(constraints\)"):
        view.tune(np.ones(64, np.float32), np.float32(1.0), backend="cpu")
    assert view.done and view.counts == {"pruned": 4} and view.best_config is None
    assert "no pinned decorator" in view.to_html() and "best: " in view.header_html()
