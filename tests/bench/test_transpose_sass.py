"""The transpose case's kernel, compiled for an H100 (sm_90) without a GPU: the SASS facts that its
speed rests on (see benchmarks/cases/transpose.py), so that a rewrite which loses them fails here
rather than only in the next H100 run."""

import re

from benchmarks.cases import transpose as case

OPS = re.compile(r"^\s+/\*[0-9a-f]+\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]+)", re.M)


def _inspect():
    return case.transpose.inspect("f32[8192,8192]", "f32[8192,8192]", case.TILE, case.ROWS, target="sm_90")


def test_launch_is_inferred_so_the_cuda_backend_compiles_unsigned_indices():
    # A grid given by hand turns the unsigned-index form off (about twice the instructions).
    plan = _inspect().plan
    assert None not in plan.grid[:2]
    assert plan.block == (case.TILE, case.ROWS, 1)


def test_each_thread_issues_its_loads_together_before_the_barrier():
    ops = [op for op in OPS.findall(_inspect()["sass"]) if op != "NOP"]
    per_thread = case.TILE // case.ROWS
    bar = ops.index("BAR.SYNC.DEFER_BLOCKING")
    loads = [i for i, op in enumerate(ops) if op.startswith("LDG")]
    assert len(loads) == per_thread and max(loads) < min(i for i, op in enumerate(ops) if op.startswith("STS"))
    assert sum(op.startswith("STS") for op in ops[:bar]) == per_thread
    assert sum(op.startswith("LDS") for op in ops[bar:]) == per_thread == sum(op.startswith("STG") for op in ops)
    # nvcc's SASS for the CUDA C kernel of the case: 140 instructions for 4 elements a thread
    assert len(ops) / per_thread <= 40, len(ops)


def test_padded_tile_and_occupancy():
    insp = _inspect()
    assert insp.resources.shared_static_bytes == case.TILE * (case.TILE + 1) * 4
    # 8 blocks of 256 threads per SM: the 64 warps an SM holds
    assert insp.resources.occupancy.percent == 100.0
