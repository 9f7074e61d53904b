"""Devices, the default device, manual memory management and device allocation.

Device names are strings: ``"cuda:N"`` (``"cuda"`` means the current GPU) and
``"cpu"``. ``ts.device(...)`` takes such a string or a GPU index and makes it
the default device of the tensors created inside the block.

Without a usable NVIDIA GPU (or under ``NUMBA_ENABLE_CUDASIM=1``) ``"cuda:N"``
tensors are *simulated*: held in host memory, so that programs written for a
GPU run unchanged on a laptop or in CI (see `tessera.runtime.tensor`).

``@ts.memory.manual_management`` marks code in which every transfer is
explicit, as in CUDA C: inside it, kernels refuse NumPy arrays (the launch
path asks `host_arrays_allowed()`), nothing is copied between host and device
behind the user's back, and an implicit conversion such as ``np.asarray(t)``
of a device tensor is an error; ``t.copy_from(x)``, ``t.numpy()``,
``t.to(device)`` and ``ts.from_numpy(a)`` remain, since each says its transfer.

Example::

    >>> import tessera as ts
    >>> with ts.device("cpu"):
    ...     ts.zeros(3).device
    'cpu'
    >>> @ts.memory.manual_management
    ... def f():
    ...     return ts.memory.host_arrays_allowed()
    >>> f(), ts.memory.host_arrays_allowed()
    (False, True)
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re

from ..errors import DeviceMemoryError, TesseraError
from ..profile.hooks import traced_alloc

__all__ = ["device", "manual_management", "host_arrays_allowed", "gpu_available", "default_device",
           "parse_device", "memory_info"]

_default: contextvars.ContextVar = contextvars.ContextVar("tessera_device", default=None)
_manual: contextvars.ContextVar = contextvars.ContextVar("tessera_manual_memory", default=False)
_gpu: bool | None = None
_DEVICE_RE = re.compile(r"cuda:(\d+)")


def gpu_available() -> bool:
    """True where numba-cuda sees a real NVIDIA GPU (never under NUMBA_ENABLE_CUDASIM)."""
    global _gpu
    if _gpu is None:
        try:
            from numba import config, cuda
            _gpu = (not config.ENABLE_CUDASIM) and bool(cuda.is_available())
        except Exception:  # a broken CUDA install must still leave the no-GPU path working
            _gpu = False
    return _gpu


def _gpu_count() -> int:
    from numba import cuda
    return len(cuda.gpus)


def _current_gpu() -> int:
    from numba import cuda
    return cuda.get_current_device().id if gpu_available() else 0


def parse_device(spec) -> str:
    """Normalise a device spec (int, "cuda", "cuda:N", "cpu", ts.device) to "cuda:N" or "cpu".

    >>> parse_device(0), parse_device("cuda"), parse_device("cpu")
    ('cuda:0', 'cuda:0', 'cpu')
    """
    if isinstance(spec, device):
        return spec.name
    if isinstance(spec, bool):
        spec = repr(spec)  # True is an int to Python, never a GPU index to a user
    if isinstance(spec, int) and spec >= 0:
        name = f"cuda:{spec}"
    elif spec == "cpu":
        return "cpu"
    elif spec == "cuda":
        name = f"cuda:{_current_gpu()}"
    elif isinstance(spec, str) and _DEVICE_RE.fullmatch(spec):
        name = spec
    else:
        raise TesseraError(f"unknown device {spec!r}",
                           hint='a GPU: "cuda:0" (or 0, or "cuda" for the current one); the host: "cpu"')
    if gpu_available():
        n = int(name[5:])
        count = _gpu_count()
        if n >= count:
            raise TesseraError(f"device {name} does not exist: this machine has {count} GPU"
                               f"{'s' if count != 1 else ''} (cuda:0 to cuda:{count - 1})",
                               hint=f'use a device from "cuda:0" to "cuda:{count - 1}"')
    return name


def default_device() -> str:
    """The device of a new tensor when none is named: the innermost `ts.device`, else "cuda:0"."""
    return _default.get() or "cuda:0"


class device:
    """``with ts.device(0):`` (or ``"cuda:0"``, ``"cpu"``): the default device of new tensors in the block.

    On a machine with several GPUs it also makes that GPU numba's current one,
    so that allocations and launches in the block go to it.

    >>> import tessera as ts
    >>> with ts.device(0) as d:
    ...     d, ts.empty(2).device
    (ts.device('cuda:0'), 'cuda:0')
    """

    def __init__(self, spec):
        self.name = parse_device(spec)
        self._tokens: list = []

    @property
    def type(self) -> str:
        return "cpu" if self.name == "cpu" else "cuda"

    @property
    def index(self) -> int | None:
        return None if self.name == "cpu" else int(self.name[5:])

    def __enter__(self):
        gpu_ctx = contextlib.nullcontext()
        if self.type == "cuda" and gpu_available() and self.index != _current_gpu():
            from numba import cuda
            gpu_ctx = cuda.gpus[self.index]
        gpu_ctx.__enter__()
        self._tokens.append((_default.set(self.name), gpu_ctx))
        return self

    def __exit__(self, *exc):
        token, gpu_ctx = self._tokens.pop()
        _default.reset(token)
        gpu_ctx.__exit__(*exc)
        return False

    def __eq__(self, other):
        try:
            return self.name == parse_device(other)
        except TesseraError:
            return NotImplemented

    def __hash__(self):
        return hash(self.name)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"ts.device({self.name!r})"


def host_arrays_allowed() -> bool:
    """False inside ``@ts.memory.manual_management``: a kernel must then refuse NumPy arrays."""
    return not _manual.get()


def manual_management(fn=None):
    """Decorator (or, called with no function, a context manager): every transfer in it is explicit.

    Inside, a NumPy array passed to a kernel is an error (`host_arrays_allowed()`
    is False), no tensor is moved between host and device implicitly, and
    ``np.asarray(device_tensor)`` raises: use ``t.numpy()`` or ``t.copy_from``.

    >>> import tessera as ts
    >>> with ts.memory.manual_management():
    ...     ts.memory.host_arrays_allowed()
    False
    """
    if fn is None:
        return _manual_block()
    if not callable(fn):
        raise TesseraError("@ts.memory.manual_management decorates a function",
                           hint="@ts.memory.manual_management\ndef compute(a_host, b_host): ...")

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        token = _manual.set(True)
        try:
            return fn(*args, **kwargs)
        finally:
            _manual.reset(token)
    return wrapper


@contextlib.contextmanager
def _manual_block():
    token = _manual.set(True)
    try:
        yield
    finally:
        _manual.reset(token)


def memory_info(device_name: str | None = None) -> tuple[int, int] | None:
    """(free, total) bytes of a real GPU; None for "cpu" and simulated devices."""
    name = parse_device(device_name or default_device())
    if name == "cpu" or not gpu_available():
        return None
    from numba import cuda
    with _on_gpu(int(name[5:])):
        free, total = cuda.current_context().get_memory_info()
    return int(free), int(total)


def _on_gpu(index: int):
    if index == _current_gpu():
        return contextlib.nullcontext()
    from numba import cuda
    return cuda.gpus[index]


def _fmt_bytes(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # unreachable


def _oom(name: str, requested: int, free: int | None, total: int | None, simulated: bool) -> DeviceMemoryError:
    where = f"{name} (simulated in host memory)" if simulated else name
    have = "" if free is None else f"; {free} bytes ({_fmt_bytes(free)}) free of {_fmt_bytes(total)}"
    return DeviceMemoryError(
        f"out of memory on {where}: requested {requested} bytes ({_fmt_bytes(requested)}){have}",
        hint="free tensors you no longer need (del t, or t.free()), use smaller shapes, "
             "or process the data in chunks")


@traced_alloc
def alloc_device(shape: tuple, np_dtype, name: str):
    """A numba DeviceNDArray on GPU `name`; out of memory becomes a DeviceMemoryError."""
    from numba import cuda
    from numba.cuda.cudadrv.driver import CudaAPIError
    index = int(name[5:])
    try:
        with _on_gpu(index):
            return cuda.device_array(shape, dtype=np_dtype)
    except (CudaAPIError, MemoryError) as e:
        if isinstance(e, CudaAPIError) and "OUT_OF_MEMORY" not in f"{e.code!r} {e}":
            raise
        requested = int(np_dtype.itemsize)
        for n in shape:
            requested *= int(n)
        with _on_gpu(index):
            free, total = cuda.current_context().get_memory_info()
        raise _oom(name, requested, int(free), int(total), simulated=False) from None


@traced_alloc
def alloc_host(shape: tuple, np_dtype, name: str, fill=None):
    """A NumPy array for a "cpu" or simulated tensor; out of memory becomes a DeviceMemoryError."""
    import numpy as np
    try:
        return np.empty(shape, np_dtype) if fill is None else np.full(shape, fill, np_dtype)
    except MemoryError:
        requested = int(np_dtype.itemsize)
        for n in shape:
            requested *= int(n)
        raise _oom(name, requested, None, None, simulated=name != "cpu") from None
