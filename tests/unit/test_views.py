"""The notebook views' state, without running a kernel: fabricated inspections, results, profiles and
CUDA kernels, and real inspections (cross-compiled, no GPU). The browser tier checks the drawing."""

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tessera as ts
from tessera.inspect import STAGES, Resources, occupancy
from tessera.inspect.toolchain import ToolchainError
from tessera.notebook import views as V
from tessera.notebook.views import align, base, html
from tessera.notebook.views.autotune_view import AutotuneView
from tessera.notebook.views.crosscheck import Check, Times
from tessera.notebook.views.profile_view import ProfileView
from tessera.notebook.views.side_by_side import SideBySide
from tessera.notebook.views.table import SortableTable
from tessera.profile.recorder import Event
from tessera.tune.results import Progress, Result

sys.path.insert(0, str(Path(__file__).parent))
import inspect_kernels as K  # noqa: E402

VEC = ("f32[4096]",) * 3
TIMING = re.compile(r'(<(span|td) class="tessera-timing">)[^<]*(</(span|td)>)')
FIGURE = re.compile(r"<!-- tessera-figure -->[\s\S]*?<!-- /tessera-figure -->")


def sanitized(text: str) -> str:
    """What an nbval sanitizer with the two documented regexes leaves of a view's HTML."""
    return FIGURE.sub("FIGURE", TIMING.sub(r"\1TIME\3", text))


def text_of(markup: str) -> str:
    """The text a browser shows of some HTML (highlighting splits code into many spans)."""
    import html as _html
    return _html.unescape(re.sub(r"<[^>]+>", "", markup))


def resources(registers=32, threads=256, shared=0) -> Resources:
    occ = occupancy("sm_90", threads=threads, registers=registers, shared_bytes=shared)
    return Resources(registers, shared, 0, 0, 0, 0, 64, 0, threads, 1024, occ)


class FakeInspection:
    """What an IRView reads of an Inspection, with fixed texts."""

    def __init__(self, config=None, target="sm_90", res=None, texts=None):
        self.kernel, self.target, self.config = "k", target, dict(config or {})
        self.stages = STAGES
        suffix = " ".join(f"{k}={v}" for k, v in self.config.items())
        self.texts = texts or {s: f"{s} line one {suffix}\n{s} line two\n{s} line three\n" for s in STAGES}
        self._res = res

    def __getitem__(self, stage):
        return self.texts[stage]

    @property
    def resources(self):
        if self._res is None:
            raise ToolchainError("ptxas was not found", hint="pip install nvidia-cuda-nvcc")
        return self._res

    def line_map(self, stage):
        return {1: (10,), 2: (11,), 3: (12,)}

    def lines_for(self, stage, user_line):
        return [n for n, users in self.line_map(stage).items() if user_line in users]


# --------------------------------------------------------------------------- html helpers


def test_timing_and_figure_markers_are_what_the_sanitizer_regexes_match():
    assert TIMING.sub(r"\1X\3", html.timing("1.5 ms")) == '<span class="tessera-timing">X</span>'
    import plotly.graph_objects as go
    fig = go.Figure(go.Bar(x=[1], y=[2]))
    out = html.figure(fig)
    assert out == html.figure(fig)  # the div id is a hash of the figure, not a random uuid
    assert FIGURE.fullmatch(out)
    assert html.figure(go.Figure(go.Bar(x=[1], y=[3]))) != out


def test_stable_text_drops_the_cache_path_and_cell_file():
    assert html.stable_text('"/x/y/gen/k_0123456789abcdef0123.py"') == '"<cache>/gen/k_0123456789abcdef0123.py"'
    assert html.stable_text("from /tmp/ipykernel_4242/1234.py:7") == "from <notebook cell>:7"


def test_code_without_pygments_is_escaped(monkeypatch):
    monkeypatch.setitem(sys.modules, "pygments", None)
    out = html.code("if a < b:\n    c = 1", "python", highlight_lines=[2])
    assert "a &lt; b" in out and '<span class="hll">' in out


def test_table_numbers_and_missing_values():
    df = pd.DataFrame({"name": ["a", "b"], "bytes": [49152.0, 1.5], "n": pd.array([1, None], dtype="Int64"),
                       "ms": [0.123456, float("nan")]})
    out = html.table(df, timing_columns=["ms"])
    assert "<td>49152</td>" in out and "<td>1.5</td>" in out and "<td></td>" in out
    assert '<td class="tessera-timing">0.1235</td>' in out and '<td class="tessera-timing"></td>' in out


# --------------------------------------------------------------------------- the view base


def test_mimebundle_has_the_widget_only_in_a_notebook(monkeypatch):
    view = V.IRView(FakeInspection())
    bundle = view._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"] == "<ts.IRView k sm_90: 1 config, stage source>"
    monkeypatch.setattr(base, "in_notebook", lambda: True)
    bundle = view._repr_mimebundle_()
    assert bundle[base.WIDGET_MIME]["model_id"] == view.widget.model_id
    assert bundle["text/html"].startswith('<div class="tessera-ir-view tessera-view">')


# --------------------------------------------------------------------------- sortable table


def test_sortable_table_from_python_and_from_its_controls():
    t = SortableTable(pd.DataFrame({"T": [16, 32, 64], "ms": [2.0, None, 1.0]}), timing_columns=["ms"])
    box = t.widget
    sel, desc = box.children[0].children
    sel.value = "ms"
    assert (t.sort_by, t.descending) == ("ms", False)
    assert t.sorted_frame()["T"].tolist() == [64, 16, 32]
    desc.value = True
    assert t.sorted_frame()["T"].tolist() == [16, 64, 32]
    t.sort("T", descending=False)
    assert (sel.value, desc.value) == ("T", False)
    assert re.findall(r"<tr><td>(\d+)</td>", box.children[1].value) == ["16", "32", "64"]
    with pytest.raises(ts.TesseraError, match=r"no column 'speed' to sort by\nWrite instead: one of: T, ms"):
        t.sort("speed")


# --------------------------------------------------------------------------- IR view


def test_ir_view_tabs_are_the_stages_and_fill_when_opened():
    view = V.IRView([FakeInspection({"T": 16}, res=resources()), FakeInspection({"T": 32}, res=resources(40))])
    w = view.widget
    assert w._dom_classes == ("tessera-ir-view", "tessera-view")
    tab = w.children[-1]
    assert tab.titles == STAGES and "tessera-ir-stages" in tab._dom_classes
    assert "source line one" in text_of(tab.children[0].value)
    assert tab.children[7].value == ""  # sass: not made until its tab is opened
    tab.selected_index = 7
    assert view.stage == "sass" and "sass line one T=16" in text_of(tab.children[7].value)
    assert "<td>32</td>" in tab.children[7].value  # the resources above the stage
    controls = {c._dom_classes[0]: c for c in w.children[1].children}
    controls["tessera-ir-config"].value = "T=32"
    assert view.config == "T=32" and "sass line one T=32" in text_of(tab.children[7].value)
    assert "<td>40</td>" in tab.children[7].value


def test_ir_view_line_selector_marks_the_lines_of_a_kernel_line():
    view = V.IRView(FakeInspection(res=resources()))
    controls = {c._dom_classes[0]: c for c in view.widget.children[1].children}
    line = controls["tessera-ir-line"]
    assert [v for _, v in line.options] == [0, 10, 11, 12]
    line.value = 11
    assert view.line == 11
    marked = re.findall(r'<span class="hll">(.*?)</span>\n?</span>', view.widget.children[-1].children[0].value)
    assert len(re.findall('class="hll"', view.widget.children[-1].children[0].value)) == 1, marked
    assert "marked: lines from L11" in view.header_html()


def test_ir_view_without_ptxas_says_so_and_still_shows_the_stages():
    view = V.IRView(FakeInspection())
    out = view.to_html()
    assert "resources unavailable: ptxas was not found" in out
    assert out.count("<details") == len(STAGES) and "<details open><summary>source" in out
    assert out == view.to_html()


def test_ir_view_static_html_cuts_long_stages():
    texts = {s: "".join(f"line {i}\n" for i in range(1000)) for s in STAGES}
    view = V.IRView(FakeInspection(texts=texts), html_stages=("llvm",), html_max_lines=50)
    out = view.to_html()
    assert "line 49" in text_of(out) and "line 50\n" not in text_of(out) and "... 950 more lines" in out
    assert "line 999" in text_of(view.show(stage="llvm").stage_html())


def test_ir_view_selection_errors():
    view = V.IRView([FakeInspection({"T": 16}), FakeInspection({"T": 32})])
    with pytest.raises(ts.TesseraError, match=r"unknown stage 'sas'(.*\n)+Write instead: \"sass\"; one of"):
        view.show(stage="sas")
    with pytest.raises(ts.TesseraError, match=r"config='T=8' is not a config of this view(.*\n)+"
                                              r"Write instead: one of: 'T=16', 'T=32'"):
        view.show(config="T=8")
    with pytest.raises(ts.TesseraError, match=r"diff_against='x' is not a config"):
        view.show(diff_against="x")


def test_ir_view_labels_name_the_target_when_targets_differ():
    view = V.IRView([FakeInspection({"T": 16}, "sm_80"), FakeInspection({"T": 16}, "sm_90")])
    assert view.labels == ["T=16 @ sm_80", "T=16 @ sm_90"]
    assert V.IRView([FakeInspection(), FakeInspection()]).labels == ["default", "default (2)"]


def test_ir_view_of_a_real_kernel_and_a_diff_between_configs():
    view = V.ir_view(K.matmul_tiled, "f32[256,256]", "f32[256,256]", "f32[256,256]", 16, target="sm_90")
    assert view.labels == ["TILE=16"] and "shared.alloc[f32](16, 16)" in view.inspection["typed"]

    @ts.kernel
    def fill(x: ts.Tensor["N", ts.f32]):
        T = ts.autotune.get_param("T")
        i = ts.program_id(0) * T + ts.thread_id(0)
        if i < x.shape[0]:
            x[i] = 1.0

    view = V.ir_view(fill, "f32[4096]", configs=[{"T": 64}, {"T": 128}], target="sm_90")
    controls = {c._dom_classes[0]: c for c in view.widget.children[1].children}
    view.widget.children[-1].selected_index = STAGES.index("typed")
    controls["tessera-ir-against"].value = "T=128"
    controls["tessera-ir-diff"].value = True
    assert view.diff_against == "T=128" and view.config == "T=64"
    d = view.diff()
    assert "-    i: i32 = program_id(0) * 128" in d.text and "+    i: i32 = program_id(0) * 64" in d.text
    shown = view.widget.children[-1].children[STAGES.index("typed")].value
    assert "threads_per_block" in shown and "<td>128</td><td>64</td><td>-64</td>" in shown


def test_ir_view_errors():
    def not_a_kernel(x):
        return x

    with pytest.raises(ts.TesseraError, match=r"ir_view shows a Tessera kernel, got function 'not_a_kernel'"
                                              r"(.*\n)+Write instead: decorate the function with @ts.kernel"):
        V.ir_view(not_a_kernel, "f32[16]")
    with pytest.raises(ts.TesseraError, match=r"ir_view needs matmul_tiled's arguments(.*\n)+Write instead: "
                                              r'ir_view\(matmul_tiled, "f32\[1024,1024\]", "f32\[1024,1024\]", '
                                              r'"f32\[1024,1024\]", 16\)'):
        V.ir_view(K.matmul_tiled)
    with pytest.raises(ts.TesseraError, match=r"configs= takes a list of dicts, got \{'T': 16\}"):
        V.ir_view(K.vector_add, *VEC, configs={"T": 16})


def test_ir_view_of_an_untuned_autotuned_kernel_asks_for_configs():
    @ts.kernel.autotune(space={"B": [32, 64]}, key=["N"])
    def tuned(x: ts.Tensor["N", ts.f32]):
        B = ts.autotune.get_param("B")
        i = ts.program_id(0) * B + ts.thread_id(0)
        if i < x.shape[0]:
            x[i] = 0.0

    with pytest.raises(ts.TesseraError, match=r"tuned is autotuned and has no tuned config(.*\n)+Write instead: "
                                              r"name the configs to show: ir_view\(tuned, \.\.\., "
                                              r"configs=\[\{'B': 32\}\]\)"):
        V.ir_view(tuned, "f32[1024]")
    assert V.ir_view(tuned, "f32[1024]", configs=[{"B": 32}], target="sm_90").labels == ["B=32"]


# --------------------------------------------------------------------------- autotune view


def sweep(scale=1.0):
    """A fabricated sweep over three parameters: times scaled by `scale` (another run's clock)."""
    out = []
    for m in (16, 32):
        for n in (16, 32):
            for w in (4, 8):
                if m * n > 512:
                    out.append(Result({"M": m, "N": n, "W": w}, "pruned",
                                      reason=f"threads: {m * n} threads per block > 512"))
                    continue
                t = scale * (m + n + w) / 100
                out.append(Result({"M": m, "N": n, "W": w}, "ok", median_ms=t, min_ms=t * 0.9, max_ms=t * 1.2,
                                  reps=int(100 / scale), threads=m * n, registers=32))
    out[1] = Result({"M": 16, "N": 16, "W": 8}, "incorrect", reason="C: max abs error 1.0")
    return out


def test_autotune_view_of_results():
    view = AutotuneView(sweep(), name="mm", key={"N": 1024})
    assert view.counts == {"ok": 5, "incorrect": 1, "pruned": 2}
    assert view.best_config == {"M": 16, "N": 16, "W": 4}
    assert view.names == ["M", "N", "W"]
    assert set(view.figures()) == {"time per config", "heatmap", "parallel coordinates"}
    assert view.heatmap_axes == ("N", "M")
    nr = view.not_run()
    assert nr["status"].tolist() == ["incorrect", "pruned", "pruned"]
    assert nr["reason"].iloc[1] == "threads: 1024 threads per block > 512"
    assert repr(view) == "<ts.AutotuneView mm: 8 configs (5 ok, 1 incorrect, 2 pruned), best M=16 N=16 W=4>"


def test_autotune_view_html_is_the_same_whatever_the_clock_says():
    a, b = AutotuneView(sweep(1.0), name="mm"), AutotuneView(sweep(3.0), name="mm")
    assert a.to_html() != b.to_html()
    assert sanitized(a.to_html()) == sanitized(b.to_html())
    out = a.to_html()
    assert "1 incorrect (C); 2 pruned (threads)" in out
    assert re.search(r'<span class="tessera-timing">M=16 N=16 W=4</span>', out)


def test_autotune_view_plots_only_what_varies():
    one = [Result({"B": b, "W": 4}, "ok", median_ms=1.0 / b, min_ms=0.1, max_ms=1.0) for b in (32, 64)]
    view = AutotuneView(one)
    assert set(view.figures()) == {"time per config"} and view.heatmap_axes is None
    w = view.widget
    tab = w.children[-1]
    assert tab.titles == ("time per config", "heatmap", "parallel coordinates", "table",
                          "pruned, failed, incorrect", "pinned")
    assert type(tab.children[0].children[0]).__name__ == "FigureWidget"
    assert "two parameters that vary" in tab.children[1].children[1].children[0].value


def test_autotune_view_heatmap_axes_from_dropdowns_and_calls():
    view = AutotuneView(sweep())
    x, y = view.widget.children[-1].children[1].children[0].children
    assert (x.value, y.value) == ("N", "M") and x.options == ("M", "N", "W")
    x.value = "W"
    assert view.heatmap_axes == ("W", "M")
    heat = view.widget.children[-1].children[1].children[1].children[0]
    assert heat.layout.xaxis.title.text == "W"
    view.show_heatmap("M", "N")
    assert view.heatmap_axes == ("M", "N")
    with pytest.raises(ts.TesseraError, match=r"'Q' is not a parameter that varies in this sweep(.*\n)+"
                                              r"Write instead: one of: M, N, W"):
        view.show_heatmap("Q", "M")


def test_autotune_view_follows_a_sweep_live():
    view = AutotuneView(name="mm")
    assert repr(view) == "<ts.AutotuneView mm: waiting for a sweep>"
    w = view.widget
    bar = w.children[1]
    results = sweep()
    for i, r in enumerate(results, start=1):
        view(Progress(i, len(results), r, None, 0.1 * i, "time"))
        if i == 3:
            assert (bar.value, bar.max) == (3, 8) and "running: time" in w.children[0].value
            assert repr(view).endswith("(running)>")
    view(Progress(len(results), len(results), None, None, 1.0, "done"))
    assert view.done and bar.bar_style == "success" and view.counts["ok"] == 5
    assert "threads: 1024 threads per block" in w.children[-1].children[3].children[0].children[1].value
    view(Progress(1, 2, Result({"M": 64, "N": 64, "W": 4}, "ok", median_ms=1.0), None, 0.1, "time"))
    assert not view.done and len(view.frame) == 1  # a new sweep reported to the same view


def test_autotune_view_table_sorts_by_time():
    view = AutotuneView(sweep())
    table = view.widget.children[-1].children[3].children[0]
    table.children[0].children[0].value = "median_ms"
    rows = re.findall(r'<tr(?: class="([\w-]+)")?><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>', table.children[1].value)
    assert rows[0] == ("tessera-best", "16", "16", "4") and [r[0] for r in rows].count("tessera-bad") == 1
    assert 'class="tessera-best"' not in view.to_html()  # which row is best depends on the clock


def test_autotune_view_pinned_and_copy(monkeypatch):
    view = AutotuneView(sweep(), pinned="@ts.kernel.autotune(configs=[...])\ndef k(): ...\n")
    sent = []
    button = view.widget.children[-1].children[5].children[0]
    assert "tessera-autotune-copy" in button._dom_classes and button.label == "copy pinned decorator"
    monkeypatch.setattr(type(button), "send", lambda self, msg: sent.append(msg))
    assert view.copy_pinned().startswith("@ts.kernel.autotune") and sent == [{"copy": True}]
    assert button.text == view.pinned_decorator()
    with pytest.raises(ts.TesseraError, match=r"made from results alone: it has no kernel to pin(.*\n)+"
                                              r"Write instead: autotune_view\(my_kernel\)"):
        AutotuneView(sweep()).pinned_decorator()


def test_autotune_view_of_a_data_frame():
    from tessera.tune.results import to_frame
    view = AutotuneView(to_frame(sweep()))
    assert view.names == ["M", "N", "W"] and view.counts["pruned"] == 2


def test_autotune_view_errors():
    with pytest.raises(ts.TesseraError, match=r"autotune_view shows an autotuned kernel, got ts.kernel "
                                              r"'vector_add'(.*\n)+Write instead: @ts.kernel.autotune"):
        V.autotune_view(K.vector_add)

    @ts.kernel.autotune(space={"B": [32, 64]}, key=["N"])
    def never_run(x: ts.Tensor["N", ts.f32]):
        B = ts.autotune.get_param("B")
        i = ts.program_id(0) * B + ts.thread_id(0)
        if i < x.shape[0]:
            x[i] = 0.0

    with pytest.raises(ts.TesseraError, match=r"never_run has not been tuned yet(.*\n)+Write instead: run the "
                                              r"kernel once with arguments first: never_run\(\*args\)"):
        V.autotune_view(never_run)
    live = V.autotune_view(never_run, live=True)
    assert repr(live) == "<ts.AutotuneView never_run: waiting for a sweep>" and live.names == ["B"]
    with pytest.raises(ts.TesseraError, match=r"this autotune view has no kernel to tune"):
        AutotuneView().tune()


# --------------------------------------------------------------------------- profile view


class FakeProfile:
    """A profile's events, summarized by the profiler's own table and figures."""

    def __init__(self, scale=1.0):
        def kernel(name, t0, dt, config=""):
            return Event("kernel", name, t0 * scale, (t0 + dt) * scale, "default stream", "cuda events",
                         {"kernel": name, "config": config, "bytes": 4e6, "flops": None, "backend": "cuda",
                          "grid": (4, 1, 1), "block": (256, 1, 1)})
        self.events = [Event("compile", "compile b", 0.0, 5.0 * scale, "host", "host wall clock", {}),
                       kernel("b", 6.0, 3.0), kernel("a", 10.0, 1.0, "T=16"), kernel("a", 12.0, 1.5, "T=32"),
                       Event("copy", "host to device", 1.0, 1.5 * scale, "default stream", "host wall clock",
                             {"bytes": 4e6})]
        self.duration_ms = 20.0 * scale

    def table(self, by="kernel", kind="kernel"):
        from tessera.profile.summary import table
        return table(self.events, by=by, kind=kind)

    def timeline(self, title=None):
        from tessera.profile.plots import timeline
        return timeline(self.events, title=title)

    def roofline(self):
        from tessera.profile.plots import roofline
        return roofline(self.table(by="config"), device="H100-SXM")


def test_profile_view_tables_in_name_order_and_tabs():
    view = ProfileView(FakeProfile())
    assert view.counts == {"kernel": 3, "copy": 1, "compile": 1}
    assert repr(view) == "<ts.ProfileView: 3 kernel launches, 1 copy, 1 compile>"
    assert view.kernel_table().sorted_frame()["kernel"].tolist() == ["a", "b"]  # b took longer
    w = view.widget
    assert w._dom_classes == ("tessera-profile-view", "tessera-view")
    tab = w.children[-1]
    assert tab.titles == ("timeline", "kernels", "other events", "roofline")
    assert type(tab.children[0]).__name__ == "FigureWidget"
    by = tab.children[1].children[0]
    by.value = "config"
    assert view.by == "config"
    assert view.kernel_table().sorted_frame()["config"].tolist() == ["T=16", "T=32", ""]
    assert "host to device" in tab.children[2].value
    with pytest.raises(ts.TesseraError, match=r"by='stream' is not a grouping(.*\n)+Write instead: "
                                              r'view.show\(by="kernel"\)'):
        view.show(by="stream")


def test_profile_view_html_is_the_same_whatever_the_clock_says():
    a, b = ProfileView(FakeProfile(1.0)), ProfileView(FakeProfile(2.0))
    assert a.to_html() != b.to_html() and sanitized(a.to_html()) == sanitized(b.to_html())
    out = a.to_html()
    assert '<td class="tessera-timing">' in out and "<td>4000000</td>" in out and "FIGURE" in sanitized(out)


def test_profile_view_errors():
    with pytest.raises(ts.TesseraError, match=r"profile_view shows what ts.profile\(\) recorded, got list"
                                              r"(.*\n)+Write instead: with ts.profile\(\) as prof:"):
        V.profile_view([])


# --------------------------------------------------------------------------- alignment

CUDA_MATMUL = """// two kernels in one cell
__global__ void scale(float* x, float s, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= s;
}

template <int TILE>
__global__ void matmul(const float* A, const float* B, float* C, int M, int N, int K) {
    __shared__ float As[TILE][TILE];
    int row = blockIdx.y * TILE + threadIdx.y;
    int col = blockIdx.x * TILE + threadIdx.x;
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += TILE) {
        __syncthreads();
        for (int k = 0; k < TILE; ++k) {
            acc += As[threadIdx.y][k] * B[(k0 + k) * N + col];
        }
        __syncthreads();
    }
    if (row < M && col < N) {
        C[row * N + col] = acc;
    }
}
"""


def test_extract_a_kernel_from_a_cell_with_its_template_line():
    text, first = align.extract_cuda_kernel(CUDA_MATMUL, "matmul")
    assert first == 7 and text.startswith("template <int TILE>\n__global__ void matmul(")
    assert text.endswith("    }\n}")
    text, first = align.extract_cuda_kernel(CUDA_MATMUL)
    assert first == 2 and text.count("\n") == 3
    assert align.extract_cuda_kernel("int x;", "k") == ("int x;", 1)


def test_tokens_speak_tessera():
    assert align.tokens_cuda("for (int k = 0; k <= n; ++k) {") == ["for", "k", "in", "range", "0", ",", "n",
                                                                    "+", "1"]
    assert align.tokens_cuda("acc = fmaxf(acc, 1.5f) * 2;") == ["acc", "=", "max", "acc", ",", "1.5", "*", "2"]
    assert align.tokens_cuda("__syncthreads();  // wait") == ["barrier"]
    assert align.tokens_tessera("ts.barrier()  # wait") == ["barrier"]
    assert align.tokens_tessera('def k(x: ts.Tensor["N", ts.f32], s: ts.f32):') == ["k", "x", ",", "s"]


def test_matmul_lines_pair_up_in_order():
    cuda, _ = align.extract_cuda_kernel(CUDA_MATMUL, "matmul")
    pairs = align.align_sources(cuda, K.matmul_tiled.source).pairs
    cl, tl = cuda.splitlines(), K.matmul_tiled.source.splitlines()
    text = {(cl[c - 1].strip(), tl[t - 1].strip()) for c, t in pairs}
    assert ("int row = blockIdx.y * TILE + threadIdx.y;", "row = ts.program_id(0) * TILE + ts.thread_id(0)") in text
    assert ("for (int k0 = 0; k0 < K; k0 += TILE) {", "for k0 in ts.range(0, K, TILE):") in text
    assert ("if (row < M && col < N) {", "if row < M and col < N:") in text
    assert ("C[row * N + col] = acc;", "C[row, col] = acc") in text
    assert [c for c, _ in pairs] == sorted(c for c, _ in pairs) and [t for _, t in pairs] == sorted(t for _, t in pairs)
    assert not any("}" == cl[c - 1].strip() for c, _ in pairs)


# --------------------------------------------------------------------------- side by side


class FakeCuda:
    name = "vector_add"
    source = """#include <cuda_fp16.h>

__global__ void vector_add(const float* a, const float* b, float* c, int n) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < n) {
        c[idx] = a[idx] + b[idx];
    }
}
"""
    filename = "<cuda-source-0123>"
    first_line = 1
    arch = "sm_90"
    ptx = sass = None
    resources = {"registers": 12, "shared_bytes": 0, "local_bytes": 0, "spill_bytes": 0}
    can_launch = False

    def __call__(self, *args, grid, block, shared_mem=0, stream=None):
        raise AssertionError("a fake that cannot launch was launched")


def test_side_by_side_view_state():
    view = SideBySide(FakeCuda(), K.vector_add, tessera_resources=resources(13),
                      check=Check("not run", "CUDA C compiled for sm_90; no GPU here to run it"),
                      times=Times(None, 1.25, "host wall clock", "the time ratio needs both kernels on a GPU"),
                      cuda_launch=dict(grid=4, block=256))
    assert view.cuda_first == 3 and view.tessera_first == K.vector_add.fn.__code__.co_firstlineno
    assert len(view.alignment.pairs) == 4
    res = view.resources()
    assert res["CUDA C"]["registers / thread"] == 12 and res["Tessera"]["registers / thread"] == 13
    assert res["CUDA C"]["occupancy (%)"] == "100 (warps)"
    out = view.to_html()
    assert "CUDA C compiled for sm_90; no GPU here to run it" in out
    assert 'Tessera <span class="tessera-timing">1.25 ms</span>' in out and "needs both kernels on a GPU" in out
    assert out.count('<tr class="tessera-matched">') == 4
    w = view.widget
    assert w._dom_classes == ("tessera-side-by-side", "tessera-view")
    assert w.children[-1].children[1].disabled  # "run again" needs the arguments


def test_side_by_side_times_and_verdicts():
    t = Times(2.0, 3.0, "CUDA events")
    assert t.ratio == 1.5
    view = SideBySide(FakeCuda(), K.vector_add, times=t,
                      check=Check("mismatch", "outputs differ: c (max abs error 1)", ()))
    out = view.to_html()
    assert 'Tessera / CUDA C <span class="tessera-timing">1.5x</span>' in out
    assert "tessera-check-mismatch" in out and "&#10007;" in out


def test_side_by_side_from_text_and_without_args(monkeypatch):
    import tessera.runtime.memory as memory
    monkeypatch.setattr(memory, "gpu_available", lambda: False)
    view = V.side_by_side(FakeCuda(), K.vector_add, run=False)
    assert view.check.message == "CUDA C compiled for sm_90; no GPU here to run it"
    assert "Tessera: pass args=(...)" in view.resources_html()
    view = V.side_by_side(FakeCuda.source, K.vector_add, run=False)
    assert view.cuda.name == "vector_add" and view.check.message == "CUDA C from source text: not compiled, not run"
    assert "CUDA C: not compiled here" in view.resources_html()
    view = V.side_by_side(FakeCuda(), K.vector_add, args=VEC, run=False)
    assert view.resources()["Tessera"]["threads / block"] == 256  # inspected (cross-compiled), not run


def test_side_by_side_from_a_file(tmp_path):
    path = tmp_path / "add.cu"
    path.write_text(FakeCuda.source)
    view = V.side_by_side(path, K.vector_add, run=False)
    assert view.cuda.filename == str(path) and "add.cu" in view.header_html()


def test_side_by_side_errors():
    with pytest.raises(ts.TesseraError, match=r"no CUDA C file '/nowhere/k.cu'(.*\n)+Write instead: "):
        V.side_by_side("/nowhere/k.cu", K.vector_add)
    with pytest.raises(ts.TesseraError, match=r"got text with no __global__ function in it"):
        V.side_by_side("int main() {\n}", K.vector_add)
    with pytest.raises(ts.TesseraError, match=r"side_by_side compares a CUDA C kernel, got int"):
        V.side_by_side(3, K.vector_add)
    with pytest.raises(ts.TesseraError, match=r"side_by_side compares with a Tessera kernel, got function"):
        V.side_by_side(FakeCuda(), lambda a, b, c: None)

    class Launchable(FakeCuda):
        can_launch = True

    with pytest.raises(ts.TesseraError, match=r"side_by_side needs the CUDA C launch to run vector_add(.*\n)+"
                                              r"Write instead: cuda_launch=dict\(grid="):
        V.side_by_side(Launchable(), K.vector_add, args=(np.ones(4, np.float32),) * 3)


def test_autotune_view_best_is_the_autotuners_whatever_the_frame_order():
    rs = [Result({"T": 1}, "ok", median_ms=0.5, scale=1 / 3), Result({"T": 2}, "ok", median_ms=0.9),
          Result({"T": 3}, "ok", median_ms=0.8)]
    from tessera.tune.results import best_of, to_frame
    shuffled = to_frame(rs).iloc[::-1]
    assert AutotuneView(shuffled).best_config == best_of(rs).config == {"T": 3}
