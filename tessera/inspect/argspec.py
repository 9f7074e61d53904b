"""Argument types without arrays: `"f32[1024]"`, `"f32[64,64]"`, `"i32"`, `16`.

Inspecting a kernel needs only what a call would specialize on: each tensor's
dtype and shape (the shape decides 32- or 64-bit indexing), each scalar's
type, each constexpr's value. `kernel.inspect` and the CLI accept, in place of
an argument:

| text | means |
|---|---|
| `f32[1024]`, `f16[64,64]` | a contiguous tensor of that dtype and shape (no memory is allocated) |
| `i32`, `f32` | a scalar of that type |
| `16`, `0.5`, `true` | a constexpr value (or a scalar's value) |

Real arrays and tensors work too. Dtype names are the kernel language's:
f16 bf16 f32 f64 i8 i16 i32 i64 u8 u32 bool.

Example::

    >>> from tessera.inspect.argspec import parse_arg_list
    >>> a, n, tile = parse_arg_list("f32[64,64], i32, 16")
    >>> a.shape, a.dtype, type(n).__name__, tile
    ((64, 64), dtype('float32'), 'int32', 16)
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import TesseraError
from ..lang import dtypes as dt

_TENSOR = re.compile(r"^([a-z0-9_]+)\s*\[([\d\s,]*)\]$")
_HINT = 'write types like "f32[1024]" (a tensor), "i32" (a scalar) or 16 (a constant), separated by commas'


class ArgType:
    """A tensor argument known only by dtype and shape: binds like a GPU array, holds no memory."""

    def __init__(self, dtype, shape: tuple):
        self.dtype = np.dtype(dtype)
        self.shape = tuple(int(n) for n in shape)

    @property
    def __cuda_array_interface__(self) -> dict:
        return {"shape": self.shape, "typestr": self.dtype.str, "data": (0, False), "strides": None,
                "version": 3}

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize

    def __repr__(self) -> str:
        return f"{dt.dtype_of(self.dtype).name}[{','.join(map(str, self.shape))}]"


def _dtype(name: str, text: str) -> dt.DType:
    try:
        return dt.dtype_of(name)
    except TypeError:
        raise TesseraError(f"unknown dtype {name!r} in argument type {text!r}",
                           hint="use one of f16 bf16 f32 f64 i8 i16 i32 i64 u8 u32 bool") from None


def parse_arg(text):
    """One argument: a type string as in the table above, or anything else unchanged."""
    if not isinstance(text, str):
        return text
    t = text.strip()
    low = t.lower()
    if low in ("true", "false"):
        return low == "true"
    if re.fullmatch(r"[+-]?\d+", t):
        return int(t)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)(e[+-]?\d+)?", low):
        return float(t)
    m = _TENSOR.match(low)
    if m:
        d = _dtype(m.group(1), t)
        dims = [x.strip() for x in m.group(2).split(",") if x.strip()]
        if not dims:
            raise TesseraError(f"argument type {text!r} has no shape", hint='"f32[1024]" or "f32[64,64]"')
        if d.numpy_name is None:
            raise TesseraError(f"{d.name} tensors cannot be inspected yet", hint="use f16 or f32")
        return ArgType(d.numpy, tuple(int(x) for x in dims))
    if re.fullmatch(r"[a-z0-9_]+", low):
        d = _dtype(low, t)
        if d.numpy_name is None:
            raise TesseraError(f"{d.name} scalars cannot be inspected yet", hint="use f16 or f32")
        return d.numpy.type(0)
    raise TesseraError(f"cannot read argument type {text!r}", hint=_HINT)


def parse_arg_list(text: str) -> list:
    """A comma-separated list of argument types (commas inside [...] belong to a shape)."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur))
    if depth != 0 or any(not p.strip() for p in parts):
        raise TesseraError(f"cannot read argument list {text!r}", hint=_HINT)
    return [parse_arg(p) for p in parts]
