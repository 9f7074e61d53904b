"""The SASS of vectorized kernels for an H100 (sm_90), cross-compiled with no GPU: the guide's vector
add moves its data with 128-bit loads and stores, as `ts.inspect` shows and the GPU runs."""

import re
import sys
from pathlib import Path

import pytest

import tessera as ts
from tessera.inspect import ToolchainError, toolchain

sys.path.insert(0, str(Path(__file__).parent))
import inspect_kernels as K  # noqa: E402


def _tools_missing() -> bool:
    try:
        toolchain.find_tool("ptxas"), toolchain.find_tool("nvdisasm")
    except ToolchainError:
        return True
    return False


pytestmark = pytest.mark.skipif(_tools_missing(), reason="ptxas/nvdisasm (NVIDIA's PyPI wheels) not installed")

VEC = ("f32[1048576]",) * 3


def ops(sass: str, op: str) -> int:
    """How many instructions are exactly `op` (LDG.E.128 is not LDG.E)."""
    return len(re.findall(rf"\b{re.escape(op)}\s", sass))


@ts.kernel
def widen(x: ts.Tensor["N", ts.f16], y: ts.Tensor["N", ts.f32]):
    # no f16 arithmetic: numba-cuda links that from CUDA C++, which a PTX-only cross-compile lacks
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = x[i]


@ts.kernel
def copy16(x: ts.Tensor["N", ts.f16], y: ts.Tensor["N", ts.f16]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = x[i]


@ts.kernel
def scale64(x: ts.Tensor["N", ts.f64], y: ts.Tensor["N", ts.f64], s: ts.f64):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = x[i] * s


def test_vector_add_loads_and_stores_128_bits_on_sm_90():
    insp = K.vector_add.inspect(*VEC, target="sm_90")
    sass = insp["sass"]
    # two 128-bit chunks per thread: 2 loads of a, 2 of b, 2 stores of c
    assert ops(sass, "LDG.E.128") == 4 and ops(sass, "STG.E.128") == 2
    assert "ld.global.v4.f32" in insp["ptx"] and "st.global.v4.f32" in insp["ptx"]
    # on the user's line, next to the scalar tail
    store = K.vector_add.fn.__code__.co_firstlineno + 4
    lines = insp["sass"].splitlines()
    picked = [lines[n - 1] for n in insp.lines_for("sass", store)]
    assert any("STG.E.128" in l for l in picked) and any("LDG.E.128" in l for l in picked)
    r = insp.resources
    assert r.threads_per_block == 256 and r.spill_store_bytes == r.local_bytes == 0 and r.registers <= 32
    assert r.occupancy.percent == 100.0


def test_the_scalar_form_has_no_128_bit_access():
    from tessera.inspect.crosscompile import cross_compile
    import numpy as np
    x = np.zeros(1024, np.float32)
    low = K.vector_add.lower(x, x, x)
    ptx = cross_compile(low.module, ["float32[::1]"] * 3, (9, 0), "scalar_form").ptx
    cubin, _ = toolchain.assemble(ptx, "sm_90")
    sass = toolchain.disassemble(cubin)
    assert ops(sass, "LDG.E.128") == ops(sass, "STG.E.128") == 0 and ops(sass, "LDG.E") == 2


def test_halves_in_floats_out_and_doubles():
    sass = widen.inspect("f16[4096]", "f32[4096]", target="sm_90")["sass"]
    assert ops(sass, "LDG.E.128") == 1 and ops(sass, "STG.E.128") == 2    # 8 halves in, 8 floats out
    sass = copy16.inspect("f16[4096]", "f16[4096]", target="sm_90")["sass"]
    assert ops(sass, "LDG.E.128") == 1 and ops(sass, "STG.E.128") == 1    # 8 halves each way
    sass = scale64.inspect("f64[4096]", "f64[4096]", "f64", target="sm_90")["sass"]
    assert ops(sass, "LDG.E.128") == 4 and ops(sass, "STG.E.128") == 4    # 8 doubles, 2 per access


def _sass(kernel, args, **kw):
    from tessera.compiler import lower
    from tessera.inspect.argspec import parse_arg
    from tessera.inspect.crosscompile import cross_compile
    from tessera.runtime.args import bind_args
    b = bind_args(kernel.ir, tuple(parse_arg(a) for a in args))
    lo = lower(kernel.ir, b.arg_types, {**b.consts, **kw.pop("config", {})}, b.index, explicit_grid=True,
               resolve_func=kernel.resolve_func, **kw)
    ptx = cross_compile(lo.module, b.numba_types(kernel.ir), (9, 0), f"sass_{kernel.name}_{len(kw)}").ptx
    cubin, _ = toolchain.assemble(ptx, "sm_90")
    return [l.split("*/", 1)[1].strip() for l in toolchain.disassemble(cubin).splitlines()
            if re.search(r"/\*[0-9a-f]{4}\*/", l) and "NOP" not in l]


@ts.kernel
def row_sum(x: ts.Tensor["M", "N", ts.f32], out: ts.Tensor["M", ts.f32]):
    r = ts.program_id(0)
    t = ts.thread_id(0)
    acc = 0.0
    for j in range(t, N, ts.block_size(0)):
        acc += x[r, j]
    if t == 0:
        out[r] = acc


def test_unsigned_indices_drop_the_negative_index_selects():
    sel = lambda ins: sum(1 for i in ins if i.split()[0] == "SEL" or i.startswith("@") and i.split()[1] == "SEL")  # noqa: E731
    signed = _sass(K.vector_add, VEC, vectorize=False)
    unsigned = _sass(K.vector_add, VEC, config={"elements_per_thread": 1})
    # one element per thread: 6 selects (3 accesses x 64-bit pair) and half the instructions go
    assert sel(signed) >= 6 and sel(unsigned) == 0 and len(unsigned) <= len(signed) * 2 // 3
    signed = _sass(row_sum, ("f32[4096,1024]", "f32[4096]"), vectorize=False)
    unsigned = _sass(row_sum, ("f32[4096,1024]", "f32[4096]"))
    # a block-strided row loop: no select left (indices unsigned, the loop a counted while loop)
    assert sel(signed) >= 10 and sel(unsigned) == 0 and len(unsigned) < len(signed)


def test_strided_arrays_check_their_stride_at_run_time():
    from numba import cuda
    from tessera.backends.cuda_intrinsics import load_vec, store_vec, vec_ready

    def copy(a, c):
        i = cuda.grid(1) * 4
        if vec_ready(a) & vec_ready(c) and i + 4 <= a.shape[0]:
            store_vec(c, i, load_vec(a, i))
    strided, _ = cuda.compile_ptx(copy, "void(float32[:], float32[:])", cc=(9, 0))
    contiguous, _ = cuda.compile_ptx(copy, "void(float32[::1], float32[::1])", cc=(9, 0))
    assert "ld.global.v4" in strided and "ld.global.v4" in contiguous
    # the strides are read (and compared with 4 bytes) only where the layout does not promise them
    assert strided.count("ld.param.u64") > contiguous.count("ld.param.u64")


def test_shared_tiles_aligned_to_16_bytes_get_lds_128_and_sts_128():
    from numba import cuda, float32
    from tessera.backends.cuda_intrinsics import load_vec, store_vec

    def k(a, c):
        s = cuda.shared.array((16, 64), float32, alignment=16)
        t = cuda.threadIdx.x
        store_vec(s, t * 4, load_vec(a, t * 4))
        cuda.syncthreads()
        x0, x1, x2, x3 = load_vec(s, (t % 16) * 64 + 4 * (t // 16))
        c[t] = x0 + x1 + x2 + x3
    ptx, _ = cuda.compile_ptx(k, "void(float32[::1], float32[::1])", cc=(9, 0))
    sass = toolchain.disassemble(toolchain.assemble(ptx, "sm_90")[0])
    assert ops(sass, "LDG.E.128") == 1 and ops(sass, "STS.128") == 1 and ops(sass, "LDS.128") == 1
