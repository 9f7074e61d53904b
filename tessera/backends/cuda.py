"""The `cuda` backend: numba-cuda compiles the generated module for the local GPU.

NumPy arguments are copied to the device and, if the kernel writes them,
back; arguments with `__cuda_array_interface__` (PyTorch, CuPy, numba device
arrays) are used in place.

Example::

    >>> from tessera.backends import get_backend
    >>> get_backend("cuda").name
    'cuda'
"""

from __future__ import annotations

import numpy as np

from .. import settings
from ..errors import BackendError
from .base import Backend, compile_error, load_module
from ..runtime.stream import _numba_stream
from ..runtime.tensor import Tensor
from .cuda_launch import FastLaunch


class CudaBackend(Backend):
    name = "cuda"
    device_arrays = True
    vector_io = True   # 128-bit loads and stores (passes/vectorize.py, backends/cuda_intrinsics.py)

    def __init__(self):
        self._available = None
        self._why = ""

    def is_available(self) -> bool:
        if self._available is None:
            try:
                from numba import cuda
                self._available = bool(cuda.is_available())
                if not self._available:
                    self._why = "numba-cuda found no usable NVIDIA GPU and driver"
            except Exception as e:  # a broken CUDA install must not break import tessera
                self._available, self._why = False, f"numba-cuda failed to load: {e}"
        return self._available

    def why_unavailable(self) -> str:
        self.is_available()
        return self._why

    def build(self, module, arg_types, kernel_name, key):
        from numba import cuda
        ns, filename = load_module(module, key)
        try:
            fastmath = getattr(module, "fastmath", False)
            for f in module.device_funcs:
                ns[f] = cuda.jit(device=True, fastmath=fastmath)(ns[f])
            sig = f"void({', '.join(arg_types)})"
            options = dict(lineinfo=True, launch_bounds=module.launch_bounds, fastmath=fastmath)
            try:
                dispatcher = cuda.jit(sig, cache=True, **options)(ns[module.entry])
            except RuntimeError as e:
                # numba-cuda cannot cache a kernel that links files (its f16 operators are linked
                # CUDA C++; Tessera's f16 arithmetic avoids them, a device function may not).
                if "linking files" not in str(e):
                    raise
                dispatcher = cuda.jit(sig, cache=False, **options)(ns[module.entry])
            return FastLaunch(dispatcher)
        except Exception as e:
            if settings.debug():
                raise
            raise compile_error(module, filename, e, kernel_name) from None

    def direct_launcher(self, handle, values):
        if any(type(a) is np.ndarray or type(a) is Tensor and a._kind != 0 for a in values):
            return None  # host memory to move first

        def direct(grid, block, args, stream):
            handle(grid, block, args, _numba_stream(stream))
        return direct

    def hot_launcher(self, handle, lowered, fp, consts, block, written, check_context=True, profiled=None,
                     cupti_record=None):
        if not isinstance(handle, FastLaunch):
            return None
        from . import _current
        from .cuda_hotpath import make_hot_launcher
        return make_hot_launcher(lowered.typed, lowered.plan, fp, consts, block, written, handle,
                                 (_current.get(), settings.backend()) if check_context else None, profiled,
                                 cupti_record)

    def launch(self, handle, grid, block, args, written, stream=None):
        stream = _numba_stream(stream)
        if not any(type(a) is np.ndarray or type(a) is Tensor and a._kind != 0 for a in args):
            handle(grid, block, args, stream)
            return
        from numba import cuda
        dev_args, copy_back = [], []
        for i, a in enumerate(args):
            if type(a) is Tensor and a._kind != 0:
                a = a._host  # a cpu tensor: its NumPy storage travels like an array
            if isinstance(a, np.ndarray):
                d = cuda.to_device(a, stream=stream or 0)
                dev_args.append(d)
                if i in written:
                    copy_back.append((d, a))
            else:
                dev_args.append(a)
        handle(grid, block, dev_args, stream)
        for d, a in copy_back:
            d.copy_to_host(a, stream=stream or 0)
        if copy_back:
            stream.synchronize() if stream else cuda.synchronize()

    def target(self) -> str:
        from numba import cuda
        major, minor = cuda.get_current_device().compute_capability
        return f"sm_{major}{minor}"

    def synchronize(self):
        from numba import cuda
        cuda.synchronize()
