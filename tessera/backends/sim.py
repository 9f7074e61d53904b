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

import re

import numpy as np

from .. import settings
from ..errors import BackendError, TesseraError
from ..runtime.tensor import Tensor
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
        handle = FakeCUDAKernel(ns[module.entry], device=False)
        handle.tessera_module = (module, filename, kernel_name)
        return handle

    def launch(self, handle, grid, block, args, written, stream=None):
        args, back = list(args), []
        for i, a in enumerate(args):
            if type(a) is Tensor:
                if a._kind == 0:  # a real GPU tensor: the simulator works on a host copy
                    args[i] = a.numpy().copy()
                    if i in written:
                        back.append((a, args[i]))
                else:
                    args[i] = a._host  # cpu and simulated tensors: writes land in place
            elif hasattr(a, "__cuda_array_interface__") and not isinstance(a, np.ndarray):
                raise BackendError(
                    "the sim backend runs on the host and cannot read GPU arrays",
                    hint="pass NumPy arrays (e.g. t.cpu().numpy() for a PyTorch tensor), or use backend=\"cuda\"")
        try:
            handle[grid, block](*args)
        except Exception as e:
            if settings.debug():
                raise
            raise _runtime_error(handle, e) from None
        for t, h in back:
            t.copy_from(h)


def _runtime_error(handle, exc) -> TesseraError:
    """An exception inside a simulated thread, reported at the user's line that raised it."""
    module, filename, kernel = handle.tessera_module
    loc, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            loc = module.user_loc(tb.tb_lineno) or loc
        tb = tb.tb_next
    m = re.match(r"tid=\[([^\]]*)\] ctaid=\[([^\]]*)\]: (.*)", str(exc), re.S)
    msg = m.group(3) if m else str(exc)
    where = f" (thread ({m.group(1)}) of program ({m.group(2)}))" if m else ""
    return TesseraError(f"the kernel raised {type(exc).__name__} on the sim backend{where}: {msg}",
                        kernel=kernel, loc=loc,
                        hint="check the indices on this line against the tensor shapes; "
                             "the GPU would not stop here but read or write out of bounds")
