# %% [markdown]
# # 00 — A tour of the workbench
#
# One pass through everything Tessera shows you about a kernel, without leaving the notebook:
#
# 1. a kernel written in a `%%tessera` cell, run on NumPy arrays and checked;
# 2. an autotuned kernel and its sweep (`autotune_view`);
# 3. the kernel at every compiler stage, down to SASS (`ir_view`);
# 4. a profile of a few launches, as a timeline and tables (`profile_view`);
# 5. the CUDA C it replaces, compiled in a `%%cuda` cell, side by side with the Tessera kernel
#    (`side_by_side`).
#
# If you come from CUDA C, Triton or numba-cuda: a Tessera kernel is CUDA's execution model
# (a grid of blocks of threads) written as a Python function, with typed, shape-checked
# arguments and an inferred launch. Nothing here asks for a backend: on a machine with an
# NVIDIA GPU kernels run there and every time is a GPU time; without one (a laptop, Binder, CI)
# they run on the `cpu` backend, and everything that inspects code (IR, PTX, SASS, registers,
# occupancy) still works, because NVIDIA's compilers run without a GPU.

# %%
%load_ext tessera
import numpy as np
import tessera as ts
from tessera.notebook.views import autotune_view, ir_view, profile_view, side_by_side

print("backends here:", ts.available_backends(), "| kernels run on:", ts.current_backend().name)

# %% [markdown]
# ## 1. A kernel in a cell
#
# `%%tessera` runs the cell as Python and turns every function with a `ts.Tensor` parameter into a
# kernel (no decorator needed), compiles it and summarizes it: signature, backend, compile time,
# and the registers one thread needs on the target GPU.
#
# Reading it as CUDA C: `ts.Tensor["N", ts.f32]` is a `float*` that knows its length, called `N`
# (three arguments sharing `N` must have the same length: checked before launch);
# `ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)` is
# `blockIdx.x * blockDim.x + threadIdx.x`. There is no `<<<grid, block>>>`: the block size is a
# default (256) you can tune or set, and the grid comes from the guard `idx < a.shape[0]`.

# %%
%%tessera
def vector_add(a: ts.Tensor["N", ts.f32],
               b: ts.Tensor["N", ts.f32],
               c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]

# %% [markdown]
# Call it like a function. NumPy arrays are copied to the device and back (only the ones the
# kernel writes come back); GPU arrays (`ts.Tensor`, PyTorch, CuPy) are used in place.

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.default_rng(0)
n = 1 << 20
a = rng.standard_normal(n, dtype=np.float32)
b = rng.standard_normal(n, dtype=np.float32)
c = np.zeros_like(a)

vector_add(a, b, c)
print("matches NumPy:", np.array_equal(c, a + b))
print(vector_add.lower(a, b, c).plan.describe())

# %% [markdown]
# ## 2. Autotuning
#
# As in Triton, `@ts.kernel.autotune(space=..., key=...)` lists candidate values of compile-time
# parameters; the body reads them with `ts.autotune.get_param`. The first call for new values of
# the key (here the matrix sizes) prunes the configs that cannot run on the GPU (with the reason),
# checks each remaining one against `reference`, times it, and remembers the winner on disk.
#
# The kernel is the textbook shared-memory matmul, written one thread per element of `C`: a
# `TILE × TILE` block stages tiles of `A` and `B` in shared memory between two barriers. A block of
# 64 × 64 threads is more than a GPU runs (1,024); Tessera runs such blocks as *virtual threads*
# over `num_warps × 32` real ones, which is why `num_warps` is a knob of its own
# ([notebook 02](02-tiled-matmul.ipynb) shows how).

# %%
%%tessera
@ts.kernel.autotune(space={"TILE": [16, 32, 64, 128], "num_warps": [4, 8]}, key=["M", "N", "K"],
                    reference=lambda A, B, C: A @ B, progress=False)
def matmul(A: ts.Tensor["M", "K", ts.f32], B: ts.Tensor["K", "N", ts.f32], C: ts.Tensor["M", "N", ts.f32]):
    TILE = ts.autotune.get_param("TILE")
    As = ts.shared.alloc[ts.f32](TILE, TILE)
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

# %% [markdown]
# The first call sweeps the space, then launches the best config. (`progress=False` above keeps
# this cell quiet, since the next one shows the whole sweep; without it, a sweep in a notebook
# draws the same view live while it runs, as in [notebook 03](03-autotune.ipynb).)

# %%
# NBVAL_CHECK_OUTPUT
A = rng.standard_normal((192, 160), dtype=np.float32)
B = rng.standard_normal((160, 176), dtype=np.float32)
C = np.zeros((192, 176), np.float32)

matmul(A, B, C)
print("matches NumPy:", np.allclose(C, A @ B, rtol=1e-4, atol=1e-3))
print({k: v for k, v in matmul.last_sweep.items() if k in ("configs", "ok", "pruned", "failed")})

# %% [markdown]
# `autotune_view(kernel)` shows the latest sweep: time per config (the best in green), a heatmap
# over two parameters, every config in a sortable table, the pruned ones with their reasons
# (`TILE=128` needs 128 KB of shared memory), and the kernel pinned to the winner, ready to paste.

# %%
autotune_view(matmul)

# %% [markdown]
# ## 3. Every stage, down to SASS
#
# `ir_view(kernel, *args, configs=[...])` compiles one specialization per config and shows it at
# every stage, one tab each: your source, Tessera's IR, the typed IR, the numba-cuda code it
# generates, numba's IR, LLVM IR, PTX and SASS, with the registers, shared memory and occupancy
# above. Arguments can be type strings, so nothing is allocated. `diff` compares two configs,
# `line` marks what one line of your kernel became. It needs no GPU: PTX comes from numba-cuda for
# any `sm_XX`, SASS from NVIDIA's `ptxas` and `nvdisasm` (the target is this GPU, else an H100).
#
# `ir.show(...)` sets the same controls from Python: here the view opens on the typed IR (every
# value typed, `TILE` a constant 16) with the inner product, line 17 of the `%%tessera` cell,
# marked. The mark stays as you switch tabs: `numba` shows the two accumulators each of the 128
# real threads keeps for its two virtual threads, `ptx` and `sass` the instructions that line
# became (in the SASS, each `//## L<n>` header names the kernel line of the instructions below it).

# %%
ir = ir_view(matmul, "f32[1024,1024]", "f32[1024,1024]", "f32[1024,1024]",
             configs=[{"TILE": 16, "num_warps": 4}, {"TILE": 32, "num_warps": 4}])
ir.show(stage="typed", line=17)   # acc += As[ts.thread_id(0), k] * Bs[k, ts.thread_id(1)]

# %% [markdown]
# What the tabs hold is also there from Python (`ir.inspection["sass"]`, `.resources`, ...). A
# `TILE × TILE` block is `TILE²` threads, run as virtual threads on `num_warps × 32` real ones, and
# two `TILE × TILE` f32 tiles of shared memory:

# %%
# NBVAL_CHECK_OUTPUT
for label, insp in ir.inspections.items():
    r = insp.resources
    print(f"{label}: block {insp.plan.block}, {r.threads_per_block} threads per block, "
          f"{r.shared_static_bytes} bytes of shared memory")

# %% [markdown]
# ## 4. Profiling
#
# `with ts.profile() as prof:` records what runs inside it: launches (with grid, block and
# config), copies with their bytes, allocations, compiles. `profile_view(prof)` shows a timeline
# with one lane per stream plus the host, a per-kernel table, the other events, and a roofline.
# `prof.range(name)` marks a span of your own on the host lane. On a GPU kernel times come from CUDA
# events; on the `cpu` backend from the host's clock (each event says which clock timed it).

# %%
with ts.profile() as prof:
    for step in range(3):
        with prof.range(f"step {step}"):
            vector_add(a, b, c)
            matmul(A, B, C)
profile_view(prof)

# %%
# NBVAL_CHECK_OUTPUT
print(prof.table().sort_values("kernel")[["kernel", "count"]].to_string(index=False))

# %% [markdown]
# ## 5. The CUDA C it replaces, side by side
#
# `%%cuda` compiles a cell of CUDA C with NVRTC and binds each `__global__` function as a Python
# callable (`--name` renames it, here so that it does not replace the Tessera `vector_add`).
# Without a GPU it is compiled for inspection only: `.ptx`, `.sass` and `.resources` work, calling
# it does not. This is the guide's CUDA vector add, verbatim:

# %%
%%cuda --name vector_add_cuda
__global__ void vector_add(float* a, float* b, float* c, int n) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < n) {
        c[idx] = a[idx] + b[idx];
    }
}

# %% [markdown]
# `side_by_side(cuda_kernel, tessera_kernel, args=...)` lines up the two sources (each CUDA C line
# next to the Tessera line that does the same), runs both on copies of the same inputs and
# compares every array they share, shows each one's registers, shared memory and occupancy, and
# times both. The CUDA C kernel takes `n` where Tessera reads the length from the array, so its
# arguments and launch are given separately. Without a GPU the CUDA side is not run: the view
# says so, and times the Tessera kernel alone.

# %%
sbs = side_by_side(vector_add_cuda, vector_add, args=(a, b, c), cuda_args=(a, b, c, np.int32(n)),
                   cuda_launch=dict(grid=(n + 255) // 256, block=256))
sbs

# %% [markdown]
# The pairing the view draws, line by line:

# %%
# NBVAL_CHECK_OUTPUT
al = sbs.alignment
for cuda_line, tessera_line in al.pairs:
    print("CUDA C ", al.cuda_lines[cuda_line - 1].strip())
    print("Tessera", al.tessera_lines[tessera_line - 1].strip(), end="\n\n")

# %% [markdown]
# ## Where next
#
# Each view has a notebook of its own that goes further:
# [01](01-vector-add.ipynb) the first kernel, its errors and backends;
# [02](02-tiled-matmul.ipynb) the tiled matmul and virtual threads;
# [03](03-autotune.ipynb) autotuning, pruning and the cache;
# [04](04-inspect-ir.ipynb) inspection, line maps, resources and occupancy;
# [05](05-profile.ipynb) profiling, timelines, rooflines and Chrome traces.
