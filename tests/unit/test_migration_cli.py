"""`python -m tessera migrate analyze|translate`: outputs, exit codes, messages, the standalone HTML report."""

import io
import json
import re
import subprocess
import sys

import pytest

from tessera.__main__ import main as tessera_main
from tessera.migration.cli import Progress, main

KERNEL = """\
__global__ void vector_add(float* a, float* b, float* c, int n) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < n) c[idx] = a[idx] + b[idx];
}
__global__ void warp_sum(float* x, float* out) {
    float v = x[threadIdx.x];
    v += __shfl_down_sync(0xffffffff, v, 16);
    if (threadIdx.x == 0) out[blockIdx.x] = v;
}
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "k.cu").write_text(KERNEL)
    (tmp_path / "m.py").write_text("import torch\nclass Net(torch.nn.Module):\n    pass\n")
    return tmp_path


def test_analyze_text(project, capsys):
    assert main(["analyze", str(project)]) == 0
    out = capsys.readouterr().out
    assert "Total CUDA kernels found: 2\n" in out and "PyTorch modules found: 1\n" in out
    assert "Kernels translated automatically: 1 of 2" in out
    assert re.search(r"TM101 x1 \[medium\] warp shuffle has no Tessera form \(first at k.cu:7\)", out)


def test_analyze_json_to_stdout_and_file(project, capsys, tmp_path):
    assert main(["analyze", str(project), "--json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cuda_kernels"] == 2 and data["kernels_automatic"] == 1
    out = tmp_path / "r.json"
    assert main(["analyze", str(project), "--json", str(out), "--readiness"]) == 0
    data = json.loads(out.read_text())
    assert data["readiness"]["complexity"]["complexity_score"] == data["complexity_score"]
    assert data["readiness"]["technical"]["gpu_compatibility"]["state"]


def test_analyze_html_stands_alone(project, tmp_path):
    (project / "<img src=x onerror=alert(1)>.cu").write_text(KERNEL)
    page_path = tmp_path / "report.html"
    assert main(["analyze", str(project), "--html", str(page_path), "--readiness"]) == 0
    page = page_path.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and not any("src=" in s for s in scripts)                 # plotly.js inline, nothing fetched
    assert "<link" not in page and page.count("Plotly.newPlot") >= 3          # (plotly.js itself names CDNs
    assert page.count("plotly.js v") == 1                                     #  only for maps: unused here)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.cu:1" in page
    for section in ("Summary", "Recommendations", "CUDA kernels (4)", "Diagnostics", "Readiness", "Plan: "):
        assert section in page, section


def test_missing_path_exit_2(capsys):
    assert main(["analyze", "/no/such/dir"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no such file or directory: /no/such/dir\nWrite instead:")


def test_no_command_and_bad_option(capsys):
    assert main([]) == 2
    with pytest.raises(SystemExit) as e:
        main(["analyze", "x", "--json", "--html", "y"])          # one output format at a time
    assert e.value.code == 2


def test_translate_to_stdout_and_file(project, capsys, tmp_path):
    assert main(["translate", str(project / "k.cu")]) == 0
    captured = capsys.readouterr()
    assert "@ts.kernel\ndef vector_add(" in captured.out
    assert re.search(r"k.cu:7: TM101 \[medium\] warp shuffle has no Tessera form", captured.err)
    assert "1 of 2 kernels translated automatically" in captured.err
    out = tmp_path / "k.py"
    assert main(["translate", str(project / "k.cu"), "-o", str(out)]) == 0
    compile(out.read_text(), str(out), "exec")                                 # a valid Python module


def test_translate_missing_file(capsys):
    assert main(["translate", "/no/such.cu"]) == 2
    assert "error: no such file: /no/such.cu" in capsys.readouterr().err


def test_registered_as_a_tessera_command(project, capsys):
    assert tessera_main(["migrate", "analyze", str(project), "--quiet"]) == 0
    assert "Total CUDA kernels found: 2" in capsys.readouterr().out
    assert tessera_main(["--help"]) == 0
    assert "migrate" in capsys.readouterr().out


def test_python_dash_m(project):
    p = subprocess.run([sys.executable, "-m", "tessera", "migrate", "analyze", str(project), "--json"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["pytorch_modules"] == 1


class _Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_progress_waits_then_updates(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr("tessera.migration.cli.time.monotonic", clock)
    stream = io.StringIO()
    p = Progress(stream)
    p(1, 10, "a.cu")                              # within the first half second: silent
    clock.t = 6.0
    p(2, 20, "b.cu")
    clock.t = 6.1
    p(3, 30, "c.cu")                              # not a tty: one line per 5 s at most
    assert stream.getvalue() == "analyzing: 2 files, 20 lines - b.cu\n"
