"""Checking a call's arguments against the kernel's annotations, before anything launches.

Rank, dtype, fixed sizes and shape symbols shared between arguments are
checked here; each mistake is a TesseraError that names the parameter and
shows its annotation.

Example::

    >>> import numpy as np, tessera as ts
    >>> from tessera.frontend.parse import parse_kernel
    >>> from tessera.runtime.args import bind_args
    >>> def add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32]): pass
    >>> b = bind_args(parse_kernel(add), (np.zeros(10, np.float32), np.zeros(10, np.float32)))
    >>> b.symbols
    {'N': 10}
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import KernelTypeError, ShapeError, TesseraError
from ..frontend import ir
from ..lang import dtypes as dt
from .memory import _current_gpu, host_arrays_allowed
from .tensor import Tensor

_I32_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class ArrayInfo:
    shape: tuple
    dtype: np.dtype
    c_contiguous: bool
    on_device: bool


def array_info(x) -> ArrayInfo | None:
    if isinstance(x, Tensor):
        # Before __cuda_array_interface__: reading that attribute counts as an export
        # and would turn off the tensor's numpy() cache.
        return ArrayInfo(x._shape, x._dtype.numpy, x.is_contiguous(), x._kind == 0)
    if isinstance(x, np.ndarray):
        return ArrayInfo(x.shape, x.dtype, x.flags.c_contiguous, False)
    cai = getattr(x, "__cuda_array_interface__", None)
    if cai is not None:
        shape = tuple(cai["shape"])
        dtype = np.dtype(cai["typestr"])
        strides = cai.get("strides")
        contiguous = strides is None or strides == _c_strides(shape, dtype.itemsize)
        return ArrayInfo(shape, dtype, contiguous, True)
    return None


def _c_strides(shape, itemsize):
    out, acc = [], itemsize
    for d in reversed(shape):
        out.append(acc)
        acc *= d
    return tuple(reversed(out))


@dataclass(frozen=True)
class Binding:
    values: tuple          # what the backend receives, constexprs left out
    arg_types: dict        # param -> DType (tensor element type or scalar type)
    layouts: dict          # tensor param -> "C" (contiguous) or "A" (strided)
    consts: dict           # constexpr param -> value
    symbols: dict          # shape symbol -> int
    index: dt.DType        # i32 unless a size needs 64 bits

    def numba_types(self, kernel: ir.Kernel) -> list:
        from ..backends.codegen import numba_type
        out = []
        for p in kernel.params:
            if p.kind == "tensor":
                t = numba_type(self.arg_types[p.name])
                dims = [":"] * p.rank
                if self.layouts[p.name] == "C":
                    dims[-1] = "::1"
                out.append(f"{t}[{', '.join(dims)}]")
            elif p.kind == "scalar":
                out.append(numba_type(self.arg_types[p.name]))
        return out


def _ann(p: ir.Param) -> str:
    dims = ", ".join(f'"{d}"' if isinstance(d, str) else str(d) for d in p.dims)
    return f"ts.Tensor[{dims}, ts.{p.dtype.name}]"


def bind_args(kernel: ir.Kernel, args: tuple, *, device_ok: bool = False) -> Binding:
    """Check `args` against `kernel`'s parameters and gather what specialization needs.

    device_ok: the kernel runs on a GPU backend (cpu tensors would need a transfer)."""
    params = kernel.params
    if len(args) != len(params):
        names = ", ".join(p.name for p in params)
        raise TesseraError(f"{kernel.name} takes {len(params)} argument{'s' if len(params) != 1 else ''} "
                           f"({names}), got {len(args)}", kernel=kernel.name, loc=kernel.loc,
                           hint=f"{kernel.name}({names})")
    values, arg_types, layouts, consts = [], {}, {}, {}
    symbols: dict[str, tuple] = {}
    big = False
    for p, a in zip(params, args):
        if p.kind == "tensor":
            info = array_info(a)
            if info is None:
                raise KernelTypeError(
                    f"argument '{p.name}' must be an array ({_ann(p)}), got {type(a).__name__}",
                    kernel=kernel.name, loc=p.loc,
                    hint=f"pass np.asarray({p.name}, dtype=np.{p.dtype.numpy_name}) or a GPU array")
            if len(info.shape) != p.rank:
                raise ShapeError(
                    f"argument '{p.name}' must have {p.rank} dimension{'s' if p.rank != 1 else ''} "
                    f"({_ann(p)}) but has {len(info.shape)} (shape {tuple(info.shape)})",
                    kernel=kernel.name, loc=p.loc,
                    hint=f"reshape it: {p.name}.reshape({', '.join(str(d) for d in p.dims)})")
            try:
                got = dt.dtype_of(info.dtype)
            except TypeError:
                got = None
            if got != p.dtype:
                want = p.dtype.numpy_name or p.dtype.name
                raise KernelTypeError(
                    f"argument '{p.name}' must hold {p.dtype.name} ({_ann(p)}) but holds {info.dtype}",
                    kernel=kernel.name, loc=p.loc,
                    hint=f"convert it explicitly: {p.name}.astype(np.{want})  (Tessera never converts silently)")
            for axis, (d, n) in enumerate(zip(p.dims, info.shape)):
                if isinstance(d, int) and n != d:
                    raise ShapeError(
                        f"argument '{p.name}' must have {d} elements along axis {axis} ({_ann(p)}) but has {n}",
                        kernel=kernel.name, loc=p.loc,
                        hint=f"pass an array of shape ({', '.join(str(x) for x in p.dims)}) with the symbols filled in")
                if isinstance(d, str):
                    if d in symbols and symbols[d][0] != n:
                        n0, p0, ax0 = symbols[d]
                        raise ShapeError(
                            f"shape symbol {d} is {n0} from {p0}.shape[{ax0}] but {n} from {p.name}.shape[{axis}]",
                            kernel=kernel.name, loc=p.loc,
                            hint=f"pass arrays whose sizes agree: {p0} and {p.name} share {d}")
                    symbols.setdefault(d, (n, p.name, axis))
            if isinstance(a, np.ndarray) and not host_arrays_allowed():
                raise KernelTypeError(
                    f"argument '{p.name}' is a NumPy array, but inside @ts.memory.manual_management "
                    f"every transfer is explicit",
                    kernel=kernel.name, loc=p.loc,
                    hint=f"allocate a device tensor and copy into it: {p.name}_dev = ts.empty({p.name}.shape, "
                         f"dtype=ts.{p.dtype.name}); {p.name}_dev.copy_from({p.name})")
            if isinstance(a, Tensor) and a._kind == 2 and not host_arrays_allowed() and device_ok:
                raise KernelTypeError(
                    f"argument '{p.name}' is a cpu tensor, but the kernel runs on the GPU and inside "
                    f"@ts.memory.manual_management nothing is moved implicitly",
                    kernel=kernel.name, loc=p.loc,
                    hint=f"move it first: {p.name}.to(\"cuda:0\")")
            if isinstance(a, Tensor) and a._kind == 0 and device_ok and a.device != f"cuda:{_current_gpu()}":
                raise TesseraError(
                    f"argument '{p.name}' lives on {a.device}, but the kernel runs on cuda:{_current_gpu()}",
                    kernel=kernel.name, loc=p.loc,
                    hint=f"move it: {p.name}.to(\"cuda:{_current_gpu()}\"), or launch inside "
                         f"`with ts.device({a.device[5:]}):`")
            values.append(a)
            arg_types[p.name] = p.dtype
            layouts[p.name] = "C" if info.c_contiguous else "A"
            size = int(np.prod(info.shape)) if info.shape else 1
            big = big or size > _I32_LIMIT
        elif p.kind == "scalar":
            values.append(_scalar(kernel, p, a))
            arg_types[p.name] = p.dtype
            big = big or (p.dtype.is_int and p.dtype.bits == 64 and abs(int(a)) > _I32_LIMIT)
        else:
            if not isinstance(a, (bool, int, float, np.integer, np.floating, np.bool_)):
                raise KernelTypeError(f"constexpr '{p.name}' must be an int, float or bool, got {type(a).__name__}",
                                      kernel=kernel.name, loc=p.loc, hint=f"pass a number, e.g. {p.name}=32")
            consts[p.name] = a.item() if isinstance(a, np.generic) else a
    return Binding(tuple(values), arg_types, layouts, consts, {k: v[0] for k, v in symbols.items()},
                   dt.i64 if big else dt.i32)


def _scalar(kernel, p: ir.Param, a):
    d = p.dtype
    if isinstance(a, np.ndarray) and a.ndim == 0:
        a = a[()]
    ok = isinstance(a, (bool, np.bool_)) if d.kind == "b" else (
        isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)) if d.is_int else
        isinstance(a, (int, float, np.integer, np.floating)) and not isinstance(a, (bool, np.bool_)))
    if not ok:
        want = {"b": "a bool", "f": "a number"}.get(d.kind, "an int")
        conv = {"b": f"bool({p.name})", "f": f"float({p.name})"}.get(d.kind, f"int({p.name})")
        raise KernelTypeError(f"argument '{p.name}' must be {want} (ts.{d.name}), got {type(a).__name__} {a!r}",
                              kernel=kernel.name, loc=p.loc, hint=f"pass {conv}")
    if d.is_int:
        info = np.iinfo(d.numpy)
        if not info.min <= int(a) <= info.max:
            raise KernelTypeError(f"argument '{p.name}' = {a} does not fit in ts.{d.name}",
                                  kernel=kernel.name, loc=p.loc, hint="declare the parameter as ts.i64")
    return d.numpy.type(a)
