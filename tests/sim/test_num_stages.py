"""num_stages on the simulator: the pipelined loop (shared rings, registers holding the next tile, one
barrier per tile) gives the single-buffered program's results, partial tiles included."""

import numpy as np
import pytest

from tests.cpu.guide_matmul import matmul_optimized

rng = np.random.default_rng(5)


@pytest.mark.parametrize("config", [
    {"num_warps": 1, "num_stages": 2},     # 256 virtual threads on 32: unrolled micro-tiles
    {"num_warps": 1, "num_stages": 3},     # a ring of three
    {"num_stages": 2},                     # a 256-thread block: one physical thread per thread
], ids=["2 stages, 1 warp", "3 stages, 1 warp", "2 stages, no num_warps"])
def test_pipelined_guide_matmul_matches_numpy_with_partial_tiles(config):
    # K = 37 is 4 full tiles of 8 and a partial one; M and N end mid-tile too.
    A = rng.standard_normal((40, 37)).astype(np.float32)
    B = rng.standard_normal((37, 33)).astype(np.float32)
    C = np.full((40, 33), np.nan, np.float32)
    matmul_optimized(A, B, C, backend="sim", config={"TILE_M": 16, "TILE_N": 16, "TILE_K": 8, **config})
    np.testing.assert_allclose(C, A @ B, rtol=1e-5, atol=1e-5)


def test_a_single_tile_loop_runs_its_prologue_only():
    A = rng.standard_normal((16, 5)).astype(np.float32)
    B = rng.standard_normal((5, 16)).astype(np.float32)
    C = np.full((16, 16), np.nan, np.float32)
    matmul_optimized(A, B, C, backend="sim", config={"TILE_M": 16, "TILE_N": 16, "TILE_K": 8, "num_warps": 2,
                                                     "num_stages": 2})
    np.testing.assert_allclose(C, A @ B, rtol=1e-5, atol=1e-5)
