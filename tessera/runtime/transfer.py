"""`Tensor.copy_from`: copies between host and device in any direction, never converting.

Sources: NumPy arrays (and anything NumPy can view without copying, such as
PyTorch CPU tensors), `ts.Tensor`s, and GPU arrays exposing
``__cuda_array_interface__`` (PyTorch and CuPy CUDA tensors, numba device arrays),
which are read in place.

Example::

    >>> import numpy as np, tessera as ts
    >>> src = ts.arange(4, dtype=ts.f32)
    >>> ts.empty(4, device="cpu").copy_from(src).numpy()
    array([0., 1., 2., 3.], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError, TesseraError
from ..profile.hooks import traced_copy
from . import memory


def _source(x):
    """(array, on_device): a NumPy array, or a numba DeviceNDArray for GPU memory."""
    from .tensor import _DEVICE, Tensor
    if isinstance(x, Tensor):
        return x._live(), x._kind == _DEVICE
    if isinstance(x, np.ndarray):
        return x, False
    if isinstance(x, np.generic):
        return np.asarray(x), False
    if hasattr(x, "__cuda_array_interface__"):
        if not memory.gpu_available():
            raise TesseraError(f"copy_from got a GPU array ({type(x).__name__}) but numba sees no GPU here",
                               hint="copy from a NumPy array instead")
        from numba import cuda
        return cuda.as_cuda_array(x), True
    if hasattr(x, "__array__") or hasattr(x, "__array_interface__"):
        return np.asarray(x), False
    raise TesseraError(f"copy_from takes a NumPy array, a ts.Tensor or a GPU array, got {type(x).__name__}",
                       hint="convert it first: t.copy_from(np.asarray(x, dtype=t.dtype.numpy))")


@traced_copy
def copy_into(dst, x) -> None:
    """Copy `x` into tensor `dst` (same shape and dtype)."""
    from .tensor import _DEVICE
    if x is dst:
        return
    d = dst._live()
    src, on_device = _source(x)
    want = d.dtype
    if src.dtype != want:
        raise TesseraError(
            f"copy_from: the tensor holds {dst.dtype.name} ({want}) but the source holds {src.dtype}",
            hint=f"convert the source explicitly, e.g. x.astype(np.{want}) "
                 "(Tessera never converts dtypes silently)")
    if tuple(src.shape) != dst.shape:
        raise ShapeError(
            f"copy_from: the tensor has shape {dst.shape} but the source has shape {tuple(src.shape)}",
            hint="copy from an array of the same shape, or into a view of matching shape: t[:n].copy_from(x)")
    if dst._kind != _DEVICE:
        np.copyto(d, src.copy_to_host() if on_device else src, casting="no")
        return
    if not d.is_c_contiguous():
        raise TesseraError(f"copy_from into a non-contiguous view (strides {dst.strides}) of a GPU tensor "
                           "is not supported",
                           hint="copy into a contiguous view (whole trailing rows, e.g. t[2:5]) or the whole tensor")
    if on_device and not src.is_c_contiguous():
        src, on_device = src.copy_to_host(), False  # numba copies device-to-device only between dense arrays
    d.copy_to_device(src if on_device else np.ascontiguousarray(src))
