"""The whole suite in CPU mode at tiny sizes, in-process: a smoke test of every case's kernels,
references and alternatives. Correctness only: no assertion looks at a time."""

import json
import math

from benchmarks import run
from benchmarks.cases import CASES


def test_every_case_runs_on_the_cpu_backend_and_matches_numpy(tmp_path, capsys):
    out = tmp_path / "suite.json"
    status = run.main(["--cpu", "--sizes", "tiny", "--rep-ms", "2", "--warmup-ms", "0.5", "--out", str(out)])
    rep = json.loads(out.read_text())
    assert run.failures(rep) == [] and status == 0
    assert rep["mode"] == "cpu" and rep["device"] is None
    assert [c["name"] for c in rep["cases"]] == list(CASES)
    for c in rep["cases"]:
        assert c["results"]["tessera"]["median_ms"] > 0, c["name"]
        assert "numpy" in c["ratios"], c["name"]  # every case has a NumPy alternative on the CPU
        assert all(isinstance(r, float) and math.isfinite(r) and r > 0 for r in c["ratios"].values()), c
        assert all(math.isfinite(r["throughput"]) for r in c["results"].values() if "median_ms" in r)
    md = out.with_suffix(".md").read_text()
    assert "| softmax | 16x300 | tessera |" in md and "CPU mode, no GPU" in md
    assert "plotly" in out.with_suffix(".html").read_text()
    assert "| matmul | 64x64x64 | numpy |" in capsys.readouterr().out
