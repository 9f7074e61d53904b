"""The `sim` backend: numba's CUDA simulator runs the same generated module in Python.

Every thread is a Python thread, so it is slow (a 64x64 matmul takes
seconds), but it is exact about per-thread behaviour and a debugger can stop
inside a kernel. It is the debugging backend; tests use it at small sizes.

Example::

    >>> import numpy as np, tessera as ts
    >>> @ts.kernel
    ... def fill(x: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = 2.0
    >>> x = np.zeros(4, np.float32)
    >>> fill[1, 4](x, backend="sim"); x
    array([2., 2., 2., 2.], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from .. import settings
from ..errors import BackendError
from .base import Backend, compile_error, load_module


class SimBackend(Backend):
    name = "sim"

    def is_available(self) -> bool:
        return True

    def build(self, module, arg_types, kernel_name, key):
        from numba.cuda.simulator.kernel import FakeCUDAKernel
        ns, filename = load_module(module, key)
        for f in module.device_funcs:
            ns[f] = FakeCUDAKernel(ns[f], device=True)
        return FakeCUDAKernel(ns[module.entry], device=False)

    def launch(self, handle, grid, block, args, written, stream=None):
        for a in args:
            if hasattr(a, "__cuda_array_interface__") and not isinstance(a, np.ndarray):
                raise BackendError(
                    "the sim backend runs on the host and cannot read GPU arrays",
                    hint="pass NumPy arrays (e.g. t.cpu().numpy() for a PyTorch tensor), or use backend=\"cuda\"")
        handle[grid, block](*args)
