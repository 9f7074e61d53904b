"""The guide's autotuned matmul on the sim backend: its 64 x 64 to 256 x 256 thread blocks run as
virtual threads, so only shared memory prunes; an injected benchmark keeps the sweep short."""

import numpy as np

import tessera as ts
from tests.guide_autotune import matmul_optimized


def test_the_guide_space_prunes_only_what_does_not_fit_in_shared_memory(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(tmp_path))
    timed = []

    def bench(fn, *, config, warmup_ms, rep_ms):
        timed.append(dict(config))   # not run: the simulator would take minutes per config
        return 1.0 + config["TILE_K"] / 32 - config["num_warps"] / 64

    k = matmul_optimized.with_options(progress=False, bench=bench, resources=False)
    rng = np.random.default_rng(0)
    A, B = rng.random((40, 24), np.float32), rng.random((24, 36), np.float32)
    C = np.zeros((40, 36), np.float32)
    k(A, B, C, backend="sim")
    np.testing.assert_allclose(C, A @ B, rtol=1e-5)   # the best config ran, on 512 GPU threads
    df = k.autotune_results
    assert len(df) == 243
    pruned = df[df.status == "pruned"]
    assert pruned.reason.str.startswith("shared memory: ").all()
    assert len(pruned) + len(df[df.status == "ok"]) == 243
    big = df[(df.TILE_M == 256) & (df.TILE_N == 256) & (df.TILE_K == 128) & (df.num_stages == 4)].reason.iloc[0]
    assert big == "shared memory: 262144 B x 4 stages = 1048576 B > 49152 B on sm_90 (static, without the opt-in)"
    assert k.best_config["TILE_K"] == 32 and k.best_config["num_warps"] == 16
