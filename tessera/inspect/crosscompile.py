"""Compile a generated module with numba-cuda for any compute capability, without a GPU.

numba-cuda's `compile_ptx` returns PTX only; the same steps done here keep
the compile result, so one compilation gives numba's typed IR, the LLVM IR
handed to NVVM, and the PTX (with `.loc` line info pointing at the generated
file, whose lines map back to the user's).

Device functions (`@ts.func`) are compiled by numba's device dispatcher for
the *current GPU's* compute capability; `_CrossDeviceFunction` compiles them
for the requested one instead, so cross-compiling works with no GPU at all.

Example::

    >>> import numpy as np, tessera as ts
    >>> from tessera.inspect.crosscompile import cross_compile
    >>> @ts.kernel
    ... def neg(x: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = -x[i]
    >>> low = neg.lower(np.zeros(8, np.float32))
    >>> out = cross_compile(low.module, ["float32[::1]"], (8, 0), "doc")
    >>> ".target sm_80" in out.ptx, "define" in out.llvm
    (True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import settings
from ..backends.base import compile_error, load_module
from ..errors import BackendError

_NVVM_OPTIONS = {"opt": 3, "fastmath": False}


@dataclass(frozen=True)
class CrossCompiled:
    numba_ir: str      # numba's typed IR, annotated per line of the generated source
    llvm: str          # the LLVM IR given to NVVM (kernel and device functions)
    ptx: str
    filename: str      # the generated source file the line info points at
    entry: str         # the kernel's mangled name in the PTX


def _check_numba():
    from numba import config
    if config.ENABLE_CUDASIM:
        raise BackendError("inspection compiles with numba-cuda, which is replaced by the simulator here "
                           "(NUMBA_ENABLE_CUDASIM=1)",
                           hint="unset NUMBA_ENABLE_CUDASIM; the sim backend does not need it")


def _device_dispatcher(cc):
    from numba.cuda.compiler import compile_cuda
    from numba.cuda.dispatcher import CUDADispatcher

    class _CrossDeviceFunction(CUDADispatcher):
        def compile_device(self, args, return_type=None):
            if args not in self.overloads:
                cres = compile_cuda(self.py_func, return_type, args, lineinfo=True,
                                    nvvm_options=dict(_NVVM_OPTIONS), cc=cc)
                self.overloads[args] = cres
                cres.target_context.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
            return self.overloads[args]

    options = dict(debug=False, lineinfo=True, opt=True, link=[], fastmath=False, device=True,
                   inline="never", forceinline=False, extensions=[], launch_bounds=None, lto=False,
                   shared_memory_carveout=None)
    return lambda fn: _CrossDeviceFunction(fn, targetoptions=dict(options))


def cross_compile(module, arg_types: list, cc: tuple, key: str, kernel_name: str | None = None) -> CrossCompiled:
    """Compile `module` (a GeneratedModule) for numba argument types `arg_types` and compute capability `cc`."""
    _check_numba()
    from numba.core import sigutils
    from numba.cuda.compiler import compile_cuda, kernel_fixup
    from numba.cuda.cudadrv import nvvm

    ns, filename = load_module(module, key)
    wrap = _device_dispatcher(cc)
    for f in module.device_funcs:
        ns[f] = wrap(ns[f])
    args, ret = sigutils.normalize_signature(f"void({', '.join(arg_types)})")
    try:
        fastmath = bool(getattr(module, "fastmath", False))
        cres = compile_cuda(ns[module.entry], ret, args, lineinfo=True, fastmath=fastmath,
                            nvvm_options={**_NVVM_OPTIONS, "fastmath": fastmath}, cc=cc)
        lib = cres.library
        name = cres.fndesc.llvm_func_name
        kernel_fixup(lib.get_function(name), False)
        nvvm.set_launch_bounds(lib.get_function(name), getattr(module, "launch_bounds", None))
        lib._entry_name = name
        ptx = "\n".join(lib.get_asm_strs(cc=cc))
        llvm = lib.get_llvm_str()
        typed = cres.type_annotation.annotate() if hasattr(cres.type_annotation, "annotate") \
            else str(cres.type_annotation)
    except Exception as e:
        if settings.debug():
            raise
        raise compile_error(module, filename, e, kernel_name or module.entry) from None
    return CrossCompiled(typed, llvm, ptx, filename, name)
