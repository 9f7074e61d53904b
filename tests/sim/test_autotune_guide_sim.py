"""The guide's autotuned matmul on the sim backend: numba-cuda code has no virtual threads, so every
config's TILE_M x TILE_N block (at least 64 x 64 = 4096 threads) is pruned, and the call says why."""

import numpy as np
import pytest

import tessera as ts
from tests.guide_autotune import matmul_optimized


def test_every_config_is_pruned_for_threads_and_the_error_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(tmp_path))
    k = matmul_optimized.with_options(progress=False)
    A = np.ones((8, 8), np.float32)
    with pytest.raises(ts.TesseraError, match=r"no config of matmul_optimized can run for M=8, N=8, K=8: "
                                              r"243 pruned \(threads\)"):
        k(A, A, np.zeros_like(A), backend="sim")
    df = k.autotune_results
    assert len(df) == 243 and (df.status == "pruned").all()
    assert df.reason.str.startswith("threads: ").all()
    # A config can fail several checks: all of its reasons are listed.
    big = df[(df.TILE_M == 256) & (df.TILE_N == 256) & (df.TILE_K == 128) & (df.num_stages == 4)].reason.iloc[0]
    assert big == ("threads: 65536 threads per block > 1024; shared memory: 262144 B x 4 stages = 1048576 B "
                   "> 49152 B on sm_90 (static, without the opt-in)")
