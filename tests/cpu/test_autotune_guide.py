"""The guide's `matmul_optimized`, verbatim with its decorator and full 243-config space, tuned on the
no-GPU default backend (cpu: virtual threads), plus parallel compilation through numba's disk cache."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import tessera as ts
from tests.guide_autotune import matmul_optimized

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = dict(max_configs=2, progress=False, rep_ms=20.0, warmup_ms=5.0)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_the_guide_snippet_is_verbatim():
    guide = (Path("/work/shared/seed/tessera-migration-guide-part1.md"))
    if not guide.exists():
        pytest.skip("the migration guide is not on this machine")
    md = guide.read_text()
    start = md.index("```python\n", md.index("#### After: Tessera Matrix Multiplication with Autotuning")) + 10
    snippet = md[start:md.index("```", start)]
    assert snippet in (ROOT / "tests" / "guide_autotune.py").read_text()


def test_guide_matmul_tunes_its_full_space_on_the_default_backend(cache_dir):
    if ts.current_backend().name != "cpu":
        pytest.skip("the no-GPU default backend is cpu; this machine defaults to " + ts.current_backend().name)
    k = matmul_optimized.with_options(**OPTIONS, reference=lambda A, B, C: A @ B)
    rng = np.random.default_rng(3)
    A = rng.standard_normal((20, 12)).astype(np.float32)
    B = rng.standard_normal((12, 24)).astype(np.float32)
    C = np.zeros((20, 24), np.float32)
    k(A, B, C)
    np.testing.assert_allclose(C, A @ B, rtol=1e-4, atol=1e-4)
    df = k.autotune_results
    assert len(df) == 243 and k.last_sweep["key"] == {"M": 20, "N": 24, "K": 12}
    pruned = df[df.status == "pruned"]
    # Without the opt-in, a GPU block has 48 KB of static shared memory: TILE_K x (TILE_M + TILE_N) x 4 B
    # x num_stages must fit, which leaves 64 x 64 x 32 (2 or 3 stages) and 64 x 128 / 128 x 64 x 32 (2 stages).
    # Of those, the 64 x 128 and 128 x 64 tiles on 4 warps hold 64 accumulators and the next tile's
    # 32 prefetch registers per thread (num_stages pipelines the k loop): ptxas for sm_90 spills them.
    reasons = pruned.reason.str.split(":").str[0]
    assert (reasons == "shared memory").sum() == 231 and len(pruned) == 233
    spilled = df[df.reason.str.startswith("spills", na=False)]
    assert sorted(map(tuple, spilled[["TILE_M", "TILE_N", "num_warps", "num_stages"]].values.tolist())) == \
        [(64, 128, 4, 2), (128, 64, 4, 2)]
    assert (df.status == "ok").sum() >= 2 and (df.status == "skipped").sum() >= 1
    assert k.best_config in df[df.status == "ok"][list(k.options.names)].to_dict("records")
    # num_warps does not change the cpu backend's code: those configs share one timing.
    assert df.reason.str.contains("same code as").any()


RESTART = """
import json, numpy as np, tessera as ts
from tests.guide_autotune import matmul_optimized
k = matmul_optimized.with_options(max_configs=2, progress=False, rep_ms=20.0, warmup_ms=5.0,
                                  reference=lambda A, B, C: A @ B)
rng = np.random.default_rng(3)
A = rng.standard_normal((20, 12)).astype(np.float32)
B = rng.standard_normal((12, 24)).astype(np.float32)
C = np.zeros((20, 24), np.float32)
k(A, B, C)
assert np.allclose(C, A @ B, rtol=1e-4, atol=1e-4)
print(json.dumps({"sweep": k.last_sweep, "best": k.best_config}))
"""


def test_a_restarted_process_reuses_the_best_config_with_no_timing(cache_dir):
    if ts.current_backend().name != "cpu":
        pytest.skip("needs the cpu default backend")
    env = {**os.environ, "TESSERA_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(ROOT)}
    runs = [subprocess.run([sys.executable, "-c", textwrap.dedent(RESTART)], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=240) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr[-3000:] + runs[1].stderr[-3000:]
    first, second = (json.loads(r.stdout.strip().splitlines()[-1]) for r in runs)
    assert second["best"] == first["best"]
    s = second["sweep"]
    assert s["cached"] == s["ok"] + s["pruned"] + s["failed"] + s["incorrect"]  # nothing timed again
    assert s["skipped"] == first["sweep"]["skipped"]


def double(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    B = ts.autotune.get_param("BLOCK")
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = 2.0 * x[i]


def test_workers_compile_and_this_process_loads_from_numbas_cache(cache_dir):
    k = ts.kernel.autotune(space={"BLOCK": [32, 64, 128, 256]}, key=["N"], workers=2, resources=False,
                           progress=False, backend="cpu", bench=lambda fn, config, **kw: (fn(), config["BLOCK"])[1])(double)
    x = np.arange(1000, dtype=np.float32)
    y = np.zeros_like(x)
    k(x, y)
    assert np.array_equal(y, 2 * x) and k.best_config == {"BLOCK": 32}
    compiled = list(k.kernel._compiled.values())
    assert len(compiled) == 4
    for c in compiled:
        stats = c.handle.entry.stats
        assert sum(stats.cache_hits.values()) == 1 and sum(stats.cache_misses.values()) == 0, (stats, c.key)
