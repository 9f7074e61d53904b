# %% [markdown]
# # 04 — Inspecting a kernel: from your Python to SASS
#
# `kernel.inspect(...)` shows one specialization of a kernel at every stage of the pipeline —
# your source, Tessera's IR, the typed IR, the generated numba-cuda code, numba's typed IR,
# LLVM IR, PTX and SASS — with the resources it uses (registers, shared memory, spills) and the
# occupancy that follows, for any GPU generation (`target="sm_80"`, `"sm_90"`, ...).
#
# None of it needs a GPU: numba-cuda writes PTX for any compute capability, and NVIDIA's `ptxas`
# and `nvdisasm` (installed from PyPI with Tessera) turn it into SASS. This notebook runs on a laptop.

# %%
import numpy as np
import tessera as ts

# %% [markdown]
# ## A kernel at every stage
#
# Arguments are what a call would get — arrays or tensors — or, when you have none at hand, their
# types as text: `"f32[1024]"` is a contiguous f32 tensor of 1024 elements (no memory is
# allocated), `"i32"` a scalar, `16` a constant.

# %%
@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]

insp = vector_add.inspect("f32[1048576]", "f32[1048576]", "f32[1048576]", target="sm_90")
insp

# %%
# NBVAL_CHECK_OUTPUT
print(insp.stages)

# %% [markdown]
# The typed Tessera IR: every value has a type (`idx` is a 32-bit index because a million
# elements fit), and every line remembers the line of this cell it came from (`# L<n>`).

# %%
# NBVAL_CHECK_OUTPUT
print(insp["typed"])

# %% [markdown]
# The numba-cuda code Tessera generates from it (on a GPU, this is what numba compiles):

# %%
print(insp["numba"])

# %% [markdown]
# PTX for an H100 (`sm_90`), here only its first lines; `insp["llvm"]` and `insp["numba_ir"]`
# hold the two stages in between.

# %%
print("\n".join(insp["ptx"].splitlines()[:14]))

# %% [markdown]
# ## Which instructions came from which line
#
# `insp.lines_for(stage, line)` lists the lines of a stage that came from one line of your code
# (the `L<n>` numbers above): through `# L<n>` markers in the generated code, `.loc` directives in
# the PTX and the line table of the SASS, whose headers Tessera relabels with your lines. Here is
# what the store `c[idx] = a[idx] + b[idx]` (line 5 of the kernel's cell: `L5`) became:

# %%
store_line = 5

def show(stage, line):
    text = insp[stage].splitlines()
    for n in insp.lines_for(stage, line):
        print(f"{n:5}  {text[n - 1].strip()}")

show("ptx", store_line)

# %%
show("sass", store_line)

# %%
# NBVAL_CHECK_OUTPUT
sass_lines = [insp["sass"].splitlines()[n - 1] for n in insp.lines_for("sass", store_line)]
print("loads (LDG):", any("LDG" in l for l in sass_lines),
      "| add (FADD):", any("FADD" in l for l in sass_lines),
      "| store (STG):", any("STG" in l for l in sass_lines))

# %% [markdown]
# ## Resources and occupancy
#
# `ptxas -v` reports what one thread and one block use; Tessera's occupancy calculator (the
# algorithm of NVIDIA's, from each GPU generation's limits) turns that into resident warps per SM.

# %%
print(insp.summary())

# %%
# NBVAL_CHECK_OUTPUT
r = insp.resources
print("shared memory:", r.shared_static_bytes, "bytes | spills:", r.spill_store_bytes, "bytes")
print("occupancy:", r.occupancy.percent, "%")

# %% [markdown]
# The calculator on its own: how registers per thread limit a 256-thread block on an A100
# (`sm_80`) and an H100 (`sm_90`), and the largest block each register count allows.

# %%
# NBVAL_CHECK_OUTPUT
from tessera.inspect import occupancy, max_threads_per_block

print("regs/thread   sm_80   sm_90   max block")
for regs in (32, 64, 96, 128, 168, 255):
    a100 = occupancy("sm_80", threads=256, registers=regs)
    h100 = occupancy("sm_90", threads=256, registers=regs)
    print(f"{regs:>11} {a100.percent:>6}% {h100.percent:>6}% {max_threads_per_block('sm_90', registers=regs):>11}")

# %% [markdown]
# ## Comparing two configs
#
# The guide's tiled matmul keeps a `TILE x TILE` tile of each input in shared memory. Its tile
# size is a compile-time constant read with `ts.autotune.get_param`, so `config=` chooses it.
# `ts.inspect.diff` compares any stage of two specializations, with the resource delta.

# %%
@ts.kernel
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

args = ("f32[1024,1024]",) * 3
small = matmul.inspect(*args, target="sm_90", config={"TILE": 16})
large = matmul.inspect(*args, target="sm_90", config={"TILE": 32})
d = ts.inspect.diff(small, large, stage="sass")
d

# %%
# NBVAL_CHECK_OUTPUT
for name in ("shared_static_bytes", "threads_per_block", "barriers"):
    print(f"{name:<20} {d.before[name]:>6} -> {d.after[name]:<6} ({d.resources[name]:+})")

# %% [markdown]
# The diff itself (addresses and hashed names are normalized away, so what is left is code that
# changed); here its first lines:

# %%
print("\n".join(d.text.splitlines()[:30]))

# %% [markdown]
# The same kernel for an A100: one call with another target, still no GPU needed.

# %%
# NBVAL_CHECK_OUTPUT
a100 = matmul.inspect(*args, target="sm_80", config={"TILE": 16})
print(".target sm_80" in a100["ptx"], "BAR" in a100["sass"], "LDS" in a100["sass"])
print(a100.resources.shared_static_bytes, "bytes of shared memory per block")

# %% [markdown]
# ## All of it in one view
#
# `ir_view` puts the above in one widget: a tab per stage (each computed when first opened, so the
# source never waits for ptxas), the resources of the selected config above it, a config selector,
# a `diff` toggle that shows every stage as a diff against another config, and a `line` selector
# that highlights what one line of the kernel became in each stage. `ir.show(stage="sass",
# config="TILE=32", diff_against="TILE=16")` sets the same state from Python.

# %%
from tessera.notebook.views import ir_view

ir = ir_view(matmul, *args, configs=[{"TILE": 16}, {"TILE": 32}], target="sm_90")
ir

# %% [markdown]
# ## From a shell
#
# `python -m tessera inspect FILE.py:KERNEL` prints any stage of a kernel defined in a file, for
# any target; `--args` takes the same type strings (`python -m tessera inspect --help` says more).

# %%
import pathlib, subprocess, sys, tempfile

src = pathlib.Path(tempfile.mkdtemp()) / "kernels.py"
src.write_text('''import tessera as ts

@ts.kernel
def saxpy(a: ts.f32, x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = a * x[i] + y[i]
''')
cmd = [sys.executable, "-m", "tessera", "inspect", f"{src}:saxpy", "--stage", "sass", "--target", "sm_80",
       "--args", "f32,f32[4096],f32[4096]", "--line", "7", "--resources"]
print(subprocess.run(cmd, capture_output=True, text=True).stdout)
