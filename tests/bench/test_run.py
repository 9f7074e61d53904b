"""The suite runner's bookkeeping on fake cases (no kernels): ratios, failures, incremental JSON, exit status."""

import json

import numpy as np
import pytest

from benchmarks import cases, report, run
from benchmarks.case import Case, Impl


def test_ratios_are_the_subjects_throughput_over_each_alternatives():
    results = {"tessera": {"median_ms": 2.0}, "cuda_c": {"median_ms": 1.0},
               "torch": {"skipped": "torch is not installed"}, "triton": {"median_ms": 3.0}}
    assert report.ratios(results) == {"cuda_c": 0.5, "triton": 1.5}
    assert report.ratios({"tessera": {"error": "boom"}, "torch": {"median_ms": 1.0}}) == {}


def test_a_target_is_met_only_when_measured_and_reached():
    assert report.targets({"torch": 1.1, "triton": 0.97}, {"torch": 1.05}) == [
        {"vs": "torch", "min_ratio": 1.1, "ratio": 1.05, "met": False},
        {"vs": "triton", "min_ratio": 0.97, "ratio": None, "met": None}]


def _fake_case(env, wrong=False, boom=False):
    out = np.zeros(4, np.float32)

    def good():
        out[:] = 1.0

    def bad():
        out[:] = 2.0 if wrong else 1.0

    def explode():
        raise RuntimeError("the launch failed")

    impls = [Impl("tessera", good), Impl("numpy", bad), Impl("numba", skipped="numba is not installed")]
    if boom:
        impls.append(Impl("torch", explode))
    return Case("fake", "4", "float32", impls, reset=lambda: out.fill(0),
                check=lambda: None if (out == 1.0).all() else "out is not all ones",
                bytes_moved=16, targets={"numpy": 1.0})


@pytest.fixture
def fake_suite(monkeypatch):
    registry = {}
    monkeypatch.setattr(cases, "CASES", registry)
    return registry


def _argv(tmp_path):
    return ["--cpu", "--sizes", "tiny", "--rep-ms", "2", "--warmup-ms", "0.5", "--out", str(tmp_path / "r.json")]


def test_a_wrong_result_or_a_failing_launch_is_recorded_and_the_others_still_run(tmp_path, fake_suite, capsys):
    fake_suite["first"] = lambda env: _fake_case(env, wrong=True, boom=True)
    fake_suite["second"] = lambda env: (_ for _ in ()).throw(ValueError("cannot build"))
    fake_suite["third"] = _fake_case
    assert run.main(_argv(tmp_path)) == 1
    rep = json.loads((tmp_path / "r.json").read_text())
    first, second, third = rep["cases"]
    assert first["results"]["numpy"]["error"].startswith("wrong result: out is not all ones")
    assert first["results"]["torch"]["error"] == "RuntimeError: the launch failed"
    assert first["results"]["numba"] == {"skipped": "numba is not installed"}
    assert first["results"]["tessera"]["median_ms"] > 0 and first["ratios"] == {}
    assert second["error"] == "ValueError: cannot build"
    assert set(third["ratios"]) == {"numpy"} and third["targets"][0]["vs"] == "numpy"
    err = capsys.readouterr().err
    assert "NO GPU (--cpu)" in err and "[2/3] second: building" in err and "!! fake/torch: RuntimeError" in err


def test_json_and_markdown_are_written_after_each_case(tmp_path, fake_suite):
    seen = []

    def watching(env):
        path = tmp_path / "r.json"
        seen.append(json.loads(path.read_text())["cases"] if path.exists() else None)
        if path.exists():
            assert "| fake | 4 | tessera |" in path.with_suffix(".md").read_text()
        return _fake_case(env)

    fake_suite["a"] = watching
    fake_suite["b"] = watching
    assert run.main(_argv(tmp_path)) == 0
    assert seen[0] is None and [c["name"] for c in seen[1]] == ["fake"]


def test_case_selection_keeps_the_suite_order_and_rejects_unknown_names():
    assert run.selected_cases(["matmul", "softmax,vector_add"]) == ["vector_add", "softmax", "matmul"]
    with pytest.raises(SystemExit, match="unknown case"):
        run.selected_cases(["softmx"])
