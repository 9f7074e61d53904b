"""Inspection without a GPU: every stage, PTX and SASS for sm_80 and sm_90, resources, occupancy,
line maps, config diffs, the CLI, and the errors a user can meet."""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tessera as ts
from tessera.inspect import ToolchainError, occupancy, max_threads_per_block, parse_arg_list, parse_target
from tessera.inspect import toolchain

sys.path.insert(0, str(Path(__file__).parent))
import inspect_kernels as K  # noqa: E402

HERE = Path(__file__).parent
KERNELS = HERE / "inspect_kernels.py"
GOLDEN = HERE / "golden" / "inspect_resources.json"
VEC = ("f32[1048576]",) * 3
MM = ("f32[1024,1024]",) * 3


def src_line(kernel, snippet: str) -> int:
    """The line of `kernel`'s file holding `snippet` (once)."""
    import inspect
    lines, first = inspect.getsourcelines(kernel.fn)
    hits = [first + i for i, l in enumerate(lines) if snippet in l]
    assert len(hits) == 1, hits
    return hits[0]


@pytest.fixture(scope="module", params=["sm_80", "sm_90"])
def target(request):
    return request.param


# --------------------------------------------------------------------------- stages


def test_every_stage_of_vector_add(target):
    insp = K.vector_add.inspect(*VEC, target=target)
    assert insp.stages == ("source", "ir", "typed", "numba", "numba_ir", "llvm", "ptx", "sass")
    assert insp["source"].lstrip().startswith("@ts.kernel")
    assert "c[idx] = a[idx] + b[idx]" in insp["ir"]
    assert "idx: i32 =" in insp["typed"]
    assert "cuda.threadIdx.x" in insp["numba"]
    assert "array(float32, 1d, C)" in insp["numba_ir"]
    assert "define" in insp["llvm"] and "!DILocation" in insp["llvm"]
    assert f".target {target}" in insp["ptx"]
    assert "ld.global" in insp["ptx"] and "st.global" in insp["ptx"]
    sass = insp["sass"]
    assert f".target\t{target}" in sass or f".target {target}" in sass
    for op in ("LDG", "STG", "FADD", "EXIT"):
        assert op in sass, op
    assert "BAR" not in sass and "LDS" not in sass


def test_tiled_matmul_uses_shared_memory_and_barriers(target):
    insp = K.matmul_tiled.inspect(*MM, 16, target=target)
    sass = insp["sass"]
    for op in ("LDG", "STG", "LDS", "STS", "BAR"):
        assert op in sass, op
    assert ".shared" in insp["ptx"] and "bar.sync" in insp["ptx"]
    r = insp.resources
    assert r.shared_static_bytes == 2 * 16 * 16 * 4
    assert r.barriers == 1
    assert r.threads_per_block == 256


def test_stages_are_lazy_and_cached():
    insp = K.vector_add.inspect(*VEC, target="sm_80")
    assert K.vector_add.inspect(*VEC, target="sm_80") is insp
    assert K.vector_add.inspect(*VEC, target="sm_90") is not insp

    @ts.kernel
    def fresh_kernel(x: ts.Tensor["N", ts.f32]):
        i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if i < x.shape[0]:
            x[i] = 0.0

    fresh = fresh_kernel.inspect("f32[77]", target="sm_80")
    fresh["typed"]
    assert fresh._cross is None and fresh._cubin is None  # nothing was compiled for the typed IR
    fresh["ptx"]
    assert fresh._cross is not None and fresh._cubin is None  # nor assembled for the PTX


def test_arrays_and_type_strings_give_the_same_specialization():
    x = np.zeros(1 << 20, np.float32)
    assert K.vector_add.inspect(x, x, x, target="sm_90") is K.vector_add.inspect(*VEC, target="sm_90")


def test_kernels_launched_with_an_explicit_grid_inspect_too():
    @ts.kernel
    def transpose(x: ts.Tensor["M", "N", ts.f32], y: ts.Tensor["N", "M", ts.f32], T: ts.constexpr):
        # the output index pairs program_id(1) with thread_id(0): no grid to infer
        oi = ts.program_id(1) * T + ts.thread_id(0)
        oj = ts.program_id(0) * T + ts.thread_id(1)
        if oi < N and oj < M:
            y[oi, oj] = x[oj, oi]

    with pytest.raises(ts.LaunchError, match="cannot infer the block size"):
        transpose.inspect("f32[64,32]", "f32[32,64]", 8, target="sm_90")
    insp = transpose.inspect("f32[64,32]", "f32[32,64]", 8, target="sm_90", block=(8, 8))
    assert insp.plan.block == (8, 8, 1) and "STG" in insp["sass"]
    assert insp.resources.threads_per_block == 64


def test_huge_shapes_switch_to_64_bit_indexing():
    insp = K.vector_add.inspect("f32[3000000000]", "f32[3000000000]", "f32[3000000000]", target="sm_90")
    assert "idx: i64" in insp["typed"]


def test_device_functions_cross_compile_without_a_gpu(target):
    insp = K.sum_of_squares.inspect("f32[1024]", "f32[1024]", "f32[1024]", target=target)
    assert f".target {target}" in insp["ptx"]
    assert "FMUL" in insp["sass"] or "FFMA" in insp["sass"]
    # the inlined function body maps to the function's own line and to the call site
    fline = src_line(K.square, "return x * x")
    assert insp.lines_for("sass", fline)


# --------------------------------------------------------------------------- resources, golden


def _golden_key(insp) -> str:
    cfg = ",".join(f"{k}={v}" for k, v in insp.config.items())
    return f"{insp.kernel}[{cfg}]/{insp.target}"


@pytest.mark.parametrize("name,args", [("vector_add", VEC), ("matmul16", MM + (16,)), ("matmul32", MM + (32,))])
def test_resources_are_golden(name, args, target):
    """Stable numbers are pinned; registers are pinned for the ptxas and generated source they came from
    (a new ptxas or a codegen change may move them: then only their range is checked)."""
    kernel = K.vector_add if name == "vector_add" else K.matmul_tiled
    insp = kernel.inspect(*args, target=target)
    r = insp.resources.as_dict()
    assert r["spill_store_bytes"] == r["spill_load_bytes"] == r["local_bytes"] == 0
    assert r["shared_dynamic_bytes"] == 0
    if name == "vector_add":
        assert (r["shared_static_bytes"], r["barriers"], r["threads_per_block"]) == (0, 0, 256)
        assert 8 <= r["registers"] <= 32
    else:
        tile = args[-1]
        assert (r["shared_static_bytes"], r["barriers"], r["threads_per_block"]) == (2 * tile * tile * 4, 1, tile * tile)
        assert 16 <= r["registers"] <= 64
    # occupancy follows from the registers and shared memory through the calculator
    occ = occupancy(target, threads=r["threads_per_block"], registers=r["registers"],
                    shared_bytes=r["shared_static_bytes"], barriers=r["barriers"])
    assert (r["occupancy_percent"], r["blocks_per_sm"]) == (occ.percent, occ.blocks_per_sm)
    golden = json.loads(GOLDEN.read_text())
    entry = golden["kernels"].get(_golden_key(insp))
    assert entry is not None, f"no golden entry for {_golden_key(insp)}"
    version = re.search(r"V(\d+\.\d+\.\d+)", subprocess.run([toolchain.find_tool("ptxas"), "--version"],
                                                             capture_output=True, text=True).stdout).group(1)
    source_sha = hashlib.sha256(insp["numba"].split("\n", 1)[1].encode()).hexdigest()[:16]
    if version == golden["ptxas"] and source_sha == entry["numba_source_sha"]:
        assert {k: r[k] for k in entry["resources"]} == entry["resources"]


def test_matmul_tile_32_fills_an_h100_with_two_blocks():
    r = K.matmul_tiled.inspect(*MM, 32, target="sm_90").resources
    assert r.threads_per_block == 1024 and r.occupancy.blocks_per_sm == 2
    assert r.occupancy.percent == 100.0 and r.max_threads_per_block == 1024
    assert "100% (64/64 warps" in str(r)


# --------------------------------------------------------------------------- occupancy calculator


@pytest.mark.parametrize("target,threads,regs,smem,blocks,percent,limiter", [
    # values of NVIDIA's occupancy calculator (cuda_occupancy.h, default carveout)
    ("sm_80", 256, 32, 0, 8, 100.0, "warps"),
    ("sm_80", 256, 64, 0, 4, 50.0, "registers"),
    ("sm_80", 128, 40, 0, 12, 75.0, "registers"),
    ("sm_80", 128, 32, 16384, 9, 56.25, "shared memory"),
    ("sm_80", 1024, 32, 0, 2, 100.0, "warps"),
    ("sm_80", 64, 16, 0, 32, 100.0, "warps"),
    ("sm_80", 32, 16, 0, 32, 50.0, "blocks"),
    ("sm_80", 256, 255, 0, 1, 12.5, "registers"),
    ("sm_80", 256, 32, 48 * 1024, 3, 37.5, "shared memory"),
    ("sm_90", 128, 32, 16384, 13, 81.25, "shared memory"),
    ("sm_90", 256, 32, 0, 8, 100.0, "warps"),
    ("sm_90", 256, 128, 0, 2, 25.0, "registers"),
    ("sm_90", 96, 40, 0, 16, 75.0, "registers"),
    ("sm_90", 128, 32, 100 * 1024, 2, 12.5, "shared memory"),
    ("sm_86", 256, 32, 0, 6, 100.0, "warps"),
    ("sm_86", 128, 64, 0, 8, 66.67, "registers"),
    ("sm_89", 64, 32, 0, 24, 100.0, "warps"),
    ("sm_75", 256, 32, 0, 4, 100.0, "warps"),
])
def test_occupancy_known_values(target, threads, regs, smem, blocks, percent, limiter):
    occ = occupancy(target, threads=threads, registers=regs, shared_bytes=smem)
    assert (occ.blocks_per_sm, occ.percent, occ.limiter) == (blocks, percent, limiter)


def test_occupancy_of_impossible_blocks_is_zero():
    assert occupancy("sm_90", threads=1024, registers=255).blocks_per_sm == 0
    assert occupancy("sm_90", threads=1025, registers=8).blocks_per_sm == 0
    assert occupancy("sm_80", threads=128, shared_bytes=200 * 1024).blocks_per_sm == 0


@pytest.mark.parametrize("regs,expected", [(0, 1024), (32, 1024), (64, 1024), (72, 896), (128, 512),
                                           (168, 384), (255, 256)])
def test_max_threads_per_block(regs, expected):
    assert max_threads_per_block("sm_90", registers=regs) == expected


def test_barrier_limit_on_hopper():
    occ = occupancy("sm_90", threads=32, registers=16, barriers=16)
    assert occ.limiter == "barriers" and occ.blocks_per_sm == 4


# --------------------------------------------------------------------------- line maps


def test_lines_for_every_stage_of_the_store_line(target):
    insp = K.vector_add.inspect(*VEC, target=target)
    line = src_line(K.vector_add, "c[idx] = a[idx] + b[idx]")
    for stage in insp.stages:
        assert insp.lines_for(stage, line), stage
    text = {s: insp[s].splitlines() for s in insp.stages}
    pick = lambda s: [text[s][n - 1] for n in insp.lines_for(s, line)]  # noqa: E731
    assert pick("source") == ["        c[idx] = a[idx] + b[idx]"]
    assert any("c[idx] = a[idx] + b[idx]" in l for l in pick("ir"))
    assert any("c[idx] = (a[idx] + b[idx])" in l for l in pick("numba"))
    assert any("st.global.f32" in l for l in pick("ptx"))
    assert any("add.f32" in l for l in pick("ptx"))
    assert any("STG" in l for l in pick("sass")) and any("FADD" in l for l in pick("sass"))
    # and nothing from the guard line leaks in
    guard = src_line(K.vector_add, "if idx < a.shape[0]")
    assert not set(insp.lines_for("sass", guard)) & set(insp.lines_for("sass", line))
    assert not any("STG" in text["sass"][n - 1] for n in insp.lines_for("sass", guard))


def test_line_map_of_the_matmul_inner_loop():
    insp = K.matmul_tiled.inspect(*MM, 16, target="sm_90")
    line = src_line(K.matmul_tiled, "acc += As[")
    sass = insp["sass"].splitlines()
    got = [sass[n - 1] for n in insp.lines_for("sass", line)]
    assert any("LDS" in l for l in got) and any("FFMA" in l for l in got)
    copy_line = src_line(K.matmul_tiled, "ts.copy_async(A[")
    assert any("LDG" in sass[n - 1] for n in insp.lines_for("sass", copy_line))


# --------------------------------------------------------------------------- diff


def test_config_diff_tile_16_vs_32():
    a = K.matmul_tuned.inspect("f32[512,512]", "f32[512,512]", "f32[512,512]", target="sm_90", config={"TILE": 16})
    b = K.matmul_tuned.inspect("f32[512,512]", "f32[512,512]", "f32[512,512]", target="sm_90", config={"TILE": 32})
    d = ts.inspect.diff(a, b, stage="sass")
    assert d.resources["shared_static_bytes"] == 8192 - 2048
    assert d.resources["threads_per_block"] == 1024 - 256
    assert d.before["shared_static_bytes"] == 2048 and d.after["shared_static_bytes"] == 8192
    assert d.text.startswith("--- matmul_tuned[sm_90, TILE=16]\n+++ matmul_tuned[sm_90, TILE=32]\n")
    assert re.search(r"^[-+].*\bLDS", d.text, re.M)
    assert not re.search(r"/\*[0-9a-f]{4}\*/", d.text)  # addresses are normalized away
    assert "shared_static_bytes" in str(d) and "(+6144)" in str(d)
    typed = ts.inspect.diff(a, b, stage="typed", resources=False)
    assert "-    As = shared.alloc[f32](16, 16)" in typed.text
    assert "+    As = shared.alloc[f32](32, 32)" in typed.text
    assert typed.resources == {}


def test_diff_of_identical_inspections_is_empty():
    a = K.vector_add.inspect(*VEC, target="sm_90")
    d = ts.inspect.diff(a, a, stage="ptx")
    assert d.text == "" and all(v == 0 for v in d.resources.values())


# --------------------------------------------------------------------------- argument types


def test_argument_type_syntax():
    a, s, n, f, flag = parse_arg_list("f32[64, 64], i32, 16, 0.5, true")
    assert (a.shape, a.dtype) == ((64, 64), np.dtype(np.float32))
    assert type(s) is np.int32 and n == 16 and f == 0.5 and flag is True
    assert parse_arg_list("f16[8]")[0].dtype == np.float16


@pytest.mark.parametrize("text,message", [
    ("f33[8]", "unknown dtype 'f33'"),
    ("f32[]", "has no shape"),
    ("f32[8", "cannot read argument list"),
    ("f32[8],,f32[8]", "cannot read argument list"),
    ("bf16[8]", "bf16 tensors cannot be inspected yet"),
    ("f32{8}", "cannot read argument type"),
])
def test_argument_type_errors(text, message):
    with pytest.raises(ts.TesseraError, match=re.escape(message)) as e:
        parse_arg_list(text)
    assert "Write instead:" in str(e.value)


# --------------------------------------------------------------------------- errors


def call_site(snippet: str) -> str:
    """`file:line` of the line of this test file holding `snippet` (once)."""
    lines = Path(__file__).read_text().splitlines()
    hits = [i + 1 for i, l in enumerate(lines) if snippet in l and "call_site(" not in l]
    assert len(hits) == 1, hits
    return f"{__file__}:{hits[0]}"


def test_unknown_stage_names_the_kernel_and_the_line():
    insp = K.vector_add.inspect(*VEC, target="sm_90")
    with pytest.raises(ts.TesseraError,
                       match=r"unknown stage 'cubin'\n.*\n.*\nWrite instead: one of: source, ir, typed") as e:
        insp["cubin"]  # the stage typo
    assert str(e.value).startswith(f"kernel 'vector_add', {call_site('the stage typo')}: unknown stage 'cubin'")
    with pytest.raises(ts.TesseraError, match=r"unknown stage 'sas'\n(.*\n){2}Write instead: \"sass\"; one of") as e:
        insp.lines_for("sas", 3)


@pytest.mark.parametrize("target", ["sm_61", "sm_70", "hopper", (7, 0), "sm_9x", "sm_xx"])
def test_unknown_target_names_the_kernel_and_the_line(target):
    with pytest.raises(ts.TesseraError,
                       match=r"unknown target .*\n(.*\n){2}Write instead: target=\"sm_90\" \(one of: sm_75, ") as e:
        K.vector_add.inspect(*VEC, target=target)  # the target typo
    assert str(e.value).startswith(f"kernel 'vector_add', {call_site('the target typo')}: unknown target")


def test_target_spellings():
    assert parse_target("sm_90") is parse_target("90") is parse_target("9.0") is parse_target((9, 0))


def test_wrong_arguments_are_the_usual_errors():
    with pytest.raises(ts.ShapeError, match="shape symbol N is 8"):
        K.vector_add.inspect("f32[8]", "f32[9]", "f32[8]")
    with pytest.raises(ts.KernelTypeError, match="must hold f32"):
        K.vector_add.inspect("f16[8]", "f32[8]", "f32[8]")


def test_ptxas_missing(monkeypatch, tmp_path):
    @ts.kernel
    def zero(x: ts.Tensor["N", ts.f32]):
        i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if i < x.shape[0]:
            x[i] = 0.0

    insp = zero.inspect("f32[99]", target="sm_80")
    monkeypatch.setattr(toolchain.sys, "path", [str(tmp_path)])
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CUDA_HOME", raising=False)
    monkeypatch.delenv("CUDA_PATH", raising=False)
    assert ".target sm_80" in insp["ptx"]  # stages before SASS need no ptxas
    with pytest.raises(ToolchainError, match=r"ptxas was not found.*\nWrite instead: pip install nvidia-cuda-nvcc"):
        insp["sass"]
    with pytest.raises(ToolchainError, match="ptxas was not found"):
        insp.resources


def test_ptxas_rejecting_code_is_a_toolchain_error():
    with pytest.raises(ToolchainError, match=r"ptxas failed: .*Unsupported \.version 99\.0.*\n"
                                             r"Write instead: the PTX is newer than this ptxas"):
        toolchain.assemble(".version 99.0\n.target sm_90\n.address_size 64\n", "sm_90")


def test_the_cuda_simulator_cannot_cross_compile(monkeypatch):
    from numba import config

    @ts.kernel
    def one(x: ts.Tensor["N", ts.f32]):
        i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if i < x.shape[0]:
            x[i] = 1.0

    insp = one.inspect("f32[8]", target="sm_90")
    monkeypatch.setattr(config, "ENABLE_CUDASIM", True)
    with pytest.raises(ts.BackendError, match=r"NUMBA_ENABLE_CUDASIM=1\)\nWrite instead: unset NUMBA_ENABLE_CUDASIM"):
        insp["ptx"]


def test_occupancy_needs_a_thread():
    with pytest.raises(ts.TesseraError, match=r"a block has at least one thread, got 0\nWrite instead: threads=256"):
        occupancy("sm_90", threads=0)


def test_diff_needs_inspections():
    with pytest.raises(ts.TesseraError, match="compares two inspections, got str"):
        ts.inspect.diff("a", "b")


# --------------------------------------------------------------------------- CLI


def run_cli(*args):
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "tessera", *args], capture_output=True, text=True, env=env,
                          cwd=HERE.parent.parent, timeout=300)


def test_cli_prints_a_stage():
    p = run_cli("inspect", f"{KERNELS}:matmul_tiled", "--stage", "sass", "--target", "sm_80",
                "--args", "f32[256,256],f32[256,256],f32[256,256],16", "--resources")
    assert p.returncode == 0, p.stderr
    assert "LDS" in p.stdout and "BAR" in p.stdout
    assert "shared memory / block  2048 B static" in p.stdout
    assert "occupancy" in p.stdout


def test_cli_defaults_and_line_filter():
    line = src_line(K.vector_add, "c[idx] = a[idx] + b[idx]")
    p = run_cli("inspect", f"{KERNELS}:vector_add", "--stage", "ptx", "--target", "sm_90", "--line", str(line))
    assert p.returncode == 0, p.stderr
    assert "st.global.f32" in p.stdout and ".target" not in p.stdout


def test_cli_config():
    p = run_cli("inspect", f"{KERNELS}:matmul_tuned", "--stage", "typed",
                "--args", "f32[64,64],f32[64,64],f32[64,64]", "--config", "TILE=32")
    assert p.returncode == 0, p.stderr
    assert "shared.alloc[f32](32, 32)" in p.stdout


@pytest.mark.parametrize("args,message", [
    ([f"{KERNELS}:nope"], "defines no kernel named 'nope'\nWrite instead: one of: vector_add, matmul_tiled, sum_of_squares"),
    ([f"{KERNELS}:matmul_tiled"], "has a constexpr parameter 'TILE': its value must be given"),
    ([f"{KERNELS}:vector_add", "--target", "sm_61"], "unknown target 'sm_61'"),
    ([f"{KERNELS}:vector_add", "--args", "f32[8],f32[8"], "cannot read argument list"),
    (["missing.py:k"], "no such file: missing.py"),
    (["kernels_without_colon"], "cannot read 'kernels_without_colon' as FILE.py:KERNEL"),
    ([f"{KERNELS}:vector_add", "--block", "16x16"], "cannot read --block '16x16'"),
    ([f"{KERNELS}:vector_add", "--block", "0"], "block must be a positive int or a tuple"),
])
def test_cli_errors(args, message):
    p = run_cli("inspect", *args)
    assert p.returncode == 1
    assert message in p.stderr and "Write instead:" in p.stderr
    assert "Traceback" not in p.stderr


def test_cli_help_documents_the_type_syntax():
    p = run_cli("inspect", "--help")
    assert p.returncode == 0
    assert "f32[1024]" in p.stdout and "constexpr" in p.stdout
    top = run_cli()
    assert top.returncode == 2 and "inspect" in top.stderr
