# %% [markdown]
# # 01 — Vector add: your first Tessera kernel
#
# This is the guide's CUDA vector addition, rewritten in Tessera. You write the kernel in
# Python; Tessera checks the arguments, infers the launch (block and grid), generates
# numba-cuda code and runs it — on the GPU when there is one, otherwise on a backend that
# needs none. Every cell here runs on a laptop.

# %%
import numpy as np
import tessera as ts

print("backends here:", ts.available_backends(), "| default:", ts.current_backend().name)

# %% [markdown]
# ## The kernel
#
# `ts.Tensor["N", ts.f32]` says: a 1-D array of float32 whose length is called `N`. All three
# arguments share `N`, so Tessera checks that they have the same length before anything runs.
# `ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)` is CUDA's
# `blockIdx.x * blockDim.x + threadIdx.x`; the guard `idx < a.shape[0]` tells Tessera how many
# programs (blocks) to launch.

# %%
@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32],
               b: ts.Tensor["N", ts.f32],
               c: ts.Tensor["N", ts.f32]):
    """Vector addition in Tessera."""
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)

    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]

# Automatic launch configuration - Tessera handles block/grid sizing
def launch_vector_add(a, b, c):
    vector_add(a, b, c)

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.default_rng(0)
a = rng.standard_normal(1000).astype(np.float32)
b = rng.standard_normal(1000).astype(np.float32)
c = np.zeros_like(a)

launch_vector_add(a, b, c)
print("matches NumPy:", np.array_equal(c, a + b))

# %% [markdown]
# ## What Tessera made of it
#
# The launch Tessera inferred: blocks of 256 threads (the default for a free
# `ts.block_size(0)`), and as many blocks as it takes to cover `a.shape[0]`.

# %%
# NBVAL_CHECK_OUTPUT
lowered = vector_add.lower(a, b, c)
print(lowered.plan.describe())

# %% [markdown]
# The Tessera IR, with types filled in (`idx` is a 32-bit index: the arrays are small enough)
# and the line of your cell each statement came from:

# %%
# NBVAL_CHECK_OUTPUT
from tessera.frontend.printer import format_kernel
print(format_kernel(lowered.typed, lines=False))

# %% [markdown]
# And the numba-cuda code it generates. On a GPU this is compiled by numba-cuda; without one
# the same code runs on numba's CUDA simulator. Every line ends with the kernel line it came from.

# %%
print(lowered.module.source)

# %% [markdown]
# ## Mistakes are caught before launch
#
# Arrays of different lengths break the shared symbol `N`; Tessera names both arguments and
# shows the annotation:

# %%
# NBVAL_CHECK_OUTPUT
try:
    vector_add(np.zeros(10, np.float32), np.zeros(12, np.float32), np.zeros(10, np.float32))
except ts.ShapeError as e:
    print(str(e).splitlines()[0].split(": ", 1)[1])

# %% [markdown]
# A float64 array where the kernel wants float32 is never converted silently:

# %%
# NBVAL_CHECK_OUTPUT
try:
    vector_add(np.zeros(10), np.zeros(10, np.float32), np.zeros(10, np.float32))
except ts.KernelTypeError as e:
    print(e.message)
    print("Write instead:", e.hint)

# %% [markdown]
# ## Choosing the launch yourself
#
# `kernel[grid, block](...)` is the explicit form, as in numba-cuda; `ts.block_size(0)` then
# reads the block you gave.

# %%
# NBVAL_CHECK_OUTPUT
c2 = np.zeros_like(a)
vector_add[(len(a) + 127) // 128, 128](a, b, c2)
print("explicit launch matches:", np.array_equal(c2, a + b))

# %% [markdown]
# ## Backends
#
# `backend="sim"` runs on numba's CUDA simulator (exact per-thread behaviour, handy for
# debugging); `backend="cuda"` on the GPU. `TESSERA_BACKEND` or `with ts.use_backend(...)`
# choose one for a whole block of code.

# %%
# NBVAL_CHECK_OUTPUT
with ts.use_backend("sim"):
    c3 = np.zeros_like(a)
    vector_add(a, b, c3)
print("sim matches:", np.array_equal(c3, a + b))
