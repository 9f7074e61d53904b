"""CUDA C baselines compiled at run time with NVRTC through cuda-core.

The baseline is compiled for the exact GPU in the machine (``sm_XY`` from the
device), as nvcc would for a native build, and launched on the legacy default
stream, where the benchmark clock records its events.
"""

from __future__ import annotations

import importlib


def _core():
    # cuda-core moved its API out of `experimental` in 0.x releases; accept both
    # so that whatever numba-cuda pulled in on the GPU image works.
    for name in ("cuda.core", "cuda.core.experimental"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(mod, "Program") and hasattr(mod, "launch"):
            return mod
    raise ImportError("cuda-core (the `cuda.core` package) is not installed")


def cuda_core_version() -> str | None:
    try:
        return importlib.import_module("cuda.core").__version__
    except (ImportError, AttributeError):
        return None


class CudaCKernel:
    """One ``__global__`` function compiled to a cubin for the current device."""

    def __init__(self, source: str, name: str, *, options: dict | None = None):
        core = _core()
        self._core = core
        self.device = core.Device()
        self.device.set_current()
        self.arch = f"sm_{self.device.arch}"
        opts = core.ProgramOptions(arch=self.arch, std="c++17", **(options or {}))
        program = core.Program(source, code_type="c++", options=opts)
        self.kernel = program.compile("cubin").get_kernel(name)
        self.stream = self.device.default_stream

    def launcher(self, grid: int, block: int, *args):
        """A zero-argument callable that launches with ``args`` (Python ints are pointers)."""
        config = self._core.LaunchConfig(grid=grid, block=block)
        core, stream, kernel = self._core, self.stream, self.kernel

        def run() -> None:
            core.launch(stream, config, kernel, *args)

        return run
