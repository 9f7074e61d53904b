"""The backend interface: what the runtime asks of a backend, and nothing more.

A backend turns a `GeneratedModule` into something it can launch, and
launches it. numba-cuda lives behind this interface (backends/cuda.py), so
that its successor can replace it in one place.

Example::

    >>> from tessera.backends import get_backend
    >>> get_backend("sim").name
    'sim'
"""

from __future__ import annotations

import linecache
import re
from abc import ABC, abstractmethod

from .. import settings
from ..errors import CompileError
from .codegen import GeneratedModule


class Backend(ABC):
    name: str = "?"
    #: what compiler.lower generates for this backend ("numba-cuda" or "numba-cpu")
    codegen: str = "numba-cuda"
    #: accepts objects with __cuda_array_interface__ without a copy
    device_arrays: bool = False

    @abstractmethod
    def is_available(self) -> bool: ...

    def why_unavailable(self) -> str:
        return ""

    @abstractmethod
    def build(self, module: GeneratedModule, arg_types: list, kernel_name: str, key: str):
        """Compile the module's entry for these numba argument types; return a launchable handle.

        `key` names the specialization (a hash); the generated file is stored under it."""

    @abstractmethod
    def launch(self, handle, grid: tuple, block: tuple, args: list, written: tuple, stream=None):
        """Run the kernel; `written` are the argument positions the kernel stores to."""

    def direct_launcher(self, handle, values):
        """A callable(grid, block, values, stream) for arguments like `values` that need no
        conversion before launch, or None; the cached launch path then skips `launch`."""
        return None

    def hot_launcher(self, handle, lowered, fp: tuple, consts: dict, block: tuple, written: tuple,
                     check_context: bool = True, profiled=None, cupti_record=None):
        """A function `hot(args, stream) -> bool` that checks arguments like those of fingerprint `fp`
        and launches, or returns False for anything else; None where the backend has none.

        With `check_context`, it also returns False once `ts.use_backend` or TESSERA_BACKEND would pick
        another backend than now (a kernel with its own `backend=` does not follow them). While a profile
        records, it launches through `profiled(grid, args, stream, launch, values)` instead, or, where the
        profiler times kernels with CUPTI, launches itself and files the launch with `cupti_record`."""
        return None

    def synchronize(self):
        pass

    def target(self) -> str:
        """What the compiled code is specific to (part of the cache key), e.g. "sm_90"."""
        return self.name


def load_module(module: GeneratedModule, key: str) -> tuple[dict, str]:
    """Write the generated source to the cache (numba reads line info from the file) and exec it."""
    gen = settings.cache_dir() / "gen"
    gen.mkdir(parents=True, exist_ok=True)
    path = gen / f"{module.entry}_{key}.py"
    if not path.exists() or path.read_text() != module.source:
        # Write once and keep the file: numba's on-disk cache is keyed by its path and stamp.
        tmp = path.with_suffix(f".tmp{id(module)}")
        tmp.write_text(module.source)
        tmp.replace(path)
    filename = str(path)
    linecache.cache[filename] = (len(module.source), None, module.source.splitlines(True), filename)
    ns: dict = {"__name__": f"tessera_gen_{module.entry}", "__file__": filename}
    exec(compile(module.source, filename, "exec"), ns)
    return ns, filename


_LINE = re.compile(r'File "([^"]+)", line (\d+)')


def compile_error(module: GeneratedModule, filename: str, exc: Exception, kernel: str) -> CompileError:
    """Re-raise a numba error against the user's line rather than as a numba traceback."""
    text = str(exc)
    loc = None
    for f, line in _LINE.findall(text):
        if f == filename:
            loc = module.user_loc(int(line))
            if loc is not None:
                break
    first = next((l.strip() for l in text.splitlines() if l.strip() and not l.startswith("File")), text)
    first = re.sub(r"\x1b\[[0-9;]*m", "", first)
    return CompileError(f"the backend could not compile this line: {first}", kernel=kernel, loc=loc,
                        hint="simplify the expression on this line; if it is valid Tessera, please report it "
                             "(set TESSERA_DEBUG=1 for the backend's full message)")
