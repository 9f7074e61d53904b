"""The cuda backend's launch path for compiled specializations.

numba's dispatcher types every argument on every call (about 50 us on an
H100, over 100 us with PyTorch tensors). A Tessera specialization is already
compiled for known types, so this path packs the kernel's parameters itself,
in numba's array ABI (meminfo, parent, nitems, itemsize, data, shape...,
strides...), and hands them to cuda.core's launcher.

Example::

    >>> from tessera.backends.cuda_launch import array_params
    >>> import numpy as np
    >>> array_params(np.zeros((2, 3), np.float32))[1:]   # (ptr, shape, byte strides, itemsize)
    ((2, 3), (12, 4), 4)
"""

from __future__ import annotations

import numpy as np

from ..runtime.tensor import Tensor


def array_params(v) -> tuple:
    """(data pointer, shape, strides in bytes, itemsize) of a device array, cheaply."""
    if type(v) is Tensor:
        arr = v._live()  # raises for a freed tensor
        return v._ptr, v._shape, arr.strides, v._dtype.itemsize
    mod = type(v).__module__
    if mod.startswith("torch"):
        # torch builds __cuda_array_interface__ in Python on each access; its accessors are C calls.
        size = v.element_size()
        return v.data_ptr(), tuple(v.shape), tuple(s * size for s in v.stride()), size
    if isinstance(v, np.ndarray):
        return v.ctypes.data, v.shape, v.strides, v.itemsize
    if hasattr(v, "device_ctypes_pointer"):  # numba DeviceNDArray
        return v.device_ctypes_pointer.value or 0, v.shape, v.strides, v.dtype.itemsize
    cai = v.__cuda_array_interface__
    shape = tuple(cai["shape"])
    itemsize = np.dtype(cai["typestr"]).itemsize
    strides = cai.get("strides")
    if strides is None:
        acc, out = itemsize, []
        for d in reversed(shape):
            out.append(acc)
            acc *= d
        strides = tuple(reversed(out))
    return cai["data"][0], shape, tuple(strides), itemsize


class FastLaunch:
    """Launch one compiled numba-cuda specialization without per-call typing."""

    def __init__(self, dispatcher):
        from cuda.core import LaunchConfig, launch
        from numba.cuda.cudadrv.driver import _to_core_stream
        overload = next(iter(dispatcher.overloads.values()))
        self.dispatcher = dispatcher
        self.kernel = overload._codelibrary.get_cufunc().kernel
        self.is_array = tuple(hasattr(t, "ndim") for t in overload.argument_types)
        self._launch = launch
        self._config_type = LaunchConfig
        self._configs: dict = {}
        self._to_stream = _to_core_stream
        self._default_stream = _to_core_stream(0)

    def __call__(self, grid, block, args, stream=None):
        params = []
        for is_array, v in zip(self.is_array, args):
            if is_array:
                ptr, shape, strides, itemsize = array_params(v)
                n = 1
                for d in shape:
                    n *= d
                params += (0, 0, n, itemsize, ptr)
                params += shape
                params += strides
            else:
                params.append(v)
        cfg = self._configs.get((grid, block))
        if cfg is None:
            cfg = self._configs[(grid, block)] = self._config_type(grid=grid, block=block, shmem_size=0)
        s = self._default_stream if not stream else self._to_stream(getattr(stream, "_numba", stream))
        self._launch(s, cfg, self.kernel, *params)
