"""The cuda backend's launch path for compiled specializations.

numba's dispatcher types every argument on every call (about 40 us on an
H100, over 60 us with PyTorch tensors), and even cuda.core's launcher spends
about 6 us converting arguments. A Tessera specialization is compiled for
known types, so this path keeps one parameter block per kernel, writes the
new values into it with `struct.pack_into` (numba's array ABI: meminfo,
parent, nitems, itemsize, data, shape..., strides...), and calls the
driver's cuLaunchKernel through ctypes.

Example::

    >>> from tessera.backends.cuda_launch import abi_params
    >>> import numpy as np
    >>> abi_params(np.zeros((2, 3), np.float32))[2:4], abi_params(np.zeros((2, 3), np.float32))[5:]
    ((6, 4), (2, 3, 12, 4))
"""

from __future__ import annotations

import ctypes
import struct
import threading

import numpy as np

from ..errors import LaunchError
from ..runtime.stream import cu_stream
from ..runtime.tensor import Tensor

# One 8-byte slot per parameter; a 4-byte scalar sits in the low half (little endian).
_SLOT = {"int8": "b7x", "int16": "h6x", "int32": "i4x", "int64": "q", "uint8": "B7x", "uint32": "I4x",
         "float32": "f4x", "float64": "d", "bool": "?7x", "float16": "e6x"}


def abi_params(v) -> tuple:
    """numba's array ABI for a device array: (meminfo, parent, nitems, itemsize, data, *shape, *byte strides)."""
    if type(v) is Tensor:
        return v._launch_info()[1]
    if type(v).__module__.startswith("torch"):
        # torch builds __cuda_array_interface__ in Python on each access; its accessors are C calls.
        size = v.element_size()
        return (0, 0, v.numel(), size, v.data_ptr()) + tuple(v.shape) + tuple(s * size for s in v.stride())
    if isinstance(v, np.ndarray):
        return (0, 0, v.size, v.itemsize, v.ctypes.data) + v.shape + v.strides
    if hasattr(v, "device_ctypes_pointer"):  # numba DeviceNDArray
        return (0, 0, v.size, v.dtype.itemsize, v.device_ctypes_pointer.value or 0) + v.shape + v.strides
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
    n = 1
    for d in shape:
        n *= d
    return (0, 0, n, itemsize, cai["data"][0]) + shape + tuple(strides)


def _libcuda():
    lib = ctypes.CDLL("libcuda.so.1")
    # No argtypes: ctypes' per-argument conversion through them costs about 1 us a call. Callers pass
    # c_void_p for the pointers and Python ints below 2**31 for the dimensions (C int, same bits as uint).
    lib.cuLaunchKernel.restype = ctypes.c_int
    return lib


def launch_failed(err: int):
    raise LaunchError(f"the CUDA driver refused the launch (CUresult {err}: {_error_name(err)})",
                      hint="check the grid and block sizes; if they are valid, please report this")


class FastLaunch:
    """Launch one compiled numba-cuda specialization without per-call typing."""

    _lib = None

    def __init__(self, dispatcher):
        overload = next(iter(dispatcher.overloads.values()))
        self.dispatcher = dispatcher
        cufunc = overload._codelibrary.get_cufunc()
        self.kernel = cufunc.kernel
        self.entry_name = cufunc.name   # the mangled name profilers (CUPTI) report
        self.is_array = tuple(hasattr(t, "ndim") for t in overload.argument_types)
        fmt = ["<"]
        for t in overload.argument_types:
            fmt.append("q" * (5 + 2 * t.ndim) if hasattr(t, "ndim") else _SLOT[str(t)])
        self._fmt = struct.Struct("".join(fmt))
        nslots = self._fmt.size // 8
        self._buf = ctypes.create_string_buffer(self._fmt.size)
        base = ctypes.addressof(self._buf)
        self._ptrs = (ctypes.c_void_p * nslots)(*[base + 8 * i for i in range(nslots)])
        # Launches from two threads would share the block; the driver copies it during the call.
        self._lock = threading.Lock()
        if FastLaunch._lib is None:
            FastLaunch._lib = _libcuda()
        self._launch_raw = FastLaunch._lib.cuLaunchKernel
        self._func = int(self.kernel.handle)
        self._func_ptr = ctypes.c_void_p(self._func)

    def __call__(self, grid, block, args, stream=None):
        params = []
        for is_array, v in zip(self.is_array, args):
            if is_array:
                params += abi_params(v)
            else:
                params.append(v)
        s = ctypes.c_void_p(cu_stream(stream) if stream else 0)
        with self._lock:
            self._fmt.pack_into(self._buf, 0, *params)
            err = self._launch_raw(self._func_ptr, *grid, *block, 0, s, self._ptrs, None)
        if err:
            launch_failed(err)


def _error_name(code: int) -> str:
    name = ctypes.c_char_p()
    try:
        FastLaunch._lib.cuGetErrorName(code, ctypes.byref(name))
        return name.value.decode() if name.value else "unknown"
    except Exception:
        return "unknown"
