"""A legacy DLPack capsule ("dltensor") built with ctypes, for GPU memory.

numba's DeviceNDArray exports no DLPack, and requiring CuPy just to hand a
pointer to PyTorch would be a heavy dependency for forty lines of structs.
The capsule follows the DLPack 0.8 ABI (`DLManagedTensor`); the consumer
renames it "used_dltensor" and calls our deleter when it is done, which drops
the reference that kept the producer's memory alive. A capsule nobody consumed
calls the deleter from its own destructor.

It works for any device type; the tests check it on host memory with
``np.from_dlpack``, and on a GPU with ``torch.from_dlpack``.

Example::

    >>> import numpy as np
    >>> from tessera.runtime.dlpack import make_capsule, KDL_CPU
    >>> a = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> class Producer:
    ...     def __dlpack_device__(self): return (KDL_CPU, 0)
    ...     def __dlpack__(self, **kw):
    ...         return make_capsule(a.ctypes.data, a.shape, (3, 1), a.dtype, KDL_CPU, 0, owner=a)
    >>> np.from_dlpack(Producer())
    array([[0., 1., 2.],
           [3., 4., 5.]], dtype=float32)
"""

from __future__ import annotations

import ctypes

import numpy as np

KDL_CPU, KDL_CUDA = 1, 2
_KDL_INT, _KDL_UINT, _KDL_FLOAT, _KDL_BOOL = 0, 1, 2, 6


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", _DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


_Deleter = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class _DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _Deleter)]


# address of a DLManagedTensor -> what must stay alive until its deleter runs
_LIVE: dict[int, tuple] = {}


@_Deleter
def _delete(addr):
    _LIVE.pop(addr, None)


_NAME = b"dltensor"
_CapsuleDestructor = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_api = ctypes.pythonapi
_api.PyCapsule_New.restype = ctypes.py_object
_api.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, _CapsuleDestructor]
_api.PyCapsule_IsValid.restype = ctypes.c_int
_api.PyCapsule_IsValid.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]


@_CapsuleDestructor
def _capsule_destructor(capsule):
    # A consumed capsule was renamed "used_dltensor": its consumer owns the tensor now.
    if _api.PyCapsule_IsValid(capsule, _NAME):
        _LIVE.pop(_api.PyCapsule_GetPointer(capsule, _NAME), None)


def _dl_dtype(dtype: np.dtype) -> _DLDataType:
    code = {"i": _KDL_INT, "u": _KDL_UINT, "f": _KDL_FLOAT, "b": _KDL_BOOL}.get(dtype.kind)
    if code is None:
        raise BufferError(f"DLPack export of {dtype} is not supported")
    return _DLDataType(code, dtype.itemsize * 8, 1)


def make_capsule(ptr: int, shape, strides, dtype, device_type: int, device_id: int, owner):
    """A "dltensor" capsule for memory at `ptr`; `strides` in elements; `owner` is kept alive."""
    dtype = np.dtype(dtype)
    ndim = len(shape)
    shape_arr = (ctypes.c_int64 * max(ndim, 1))(*shape)
    strides_arr = (ctypes.c_int64 * max(ndim, 1))(*strides)
    m = _DLManagedTensor()
    m.dl_tensor = _DLTensor(ctypes.c_void_p(ptr or None), _DLDevice(device_type, device_id), ndim,
                            _dl_dtype(dtype), shape_arr, strides_arr, 0)
    m.manager_ctx = None
    m.deleter = _delete
    addr = ctypes.addressof(m)
    _LIVE[addr] = (m, shape_arr, strides_arr, owner)
    return _api.PyCapsule_New(addr, _NAME, _capsule_destructor)
