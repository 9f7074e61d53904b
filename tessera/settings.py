"""Tessera's environment variables, read in one place.

| variable | meaning | default |
|---|---|---|
| `TESSERA_BACKEND` | backend used when a call names none: `cuda`, `cpu`, `sim` | `cuda` with a GPU, else `cpu` |
| `TESSERA_CACHE_DIR` | where generated sources and numba's compiled kernels are kept | the user cache dir (platformdirs) |
| `TESSERA_DEBUG` | `1` keeps internal tracebacks on compile errors (for Tessera developers) | off |

They are read when tessera is imported (the launch path must not pay for an
environment lookup on every call); after changing one in a running process,
call `tessera.settings.reload()`.

Example::

    >>> from tessera import settings
    >>> settings.cache_dir()          # doctest: +ELLIPSIS
    PosixPath('...')
"""

from __future__ import annotations

import os
from pathlib import Path


def _read_backend() -> str | None:
    return os.environ.get("TESSERA_BACKEND", "").strip().lower() or None


_backend = _read_backend()


def reload() -> None:
    """Re-read the environment variables that are cached at import."""
    global _backend
    _backend = _read_backend()


def backend() -> str | None:
    return _backend


def cache_dir() -> Path:
    v = os.environ.get("TESSERA_CACHE_DIR")
    if v:
        return Path(v).expanduser()
    import platformdirs
    return Path(platformdirs.user_cache_dir("tessera", appauthor=False))


def debug() -> bool:
    return os.environ.get("TESSERA_DEBUG", "") not in ("", "0", "false", "no")
