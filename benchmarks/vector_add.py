"""vector_add: c = a + b on float32, the migration guide's first kernel.

Implementations: Tessera (cuda backend), the guide's CUDA C kernel compiled
with NVRTC, and torch's ``a + b`` with ``out=``. The traffic is three arrays
(two reads, one write), which is what GB/s is computed from.
"""

from __future__ import annotations

import numpy as np

from .case import Case, Impl
from .devarrays import DeviceArrays, device_pointer

CUDA_C = r"""
extern "C" __global__ void vector_add(float* a, float* b, float* c, int n) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < n) {
        c[idx] = a[idx] + b[idx];
    }
}
"""
CUDA_C_BLOCK = 256  # the guide's launch_vector_add


def tessera_kernel():
    import tessera as ts

    @ts.kernel
    def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
        idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if idx < a.shape[0]:
            c[idx] = a[idx] + b[idx]

    return vector_add


def inputs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32)


def build(n: int, arrays: DeviceArrays) -> Case:
    a_host, b_host = inputs(n)
    expected = a_host + b_host
    a, b = arrays.to_device(a_host), arrays.to_device(b_host)
    c = arrays.empty_like(a)
    impls = [_tessera(a, b, c), _cuda_c(a, b, c, n), _torch(a, b, c)]

    def check() -> str | None:
        got = arrays.to_host(c)
        if np.array_equal(got, expected):
            return None
        bad = int(np.count_nonzero(got != expected))
        return f"{bad} of {n} elements differ from NumPy's a + b"

    return Case("vector_add", n, "float32", 3 * n * 4, impls,
                reset=lambda: arrays.zero(c), check=check)


def _tessera(a, b, c) -> Impl:
    try:
        kernel = tessera_kernel()
    except Exception as e:  # the compiler is young: report, keep benchmarking the rest
        return Impl("tessera", error=f"{type(e).__name__}: {e}")
    return Impl("tessera", lambda: kernel(a, b, c, backend="cuda"))


def _cuda_c(a, b, c, n: int) -> Impl:
    from .nvrtc import CudaCKernel

    try:
        kernel = CudaCKernel(CUDA_C, "vector_add")
    except ImportError as e:
        return Impl("cuda_c_nvrtc", skipped=str(e))
    except Exception as e:
        return Impl("cuda_c_nvrtc", error=f"{type(e).__name__}: {e}")
    grid = (n + CUDA_C_BLOCK - 1) // CUDA_C_BLOCK
    run = kernel.launcher(grid, CUDA_C_BLOCK, device_pointer(a), device_pointer(b),
                          device_pointer(c), np.int32(n))
    return Impl("cuda_c_nvrtc", run, info={"arch": kernel.arch, "block": CUDA_C_BLOCK, "grid": grid})


def _torch(a, b, c) -> Impl:
    try:
        import torch
    except ImportError:
        return Impl("torch", skipped="torch is not installed")
    # as_tensor over __cuda_array_interface__ is zero-copy for cupy and numba arrays.
    ta, tb, tc = (x if isinstance(x, torch.Tensor) else torch.as_tensor(x, device="cuda")
                  for x in (a, b, c))
    return Impl("torch", lambda: torch.add(ta, tb, out=tc))
