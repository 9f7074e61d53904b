"""The autotuner on the cuda backend: CUDA-event timing, device memory, parallel compilation."""

import numpy as np
import pytest

import tessera as ts
from tessera.tune import AutotunedKernel
from tests.guide_autotune import matmul_optimized

pytestmark = pytest.mark.gpu

SPACE = [{"TILE_M": m, "TILE_N": n, "TILE_K": k, "num_stages": s}
         for m in (8, 16) for n in (16, 32) for k in (16,) for s in (1, 2)]


def guide_body(**options):
    """The guide's kernel body over tiles the cuda backend runs without virtual threads."""
    fresh = ts.Kernel(matmul_optimized.kernel.fn)   # nothing compiled in memory by other tests
    return AutotunedKernel(fresh, SPACE, matmul_optimized.options).with_options(progress=False, **options)


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(tmp_path))


def test_tunes_on_the_gpu_with_cuda_events_and_a_reference():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((200, 96)).astype(np.float32)
    B = rng.standard_normal((96, 160)).astype(np.float32)
    C = np.zeros((200, 160), np.float32)
    k = guide_body(reference=lambda a, b, c: a @ b, rep_ms=10.0, warmup_ms=2.0, workers=0)
    k(A, B, C, backend="cuda")
    np.testing.assert_allclose(C, A @ B, rtol=1e-4, atol=1e-3)
    rs = k.results
    assert all(r.status == "ok" for r in rs), [(r.config, r.reason) for r in rs if r.status != "ok"]
    assert all(r.checked and r.reps >= 3 and r.registers for r in rs if not r.same_as)


def test_workers_compile_and_the_tuning_process_loads_numbas_cache():
    A = np.ones((64, 64), np.float32)
    k = guide_body(workers=2, rep_ms=5.0, warmup_ms=1.0, resources=False)
    k(A, A, np.zeros_like(A), backend="cuda")
    for c in k.kernel._compiled.values():
        stats = c.handle.dispatcher.stats
        assert sum(stats.cache_misses.values()) == 0 and sum(stats.cache_hits.values()) == 1, c.key


def test_device_tensors_are_nan_filled_on_the_device():
    def half(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
        S = ts.autotune.get_param("STRIDE")
        i = ts.program_id(0) * 128 + ts.thread_id(0)
        if i < x.shape[0] and i % S == 0:
            y[i] = x[i]
    k = ts.kernel.autotune(space={"STRIDE": [2, 1]}, key=["N"], progress=False, rep_ms=5.0, warmup_ms=1.0)(half)
    x = ts.from_numpy(np.arange(1000, dtype=np.float32), device="cuda:0")
    y = ts.zeros(1000, device="cuda:0")
    k(x, y, backend="cuda")
    assert k.best_config == {"STRIDE": 1} and np.array_equal(y.numpy(), x.numpy())
    bad = [r for r in k.results if r.config == {"STRIDE": 2}][0]
    assert bad.status == "incorrect" and "500 of 1000 elements still NaN" in bad.reason
