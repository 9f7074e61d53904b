"""`ts.Tensor`: a tensor on a GPU ("cuda:N") or in host memory ("cpu").

The same class is the kernel annotation: ``ts.Tensor["N", ts.f32]`` returns a
`tessera.lang.tensor.TensorSpec`.

Storage. A GPU tensor wraps a numba ``DeviceNDArray``; a "cpu" tensor wraps a
NumPy array. Memory is released when the last tensor (or view) using it goes,
or at once by ``t.free()``, after which any use of it or its views is an error.

No GPU. Without a usable NVIDIA GPU (or under ``NUMBA_ENABLE_CUDASIM=1``) a
"cuda:N" tensor is *simulated*: ``t.device == "cuda:0"`` and
``t.simulated is True``, but its data is a NumPy array, and kernels run on the
default no-GPU backend. It behaves as a GPU tensor does (``numpy()`` returns a
read-only snapshot, transfers are copies), so a program written for a GPU runs
unchanged in CI and on a laptop. The first such tensor warns once per process
(`TesseraWarning`); ``device="cpu"`` asks for host tensors and does not warn.

Transfers happen only when asked for: ``t.numpy()`` copies to the host when
called and caches the copy until the tensor is written again (by a kernel, by
``copy_from``, or by anyone who was handed its memory through
``__cuda_array_interface__`` or DLPack: after such an export nothing is
cached). A "cpu" tensor's ``numpy()`` is its own array, shared, as in PyTorch.

Strides are counted in elements, as in PyTorch (NumPy counts bytes).

Example::

    >>> import numpy as np, tessera as ts
    >>> t = ts.from_numpy(np.arange(6, dtype=np.float32).reshape(2, 3))
    >>> t
    ts.Tensor([0., 1., 2., 3., 4., 5.], shape=(2, 3), dtype=ts.f32, device='cuda:0')
    >>> t.strides, t.nbytes, t[1, 1:].numpy()
    ((3, 1), 24, array([4., 5.], dtype=float32))
    >>> ts.Tensor["N", ts.f32]
    ts.Tensor['N', ts.f32]
"""

from __future__ import annotations

import weakref

import numpy as np

from ..errors import DeviceMemoryError, TesseraError
from ..lang import dtypes as dt
from ..lang.tensor import tensor_spec
from ..profile.hooks import traced_to_host
from . import memory

__all__ = ["Tensor", "TesseraWarning"]

_DEVICE, _SIM, _CPU = 0, 1, 2  # where the data is: a real GPU, host memory for "cuda:N", host memory
_PREVIEW = 6


class TesseraWarning(UserWarning):
    """Something works, but not as the user may think (e.g. "cuda:0" tensors simulated on the host)."""


_LAUNCH_KEYS: dict = {}


class _Storage:
    """One allocation, shared by a tensor and its views: write version, freed and exported flags."""

    __slots__ = ("root", "views", "version", "freed", "exported")

    def __init__(self, root):
        self.root = root
        self.views = weakref.WeakSet()  # every live Tensor on this memory, so that free() can drop them all
        self.version = 0
        self.freed = False
        self.exported = False


class Tensor:
    """A tensor on a GPU or the host; also the annotation ``ts.Tensor["N", ts.f32]``.

    Create one with `ts.from_numpy`, `ts.empty`, `ts.zeros`, ... (the class is
    not called directly). Attributes: ``shape``, ``dtype`` (a ts dtype),
    ``device`` ("cuda:0" or "cpu"), ``strides`` (in elements), ``nbytes``,
    ``ndim``, ``size``, ``simulated``.

    >>> import tessera as ts
    >>> t = ts.zeros(2, 3, device="cpu")
    >>> t.shape, t.dtype, t.device, t.ndim, t.size, len(t)
    ((2, 3), ts.f32, 'cpu', 2, 6, 2)
    """

    __slots__ = ("_arr", "_storage", "_dtype", "_device", "_shape", "_kind", "_cache", "_cache_version",
                 "_ptr_cache", "_launch_cache", "__weakref__")

    def __class_getitem__(cls, item):
        return tensor_spec(item)

    def __init__(self, *args, **kwargs):
        raise TesseraError("ts.Tensor(...) is not a constructor; ts.Tensor[...] is an annotation",
                           hint="create tensors with ts.from_numpy(a), ts.empty(shape, dtype=ts.f32), "
                                "ts.zeros(...), ts.ones(...), ts.full(...)")

    @classmethod
    def _wrap(cls, arr, device: str, dtype: dt.DType, kind: int, storage: _Storage | None = None) -> Tensor:
        t = object.__new__(cls)
        t._arr = arr
        t._storage = storage if storage is not None else _Storage(arr)
        t._dtype = dtype
        t._device = device
        t._shape = tuple(int(n) for n in arr.shape)
        t._kind = kind
        t._cache = None
        t._cache_version = -1
        t._ptr_cache = None
        t._launch_cache = None
        t._storage.views.add(t)
        return t

    # ------------------------------------------------------------ what the launch path uses

    def _live(self):
        if self._storage.freed:
            raise DeviceMemoryError(
                f"tensor of shape {self.shape} ({self.dtype.name}, {self.device}) was freed: "
                "t.free() was called on it or on the tensor it is a view of",
                hint="allocate a new tensor (ts.empty(shape, dtype=..., device=...)), or call free() "
                     "only after the last use of the tensor and of its views")
        return self._arr

    @property
    def _devarray(self):
        """The numba DeviceNDArray of a GPU tensor; None for "cpu" and simulated tensors."""
        arr = self._live()
        return arr if self._kind == _DEVICE else None

    @property
    def _host(self):
        """The NumPy array holding a "cpu" or simulated tensor (its storage: writes land in the tensor)."""
        arr = self._live()
        return None if self._kind == _DEVICE else arr

    @property
    def _ptr(self) -> int:
        """Address of the first element: device memory for GPU tensors, host memory otherwise."""
        arr = self._live()
        p = self._ptr_cache
        if p is None:
            p = (arr.device_ctypes_pointer.value or 0) if self._kind == _DEVICE else arr.ctypes.data
            self._ptr_cache = p
        return p

    def _launch_info(self) -> tuple:
        """(fingerprint key, numba array-ABI parameters) for the cached launch path.

        Computed once: a tensor's dtype, shape, strides and address never change.
        The ABI is numba's: meminfo, parent, nitems, itemsize, data, shape..., strides in bytes.
        """
        info = self._launch_cache
        if info is None or self._storage.freed:
            arr = self._live()
            contiguous = self.is_contiguous()
            # Strings and ints only: the cached launch path hashes this on every call.
            key = ("ts.Tensor", self._dtype.name, len(self._shape), self._kind, contiguous)
            # One object per kind of tensor, so the cached launch path compares keys with `is`.
            key = _LAUNCH_KEYS.setdefault(key, key)
            strides = tuple(int(x) for x in arr.strides)
            params = (0, 0, self.size, self._dtype.itemsize, self._ptr) + self._shape + strides
            info = self._launch_cache = (key, params)
        return info

    def _mark_written(self):
        """Invalidate the cached host copy of this tensor and of every view of its memory."""
        self._storage.version += 1

    # ------------------------------------------------------------ metadata (read-only: a view would go stale)

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def dtype(self) -> dt.DType:
        return self._dtype

    @property
    def device(self) -> str:
        """"cuda:N" or "cpu"."""
        return self._device

    @property
    def simulated(self) -> bool:
        """True for a "cuda:N" tensor held in host memory because there is no GPU."""
        return self._kind == _SIM

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        """Number of elements."""
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def strides(self) -> tuple:
        """Steps between neighbours along each axis, in elements (PyTorch's convention, not NumPy's bytes)."""
        isz = self.dtype.itemsize
        return tuple(int(s) // isz for s in self._live().strides)

    def is_contiguous(self) -> bool:
        """True if the elements are dense in C (row-major) order."""
        arr = self._live()
        return bool(arr.is_c_contiguous() if self._kind == _DEVICE else arr.flags.c_contiguous)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    # ------------------------------------------------------------ views

    def __getitem__(self, key):
        """Views: an int or a step-1 slice per axis (``t[1]``, ``t[:, 2:5]``, ``t[..., 0]``).

        Indexing every axis with an int reads that element to the host.
        """
        arr = self._live()
        key = _normalize_key(key, self.shape)
        if all(isinstance(k, int) for k in key) and len(key) == self.ndim:
            if self._kind == _DEVICE and not key:
                return arr.copy_to_host()[()]
            return arr[key]
        return Tensor._wrap(arr[key], self.device, self.dtype, self._kind, self._storage)

    # ------------------------------------------------------------ transfers

    @traced_to_host
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array, copied from the device when called.

        For "cuda:N" tensors the copy is cached, read-only, until the tensor is
        written again (``np.array(t)`` or ``t.numpy().copy()`` gives a writable
        one). For "cpu" tensors it is the tensor's own array.

        >>> import tessera as ts
        >>> ts.arange(3).numpy()
        array([0, 1, 2], dtype=int32)
        """
        arr = self._live()
        if self._kind == _CPU:
            return arr
        st = self._storage
        if self._cache_version == st.version and not st.exported:
            return self._cache
        host = np.ascontiguousarray(arr.copy_to_host()) if self._kind == _DEVICE else arr.copy()
        host.setflags(write=False)
        self._cache, self._cache_version = host, st.version
        return host

    def __array__(self, dtype=None, copy=None):
        if self._kind != _CPU and not memory.host_arrays_allowed():
            raise TesseraError(f"implicit transfer of a {self.device} tensor to NumPy inside "
                               "@ts.memory.manual_management",
                               hint="transfer explicitly: t.numpy(), or host.copy_from(t)")
        a = self.numpy()
        if dtype is not None and np.dtype(dtype) != a.dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def copy_from(self, x) -> Tensor:
        """Copy `x` (NumPy array, ts.Tensor, or a GPU array such as a PyTorch/CuPy tensor) into this tensor.

        Shapes and dtypes must match exactly; nothing is converted. Works in every
        direction: host to device, device to host, device to device, host to host.

        >>> import numpy as np, tessera as ts
        >>> t = ts.empty(3, dtype=ts.f32)
        >>> t.copy_from(np.ones(3, np.float32)).numpy()
        array([1., 1., 1.], dtype=float32)
        """
        from .transfer import copy_into
        copy_into(self, x)
        self._mark_written()
        return self

    def to(self, device) -> Tensor:
        """This tensor on `device` ("cuda:0", "cpu", 0, ...): itself if already there, else a copy."""
        name = memory.parse_device(device)
        self._live()
        if name == self.device:
            return self
        from .creation import empty_tensor
        return empty_tensor(self.shape, self.dtype, name).copy_from(self)

    def free(self) -> None:
        """Release the memory now (manual management); the tensor and its views become unusable.

        Without it, memory is released when the last reference goes. Memory handed
        to another library (DLPack, ``__cuda_array_interface__``) must not be used
        after free(), as after cudaFree. Freeing twice is harmless.
        """
        st = self._storage
        if st.freed:
            return
        st.freed = True
        for t in list(st.views):
            t._arr = t._cache = None
        st.root = None
        # Dropping the last references runs numba's finalizer, which only queues the
        # cudaFree; flushing the queue gives the memory back now.
        if self._kind == _DEVICE:
            from numba import cuda
            with memory._on_gpu(int(self.device[5:])):
                pending = getattr(cuda.current_context().memory_manager, "deallocations", None)
                if pending is not None:
                    pending.clear()

    # ------------------------------------------------------------ interop

    @property
    def __cuda_array_interface__(self) -> dict:
        if self._kind != _DEVICE:
            what = "simulated " if self._kind == _SIM else ""
            raise AttributeError(f"a {what}{self.device} tensor is in host memory and has no "
                                 "__cuda_array_interface__")
        arr = self._live()
        self._storage.exported = True
        return arr.__cuda_array_interface__

    def __dlpack_device__(self) -> tuple:
        from .dlpack import KDL_CPU, KDL_CUDA
        return (KDL_CUDA, int(self.device[5:])) if self._kind == _DEVICE else (KDL_CPU, 0)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """DLPack export, zero-copy. GPU tensors: a DLPack capsule built here (no CuPy needed).
        "cpu" and simulated tensors: NumPy's own export, as host (kDLCPU) memory."""
        arr = self._live()
        self._storage.exported = True
        if self._kind != _DEVICE:
            kw = {k: v for k, v in (("max_version", max_version), ("dl_device", dl_device), ("copy", copy))
                  if v is not None}
            return arr.__dlpack__(stream=stream, **kw)
        from .dlpack import make_capsule
        if copy:
            raise BufferError("ts.Tensor exports its GPU memory without copying; copy=True is not supported")
        if dl_device is not None and tuple(dl_device) != self.__dlpack_device__():
            raise BufferError(f"a {self.device} tensor cannot be exported to DLPack device {dl_device}")
        if stream is not None and stream != -1:
            from numba import cuda
            cuda.synchronize()  # the consumer's stream may not be ordered after our launches
        return make_capsule(self._ptr, self.shape, self.strides, arr.dtype, *self.__dlpack_device__(),
                            owner=self)

    # ------------------------------------------------------------ display

    def __repr__(self) -> str:
        head = f"shape={self.shape}, dtype={self.dtype!r}, device={self.device!r}"
        if self._storage.freed:
            return f"ts.Tensor(<freed>, {head})"
        return f"ts.Tensor({self._preview()}, {head})"

    def _preview(self) -> str:
        # Only the first few elements travel: repr of a huge device tensor must stay cheap.
        arr, n = self._arr, self.size
        if self._kind != _DEVICE:
            vals = arr.flat[:_PREVIEW]
        elif self._cache_version == self._storage.version and not self._storage.exported:
            vals = self._cache.flat[:_PREVIEW]
        elif n <= _PREVIEW or self.ndim == 0:
            vals = arr.copy_to_host().reshape(-1)
        elif arr.is_c_contiguous():
            vals = arr.reshape(n)[:_PREVIEW].copy_to_host()
        else:  # the first elements in C order: along the last axis, at index 0 of the others
            vals = arr[(0,) * (self.ndim - 1) + (slice(0, _PREVIEW),)].copy_to_host()
        vals = np.asarray(vals)
        text = np.array2string(vals, separator=", ", threshold=_PREVIEW + 1)
        return text[:-1] + ", ...]" if vals.size < n else text


def _normalize_key(key, shape) -> tuple:
    key = key if isinstance(key, tuple) else (key,)
    if sum(k is Ellipsis for k in key) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if Ellipsis in key:
        i = key.index(Ellipsis)
        key = key[:i] + (slice(None),) * (len(shape) - len(key) + 1) + key[i + 1:]
    if len(key) > len(shape):
        raise IndexError(f"too many indices for a tensor of {len(shape)} dimensions: {len(key)}")
    out = []
    for axis, (k, n) in enumerate(zip(key, shape)):
        if isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)):
            k = int(k)
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of range for axis {axis} of size {n}")
            out.append(k + n if k < 0 else k)
        elif isinstance(k, slice):
            if k.step not in (None, 1):
                raise TesseraError(f"tensor views take step-1 slices only, got step {k.step} on axis {axis}",
                                   hint="slice with step 1 and stride inside the kernel, or slice a host "
                                        "copy: t.numpy()[::2]")
            out.append(k)
        else:
            raise TesseraError(f"cannot index a tensor with {type(k).__name__} {k!r}",
                               hint="use an int or a step-1 slice per axis, e.g. t[0], t[2:10], t[:, 1:]")
    return tuple(out)
