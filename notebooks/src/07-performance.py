# %% [markdown]
# # 07 — Performance: Tessera against what it replaces
#
# A kernel is worth porting to Tessera only if it runs as fast as the code it replaces. The
# performance suite (`python -m benchmarks.run`) measures that: each case is a Tessera kernel
# written as a user would write it, run in the same process and on the same device arrays as its
# alternatives — CUDA C compiled with NVRTC, cuBLAS and PyTorch ops, Triton where it is installed —
# each checked against NumPy, then timed as Triton's `do_bench` does (warm-up, repetitions to a
# time budget, the L2 cache flushed before each, CUDA events, the median). Without a GPU the suite
# runs Tessera's `cpu` backend against NumPy and numba instead, at smaller sizes.
#
# This notebook loads a committed result, shows its table and plots, shows two of the kernels,
# and reruns part of the suite on this machine.

# %%
import contextlib
import inspect
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
sys.path.insert(0, str(ROOT))  # the suite lives in the repository's benchmarks/ package

import tessera as ts
from IPython.display import Code, Markdown, display

from benchmarks import report, run
from benchmarks.cases import CASES

print("cases:", ", ".join(CASES))
print("kernels run on:", ts.current_backend().name)

# %% [markdown]
# ## The committed results
#
# `benchmarks/results/` holds the JSON, Markdown and plots of committed runs (its README gives the
# exact commands). The newest GPU run is loaded if there is one, else the newest CPU-mode run —
# which is a CPU measurement, not a GPU result, and says so in its title.

# %%
path, res = report.load_results(ROOT / "benchmarks" / "results")
print(path.name, "|", report.title(res))
print("created", res["created"], "| command:", res["command"])
print("versions:", {k: v for k, v in res["versions"].items() if v})

# %% [markdown]
# One row per case and implementation. `tessera_over_this` is Tessera's throughput (GB/s, or
# TFLOP/s for the matmuls) over that implementation's: above 1, Tessera is faster. Where the issue
# sets a target for an H100 (vector add ≥ 0.97x Triton, softmax ≥ 1.1x `torch.softmax`,
# layernorm and RMSNorm ≥ 1.0x PyTorch, the guide's matmul ≥ 0.5x cuBLAS), `target` and `met` say
# whether the run reached it.

# %%
df = report.to_frame(res)
df.round(4)

# %%
report.ratio_figure(res)

# %%
report.throughput_figure(res)

# %% [markdown]
# ## Two of the kernels
#
# The cases are tutorial material: each module in `benchmarks/cases/` holds the Tessera kernel, the
# NumPy reference and the alternatives. The softmax runs one program per row; each thread keeps a
# running (max, sum) over its strided share of the row — an *online* softmax, so one pass over the
# row gives both statistics — and the block combines the pairs in a shared-memory tree.

# %%
from benchmarks.cases import softmax, transpose

Code(inspect.getsource(softmax.softmax.fn), language="python")

# %% [markdown]
# What it compiles to on an H100 needs no GPU: `inspect` cross-compiles for `sm_90` and asks
# `ptxas` for the resources (256 threads per row, as the suite launches it).

# %%
# NBVAL_CHECK_OUTPUT
insp = softmax.softmax.inspect("f32[8192,8192]", "f32[8192,8192]", 8, target="sm_90", block=(256,))
r = insp.resources
print("bytes spilled to local memory:", r.spill_store_bytes + r.spill_load_bytes)
print(str(r).splitlines()[1])  # the two 256-float trees in shared memory

# %% [markdown]
# The transpose stages a 32 x 32 tile in shared memory so that both its reads and its writes are
# coalesced; `swizzle="xor"` keeps the column reads of the tile free of bank conflicts.

# %%
Code(inspect.getsource(transpose.transpose.fn), language="python")

# %% [markdown]
# ## Rerunning the suite here
#
# With a GPU, a quick run of three cases at the sizes; without one, the CPU mode at tiny
# sizes (compile time dominates there: the point is that every kernel runs and matches NumPy).
# The same call from a shell is `python -m benchmarks.run --case vector_add,softmax,matmul --quick`.

# %%
out = Path(tempfile.mkdtemp()) / "live.json"
gpu = "cuda" in ts.available_backends()
argv = ["--case", "vector_add,softmax,layernorm", "--quick", "--out", str(out)]
if not gpu:
    argv += ["--cpu", "--sizes", "tiny", "--rep-ms", "5", "--warmup-ms", "1"]
args = run._parser().parse_args(argv)
with contextlib.redirect_stderr(io.StringIO()) as progress:  # the per-case progress lines
    live = run.run_suite(args, command="python -m benchmarks.run " + " ".join(argv))
display(Markdown(report.markdown(live)))

# %%
# NBVAL_CHECK_OUTPUT
print("failures:", run.failures(live))
print("cases:", [c["name"] for c in live["cases"]])
print("files:", sorted(p.suffix for p in out.parent.iterdir()))

# %%
report.ratio_figure(live)
