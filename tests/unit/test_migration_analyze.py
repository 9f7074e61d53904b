"""CodebaseAnalyzer: the guide's report on real CUDA and PyTorch files, its counts, and its rules."""

import json
import os
import pathlib
import re

import pytest

import tessera as ts
from tessera.migration import analyze as analyze_mod
from tessera.migration import cuda_scan
from tessera.migration.analyze import AnalysisError, CodebaseAnalyzer
from tessera.migration.result import Diagnostic, KernelTranslation, Translation

CORPUS = pathlib.Path(__file__).parents[1] / "migration_corpus"

VECTOR_ADD = """\
// CUDA kernel for vector addition
__global__ void vector_add(float* a, float* b, float* c, int n) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < n) {
        c[idx] = a[idx] + b[idx];
    }
}

void launch_vector_add(float* a, float* b, float* c, int n) {
    vector_add<<<(n + 255) / 256, 256>>>(a, b, c, n);
    cudaDeviceSynchronize();
}
"""
WARP_SUM = """\
__global__ void warp_sum(float* x, float* out) {
    float v = x[threadIdx.x];
    for (int o = 16; o > 0; o /= 2) v += __shfl_down_sync(0xffffffff, v, o);
    if (threadIdx.x == 0) out[blockIdx.x] = v;
}
"""
HEADER_KERNEL = """\
#pragma once
#include <cub/cub.cuh>
__global__ void fill(float* a, float v, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) a[i] = v;
}
"""
MODEL = """\
import torch
import numpy as np
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        with torch.autocast("cuda"):
            return x
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "kernels").mkdir()
    (tmp_path / "kernels" / "add.cu").write_text(VECTOR_ADD)
    (tmp_path / "kernels" / "warp.cu").write_text(WARP_SUM)
    (tmp_path / "kernels" / "fill.h").write_text(HEADER_KERNEL)
    (tmp_path / "host.cpp").write_text("#include <vector>\nint main() { return 0; }\n")
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_model.py").write_text("def test_a():\n    pass\n\ndef test_b():\n    pass\n")
    return tmp_path


def test_guide_example_runs_as_written(project, capsys):
    analyzer = ts.migration.CodebaseAnalyzer()
    analysis_report = analyzer.analyze_project(str(project))
    print("Migration Analysis Report:")
    print(f"Total CUDA kernels found: {analysis_report.cuda_kernels}")
    print(f"PyTorch modules found: {analysis_report.pytorch_modules}")
    print(f"Estimated migration effort: {analysis_report.effort_estimate}")
    print(f"Migration complexity: {analysis_report.complexity_level}")
    print(f"Potential performance gains: {analysis_report.performance_potential}")
    for recommendation in analysis_report.recommendations:
        print(f"- {recommendation.component}: {recommendation.suggestion}")
    out = capsys.readouterr().out
    assert "Total CUDA kernels found: 3\n" in out
    assert "PyTorch modules found: 1\n" in out
    assert re.search(r"Estimated migration effort: about [\d.]+ person-days \(\d of 3 kernels translate", out)
    assert "Migration complexity: Medium\n" in out          # score 10 + 3 * 5 + 2 + 5 = 32
    assert "Potential performance gains: Moderate (static estimate): 3 memory-bound kernels" in out
    assert "- PyTorch modules (1): keep them in PyTorch" in out


def test_counts_on_a_small_project(project):
    r = CodebaseAnalyzer().analyze_project(project)
    assert sorted(k.where for k in r.kernels) == ["kernels/add.cu:2", "kernels/fill.h:3", "kernels/warp.cu:1"]
    assert r.files == {"python": 2, "cuda": 2, "cpp": 2}
    assert r.lines["cpp"] == 8 and r.lines["cuda"] == 17
    assert r.cuda_files == ["kernels/add.cu", "kernels/fill.h", "kernels/warp.cu"]   # host.cpp: lines only
    assert [m.where for m in r.modules] == ["model.py:6"]
    assert r.mixed_precision and not r.distributed_training and r.custom_autograd_functions == 0
    assert r.host == {"launches": 1, "copies": 0, "syncs": 1, "allocations": 0}
    assert r.imports == {"numpy": ["model.py"], "torch": ["model.py"]}
    assert r.includes == {"cub/cub.cuh": ["kernels/fill.h"], "vector": ["host.cpp"]}
    assert r.test_files == ["tests/test_model.py"] and r.test_functions == 2
    warp = next(k for k in r.kernels if k.name == "warp_sum")
    assert warp.effort == "medium" and not warp.automatic and "warp_intrinsics" in warp.features
    assert any(d.id == "TM101" and d.where == "kernels/warp.cu:3" for d in r.diagnostics)
    add = next(k for k in r.kernels if k.name == "vector_add")
    assert add.automatic
    assert r.kernels_automatic == 2
    assert r.translation.kernels_total == 3 and 0 < r.translation.lines_automatic < r.translation.cuda_lines


def test_guide_metrics_and_score(project):
    r = CodebaseAnalyzer().analyze_project(project)
    assert r.metrics() == {"total_lines_of_code": r.total_lines_of_code, "cuda_kernel_count": 3,
                           "pytorch_module_count": 1, "custom_autograd_functions": 0,
                           "distributed_training_usage": False, "mixed_precision_usage": True}
    assert r.complexity_score == 10 + 15 + 2 + 5


def _fake_translate(source, filename):
    """A translator whose answer the test controls: every kernel gets the diagnostics its name asks for."""
    kernels, diags = [], []
    for f in cuda_scan.find_kernels(source):
        mine = [Diagnostic(i, f"fake {i}", line=f.first + 1, effort=e, kernel=f.name)
                for i, e in (("TM900", "high"), ("TM901", "medium"), ("TM902", "low")) if i in f.name]
        kernels.append(KernelTranslation(f.name, f.kind, (f.first, f.last), "", diagnostics=mine))
        diags += mine
    return Translation(source, filename, "", kernels=kernels, diagnostics=diags)


def test_aggregation_and_effort_rule(tmp_path, monkeypatch):
    monkeypatch.setattr(analyze_mod, "_translator", lambda: _fake_translate)
    (tmp_path / "a.cu").write_text(
        "__global__ void k_TM900_TM901(float* a) {\n  a[0] = 1;\n  a[1] = 2;\n}\n"
        "__global__ void k_TM902(float* a) {\n  a[0] = 1;\n}\n"
        "__global__ void k_plain(float* a) {\n  a[0] = 1;\n}\n"
        "__device__ float helper(float x) {\n  return x;\n}\n")
    r = CodebaseAnalyzer().analyze_project(tmp_path)
    assert r.cuda_kernels == 3 and r.device_functions == 1
    assert r.kernels_by_effort == {"none": 1, "low": 1, "medium": 0, "high": 1}
    assert r.kernels_automatic == 2
    assert r.translation.cuda_lines == 13 and r.translation.lines_automatic == 12   # line 2 has high+medium
    # lines with diagnostics: line 2 (high and medium: counted once, high) and line 6 (low) = 8 + 0.25 h,
    # plus 1 h for each of the 2 automatic kernels: 10.25 h -> 1.5 person-days
    assert r.effort_days == 1.5
    assert r.effort_estimate == ("about 1.5 person-days (2 of 3 kernels translate automatically; "
                                 "3 diagnostics: 1 high, 1 medium, 1 low effort)")
    assert [row[0] for row in r.top_diagnostics()] == ["TM900", "TM901", "TM902"]   # ties: higher effort first
    assert r.recommendations[1].component == "TM900 fake TM900 (1 site, high effort)"


def test_translator_failure_is_a_note_and_the_kernels_still_count(tmp_path, monkeypatch):
    def broken(source, filename):
        raise RuntimeError("boom\nsecond line")
    monkeypatch.setattr(analyze_mod, "_translator", lambda: broken)
    (tmp_path / "a.cu").write_text(WARP_SUM)
    r = CodebaseAnalyzer().analyze_project(tmp_path)
    assert [(k.name, k.translated, k.effort) for k in r.kernels] == [("warp_sum", False, "high")]
    assert [(n.path, n.reason) for n in r.notes] == [
        ("a.cu", "translator failed (RuntimeError: boom); its kernels count as untranslated")]
    assert r.effort_days == 1.0                        # one hand-ported kernel: 8 h
    assert any(x.component.startswith("CUDA kernels the translator failed on (1)") for x in r.recommendations)


def test_without_translator_kernels_are_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(analyze_mod, "_translator", lambda: None)
    (tmp_path / "a.cu").write_text(VECTOR_ADD)
    r = CodebaseAnalyzer().analyze_project(tmp_path)
    assert r.cuda_kernels == 1 and not r.translator_available
    assert r.effort_estimate.startswith("unknown: 1 kernels found but not translated")


def test_missing_path_error_names_it():
    with pytest.raises(AnalysisError, match=r"no such file or directory: /no/such/project\n"
                                            r"Write instead: an existing directory or file"):
        CodebaseAnalyzer().analyze_project("/no/such/project")


def test_empty_project(tmp_path):
    r = CodebaseAnalyzer().analyze_project(tmp_path)
    assert (r.cuda_kernels, r.pytorch_modules, r.effort_days) == (0, 0, 0)
    assert r.performance_potential == "None found: no CUDA kernels or PyTorch modules"
    assert any(x.component == "Project" for x in r.recommendations)


def test_to_dict_is_json_and_complete(project):
    r = CodebaseAnalyzer().analyze_project(project)
    d = json.loads(json.dumps(r.to_dict()))
    for key in ("cuda_kernels", "pytorch_modules", "effort_estimate", "complexity_level", "performance_potential",
                "recommendations", "custom_autograd_functions", "distributed_training", "mixed_precision",
                "kernels_automatic", "automatic_share", "translation", "top_diagnostics", "notes", "metrics"):
        assert key in d, key
    assert d["recommendations"][0].keys() == {"component", "suggestion", "locations"}
    assert {k["name"]: k["automatic"] for k in d["kernels"]}["warp_sum"] is False


def test_progress_callback(project):
    calls = []
    CodebaseAnalyzer(progress=lambda f, n, p: calls.append((f, n, p))).analyze_project(project)
    assert [c[0] for c in calls] == list(range(1, 7))
    assert calls[-1][1] == 8 + 17 + sum(len(t.splitlines()) for t in (MODEL, "1\n2\n3\n4\n5\n"))


def test_corpus_counts():
    """The analyzer over the project's migration corpus: CUDA kernels and PyTorch constructs, counted."""
    r = CodebaseAnalyzer().analyze_project(CORPUS)
    cu = sorted((CORPUS / "cuda").glob("*.cu"))
    expected_kernels = sum(1 for p in cu for f in cuda_scan.find_kernels(p.read_text()) if f.kind == "kernel")
    assert r.cuda_kernels == expected_kernels > 20
    assert r.files["cuda"] == len(cu)
    assert sorted(m.name for m in r.modules) == ["Block", "Encoder", "MLP", "ScaledReLU", "Wrapper"]
    assert sorted(f.name for f in r.autograd_functions) == ["MyReLU", "Scale"]
    assert r.distributed_training and r.mixed_precision and len(r.cuda_extensions) == 4
    assert [n.path for n in r.notes] == ["python/broken.py"]
    ids = {d.id for d in r.diagnostics}
    assert {"TM101", "TM110", "TM120", "TM130", "TM140"} <= ids
    assert 0 < r.kernels_automatic < r.cuda_kernels
    print(f"\ncorpus: {r.cuda_kernels} kernels, {r.kernels_automatic} automatic, "
          f"{r.translation.lines_automatic}/{r.translation.cuda_lines} kernel lines automatic, "
          f"{r.pytorch_modules} modules, {len(r.diagnostics)} diagnostics")


def test_an_untrusted_tree_is_analyzed_with_notes(tmp_path):
    """Every oddity at once: the analysis finishes, counts what it can read, and says what it left out."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "latin.cu").write_bytes("// r\xe9sum\xe9\n".encode("latin-1") + VECTOR_ADD.encode())
    (tmp_path / "src" / "blob.cu").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "src" / "garbage.cu").write_text("}}}{{{ <<<>>> __global__ void (((;\n" * 50)
    (tmp_path / "src" / "deep.py").write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    os.symlink(tmp_path, tmp_path / "src" / "loop")
    with open(tmp_path / "huge.cu", "wb") as fh:
        fh.truncate(500 * 2**20)
    d = tmp_path
    for i in range(70):
        d = d / "n"
    d.mkdir(parents=True)
    (d / "k.cu").write_text(VECTOR_ADD)
    r = CodebaseAnalyzer().analyze_project(tmp_path)
    assert [k.where for k in r.kernels if k.name == "vector_add"] == ["src/latin.cu:3"]
    reasons = {n.path: n.reason for n in r.notes}
    assert reasons["huge.cu"] == "500 MB, over the 20 MB cap; skipped"
    assert reasons["src/blob.cu"].startswith("binary file")
    assert reasons["src/latin.cu"].startswith("not UTF-8")
    assert reasons["src/deep.py"].startswith("Python that does not parse")
    assert any(p.count("/") == 64 and "nested deeper" in why for p, why in reasons.items())
    assert any(x.component.startswith("Files not analyzed") for x in r.recommendations)
