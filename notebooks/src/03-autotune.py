# %% [markdown]
# # 03 — Autotuning: let the machine pick the tile sizes
#
# The guide's `matmul_optimized` does not say how big its tiles are: it reads `TILE_M`,
# `TILE_N`, `TILE_K` with `ts.autotune.get_param`, and `@ts.kernel.autotune(space=...)` lists
# the candidates — 3 × 3 × 3 tile sizes × 3 `num_warps` × 3 `num_stages` = 243 configs. On its
# first call for a new problem size (`key=["M", "N", "K"]`) the kernel
#
# 1. **prunes** every config that cannot run on the target GPU, with the reason (too many threads
#    per block, too much shared memory, too many registers or spills after ptxas);
# 2. **compiles** the rest (in worker processes where there are cores to spare);
# 3. **checks** each one — outputs are filled with NaN first, so a config that leaves part of `C`
#    unwritten cannot pass — and **times** it as Triton's `do_bench` does;
# 4. **remembers** the result on disk, so the next process starts with the answer.
#
# This notebook runs without a GPU: the kernels run on the `cpu` backend and pruning is for an
# H100 (`sm_90`, or the local GPU where there is one).

# %%
import numpy as np
import plotly.express as px
import tessera as ts

# The guide's 64 x 64 tiles are blocks of 4096 threads: virtual threads run them (on a GPU,
# on num_warps * 32 threads each). This notebook tunes on the cpu backend so that it runs anywhere.
BACKEND = "cpu"
print("backends here:", ts.available_backends())

# %% [markdown]
# ## The kernel, exactly as the guide writes it

# %%
@ts.kernel.autotune(
    space={
        "TILE_M": [64, 128, 256],
        "TILE_N": [64, 128, 256],
        "TILE_K": [32, 64, 128],
        "num_warps": [4, 8, 16],
        "num_stages": [2, 3, 4]
    },
    key=["M", "N", "K"]
)
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

matmul_optimized

# %% [markdown]
# ## The first call tunes
#
# A small problem keeps this quick. The call returns when the sweep is done and the best config
# has computed `C`. In a notebook the sweep draws a live autotune view while it runs: a progress
# bar, the best config so far, then the plots and the table.

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.default_rng(0)
A = rng.standard_normal((96, 64)).astype(np.float32)
B = rng.standard_normal((64, 80)).astype(np.float32)
C = np.zeros((96, 80), np.float32)

matmul_optimized(A, B, C, backend=BACKEND)
print("C matches NumPy:", np.allclose(C, A @ B, rtol=1e-4, atol=1e-4))
print({k: v for k, v in matmul_optimized.last_sweep.items() if k not in ("wall_s", "cached")})

# %% [markdown]
# ## Why configs were pruned
#
# Every reason starts with its kind. Most are shared memory: the two tiles take
# `TILE_K × (TILE_M + TILE_N) × 4` bytes, times `num_stages` buffers, and a block's statically
# allocated shared memory is at most 48 KB (larger amounts need the dynamic-shared-memory opt-in,
# which would raise the H100's limit to 227 KB). A few configs fit but spill: with 64 × 128 tiles on
# `num_warps=4` (128 threads), each thread owns 64 accumulators, and ptxas, compiling the config for
# the target, had to put some of them in local memory. One example of each kind:

# %%
# NBVAL_CHECK_OUTPUT
results = matmul_optimized.autotune_results
pruned = results[results.status == "pruned"]
kinds = pruned.reason.str.split(":").str[0]
print(kinds.value_counts().to_string())
print()
names = ["TILE_M", "TILE_N", "TILE_K", "num_warps", "num_stages"]
for kind, rows in pruned.assign(kind=kinds).sort_values(names).groupby("kind"):
    r = rows.iloc[0]
    print(" ".join(f"{n}={r[n]}" for n in names), "->", r.reason)

# %% [markdown]
# ## The sweep table
#
# One row per config, fastest first: the timing statistics, the physical threads per block
# (`num_warps × 32` for virtual threads), shared memory, and registers and occupancy where ptxas
# could compile the config for the target. On the cpu backend `num_warps` does not change the
# generated code, so configs that differ only in it are timed once and share the result
# ("same code as ...").

# %%
cols = ["TILE_M", "TILE_N", "TILE_K", "num_warps", "num_stages", "status", "median_ms", "min_ms", "max_ms",
        "threads", "shared_bytes", "reason"]
results[results.status != "pruned"][cols]

# %%
print("best config:", matmul_optimized.best_config)

# %% [markdown]
# ## Time per config

# %%
ran = results[results.status.isin(["ok", "incorrect", "failed"])].copy()
ran["config"] = [f"{m}x{n}x{k} w{w} s{s}" for m, n, k, w, s in
                 ran[["TILE_M", "TILE_N", "TILE_K", "num_warps", "num_stages"]].values]
fig = px.bar(ran, x="config", y="median_ms", color="status", error_y=ran.max_ms - ran.median_ms,
             error_y_minus=ran.median_ms - ran.min_ms, hover_data=["threads", "shared_bytes", "reason"],
             title=f"matmul_optimized at M, N, K = {A.shape[0]}, {B.shape[1]}, {A.shape[1]} ({BACKEND})")
fig.update_layout(xaxis_title="TILE_M x TILE_N x TILE_K, num_warps, num_stages", yaxis_title="median ms")
fig

# %% [markdown]
# ## All of it in one view
#
# `autotune_view(kernel)` shows a kernel's latest sweep at any time; it is what the first call drew
# live. Its tabs: time per config with the best in green, a heatmap over two parameters (chosen
# with the dropdowns), parallel coordinates across all of them, every config in a table sortable by
# any column, the pruned and failed configs with their reasons, and the kernel pinned to the winner
# with a button that copies it.

# %%
from tessera.notebook.views import autotune_view

autotune_view(matmul_optimized)

# %% [markdown]
# ## Pin the winner
#
# `pinned_decorator()` writes the kernel's source under a one-config decorator. A kernel with
# one config never sweeps and never times: paste it back when the tuning is settled.

# %%
print(matmul_optimized.pinned_decorator()[:200], "...")

# %% [markdown]
# ## The cache: a new process times nothing
#
# Each config's result is a record under `TESSERA_CACHE_DIR/autotune`, keyed by the Tessera
# version, the kernel's source, the device, the key values and the config. A fresh kernel object
# (as after a restart) finds every record and times nothing; a config added to the space would be
# the only one timed.

# %%
# NBVAL_CHECK_OUTPUT
fresh = matmul_optimized.with_options(progress=False)   # no live view: this cell is about the cache
C2 = np.zeros_like(C)
fresh(A, B, C2, backend=BACKEND)
s = fresh.last_sweep
print("configs:", s["configs"], "| from the cache:", s["cached"], "| same result:", np.array_equal(C, C2))

# %% [markdown]
# ## Deterministic sweeps: inject the benchmark
#
# Timing is a function you can replace: `bench(fn, config=..., warmup_ms=..., rep_ms=...)` returns
# milliseconds (or a list of them). A model of the time makes a sweep reproducible — for tests,
# or to explore strategies. Here successive halving (`strategy="halving"`) times every runnable
# config briefly and the best third again with three times the budget, until one is left.

# %%
# NBVAL_CHECK_OUTPUT
def model_ms(fn, *, config, warmup_ms, rep_ms):
    # bigger tiles reuse more data; more stages hide more latency
    return 10.0 / (config["TILE_M"] * config["TILE_N"]) ** 0.5 + 1.0 / config["num_stages"]

modeled = matmul_optimized.with_options(bench=model_ms, strategy="halving", progress=False)
modeled(A, B, np.zeros_like(C), backend=BACKEND)
print("best config:", modeled.best_config)
print(modeled.pinned_decorator().split("def ")[0])

# %% [markdown]
# ## Watching a sweep
#
# `progress=` takes a callback; each call gets the configs done, the total, the config just
# finished and the best so far. The default (`progress=None`) is the live autotune view in a notebook
# and a one-line text bar on stderr in a plain Python run; `progress=False` shows nothing, and
# `progress=view` reports to a view of your own (`autotune_view(kernel, live=True)`).

# %%
# NBVAL_CHECK_OUTPUT
events = []
watched = matmul_optimized.with_options(bench=model_ms, progress=events.append)
watched(A, B, np.zeros((96, 80), np.float32), backend=BACKEND)
last = events[-1]
print("prune, time and done phases seen:", {"prune", "time", "done"} <= {e.phase for e in events})
print(f"last event: {last.phase}, {last.done}/{last.total} configs, best {last.best.config}")
