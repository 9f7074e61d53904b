"""The core on a real GPU: the guide's kernels on the cuda backend, zero-copy interop, the disk cache."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tessera as ts

pytestmark = pytest.mark.gpu


@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32],
               b: ts.Tensor["N", ts.f32],
               c: ts.Tensor["N", ts.f32]):
    """Vector addition in Tessera."""
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)

    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]


def launch_vector_add(a, b, c):
    vector_add(a, b, c)


@ts.kernel
def matmul_tiled(A: ts.Tensor["M", "K", ts.f32], B: ts.Tensor["K", "N", ts.f32],
                 C: ts.Tensor["M", "N", ts.f32], TILE: ts.constexpr):
    As = ts.shared.alloc[ts.f32](TILE, TILE, swizzle="xor")
    Bs = ts.shared.alloc[ts.f32](TILE, TILE)
    row = ts.program_id(0) * TILE + ts.thread_id(0)
    col = ts.program_id(1) * TILE + ts.thread_id(1)
    acc = 0.0
    for k0 in ts.range(0, K, TILE):
        ts.copy_async(A[ts.program_id(0) * TILE:(ts.program_id(0) + 1) * TILE, k0:k0 + TILE], As)
        ts.copy_async(B[k0:k0 + TILE, ts.program_id(1) * TILE:(ts.program_id(1) + 1) * TILE], Bs)
        ts.wait_group(0)
        ts.barrier()
        for k in ts.range(TILE):
            acc += As[ts.thread_id(0), k] * Bs[k, ts.thread_id(1)]
        ts.barrier()
    if row < M and col < N:
        C[row, col] = acc


@pytest.mark.parametrize("n", [1, 1000, 1 << 20, (1 << 20) + 37])
def test_vector_add_guide_verbatim_on_cuda(n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    c = np.full(n, np.nan, np.float32)
    launch_vector_add(a, b, c)
    np.testing.assert_array_equal(c, a + b)
    assert vector_add.specializations[0][0] == "cuda"


@pytest.mark.parametrize("shape", [(128, 128, 128), (100, 70, 130), (33, 1, 65)])
@pytest.mark.parametrize("tile", [16, 32])
def test_tiled_matmul_on_cuda(shape, tile):
    m, k, n = shape
    rng = np.random.default_rng(0)
    A = rng.standard_normal((m, k)).astype(np.float32)
    B = rng.standard_normal((k, n)).astype(np.float32)
    C = np.full((m, n), np.nan, np.float32)
    matmul_tiled(A, B, C, tile)
    ref = A.astype(np.float64) @ B.astype(np.float64)
    assert np.linalg.norm(C - ref) / np.linalg.norm(ref) < 1e-5


def test_cuda_agrees_with_sim():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((20, 14)).astype(np.float32)
    B = rng.standard_normal((14, 26)).astype(np.float32)
    C1, C2 = np.zeros((20, 26), np.float32), np.zeros((20, 26), np.float32)
    matmul_tiled(A, B, C1, 8, backend="cuda")
    matmul_tiled(A, B, C2, 8, backend="sim")
    np.testing.assert_allclose(C1, C2, rtol=1e-5, atol=1e-5)


def test_device_arrays_are_used_in_place():
    from numba import cuda
    a = cuda.to_device(np.arange(4096, dtype=np.float32))
    c = cuda.device_array(4096, np.float32)
    vector_add(a, a, c)
    np.testing.assert_array_equal(c.copy_to_host(), 2 * np.arange(4096, dtype=np.float32))


def test_torch_tensors_zero_copy():
    torch = pytest.importorskip("torch")
    a = torch.randn(10_000, device="cuda")
    b = torch.randn(10_000, device="cuda")
    c = torch.empty_like(a)
    ptr = c.data_ptr()
    vector_add(a, b, c)
    torch.cuda.synchronize()
    assert c.data_ptr() == ptr
    torch.testing.assert_close(c, a + b)


def test_cupy_arrays_zero_copy():
    cp = pytest.importorskip("cupy")
    a = cp.arange(5000, dtype=cp.float32)
    c = cp.empty_like(a)
    vector_add(a, a, c)
    cp.cuda.runtime.deviceSynchronize()
    assert cp.allclose(c, 2 * a)


def test_restarted_process_reuses_compiled_kernel(tmp_path):
    # A notebook restart is a new process: the second one must load numba's on-disk cache.
    script = tmp_path / "k.py"
    script.write_text(textwrap.dedent('''
        import numpy as np, tessera as ts
        @ts.kernel
        def twice(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
            i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
            if i < x.shape[0]:
                y[i] = 2.0 * x[i]
        x = np.ones(100, np.float32); y = np.zeros_like(x)
        twice(x, y)
        assert (y == 2).all()
        c = next(iter(twice._compiled.values()))
        print("HITS", sum(c.handle.dispatcher.stats.cache_hits.values()))
    '''))
    env = {**os.environ, "TESSERA_CACHE_DIR": str(tmp_path / "cache")}
    outs = [subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    assert "HITS 0" in outs[0]
    assert "HITS 1" in outs[1], outs[1]
