"""The guide's `matmul_optimized`, verbatim, on the cpu backend: tiles up to 256 x 256 virtual threads.

The golden file shows the generated numba source at TILE 64/64/32, so that the
loop structure (virtual-thread loops innermost, As/Bs reused across them) is
reviewable. Regenerate it with TESSERA_UPDATE_GOLDEN=1 after a deliberate change.
"""

import os
from pathlib import Path

import numpy as np
import pytest

import tessera as ts
from tessera._version import __version__
from tessera.compiler import compile_source, lower
from tessera.frontend.printer import format_kernel
from tests.cpu import guide_matmul
from tests.cpu.guide_matmul import matmul_optimized

GOLDEN = Path(__file__).parent / "golden" / "matmul_optimized_cpu.py"
rng = np.random.default_rng(5)


def config(tm, tn, tk):
    return {"TILE_M": tm, "TILE_N": tn, "TILE_K": tk}


def run(m, k, n, cfg, backend="cpu"):
    A = rng.standard_normal((m, k)).astype(np.float32)
    B = rng.standard_normal((k, n)).astype(np.float32)
    C = np.full((m, n), np.nan, np.float32)
    matmul_optimized(A, B, C, backend=backend, config=cfg)
    np.testing.assert_allclose(C, A @ B, rtol=1e-4, atol=1e-4 * np.sqrt(k))
    return A, B, C


@pytest.mark.parametrize("m, k, n", [(128, 128, 128), (100, 70, 130), (1, 1, 1)])
def test_tile_64(m, k, n):
    run(m, k, n, config(64, 64, 32))


@pytest.mark.parametrize("m, k, n", [(512, 64, 256), (300, 100, 260)])
def test_tile_256_is_65536_virtual_threads(m, k, n):
    run(m, k, n, config(256, 256, 32))


def test_tile_256_runs_on_128_gpu_threads_with_local_arrays():
    """65536 virtual threads are 512 per GPU thread: too many to unroll into registers."""
    low = lower(matmul_optimized.ir, {"A": ts.f32, "B": ts.f32, "C": ts.f32}, config(256, 256, 32), ts.i32,
                resolve_func=matmul_optimized.resolve_func)
    assert (low.plan.block, low.plan.launch_block) == ((256, 256, 1), (128, 1, 1))
    assert "_tL_acc = cuda.local.array(512, float32)" in low.module.source


def test_rectangular_tiles_agree_with_sim():
    A, B, C = run(20, 12, 16, config(16, 8, 8), backend="sim")
    C2 = np.full_like(C, np.nan)
    matmul_optimized(A, B, C2, backend="cpu", config=config(16, 8, 8))
    np.testing.assert_allclose(C2, C, rtol=1e-6, atol=1e-6)


def test_virtual_thread_form():
    """The uniform k loop sits outside the virtual-thread loop; acc lives in a local array."""
    low = lower(matmul_optimized.ir, {"A": ts.f32, "B": ts.f32, "C": ts.f32}, config(64, 64, 32), ts.i32,
                resolve_func=matmul_optimized.resolve_func, target="numba-cpu")
    text = format_kernel(low.split, lines=False)
    assert text.splitlines()[1:] == """\
    local acc: f32[4096]
    TILE_M: i32 = 64
    TILE_N: i32 = 64
    TILE_K: i32 = 32
    As = shared.alloc[f32](64, 32, swizzle='xor')
    Bs = shared.alloc[f32](32, 64, swizzle='xor')
    for vt in threads(64, 64):
        acc: f32 = 0.0
        acc[vt] = acc
    for k_tile in unrolled range(0, K, 32):
        copy_async(A[program_id(0) * 64:(program_id(0) + 1) * 64, k_tile:k_tile + 32], As)
        copy_async(B[k_tile:k_tile + 32, program_id(1) * 64:(program_id(1) + 1) * 64], Bs)
        wait_group(0)
        barrier()
        for k in unrolled range(0, 32, 1):
            for vt in threads(64, 64):
                acc: f32 = acc[vt]
                acc: f32 = acc + As[tid(0), k] * Bs[k, tid(1)]
                acc[vt] = acc
        barrier()
    for vt in threads(64, 64):
        row: i64 = program_id(0) * 64 + tid(0)
        col: i64 = program_id(1) * 64 + tid(1)
        acc: f32 = acc[vt]
        if row < M and col < N:
            C[row, col] = acc""".splitlines()
    assert low.plan.block == (64, 64, 1)


def normalized_source(target="numba-cpu") -> str:
    src = compile_source(matmul_optimized, {"A": ts.f32, "B": ts.f32, "C": ts.f32}, config(64, 64, 32),
                         target=target).source
    return (src.replace(f"Tessera {__version__} ", "Tessera <version> ")
            .replace(guide_matmul.__file__, "tests/cpu/guide_matmul.py"))


def test_generated_source_is_golden():
    src = normalized_source()
    if os.environ.get("TESSERA_UPDATE_GOLDEN"):
        GOLDEN.write_text(src)
    assert src == GOLDEN.read_text(), "generated source changed; TESSERA_UPDATE_GOLDEN=1 rewrites the golden file"


def test_generated_gpu_source_is_golden():
    """On the GPU: 4096 virtual threads on 128 threads, each an 8 x 4 micro-tile of scalars (registers)
    whose k loop loads 8 values of As and 4 of Bs for 32 FMAs."""
    src = normalized_source("numba-cuda")
    golden = GOLDEN.with_name("matmul_optimized_cuda.py")
    if os.environ.get("TESSERA_UPDATE_GOLDEN"):
        golden.write_text(src)
    assert src == golden.read_text(), "generated source changed; TESSERA_UPDATE_GOLDEN=1 rewrites the golden file"
