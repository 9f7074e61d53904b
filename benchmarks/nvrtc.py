"""CUDA C baselines compiled at run time with NVRTC, through Tessera's CUDA C cells.

The baseline is compiled for the exact GPU in the machine (``sm_XY`` from the
device), as nvcc would for a native build, and launched on the legacy default
stream, where the benchmark clock records its events. Compiling and launching
are `tessera.notebook.cuda_cell`'s, the code behind the ``%%cuda`` magic.
"""

from __future__ import annotations

from tessera.notebook.cuda_cell import compile_cuda, cuda_core, cuda_core_version  # noqa: F401


class CudaCKernel:
    """One ``__global__`` function compiled to a cubin for the current device."""

    def __init__(self, source: str, name: str):
        cuda_core()  # ImportError without cuda-core: the runner reports the baseline as skipped
        self.kernel = compile_cuda(source, name=name)
        self.arch = self.kernel.arch

    def launcher(self, grid: int, block: int, *args):
        """A zero-argument callable that launches with ``args`` (Python ints are pointers)."""
        return self.kernel.launcher(*args, grid=grid, block=block)
