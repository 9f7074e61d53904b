"""128-bit shared loads from the virtual-thread emitter (passes/tile_layout.py, backends/codegen_vthreads.py).

Checked without a GPU: which tiles are read four at a time and how they are stored, the shape of the
generated loads, `LDS.128` in the sm_90 code (numba-cuda's PTX through ptxas), and, on numba's simulator,
that the transposed, run-swizzled tiles and the runs of owned coordinates give the program's results.
"""

import re
from dataclasses import replace

import numpy as np
import pytest

import tessera as ts
from tessera.backends.base import load_module
from tessera.backends.codegen_vthreads import emit_cuda_vthreads
from tessera.compiler import lower
from tessera.passes.tile_layout import TileLayout, vector_tiles
from tests.cpu.guide_matmul import matmul_optimized

F32 = {"A": ts.f32, "B": ts.f32, "C": ts.f32}
rng = np.random.default_rng(7)


def lowered(tm, tn, tk, warps, stages=1):
    config = {"TILE_M": tm, "TILE_N": tn, "TILE_K": tk, "num_warps": warps, "num_stages": stages}
    return lower(matmul_optimized.ir, F32, config, ts.i32, resolve_func=matmul_optimized.resolve_func)


def vector_source(low, stages=1) -> str:
    return emit_cuda_vthreads(low.split, low.plan, low.plan.physical_block[0], ts.i32, stages=stages,
                              vector=True).source


def test_the_guide_matmul_reads_both_tiles_four_at_a_time_with_As_stored_transposed():
    low = lowered(128, 128, 32, 8)
    tiles, grouped = vector_tiles(low.split, low.plan.block, (16, 16, 1))
    assert tiles == {"As": TileLayout(order=(1, 0), vec_axis=0, thread_axis=0),
                     "Bs": TileLayout(order=(0, 1), vec_axis=1, thread_axis=1)}
    assert grouped == {0, 1}


def test_the_hot_loads_are_runs_of_four_from_one_swizzled_base():
    src = vector_source(lowered(128, 128, 32, 8))
    assert "As = cuda.shared.array((32, 128,), float32, 16)" in src
    assert "Bs = cuda.shared.array((32, 128,), float32, 16)" in src
    # a thread owns columns 4q..4q+3 and 64+4q..64+4q+3 (and the same rows)
    assert "_tq1 = int32((_tl % int32(16)) * int32(4))" in src
    assert "_tvb1_1 = uint32(_tq1 + int32(64))" in src
    loop = src[src.index("for k in range("):]
    sw = "((uint32(k) & uint32(7)) << uint32(2))"
    for v in range(1, 4):
        assert f"Bs[uint32(k), uint32(_tvb1_0 ^ {sw}) + uint32({v})]" in loop
    assert f"As[uint32(k), uint32(_tvb0_1 ^ {sw})]" in loop


def test_tiles_not_read_along_one_thread_axis_keep_their_layout():
    @ts.kernel
    def two_ways(x: ts.Tensor["N", 32, ts.f32], y: ts.Tensor["N", ts.f32]):
        t = ts.shared.alloc[ts.f32](128, 32)
        ts.copy_async(x[ts.program_id(0) * 128:(ts.program_id(0) + 1) * 128, 0:32], t)
        ts.barrier()
        acc = 0.0
        for k in ts.range(32):
            acc += t[ts.thread_id(0), k] + t[k, ts.thread_id(0) % 32]
        i = ts.program_id(0) * 128 + ts.thread_id(0)
        if i < N:
            y[i] = acc

    low = lower(two_ways.ir, {"x": ts.f32, "y": ts.f32}, {"num_warps": 1}, ts.i32)
    assert vector_tiles(low.split, low.plan.block, (32, 1, 1)) == ({}, frozenset())
    assert "t = cuda.shared.array((128, 32,), float32)" in vector_source(low)


def test_sm_90_code_has_128_bit_shared_loads_only():
    """numba-cuda's PTX keeps four scalar loads per run; ptxas merges them (the alignment is provable)."""
    from tessera.inspect.crosscompile import cross_compile
    from tessera.inspect.toolchain import assemble, disassemble
    low = lowered(64, 64, 32, 4)
    module = replace(low.module, source=vector_source(low))
    cubin, _ = assemble(cross_compile(module, ["float32[:, ::1]"] * 3, (9, 0), "vector-test").ptx, "sm_90")
    loads = re.findall(r"\bLDS(\.\w+)?", disassemble(cubin))
    # per k: two runs of As (8 rows) and one of Bs (4 columns), for 32 FFMA
    assert loads == [".128"] * 3, loads


@pytest.mark.parametrize("tm, tn, tk, warps, stages", [(16, 16, 8, 1, 1), (16, 16, 8, 1, 2), (32, 64, 8, 2, 3),
                                                       (64, 64, 16, 4, 1)])
def test_the_vector_form_gives_the_programs_results_on_the_simulator(tm, tn, tk, warps, stages):
    """The generated module itself, run by numba's simulator (which takes no alignment: dropped here)."""
    from numba.cuda.simulator.kernel import FakeCUDAKernel
    low = lowered(tm, tn, tk, warps, stages)
    src = vector_source(low, stages)
    assert "float32, 16)" in src
    module = replace(low.module, source=src.replace("float32, 16)", "float32)"))
    ns, _ = load_module(module, f"vector-sim-{tm}-{tn}-{tk}-{warps}-{stages}")
    A = rng.standard_normal((45, 37)).astype(np.float32)    # partial tiles along every axis
    B = rng.standard_normal((37, 70)).astype(np.float32)
    C = np.full((45, 70), np.nan, np.float32)
    FakeCUDAKernel(ns[module.entry], device=False)[ns["launch_grid"](A, B, C), low.plan.physical_block](A, B, C)
    np.testing.assert_allclose(C, A @ B, rtol=1e-5, atol=1e-5)
