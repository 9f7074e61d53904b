"""Tessera: write GPU kernels in Python, run them through numba-cuda, inspect them in place.

    import tessera as ts

    @ts.kernel
    def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
        idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if idx < a.shape[0]:
            c[idx] = a[idx] + b[idx]
"""

from ._version import __version__
from .errors import (TesseraError, UnsupportedSyntaxError, KernelTypeError, ShapeError, LaunchError,
                     CompileError, BackendError, OutsideKernelError)
from .lang.dtypes import DType, f16, bf16, f32, f64, i8, i16, i32, i64, u8, u32, bool_, dtype_of
from .lang.tensor import constexpr
from .runtime.tensor import Tensor, TesseraWarning
from .runtime.creation import (from_numpy, empty, zeros, ones, full, empty_like, zeros_like, ones_like,
                               randn, rand, arange)
from .runtime.memory import device
from .runtime import memory
from .runtime.stream import Stream, Event, synchronize
from .lang.shared import shared
from .lang import autotune
from .lang.intrinsics import (program_id, num_programs, thread_id, block_size, barrier, cdiv, copy_async,
                              wait_group, range, exp, exp2, log, log2, log10, sqrt, rsqrt, abs, tanh, sin,
                              cos, tan, floor, ceil, erf, sigmoid, trunc, round, isnan, isinf, asin, acos,
                              atan, sinh, cosh, log1p, expm1, min, max, pow, atan2, fmod, fma, where,
                              atomic_add, atomic_max, atomic_min, atomic_cas)
from .runtime.kernel import kernel, Kernel
from .runtime.func import func
from .backends import available_backends, use_backend, current_backend
from . import inspect
from .profile import profile
from .passes.uniformity import DivergentCollectiveError


def load_ipython_extension(ipython):
    """`%load_ext tessera`: registers the %%tessera and %%cuda cell magics (tessera.notebook.magics)."""
    from .notebook.magics import load_ipython_extension as load
    load(ipython)


# `bool` is the dtype's name in the kernel language; `ts.bool_` avoids shadowing the builtin in user code.
globals()["bool"] = bool_


def __getattr__(name):
    # ts.migration pulls in tree-sitter; kernels that never migrate anything don't pay for it.
    if name == "migration":
        import importlib
        return importlib.import_module(".migration", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
