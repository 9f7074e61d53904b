"""Where a suite run happens (GPU or CPU), its arrays, and the helpers that make implementations.

A case asks the environment for device arrays and for the alternatives it has: CUDA C through
NVRTC, torch, Triton on a GPU; NumPy and numba on the CPU. A missing optional package makes an
implementation *skipped*; any other exception while building one makes it an *error*, recorded
in the results, so that one broken implementation never loses the others' numbers.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .case import Impl
from .devarrays import DeviceArrays, device_pointer

# Problem sizes: "gpu" is the (an H100 run), "cpu" a CPU-backend run of a few
# seconds per case, "tiny" the CI smoke test, where compile time dominates anyway.
SIZE_SETS = ("gpu", "cpu", "tiny")


class HostArrays:
    """The DeviceArrays interface over NumPy, for the CPU mode."""

    kind = "numpy"

    def to_device(self, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(x).copy()

    def empty_like(self, x: np.ndarray) -> np.ndarray:
        return np.empty_like(x)

    def empty(self, shape, dtype=np.float32) -> np.ndarray:
        return np.empty(shape, dtype)

    def to_host(self, x: np.ndarray) -> np.ndarray:
        return np.array(x, copy=True)

    def zero(self, x: np.ndarray) -> None:
        x.fill(0)


@dataclass
class Env:
    """``backend`` is Tessera's backend for the run; ``sizes`` one of SIZE_SETS."""

    gpu: bool
    arrays: object  # DeviceArrays or HostArrays
    sizes: str
    quick: bool = False
    budget_s: float | None = None  # autotuning time per tuned case

    @property
    def backend(self) -> str:
        return "cuda" if self.gpu else "cpu"

    def empty(self, shape, dtype=np.float32):
        """An uninitialized device (or host) array of this shape."""
        return self.arrays.to_device(np.empty(shape, dtype))


def cpu_env(sizes: str = "cpu", quick: bool = False) -> Env:
    return Env(False, HostArrays(), sizes, quick)


def gpu_env(kind: str, sizes: str = "gpu", quick: bool = False) -> Env:
    return Env(True, DeviceArrays(kind), sizes, quick)


def impl(name: str, build: Callable[[], object], *, needs: str | None = None) -> Impl:
    """An Impl from ``build()``, which returns ``run`` or ``(run, produce, info)``.

    ``needs`` names an optional module: without it the impl is skipped, not failed.

    >>> impl("numpy", lambda: (lambda: None)).name
    'numpy'
    >>> impl("x", lambda: 1 / 0).error
    'ZeroDivisionError: division by zero'
    >>> impl("t", lambda: None, needs="no_such_module_here").skipped
    'no_such_module_here is not installed'
    """
    if needs is not None and not installed(needs):
        return Impl(name, skipped=f"{needs} is not installed")
    try:
        built = build()
    except Exception as e:
        # The benchmark goes on: the error is in the results, the traceback on stderr.
        print(f"!! building {name} failed:", file=sys.stderr)
        traceback.print_exc()
        return Impl(name, error=f"{type(e).__name__}: {e}")
    if isinstance(built, tuple):
        run, produce, info = built
        return Impl(name, run, produce, info=info)
    return Impl(name, built)


def installed(module: str) -> bool:
    """Whether ``module`` (dotted names too) can be imported, without importing it.

    >>> installed("numpy"), installed("no_such_package.sub")
    (True, False)
    """
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a missing parent package of a dotted name
        return False


def as_torch(x):
    """A torch view of a device array (zero-copy through __cuda_array_interface__)."""
    import torch

    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x, device="cuda")


def nvrtc_launcher(source: str, name: str, grid, block, *args, shared_mem: int = 0):
    """(run, None, info) for a CUDA C kernel compiled with NVRTC for this GPU; device arrays in
    ``args`` are passed as pointers, everything else as is."""
    from .nvrtc import CudaCKernel

    kernel = CudaCKernel(source, name)
    values = [device_pointer(a) if hasattr(a, "__cuda_array_interface__") else a for a in args]
    run = kernel.kernel.launcher(*values, grid=grid, block=block, shared_mem=shared_mem)
    return run, None, {"arch": kernel.arch, "grid": list(grid) if isinstance(grid, tuple) else grid,
                       "block": list(block) if isinstance(block, tuple) else block}


def size_label(n: int) -> str:
    """A 1-D size as the table shows it.

    >>> size_label(1 << 28), size_label(1000)
    ('2^28', '1000')
    """
    return f"2^{n.bit_length() - 1}" if n > 0 and n & (n - 1) == 0 else str(n)


def close(got: np.ndarray, expected: np.ndarray, what: str, rtol: float = 1e-4, atol: float = 1e-5) -> str | None:
    """None when ``got`` matches ``expected`` to the tolerance, else what differs.

    >>> close(np.ones(3), np.ones(3), "y") is None
    True
    >>> close(np.array([1.0, 2.0]), np.array([1.0, 3.0]), "y")
    'y: 1 of 2 elements differ (max abs error 1, rtol 0.0001, atol 1e-05)'
    """
    got = np.asarray(got).reshape(expected.shape)
    ok = np.isclose(got, expected, rtol=rtol, atol=atol)
    if ok.all():
        return None
    err = float(np.nanmax(np.abs(got.astype(np.float64) - expected))) if np.isfinite(got).all() else float("nan")
    return (f"{what}: {int((~ok).sum())} of {ok.size} elements differ "
            f"(max abs error {err:.3g}, rtol {rtol:g}, atol {atol:g})")
