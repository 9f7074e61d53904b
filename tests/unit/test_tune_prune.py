"""Pruning before compiling: threads, shared memory (x num_stages), registers, spills, per target GPU."""

import numpy as np
import pytest

import tessera as ts
from tessera.runtime.args import bind_args
from tessera.tune.prune import has_virtual_threads, resource_reasons, static_check
from tessera.tune.resources import parse_ptxas, ptx_resources, resources_available
from tessera.tune.targets import block_registers, gpu_target, occupancy


@ts.kernel
def tiled(A: ts.Tensor["M", "K", ts.f32], C: ts.Tensor["M", "K", ts.f32]):
    TM = ts.autotune.get_param("TM")
    TK = ts.autotune.get_param("TK")
    As = ts.shared.alloc[ts.f32](TM, TK)
    r = ts.program_id(0) * TM + ts.thread_id(0)
    c = ts.program_id(1) * TK + ts.thread_id(1)
    ts.copy_async(A[ts.program_id(0) * TM:(ts.program_id(0) + 1) * TM, ts.program_id(1) * TK:(ts.program_id(1) + 1) * TK], As)
    ts.wait_group(0)
    ts.barrier()
    if r < M and c < K:
        C[r, c] = As[ts.thread_id(0), ts.thread_id(1)]


A = np.zeros((64, 64), np.float32)
BINDING = bind_args(tiled.ir, (A, A))


def check(config, target="sm_90", **kw):
    return static_check(tiled, BINDING, config, gpu_target(target), **kw)


def test_a_config_that_fits_has_no_reason():
    st = check({"TM": 16, "TK": 16, "num_stages": 2})
    assert st.reasons == [] and st.error is None
    assert st.threads == 256 and st.shared_bytes == 16 * 16 * 4 * 2 and not st.virtual


def test_a_block_over_1024_threads_runs_on_num_warps_times_32_gpu_threads():
    st = check({"TM": 64, "TK": 32})
    assert (st.threads, st.virtual, st.reasons) == (128, True, [])   # num_warps 4 by default
    st = check({"TM": 64, "TK": 32, "num_warps": 64})
    assert st.reasons == ["threads: 2048 threads per block (num_warps * 32) > 1024"]
    assert st.lowered is None  # the numba-cuda compiler refused the block: nothing to compile


def test_virtual_threads_run_num_warps_times_32():
    st = check({"TM": 64, "TK": 32, "num_warps": 8}, codegen="numba-cpu")
    assert (st.threads, st.virtual, st.reasons) == (256, True, [])
    st = check({"TM": 64, "TK": 32, "num_warps": 64}, codegen="numba-cpu")
    assert st.reasons == ["threads: 2048 threads per block (num_warps * 32) > 1024"]
    assert has_virtual_threads()


def test_shared_memory_counts_num_stages_against_the_static_limit():
    st = check({"TM": 32, "TK": 32, "num_stages": 4})   # 4 KB x 4 = 16 KB: fits
    assert st.reasons == []
    st = check({"TM": 32, "TK": 32, "num_stages": 16})
    assert st.reasons == ["shared memory: 4096 B x 16 stages = 65536 B > 49152 B on sm_90 (static, without the opt-in)"]


@pytest.mark.parametrize("target, stages, pruned", [
    ("sm_90", 56, False),   # 224 KB <= 227 KB
    ("sm_90", 57, True),    # 228 KB > 227 KB
    ("sm_80", 40, False),   # 160 KB <= 163 KB
    ("sm_80", 41, True),
    ("sm_89", 25, True),    # 100 KB > 99 KB
])
def test_shared_memory_limit_with_the_opt_in_follows_the_table(target, stages, pruned):
    st = check({"TM": 32, "TK": 32, "num_stages": stages}, target=target, smem_opt_in=True)
    assert bool(st.reasons) == pruned
    if pruned:
        assert st.reasons[0].startswith("shared memory:") and f"on {target} (with the opt-in)" in st.reasons[0]


def test_a_lowering_error_is_not_a_pruning_reason():
    st = check({"TM": 0, "TK": 8})
    assert st.error is not None and "shared tile sizes must be positive" in st.error.message


def test_register_file_and_spills():
    t = gpu_target("sm_90")
    assert resource_reasons(t, threads=512, registers=128, spill_bytes=0) == []        # 65536: exactly fits
    assert resource_reasons(t, threads=1024, registers=72, spill_bytes=0) == [
        "registers: 72 registers x 1024 threads = 73728 > 65536 in the register file"]
    assert resource_reasons(t, threads=128, registers=None, spill_bytes=24) == [
        "spills: 24 B spilled to local memory"]
    assert block_registers(t, 33, 32) == 33 * 32 + (256 - 33 * 32 % 256)  # rounded to the allocation unit


def test_targets_and_occupancy():
    assert gpu_target("sm_86").max_threads_sm == 1536
    assert gpu_target((8, 0)).smem_optin == 163 * 1024
    assert gpu_target("sm_91").name == "sm_91" and gpu_target("sm_91").smem_optin == 227 * 1024  # nearest older
    assert gpu_target(None).name == "sm_90"  # no GPU here: an H100
    with pytest.raises(ts.TesseraError, match=r"unknown GPU target 'h100'"):
        gpu_target("h100")
    assert occupancy(gpu_target("sm_90"), threads=1024, registers=32) == 1.0
    assert occupancy(gpu_target("sm_80"), threads=256, registers=64) == 0.5


def test_ptxas_report_parsing():
    text = ("ptxas info    : Function properties for k\n    0 bytes stack frame, 16 bytes spill stores, "
            "8 bytes spill loads\nptxas info    : Used 255 registers, used 1 barriers, 4096 bytes smem")
    assert parse_ptxas(text) == {"registers": 255, "spill_bytes": 24, "ptxas_shared_bytes": 4096}


@pytest.mark.skipif(not resources_available(), reason="needs numba-cuda's NVVM and ptxas")
def test_resources_from_ptxas_for_a_target_without_a_gpu():
    st = check({"TM": 16, "TK": 16})
    r = ptx_resources(st.lowered.module, BINDING.numba_types(tiled.ir), "sm_80", "test-prune-ptx")
    assert 0 < r["registers"] <= 255 and r["spill_bytes"] == 0
    assert r["ptxas_shared_bytes"] == 16 * 16 * 4


def test_ptxas_resources_are_kept_on_disk_by_generated_source_and_target(tmp_path, monkeypatch):
    from types import SimpleNamespace
    from tessera.tune import resources
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(tmp_path))
    calls = []
    monkeypatch.setattr(resources, "_measure", lambda *a: calls.append(a[2]) or {"registers": 40, "spill_bytes": 0})
    module = SimpleNamespace(source="def k(a):\n    pass\n", launch_bounds=128)
    assert resources.ptx_resources(module, ["float32[::1]"], "sm_90", "key")["registers"] == 40
    assert resources.ptx_resources(module, ["float32[::1]"], "sm_90", "other key") == {"registers": 40,
                                                                                   "spill_bytes": 0}
    assert calls == ["sm_90"]                      # the second sweep met the same code: no compile
    resources.ptx_resources(module, ["float32[::1]"], "sm_80", "key")
    resources.ptx_resources(SimpleNamespace(source="def k(a):\n    return\n", launch_bounds=128),
                            ["float32[::1]"], "sm_90", "key")
    assert calls == ["sm_90", "sm_80", "sm_90"]    # another target, another source: measured


def test_the_same_kernel_from_another_file_shares_its_ptxas_resources(tmp_path, monkeypatch):
    from types import SimpleNamespace
    from tessera.tune import resources
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(tmp_path))
    calls = []
    monkeypatch.setattr(resources, "_measure", lambda *a: calls.append(1) or {"registers": 40})
    in_module = "# Generated from kernel 'k' (tests/k.py:3). Do not edit.\ndef k(a):  # L3\n    a[0] = 1  # L4\n"
    in_cell = "# Generated from kernel 'k' (<cell>:12). Do not edit.\ndef k(a):  # L12\n    a[0] = 1  # L13\n"
    for src in (in_module, in_cell):
        resources.ptx_resources(SimpleNamespace(source=src, launch_bounds=None), ["float32[::1]"], "sm_90", "k")
    assert calls == [1]
