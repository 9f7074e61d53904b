"""Virtual threads on the GPU: the guide's matmul verbatim at tiles up to 256 x 256, and the kernels
the cpu and sim tiers run, on the cuda backend (compared with NumPy)."""

import numpy as np
import pytest

from tests.cpu import test_cpu_kernels as T
from tests.cpu.guide_matmul import matmul_optimized

pytestmark = pytest.mark.gpu

rng = np.random.default_rng(11)

# (TILE_M, TILE_N, TILE_K, num_warps): unrolled micro-tiles, the looped form (256 x 256 on 4 warps), every
# num_warps of the guide's space, and both tile shapes' extremes that fit in 48 KB of shared memory.
CONFIGS = [(64, 64, 32, 4), (64, 64, 128, 16), (128, 64, 64, 8), (64, 256, 32, 8), (128, 128, 32, 8),
           (128, 128, 64, 16), (256, 128, 32, 16), (256, 256, 32, 4), (256, 256, 32, 16)]


@pytest.mark.parametrize("m, k, n", [(512, 256, 512), (300, 100, 260)])
@pytest.mark.parametrize("tm, tn, tk, nw", CONFIGS)
def test_guide_matmul_on_the_gpu(m, k, n, tm, tn, tk, nw):
    A = rng.standard_normal((m, k)).astype(np.float32)
    B = rng.standard_normal((k, n)).astype(np.float32)
    C = np.full((m, n), np.nan, np.float32)
    matmul_optimized(A, B, C, backend="cuda", config={"TILE_M": tm, "TILE_N": tn, "TILE_K": tk, "num_warps": nw})
    np.testing.assert_allclose(C, A @ B, rtol=1e-4, atol=1e-4 * np.sqrt(k))


@pytest.mark.parametrize("m, k, n", [(512, 256, 512), (300, 100, 260)])
@pytest.mark.parametrize("tm, tn, tk, nw, stages", [(64, 64, 32, 4, 2), (128, 128, 32, 8, 2), (256, 128, 32, 16, 3),
                                                    (64, 64, 32, 4, 4), (32, 32, 16, None, 2)])
def test_num_stages_pipelined_matmul_on_the_gpu(m, k, n, tm, tn, tk, nw, stages):
    A = rng.standard_normal((m, k)).astype(np.float32)
    B = rng.standard_normal((k, n)).astype(np.float32)
    C = np.full((m, n), np.nan, np.float32)
    config = {"TILE_M": tm, "TILE_N": tn, "TILE_K": tk, "num_stages": stages}
    if nw is not None:
        config["num_warps"] = nw
    matmul_optimized(A, B, C, backend="cuda", config=config)
    np.testing.assert_allclose(C, A @ B, rtol=1e-4, atol=1e-4 * np.sqrt(k))


@pytest.mark.parametrize("test", [T.test_vector_add, T.test_tree_reduction_barrier_in_a_while_loop,
                                  T.test_tree_reduction_barrier_in_a_for_loop, T.test_transpose_through_a_swizzled_tile,
                                  T.test_histogram_with_atomics, T.test_shared_then_global_atomics, T.test_atomic_max,
                                  T.test_device_functions, T.test_early_return_and_scalars,
                                  T.test_two_d_kernel_on_strided_views, T.test_ids_and_grid_sizes,
                                  T.test_blocks_beyond_1024_threads_are_virtual_threads],
                         ids=lambda f: f.__name__)
def test_backends_agree_on_cuda(test):
    test("cuda")


@pytest.mark.parametrize("m, k, n, tile", [(16, 16, 16, 8), (100, 70, 130, 16)])
def test_tiled_matmul(m, k, n, tile):
    A = rng.standard_normal((m, k)).astype(np.float32)
    B = rng.standard_normal((k, n)).astype(np.float32)
    C = np.full((m, n), np.nan, np.float32)
    T.K.matmul_tiled(A, B, C, tile, backend="cuda")
    np.testing.assert_allclose(C, A @ B, rtol=1e-4, atol=1e-4)
