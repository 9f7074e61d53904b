"""Creating tensors: `ts.from_numpy`, `ts.empty`, `ts.zeros`, `ts.ones`, `ts.full`, the `_like`s,
`ts.randn`, `ts.rand`, `ts.arange`.

Shapes are ints or one tuple (``ts.zeros(3, 4)`` or ``ts.zeros((3, 4))``). The
device is `device=` if given, else the innermost ``ts.device(...)`` block, else
"cuda:0" (simulated in host memory where there is no GPU: see
`tessera.runtime.tensor`). The dtype defaults to ts.f32; values are never
converted silently (``ts.full(3, 1.5, dtype=ts.i32)`` is an error).

Example::

    >>> import tessera as ts
    >>> ts.zeros(2, 3).shape, ts.ones((2, 3), dtype=ts.i32).numpy().sum()
    ((2, 3), np.int64(6))
    >>> ts.full(3, 7.0, device="cpu")
    ts.Tensor([7., 7., 7.], shape=(3,), dtype=ts.f32, device='cpu')
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from ..errors import TesseraError
from ..lang import dtypes as dt
from . import memory
from .tensor import _CPU, _DEVICE, _SIM, Tensor, TesseraWarning

__all__ = ["from_numpy", "empty", "zeros", "ones", "full", "empty_like", "zeros_like", "ones_like",
           "randn", "rand", "arange"]


_warned_simulated = False


def _warn_simulated(name: str):
    global _warned_simulated
    if _warned_simulated:
        return
    _warned_simulated = True
    from .. import settings
    from ..backends import default_backend_name
    backend = settings.backend() or default_backend_name()
    warnings.warn(f"no NVIDIA GPU here: {name} tensors are simulated in host memory and kernels run on "
                  f"the '{backend}' backend. Create tensors with device=\"cpu\" (or inside "
                  f"ts.device(\"cpu\")) to use host memory deliberately. (Shown once.)",
                  TesseraWarning, stacklevel=_user_stacklevel())


def _user_stacklevel() -> int:
    # The warning should point at the user's line, however deep inside tessera it was raised.
    level, f = 1, sys._getframe(1)
    while f is not None and f.f_globals.get("__name__", "").startswith("tessera."):
        level, f = level + 1, f.f_back
    return level


def np_dtype_of(dtype) -> np.dtype:
    """The NumPy dtype that stores ts dtype `dtype` (a DType, NumPy dtype or name)."""
    try:
        return dt.dtype_of(dtype).numpy
    except TypeError as e:
        raise TesseraError(f"unsupported tensor dtype {dtype!r}: {e}",
                           hint="use one of ts.f16, ts.f32, ts.f64, ts.i8, ts.i16, ts.i32, ts.i64, "
                                "ts.u8, ts.u32, ts.bool") from None


def empty_tensor(shape: tuple, dtype, device: str, fill=None) -> Tensor:
    """A new tensor (uninitialised, or filled with `fill`) on `device` (already normalised)."""
    d = dt.dtype_of(dtype) if not isinstance(dtype, dt.DType) else dtype
    npd = np_dtype_of(d)
    if device != "cpu" and memory.gpu_available():
        arr = memory.alloc_device(shape, npd, device)
        if fill is not None and arr.size:
            if fill == 0:
                arr.gpu_data.memset(0)
            else:
                arr.copy_to_device(np.full(shape, fill, npd))
        return Tensor._wrap(arr, device, d, _DEVICE)
    if device != "cpu":
        _warn_simulated(device)
    return Tensor._wrap(memory.alloc_host(shape, npd, device, fill), device, d, _SIM if device != "cpu" else _CPU)


def _shape(args, fn: str) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for n in args:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
            raise TesseraError(f"ts.{fn}: a shape is non-negative ints, got {args!r}",
                               hint=f"ts.{fn}(3, 4) or ts.{fn}((3, 4)) or ts.{fn}(a.shape)")
    return tuple(int(n) for n in args)


def _device(device) -> str:
    return memory.parse_device(memory.default_device() if device is None else device)


def _dtype(dtype) -> dt.DType:
    try:
        return dt.dtype_of(dtype)
    except TypeError as e:
        raise TesseraError(str(e), hint="pass a Tessera dtype such as ts.f32 or ts.i32") from None


def from_numpy(a, device=None) -> Tensor:
    """A tensor holding a copy of NumPy array `a` on `device` (default: "cuda:0", see module doc).

    On "cpu" the tensor shares `a`'s memory, as ``torch.from_numpy`` does.

    >>> import numpy as np, tessera as ts
    >>> ts.from_numpy(np.array([1.5, 2.5], np.float32)).numpy()
    array([1.5, 2.5], dtype=float32)
    """
    if not isinstance(a, (np.ndarray, np.generic)):
        raise TesseraError(f"ts.from_numpy takes a NumPy array, got {type(a).__name__}",
                           hint="ts.from_numpy(np.asarray(x, dtype=np.float32))")
    a = np.asarray(a)
    try:
        d = dt.dtype_of(a.dtype)
    except TypeError:
        raise TesseraError(f"ts.from_numpy: NumPy's {a.dtype} has no Tessera dtype (supported: "
                           + ", ".join(x.numpy_name for x in dt.ALL if x.numpy_name) + ")",
                           hint="convert it explicitly first, e.g. a.astype(np.float32)") from None
    name = _device(device)
    if name == "cpu" and a.flags.writeable:
        return Tensor._wrap(a, "cpu", d, _CPU)
    return empty_tensor(a.shape, d, name).copy_from(a)


def empty(*shape, dtype=dt.f32, device=None) -> Tensor:
    """An uninitialised tensor.

    >>> import tessera as ts
    >>> ts.empty(4, 2, dtype=ts.f16, device="cpu").shape
    (4, 2)
    """
    return empty_tensor(_shape(shape, "empty"), _dtype(dtype), _device(device))


def zeros(*shape, dtype=dt.f32, device=None) -> Tensor:
    """A tensor of zeros.

    >>> import tessera as ts
    >>> ts.zeros(3).numpy()
    array([0., 0., 0.], dtype=float32)
    """
    return empty_tensor(_shape(shape, "zeros"), _dtype(dtype), _device(device), fill=0)


def ones(*shape, dtype=dt.f32, device=None) -> Tensor:
    """A tensor of ones.

    >>> import tessera as ts
    >>> ts.ones(2, dtype=ts.i32).numpy()
    array([1, 1], dtype=int32)
    """
    return empty_tensor(_shape(shape, "ones"), _dtype(dtype), _device(device), fill=1)


def _check_fill(value, d: dt.DType):
    ok = isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating))
    if ok and d.is_int:
        ok = not isinstance(value, (bool, np.bool_)) and float(value).is_integer()
        info = np.iinfo(d.numpy)
        if ok and not info.min <= int(value) <= info.max:
            raise TesseraError(f"ts.full: {value!r} does not fit in ts.{d.name}",
                               hint=f"use a value from {info.min} to {info.max} or a wider dtype")
    elif ok and d.kind == "b":
        ok = isinstance(value, (bool, np.bool_))
    if not ok:
        raise TesseraError(f"ts.full: the value {value!r} is not a ts.{d.name}; Tessera never converts silently",
                           hint=f"pass a value of that type, or choose the dtype: ts.full(shape, {value!r}, "
                                f"dtype=ts.f32)")


def full(shape, value, dtype=dt.f32, device=None) -> Tensor:
    """A tensor filled with `value` (which must be representable in `dtype`).

    >>> import tessera as ts
    >>> ts.full((2, 2), 3, dtype=ts.i32).numpy()
    array([[3, 3],
           [3, 3]], dtype=int32)
    """
    d = _dtype(dtype)
    _check_fill(value, d)
    return empty_tensor(_shape((shape,), "full"), d, _device(device), fill=value)


def _like(x, dtype, device, fn):
    if isinstance(x, Tensor):
        return x.shape, (x.dtype if dtype is None else _dtype(dtype)), (x.device if device is None else
                                                                      _device(device))
    shape, xd = getattr(x, "shape", None), getattr(x, "dtype", None)
    if shape is None or xd is None:
        raise TesseraError(f"ts.{fn} takes a tensor or an array, got {type(x).__name__}",
                           hint=f"ts.{fn}(t), or ts.{fn[:-5]}(shape, dtype=...)")
    return tuple(shape), _dtype(xd if dtype is None else dtype), _device(device)


def empty_like(x, dtype=None, device=None) -> Tensor:
    """An uninitialised tensor of `x`'s shape, dtype and device (a NumPy `x`: the default device).

    >>> import tessera as ts
    >>> ts.empty_like(ts.zeros(2, 5)).shape
    (2, 5)
    """
    shape, d, name = _like(x, dtype, device, "empty_like")
    return empty_tensor(shape, d, name)


def zeros_like(x, dtype=None, device=None) -> Tensor:
    """Zeros of `x`'s shape, dtype and device.

    >>> import numpy as np, tessera as ts
    >>> ts.zeros_like(np.ones(2, np.int32)).numpy()
    array([0, 0], dtype=int32)
    """
    shape, d, name = _like(x, dtype, device, "zeros_like")
    return empty_tensor(shape, d, name, fill=0)


def ones_like(x, dtype=None, device=None) -> Tensor:
    """Ones of `x`'s shape, dtype and device.

    >>> import tessera as ts
    >>> ts.ones_like(ts.zeros(2, dtype=ts.f64)).numpy()
    array([1., 1.])
    """
    shape, d, name = _like(x, dtype, device, "ones_like")
    return empty_tensor(shape, d, name, fill=1)


def _random(shape, dtype, device, seed, fn, draw):
    d = _dtype(dtype)
    if not d.is_float:
        raise TesseraError(f"ts.{fn} draws floats; ts.{d.name} is not a float dtype",
                           hint=f"ts.{fn}(..., dtype=ts.f32)")
    shape = _shape(shape, fn)
    rng = np.random.default_rng(seed)
    host = draw(rng, shape, np.float64 if d.bits == 64 else np.float32).astype(np_dtype_of(d), copy=False)
    return from_numpy(host, device=device)


def randn(*shape, dtype=dt.f32, device=None, seed=None) -> Tensor:
    """Samples of the standard normal distribution (drawn on the host, then transferred).

    >>> import tessera as ts
    >>> ts.randn(2, 3, seed=0).shape
    (2, 3)
    """
    return _random(shape, dtype, device, seed, "randn", lambda r, s, t: r.standard_normal(s, dtype=t))


def rand(*shape, dtype=dt.f32, device=None, seed=None) -> Tensor:
    """Samples of the uniform distribution on [0, 1) (drawn on the host, then transferred).

    >>> import tessera as ts
    >>> float(ts.rand(100, seed=1).numpy().max()) < 1.0
    True
    """
    return _random(shape, dtype, device, seed, "rand", lambda r, s, t: r.random(s, dtype=t))


def arange(start, stop=None, step=1, dtype=None, device=None) -> Tensor:
    """Evenly spaced values in [start, stop), as ``np.arange``.

    The dtype defaults to ts.i32 when every argument is an int, else ts.f32
    (never f64 unless asked: doubles are slow on GPUs).

    >>> import tessera as ts
    >>> ts.arange(2, 8, 2).numpy(), ts.arange(0.0, 1.0, 0.5).numpy()
    (array([2, 4, 6], dtype=int32), array([0. , 0.5], dtype=float32))
    """
    if stop is None:
        start, stop = 0, start
    nums = (start, stop, step)
    if not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
               for v in nums):
        raise TesseraError(f"ts.arange takes numbers, got {nums!r}", hint="ts.arange(0, 10, 2)")
    if dtype is None:
        dtype = dt.i32 if all(isinstance(v, (int, np.integer)) for v in nums) else dt.f32
    d = _dtype(dtype)
    if d.is_int and not all(float(v).is_integer() for v in nums):
        raise TesseraError(f"ts.arange: non-integer bounds {nums!r} for ts.{d.name}",
                           hint="use integer bounds, or dtype=ts.f32")
    host = np.arange(start, stop, step, dtype=np.float64 if d.is_float else np.int64)
    if d.is_int and host.size and not (np.iinfo(d.numpy).min <= host.min() and host.max() <= np.iinfo(d.numpy).max):
        raise TesseraError(f"ts.arange: values up to {host.max()} do not fit in ts.{d.name}",
                           hint="use dtype=ts.i64")
    return from_numpy(host.astype(d.numpy), device=device)
