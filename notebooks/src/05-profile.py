# %% [markdown]
# # 05 — Profiling: where the time goes
#
# `with ts.profile() as prof:` records what happens inside the block — kernel launches (with their
# grid, block and config), copies between host and device with their bytes, allocations, and
# compiles — and then shows it: a pandas table per kernel, a timeline with one lane per stream,
# a roofline, and a Chrome trace for Perfetto.
#
# On a GPU, kernel times come from CUDA events; on a machine without one (like the one that built
# this notebook) kernels run on a CPU backend and are timed with the host's wall clock. Every
# event says which clock it used.

# %%
import json, tempfile
import numpy as np
import tessera as ts

print("kernels run on:", ts.current_backend().name)

# %% [markdown]
# ## A small pipeline
#
# Copy two vectors in, run two kernels a few times, copy the result out. `flops=` on the decorator
# declares the work of one launch (a number, or a function of the arguments: tensors by name, shape
# symbols such as `N`); it is what puts a kernel on the roofline. Bytes default to the size of every
# tensor argument, counted once.

# %%
@ts.kernel(flops=lambda args: args["N"])
def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]

@ts.kernel(flops=lambda args: args["N"])
def scale(x: ts.Tensor["N", ts.f32], s: ts.f32):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < x.shape[0]:
        x[idx] = x[idx] * s

def pipeline(a_host, b_host, steps=5):
    a, b = ts.from_numpy(a_host), ts.from_numpy(b_host)   # host -> device
    c = ts.empty(a.shape)
    for _ in range(steps):
        vector_add(a, b, c)
        scale(c, 0.5)
    return c.numpy()                                        # device -> host

n = 1 << 16
a_host = np.random.default_rng(0).standard_normal(n).astype(np.float32)
b_host = np.ones(n, np.float32)

with ts.profile() as prof:
    out = pipeline(a_host, b_host)
prof

# %%
# NBVAL_CHECK_OUTPUT
print("result matches NumPy:", np.allclose(out, (a_host + b_host) * 0.5))
print([(e.kind, e.name) for e in prof.events if e.kind != "kernel"])

# %% [markdown]
# The first profile also caught the two compiles (each kernel is compiled on its first call).
# ## The table
#
# One row per kernel: launches, total/mean/min/max time, share of the total, and the achieved
# bandwidth and FLOP rate.

# %%
prof.table()

# %%
# NBVAL_CHECK_OUTPUT
t = prof.table().sort_values("kernel")   # the table itself lists the slowest first
print(t[["kernel", "count", "bytes", "flops"]].to_string(index=False))

# %% [markdown]
# Copies and allocations have tables of their own:

# %%
prof.table(kind="copy")

# %% [markdown]
# ## The timeline
#
# One lane per stream plus the host; hover over a bar for its details (grid, block, bytes, which
# clock timed it). Kernels on other streams get lanes of their own.

# %%
s1, s2 = ts.Stream(), ts.Stream()
x, y = ts.ones(n), ts.ones(n)
with ts.profile() as prof2:
    with prof2.range("two streams"):
        scale(x, 2.0, stream=s1)
        scale(y, 3.0, stream=s2)
        vector_add(x, y, x, stream=s1)
    ts.synchronize()
fig = prof2.timeline()
fig

# %%
# NBVAL_CHECK_OUTPUT
print(sorted({e.lane for e in prof2.events}))
print([trace.name for trace in fig.data])

# %% [markdown]
# ## The roofline
#
# Each kernel whose flops are known is a point at (FLOP per byte, achieved GFLOP/s), under the
# memory roof (bandwidth × intensity) and the compute roof of the GPU. With a GPU these are the
# local device's peaks (H100 and H200 are in the table; `peaks={...}` overrides them); without one
# the roofs are an H100's, and CPU timings sit far below them.

# %%
prof.roofline()

# %% [markdown]
# ## All of it in one view
#
# `profile_view(prof)` gathers a profile in one widget: the timeline, the per-kernel table (one row
# per kernel, or per kernel and config; sortable by any column), the copies, allocations, compiles
# and ranges, and the roofline, one tab each.

# %%
from tessera.notebook.views import profile_view

profile_view(prof)

# %% [markdown]
# ## Perfetto
#
# `export_chrome_trace` writes the Trace Event Format; open the file at ui.perfetto.dev (or
# chrome://tracing) to browse the same lanes.

# %%
# NBVAL_CHECK_OUTPUT
path = prof.export_chrome_trace(tempfile.mktemp(suffix=".json"))
trace = json.load(open(path))
print(sorted({e["name"] for e in trace["traceEvents"] if e.get("cat") == "kernel"}))
print(sorted({e["args"]["name"] for e in trace["traceEvents"] if e["ph"] == "M"}))

# %% [markdown]
# ## Exceptions, nesting, decorators
#
# A failing block keeps what was recorded before the failure; profiles nest (the outer one sees
# everything, the inner one its part); `@ts.profile` profiles every call of a function.

# %%
# NBVAL_CHECK_OUTPUT
try:
    with ts.profile() as failed:
        scale(x, 1.0)
        raise RuntimeError("something went wrong")
except RuntimeError:
    pass
print("kept:", [e.name for e in failed.kernels])

with ts.profile() as outer:
    scale(x, 1.0)
    with ts.profile() as inner:
        vector_add(x, y, x)
print("outer:", [e.name for e in outer.kernels], "| inner:", [e.name for e in inner.kernels])

@ts.profile
def step():
    scale(x, 1.0)

step(); step()
print("decorated:", len(step.profile.kernels), "launches")
