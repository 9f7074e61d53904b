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
# kernels run on the cpu backend (`backend="sim"` runs this very code on numba's CUDA simulator). Every line ends with the kernel line it came from.

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

# %% [markdown]
# ## Device tensors: memory you control
#
# Passing NumPy arrays copies them to the GPU and back on every call (only the arguments the
# kernel writes come back). For real work, keep data on the device with `ts.Tensor`s — the
# guide's "automatic memory management":

# %%
def compute_vector_add(a_host, b_host):
    # Automatic device memory allocation and transfers
    a_device = ts.from_numpy(a_host)  # Automatic host->device transfer
    b_device = ts.from_numpy(b_host)
    c_device = ts.zeros_like(a_device)

    # Launch kernel (automatic optimization)
    vector_add(a_device, b_device, c_device)

    # Automatic device->host transfer when needed
    c_host = c_device.numpy()  # Only transferred when accessed

    return c_host  # Memory automatically freed when out of scope

c_host = compute_vector_add(a, b)

# %% [markdown]
# Without a GPU, `cuda:0` tensors are *simulated* in host memory (Tessera warns once) so that
# the same code runs here; on a GPU they live in device memory.

# %%
# NBVAL_CHECK_OUTPUT
print("matches NumPy:", np.array_equal(c_host, a + b))
t = ts.arange(6, dtype=ts.f32)
print(t.shape, t.dtype, t.device, t.nbytes, "bytes")
print("a view:", t[2:5].numpy())

# %% [markdown]
# `t.numpy()` transfers only when called and keeps the copy until a kernel (or `copy_from`)
# writes the tensor again. With `@ts.memory.manual_management`, every transfer is explicit and
# passing a NumPy array to a kernel is an error — the guide's second form:

# %%
# NBVAL_CHECK_OUTPUT
@ts.memory.manual_management
def compute_with_manual_control(a_host, b_host):
    with ts.device(0):  # Explicit device selection
        # Explicit memory allocation
        a_device = ts.empty(a_host.shape, dtype=ts.f32, device="cuda:0")
        b_device = ts.empty(b_host.shape, dtype=ts.f32, device="cuda:0")
        c_device = ts.empty(a_host.shape, dtype=ts.f32, device="cuda:0")

        # Explicit transfers
        a_device.copy_from(a_host)
        b_device.copy_from(b_host)

        # Kernel launch
        vector_add(a_device, b_device, c_device)

        # Explicit transfer back
        c_host = ts.empty(a_host.shape, dtype=ts.f32, device="cpu")
        c_host.copy_from(c_device)

        return c_host

result = compute_with_manual_control(a, b)
print(result.device, "matches NumPy:", np.array_equal(result.numpy(), a + b))

@ts.memory.manual_management
def forgot_to_transfer(a_host):
    vector_add(a_host, a_host, np.zeros_like(a_host))

try:
    forgot_to_transfer(a)
except ts.KernelTypeError as e:
    print(e.message)

# %% [markdown]
# Tessera tensors also speak the CUDA array interface and DLPack, so on a GPU they flow into
# PyTorch or CuPy without a copy (`torch.from_dlpack(t)`), and PyTorch or CuPy arrays can be
# passed straight to a kernel. Streams and events work as in CUDA:

# %%
s = ts.Stream()
start, end = ts.Event(), ts.Event()
start.record(s)
vector_add(ts.from_numpy(a), ts.from_numpy(b), ts.zeros(len(a)), stream=s)
end.record(s)
end.synchronize()
print(f"kernel took {start.elapsed_time(end):.3f} ms (host clock without a GPU)")
