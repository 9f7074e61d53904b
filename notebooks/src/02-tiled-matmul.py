# %% [markdown]
# # 02 — Tiled matmul: one thread per output element
#
# The guide's `matmul_optimized` is written the way matmul is explained on a whiteboard: each
# thread computes **one** element of `C`. A program (block) owns a `TILE_M × TILE_N` tile of `C`,
# stages `TILE_K`-wide slabs of `A` and `B` in shared memory, and every thread walks `k` over the
# slab. With the guide's tile sizes that is a block of 64 × 64 = 4,096 threads, up to
# 256 × 256 = 65,536 — far past the 1,024 threads a GPU block can have.
#
# Tessera runs it anyway, through **virtual threads**. This notebook shows what that means, runs
# the kernel on the `cpu` backend, checks it against NumPy, looks at the code the compiler
# generates, and times it. No GPU needed.

# %%
import numpy as np
import plotly.express as px
import tessera as ts
from tessera.compiler import compile_source, lower
from tessera.frontend.printer import format_kernel
from tessera.tune import do_bench
from tessera.tune.bench import HostClock

# This notebook looks at the cpu backend's generated code and timings, so it asks for cpu even
# on a GPU machine (the default there is cuda).
BACKEND = "cpu"
print("backends here:", ts.available_backends(), "| this notebook uses:", BACKEND)

# %% [markdown]
# ## The kernel, as the guide writes it
#
# The body is the guide's, verbatim. The guide puts `@ts.kernel.autotune(space=..., key=...)` on
# it ([notebook 03](03-autotune.ipynb)); here it is a plain `@ts.kernel`, and each call says
# which tile sizes `ts.autotune.get_param` returns with `config={...}`.
#
# Read it as CUDA: `row`/`col` are this thread's element, `As`/`Bs` are shared tiles, the two
# `ts.barrier()`s separate "the whole block has loaded the slab" from "the whole block has used
# it". Nothing in it says how the threads are scheduled.

# %%
@ts.kernel
def matmul_optimized(A: ts.Tensor["M", "K", ts.f32],
                    B: ts.Tensor["K", "N", ts.f32],
                    C: ts.Tensor["M", "N", ts.f32]):
    """Optimized matrix multiplication with autotuning."""

    # Get autotuned parameters
    TILE_M = ts.autotune.get_param("TILE_M")
    TILE_N = ts.autotune.get_param("TILE_N")
    TILE_K = ts.autotune.get_param("TILE_K")

    # Allocate shared memory with optimal layout
    As = ts.shared.alloc[ts.f32](TILE_M, TILE_K, swizzle="xor")
    Bs = ts.shared.alloc[ts.f32](TILE_K, TILE_N, swizzle="xor")

    # Get thread coordinates
    row = ts.program_id(0) * TILE_M + ts.thread_id(0)
    col = ts.program_id(1) * TILE_N + ts.thread_id(1)

    acc = 0.0

    # Tiled computation with async copy optimization
    for k_tile in ts.range(0, K, TILE_K):
        # Async copy to shared memory (automatically optimized)
        ts.copy_async(A[ts.program_id(0)*TILE_M:(ts.program_id(0)+1)*TILE_M,
                       k_tile:k_tile+TILE_K], As)
        ts.copy_async(B[k_tile:k_tile+TILE_K,
                       ts.program_id(1)*TILE_N:(ts.program_id(1)+1)*TILE_N], Bs)

        # Wait for copies and synchronize
        ts.wait_group(0)
        ts.barrier()

        # Compute tile multiplication (automatically vectorized)
        for k in ts.range(TILE_K):
            acc += As[ts.thread_id(0), k] * Bs[k, ts.thread_id(1)]

        ts.barrier()

    # Store result
    if row < M and col < N:
        C[row, col] = acc

CONFIG = {"TILE_M": 64, "TILE_N": 64, "TILE_K": 32}

# %% [markdown]
# ## Virtual threads
#
# A GPU runs at most 1,024 threads per block, and a CPU core runs one. So the compiler turns the
# block's threads into loops — the classic way to run CUDA on a CPU:
#
# 1. **Split at barriers.** The body is cut at every `ts.barrier()` into *regions*. Between two
#    barriers threads do not talk to each other, so running thread 0's region, then thread 1's,
#    ... is one of the schedules CUDA already allows. A barrier then costs nothing: the loop
#    before it has finished when the next one starts.
# 2. **Loop over virtual threads.** Each region becomes `for vt in threads(64, 64): ...`.
#    Block-level work (`shared.alloc`, `copy_async`, uniform loops around barriers) runs once per
#    program, outside those loops. A value that lives across a barrier (`acc`) goes into a
#    per-thread local array, `acc[vt]`.
# 3. **Interchange loops.** `for k: acc += As[tid(0), k] * Bs[k, tid(1)]` has bounds that do not
#    depend on the thread, so the compiler moves `for k` *outside* the virtual-thread loop (legal
#    for the same reason as 1: threads do not talk between barriers). For one `k`, the loop over
#    threads then reads one column of `As` and one row of `Bs` and updates every accumulator: each
#    loaded value feeds many multiply-adds, and the innermost loop walks `Bs[k, :]` and `acc`
#    contiguously, which LLVM can vectorize. When a physical thread owns a few virtual threads
#    (on a GPU), their accumulators sit in registers: this is **register blocking**, derived from
#    code that never mentions it.
#
# The `cpu` backend runs one program per core at a time, all its virtual threads in these loops.
# On a GPU the same form runs on `num_warps × 32` real threads per block, each owning a few
# virtual threads — which is why `num_warps` is a knob of its own in the guide's autotune space
# (the end of this notebook shows it).

# %% [markdown]
# ## Run it and check it
#
# A square problem first, then a ragged one whose sizes are not multiples of any tile: the
# guard `row < M and col < N` and the zero fill of `copy_async` beyond the array's edge handle
# the partial tiles. `C` starts as NaN, so an element the kernel forgot would show.

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.default_rng(0)

def check(m, k, n, config=CONFIG):
    A = rng.standard_normal((m, k)).astype(np.float32)
    B = rng.standard_normal((k, n)).astype(np.float32)
    C = np.full((m, n), np.nan, np.float32)
    matmul_optimized(A, B, C, backend=BACKEND, config=config)
    ok = np.allclose(C, A @ B, rtol=1e-4, atol=1e-4 * np.sqrt(k))
    print(f"M, K, N = {m:>3}, {k:>3}, {n:>3}  tiles {config['TILE_M']}x{config['TILE_N']}x{config['TILE_K']}:"
          f"  matches NumPy: {ok}")

check(256, 256, 256)
check(100, 70, 130)

# %% [markdown]
# The same body with the guide's largest tiles: 256 × 256 = 65,536 virtual threads per program.

# %%
# NBVAL_CHECK_OUTPUT
check(300, 100, 260, config={"TILE_M": 256, "TILE_N": 256, "TILE_K": 32})

# %% [markdown]
# ## What the compiler made of it
#
# `tessera.compiler.lower(..., target="numba-cpu")` runs the passes without compiling; its
# `.split` is the kernel in virtual-thread form. Look for:
#
# - `local acc: f32[4096]` — one accumulator per virtual thread, because `acc` lives across
#   barriers;
# - `for k_tile in ...` at program level, with the copies and barriers in it;
# - `for k in unrolled range(0, 32, 1):` **outside** `for vt in threads(64, 64):` — the
#   interchange that reuses `As[tid(0), k]` and `Bs[k, tid(1)]` across threads.

# %%
# NBVAL_CHECK_OUTPUT
ARG_TYPES = {"A": ts.f32, "B": ts.f32, "C": ts.f32}
low = lower(matmul_optimized.ir, ARG_TYPES, CONFIG, ts.i32,
            resolve_func=matmul_optimized.resolve_func, target="numba-cpu")
print(low.plan.describe())
print(format_kernel(low.split, lines=False))

# %% [markdown]
# And the numba source the `cpu` backend compiles (with `njit`; the grid function with
# `parallel=True`). `_program_matmul_optimized` is one program: virtual threads are the
# `_tid0`/`_tid1` loops, `_tid1` innermost so it walks a row of `Bs`; `copy_async` became a copy
# with zero fill; barriers became comments. The `# L<n>` at each line's end is the kernel line it
# came from. `matmul_optimized` at the bottom runs the programs with `prange`, over all cores.

# %%
src = compile_source(matmul_optimized, ARG_TYPES, CONFIG, target="numba-cpu").source
print(src)

# %%
# NBVAL_CHECK_OUTPUT
# The loop nest of the hot region, as the source has it: k outside, virtual threads inside.
lines = src.splitlines()
k_loop = next(i for i, l in enumerate(lines) if l.lstrip().startswith("for k in range("))
print("\n".join(l.split("  #")[0] for l in lines[k_loop:k_loop + 7]))

# %% [markdown]
# ## How fast is it?
#
# 512 × 512 × 512 in float32 on the `cpu` backend against NumPy's `A @ B` — an optimized BLAS
# (OpenBLAS in NumPy's wheels), multi-threaded and hand-tuned per CPU. Both are timed like
# Triton's `do_bench`: the first call (which compiles) is not timed, then warm-up, then
# repetitions for a time budget, on the wall clock. We report the fastest repetition, the one least disturbed by whatever else
# the machine was doing; the median is in the table too. Two tile shapes, because the best one
# depends on the CPU's caches. The numbers are those of the machine that ran this notebook.

# %%
n = 512
A = rng.standard_normal((n, n)).astype(np.float32)
B = rng.standard_normal((n, n)).astype(np.float32)
C = np.zeros((n, n), np.float32)
flop = 2 * n ** 3

def bench(name, fn):
    t = do_bench(fn, HostClock(), warmup_ms=50, rep_ms=300)
    return {"implementation": name, "best ms": t.min_ms, "median ms": t.median_ms}

rows = []
for cfg in (CONFIG, {"TILE_M": 128, "TILE_N": 128, "TILE_K": 32}):
    rows.append(bench(f"Tessera cpu, tiles {cfg['TILE_M']}x{cfg['TILE_N']}x{cfg['TILE_K']}",
                      lambda: matmul_optimized(A, B, C, backend=BACKEND, config=cfg)))
    assert np.allclose(C, A @ B, rtol=1e-4, atol=1e-4 * np.sqrt(n))
rows.append(bench("NumPy A @ B (BLAS)", lambda: np.matmul(A, B, out=C)))

blas_ms = rows[-1]["best ms"]
for r in rows:
    r["GFLOP/s"] = flop / (r["best ms"] * 1e-3) / 1e9
    r["speed vs NumPy"] = blas_ms / r["best ms"]
print(f"{'implementation':<32} {'best ms':>8} {'median ms':>10} {'GFLOP/s':>8} {'vs NumPy':>9}")
for r in rows:
    print(f"{r['implementation']:<32} {r['best ms']:>8.2f} {r['median ms']:>10.2f} {r['GFLOP/s']:>8.1f}"
          f" {r['speed vs NumPy']:>8.2f}x")

# %%
fig = px.bar(rows, x="implementation", y="GFLOP/s", text=[f"{r['speed vs NumPy']:.2f}x" for r in rows],
             title=f"float32 matmul at {n}^3 on the {BACKEND} backend (higher is better)")
fig.update_layout(xaxis_title="", yaxis_title="GFLOP/s (best repetition)")
fig

# %% [markdown]
# The last column is the honest summary. The kernel's source has no SIMD and no cache blocking;
# what speed it has comes from the loop interchange, which gives LLVM a contiguous innermost loop
# to vectorize. The gap to BLAS is what BLAS does and this kernel does not: packing panels of `A`
# and `B` for the caches, a register block of several rows *and* columns of `C`, hand-scheduled
# FMA instructions (the cpu backend compiles with `fastmath=False`, so LLVM may not fuse or
# reorder floating-point operations). On a GPU, the comparison that matters is with cuBLAS:
# `python -m benchmarks.autotune_matmul` (see the README).

# %% [markdown]
# ## The same kernel for a GPU
#
# `kernel.inspect(...)` compiles a kernel for any GPU generation without one
# ([notebook 04](04-inspect-ir.ipynb) shows every stage down to SASS). For the guide's 64 × 64
# tile with `num_warps=4`, the 4,096 virtual threads run on 128 GPU threads; each owns 32 of
# them, whose accumulators are registers, so every shared-memory load feeds several FMAs.

# %%
insp = matmul_optimized.inspect("f32[512,512]", "f32[512,512]", "f32[512,512]", target="sm_90",
                                config={**CONFIG, "num_warps": 4})
print(insp.summary())

# %%
# NBVAL_CHECK_OUTPUT
r = insp.resources
vblock = insp.plan.block[0] * insp.plan.block[1]
print(f"virtual threads per block: {vblock} | GPU threads per block: {r.threads_per_block}"
      f" | virtual threads per GPU thread: {vblock // r.threads_per_block}")
print("shared memory per block:", r.shared_static_bytes, "bytes | spills:", r.spill_store_bytes, "bytes")

# %% [markdown]
# ## Where next
#
# - **Autotuning** — [notebook 03](03-autotune.ipynb) puts the guide's
#   `@ts.kernel.autotune(space=..., key=["M", "N", "K"])` back on this kernel: tile sizes,
#   `num_warps` and `num_stages` searched, configs that cannot run on the target GPU pruned with a
#   reason each, the rest checked and timed, the result cached on disk.
# - **Inspecting** — [notebook 04](04-inspect-ir.ipynb): `kernel.inspect(...)` at every stage
#   (IR, numba, LLVM, PTX, SASS), resources and occupancy per config, diffs between configs, and
#   `python -m tessera inspect file.py:kernel --stage sass --target sm_90` from a shell.
# - **Profiling** — [notebook 05](05-profile.ipynb): `with ts.profile() as prof:` around real
#   work, with a table, a timeline and a roofline.
