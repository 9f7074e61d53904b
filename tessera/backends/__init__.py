"""Backends and the one place where one is chosen.

Choice order: a call's `backend=` argument, then `with ts.use_backend(...)`,
then `TESSERA_BACKEND`, then `cuda` if a GPU is present, else `cpu`.

Example::

    >>> import tessera as ts
    >>> "sim" in ts.available_backends()
    True
    >>> with ts.use_backend("sim"):
    ...     ts.current_backend().name
    'sim'
"""

from __future__ import annotations

import contextlib
import contextvars

from .. import settings
from ..errors import BackendError
from .base import Backend

_REGISTRY: dict[str, Backend] = {}
_current: contextvars.ContextVar = contextvars.ContextVar("tessera_backend", default=None)


def _registry() -> dict[str, Backend]:
    if not _REGISTRY:
        from .cpu import CpuBackend
        from .cuda import CudaBackend
        from .sim import SimBackend
        for b in (CudaBackend(), CpuBackend(), SimBackend()):
            _REGISTRY[b.name] = b
    return _REGISTRY


def get_backend(name: str) -> Backend:
    reg = _registry()
    if name not in reg:
        raise BackendError(f"unknown backend '{name}'",
                           hint=f"use one of: {', '.join(reg)}")
    return reg[name]


def available_backends() -> list[str]:
    return [n for n, b in _registry().items() if b.is_available()]


def default_backend_name() -> str:
    return "cuda" if get_backend("cuda").is_available() else "cpu"


def resolve_backend(name: str | None = None) -> Backend:
    name = name or _current.get() or settings.backend() or default_backend_name()
    b = get_backend(name)
    if not b.is_available():
        raise BackendError(f"the '{name}' backend is not available here: {b.why_unavailable()}",
                           hint="run on a machine with an NVIDIA GPU, or choose another backend: "
                                "backend=\"sim\" or TESSERA_BACKEND=sim")
    return b


def current_backend() -> Backend:
    return resolve_backend()


@contextlib.contextmanager
def use_backend(name: str):
    """Run the kernels called in this block on backend `name`."""
    get_backend(name)
    token = _current.set(name)
    try:
        yield get_backend(name)
    finally:
        _current.reset(token)
