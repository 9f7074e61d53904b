"""num_stages: which loops are pipelined (passes/pipeline.py) and the shape of the code they become."""

import re

import tessera as ts
from tessera.backends.codegen_vthreads import emit_cuda_vthreads
from tessera.compiler import lower
from tessera.passes.pipeline import pipelined_loops
from tests.cpu.guide_matmul import matmul_optimized

F32 = {"A": ts.f32, "B": ts.f32, "C": ts.f32}
TILES = {"TILE_M": 64, "TILE_N": 64, "TILE_K": 32, "num_warps": 4}


def source(kernel, config, types=F32):
    """The cuda backend's form (shared tiles read 128 bits at a time where they can be)."""
    low = lower(kernel.ir, types, config, ts.i32, resolve_func=kernel.resolve_func)
    return emit_cuda_vthreads(low.split, low.plan, low.plan.physical_block[0], ts.i32,
                              stages=config.get("num_stages", 1), vector=True).source


def k_loop(src: str) -> str:
    """The text of the k_tile loop (up to the code after it)."""
    start = src.index("for k_tile in range(")
    end = src.index("\n    _tr0_row", start)
    return src[start:end]


def test_the_guide_matmul_loop_is_pipelined_with_rings_of_num_stages_tiles():
    low = lower(matmul_optimized.ir, F32, {**TILES, "num_stages": 2}, ts.i32, resolve_func=matmul_optimized.resolve_func)
    found = list(pipelined_loops(low.split, 2).values())
    assert [p.tiles for p in found] == [("As", "Bs")]
    src = source(matmul_optimized, {**TILES, "num_stages": 2})
    # As[m, k] is read along m by a thread's rows: stored [k][m], 16-byte aligned, for 128-bit loads
    assert "As = cuda.shared.array((2, 32, 64,), float32, 16)" in src
    assert "Bs = cuda.shared.array((2, 32, 64,), float32, 16)" in src
    loop = k_loop(src)
    assert loop.count("cuda.syncthreads()") == 1          # one barrier per tile, not two
    # 64 x 32 / 128 threads = 16 registers of A's next tile per thread (and 16 of B's), stored after the compute
    assert len(set(re.findall(r"_tpf_As\d+ = float32\(A\[", loop))) == 16
    assert len(set(re.findall(r"_tpf_Bs\d+ = float32\(B\[", loop))) == 16
    assert loop.index("_tpf_As") < loop.index("+ (As[") < loop.rindex("] = _tpf_Bs")


def test_one_stage_keeps_the_single_buffered_loop():
    src = source(matmul_optimized, {**TILES, "num_stages": 1})
    assert "As = cuda.shared.array((32, 64,), float32, 16)" in src and "_tpf_" not in src
    assert k_loop(src).count("cuda.syncthreads()") == 2


def test_three_stages_rotate_through_three_slots():
    src = source(matmul_optimized, {**TILES, "num_stages": 3})
    assert "As = cuda.shared.array((3, 32, 64,), float32, 16)" in src
    assert "== int32(3) else" in k_loop(src)


@ts.kernel
def tile_read_after_the_loop(A: ts.Tensor["M", "K", ts.f32], C: ts.Tensor["M", ts.f32]):
    As = ts.shared.alloc[ts.f32](64, 16)
    acc = 0.0
    for k0 in ts.range(0, A.shape[1], 16):
        ts.copy_async(A[ts.program_id(0) * 64:(ts.program_id(0) + 1) * 64, k0:k0 + 16], As)
        ts.barrier()
        for k in ts.range(16):
            acc += As[ts.thread_id(0), k]
        ts.barrier()
    last = As[ts.thread_id(0), 0]
    row = ts.program_id(0) * 64 + ts.thread_id(0)
    if row < A.shape[0]:
        C[row] = acc + last


@ts.kernel
def compute_before_the_copy(A: ts.Tensor["M", "K", ts.f32], C: ts.Tensor["M", ts.f32]):
    As = ts.shared.alloc[ts.f32](64, 16)
    acc = 0.0
    for k0 in ts.range(0, A.shape[1], 16):
        acc += 1.0
        ts.copy_async(A[ts.program_id(0) * 64:(ts.program_id(0) + 1) * 64, k0:k0 + 16], As)
        ts.barrier()
        for k in ts.range(16):
            acc += As[ts.thread_id(0), k]
        ts.barrier()
    row = ts.program_id(0) * 64 + ts.thread_id(0)
    if row < A.shape[0]:
        C[row] = acc


def test_loops_that_do_not_fit_the_pattern_stay_single_buffered():
    for kernel in (tile_read_after_the_loop, compute_before_the_copy):
        src = source(kernel, {"num_warps": 1, "num_stages": 2}, {"A": ts.f32, "C": ts.f32})
        assert "As = cuda.shared.array((64, 16,), float32)" in src and "_tpf_" not in src, kernel.name
