"""The benchmark runner's reporting, and its no-GPU path (which must exit 0)."""

import json

from benchmarks import run


def test_ratios_are_subject_bandwidth_over_each_alternative():
    results = {"tessera": {"gbps": 3000.0}, "cuda_c_nvrtc": {"gbps": 3100.0},
               "torch": {"skipped": "torch is not installed"}}
    assert run.ratios(results) == {"tessera/cuda_c_nvrtc": 3000.0 / 3100.0}
    assert run.ratios({"tessera": {"error": "boom"}, "torch": {"gbps": 1.0}}) == {}


def test_without_a_gpu_the_runner_says_so_and_exits_0(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(run, "_no_gpu_reason", lambda: "no GPU in this test")
    out = tmp_path / "r.json"
    assert run.main(["--out", str(out), "--rep-ms", "5", "--warmup-ms", "1"]) == 0
    report = json.loads(out.read_text())
    assert report["device"] is None and report["no_gpu"] == "no GPU in this test"
    assert report["cases"][0]["results"]["numpy"]["median_ms"] > 0
    captured = capsys.readouterr()
    assert "NO GPU: no GPU in this test" in captured.err
    assert "| vector_add | 2^20 | numpy |" in captured.out
