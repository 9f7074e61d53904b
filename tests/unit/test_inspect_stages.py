"""The tiled matmul at every stage for sm_80 and sm_90 (test_inspect.py walks the vector add), and the
CLI exactly as the issue writes it."""

import subprocess
import sys
from pathlib import Path

import pytest

from tessera.inspect import occupancy

sys.path.insert(0, str(Path(__file__).parent))
import inspect_kernels as K  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MM = ("f32[1024,1024]",) * 3


@pytest.fixture(scope="module", params=["sm_80", "sm_90"])
def matmul(request):
    return K.matmul_tiled.inspect(*MM, 16, target=request.param)


def test_every_stage_of_the_tiled_matmul(matmul):
    t = matmul.target
    text = {s: matmul[s] for s in matmul.stages}
    assert all(text[s].strip() for s in matmul.stages)
    assert "ts.shared.alloc[ts.f32](TILE, TILE)" in text["source"]
    assert "As = shared.alloc[f32]($TILE, $TILE)" in text["ir"]          # before specialization
    assert "As = shared.alloc[f32](16, 16)" in text["typed"]             # TILE=16 substituted
    assert "cuda.shared.array((16, 16,), float32)" in text["numba"] and "cuda.syncthreads()" in text["numba"]
    assert "array(float32, 2d, C)" in text["numba_ir"]
    assert "addrspace(3)" in text["llvm"] and "llvm.nvvm.barrier0" in text["llvm"]
    assert f".target {t}" in text["ptx"] and ".shared" in text["ptx"] and "bar.sync" in text["ptx"]
    assert f".target\t{t}" in text["sass"] or f".target {t}" in text["sass"]
    for op in ("LDG", "STS", "LDS", "BAR.SYNC", "FFMA", "STG", "EXIT"):
        assert op in text["sass"], op


def test_matmul_resources_and_occupancy_follow_the_calculator(matmul):
    r = matmul.resources
    assert (r.threads_per_block, r.shared_static_bytes, r.barriers) == (256, 2048, 1)
    assert 16 <= r.registers <= 64 and r.spill_store_bytes == r.local_bytes == 0
    occ = occupancy(matmul.target, threads=256, registers=r.registers, shared_bytes=2048, barriers=1)
    assert r.occupancy == occ
    assert str(r.occupancy).startswith(f"{occ.percent:g}% ({occ.warps_per_sm}/64 warps")


def test_the_cli_as_the_issue_writes_it():
    p = subprocess.run([sys.executable, "-m", "tessera", "inspect", "tests/unit/inspect_kernels.py:vector_add",
                        "--stage", "sass", "--target", "sm_90"], capture_output=True, text=True, cwd=ROOT,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert ".target\tsm_90" in out or ".target sm_90" in out
    for op in ("LDG", "FADD", "STG", "EXIT"):
        assert op in out, op
    store = 1 + next(i for i, l in enumerate((ROOT / "tests/unit/inspect_kernels.py").read_text().splitlines())
                     if "c[idx] = a[idx] + b[idx]" in l)
    assert f"//## L{store} " in out       # SASS runs are headed by the user's line they came from


def test_the_cli_stops_quietly_when_its_reader_does():
    # the LLVM IR of the matmul is far more than a pipe holds, so the CLI writes into a closed pipe
    p = subprocess.run(f"{sys.executable} -m tessera inspect tests/unit/inspect_kernels.py:matmul_tiled --stage llvm "
                       f'--target sm_80 --args "f32[64,64],f32[64,64],f32[64,64],16" | head -1', shell=True,
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.stdout.strip() and "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr, p.stderr
