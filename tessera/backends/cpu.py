"""The `cpu` backend: numba's CPU target runs the virtual-thread form of a kernel.

One physical thread runs one program at a time; the grid is a `numba.prange`
over all programs (flattened), so programs spread over the cores. Inside a
program, each region between barriers loops over the block's virtual threads
(passes/vthreads.py, backends/codegen_cpu.py). Blocks may be larger than a
GPU's 1024 threads.

Atomics: a kernel that uses any `ts.atomic_*` runs its programs one after
another (a serial grid loop), and an atomic is then a plain read-modify-write:
virtual threads of one program never run concurrently, so the result is
exactly what atomics guarantee, and no atomic instructions are needed. Such
kernels use one core; all others use every core (numba's thread count:
`numba.set_num_threads`).

Arguments: NumPy arrays and cpu or simulated `ts.Tensor`s are used in place; a
tensor on a real GPU is copied to the host and, if the kernel writes it, back.
Indices are not bounds-checked, as on a GPU: an out-of-range access reads or
writes memory it should not (the `sim` backend reports it at the user's line).

Functions are compiled with `njit(fastmath=False, cache=True)` from the file
`backends.base.load_module` writes, so numba's on-disk cache serves later
processes.

Example::

    >>> import numpy as np, tessera as ts
    >>> @ts.kernel
    ... def fill(x: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = 2.0 * ts.f32(i)
    >>> x = np.zeros(4, np.float32)
    >>> fill(x, backend="cpu"); x
    array([0., 2., 4., 6.], dtype=float32)
"""

from __future__ import annotations

import sys
import types

import numpy as np

from .. import settings
from ..errors import BackendError
from ..runtime.tensor import Tensor
from .base import Backend, compile_error, load_module

_OPTIONS = {"fastmath": False, "cache": True}


class _Handle:
    def __init__(self, entry, module, filename, kernel_name):
        self.entry = entry
        self.module = module
        self.filename = filename
        self.kernel_name = kernel_name

    def __call__(self, grid, args):
        try:
            self.entry(grid[0], grid[1], grid[2], *args)
        except Exception as e:
            from numba.core.errors import NumbaError
            if settings.debug() or not isinstance(e, NumbaError):
                raise
            # arguments of a kind not compiled before (e.g. a read-only array) type-check here
            raise compile_error(self.module, self.filename, e, self.kernel_name) from None


def _importable(module, key) -> dict:
    """The generated module's namespace, as a module in sys.modules.

    numba's on-disk cache re-imports a cached function's module by name when it
    loads it in a later process; a namespace that only `exec` saw cannot be."""
    _, filename = load_module(module, key)
    name = f"tessera_gen_cpu_{module.entry}_{key}"
    mod = sys.modules.get(name)
    if mod is None or mod.__dict__.get("__file__") != filename:
        mod = types.ModuleType(name)
        mod.__file__ = filename
        exec(compile(module.source, filename, "exec"), mod.__dict__)
        sys.modules[name] = mod
    return mod.__dict__


class CpuBackend(Backend):
    name = "cpu"
    codegen = "numba-cpu"

    def is_available(self) -> bool:
        return True

    def build(self, module, arg_types, kernel_name, key):
        import numba
        ns = _importable(module, key)
        filename = ns["__file__"]
        try:
            for f in module.device_funcs:
                # The module is shared by every kernel with this source (a re-run notebook cell makes a
                # new kernel object): jit the plain function, not the dispatcher an earlier build made.
                ns[f] = numba.njit(**_OPTIONS)(getattr(ns[f], "py_func", ns[f]))
            entry = numba.njit(parallel=module.parallel, **_OPTIONS)(ns[module.entry])
            # compile now, so that a mistake is reported before launch; other argument kinds
            # (read-only arrays) still compile when they first come
            entry.compile(f"void(int64, int64, int64{''.join(', ' + t for t in arg_types)})")
        except Exception as e:
            if settings.debug():
                raise
            raise compile_error(module, filename, e, kernel_name) from None
        return _Handle(entry, module, filename, kernel_name)

    def direct_launcher(self, handle, values):
        if any(type(a) is Tensor or not isinstance(a, np.ndarray) and hasattr(a, "__cuda_array_interface__")
               for a in values):
            return None

        def direct(grid, block, args, stream):
            handle(grid, args)
        return direct

    def launch(self, handle, grid, block, args, written, stream=None):
        args, back = list(args), []
        for i, a in enumerate(args):
            if type(a) is Tensor:
                if a._kind == 0:  # a real GPU tensor: work on a host copy
                    args[i] = a.numpy().copy()
                    if i in written:
                        back.append((a, args[i]))
                else:
                    args[i] = a._host  # cpu and simulated tensors: writes land in place
            elif hasattr(a, "__cuda_array_interface__") and not isinstance(a, np.ndarray):
                raise BackendError(
                    "the cpu backend cannot read GPU arrays",
                    hint="pass NumPy arrays (e.g. t.cpu().numpy() for a PyTorch tensor), or use backend=\"cuda\"")
        handle(grid, args)
        for t, h in back:
            t.copy_from(h)
