"""Element types of the kernel language.

A dtype is an annotation (`n: ts.i32`, `ts.Tensor["N", ts.f32]`), a cast inside
a kernel (`ts.f32(i)`), and outside a kernel a constructor of a NumPy scalar.

Example::

    >>> import tessera as ts
    >>> ts.f32, ts.f32.itemsize, ts.f32(1.5)
    (ts.f32, 4, np.float32(1.5))
    >>> ts.dtype_of("float64")
    ts.f64
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DType:
    name: str      # the ts.<name> spelling
    kind: str      # "f" float, "i" signed int, "u" unsigned int, "b" bool
    bits: int
    numpy_name: str | None  # None: NumPy has no such type (bf16)

    @property
    def itemsize(self) -> int:
        return max(1, self.bits // 8)

    @property
    def numpy(self) -> np.dtype:
        if self.numpy_name is None:
            raise TypeError(f"NumPy has no {self.name}; store it as uint16 bits or convert to f32")
        return np.dtype(self.numpy_name)

    @property
    def is_float(self) -> bool:
        return self.kind == "f"

    @property
    def is_int(self) -> bool:
        return self.kind in "iu"

    def __call__(self, value):
        # Inside a kernel this call is a cast handled by the compiler; outside it
        # builds a NumPy scalar so the same spelling works in host code.
        return self.numpy.type(value)

    def __repr__(self) -> str:
        return f"ts.{self.name}"

    def __hash__(self) -> int:
        # Names are unique; the generated dataclass hash of four fields costs ~0.5 us on every
        # cached launch, which hashes argument fingerprints holding dtypes.
        return hash(self.name)


f16 = DType("f16", "f", 16, "float16")
bf16 = DType("bf16", "f", 16, None)
f32 = DType("f32", "f", 32, "float32")
f64 = DType("f64", "f", 64, "float64")
i8 = DType("i8", "i", 8, "int8")
i16 = DType("i16", "i", 16, "int16")
i32 = DType("i32", "i", 32, "int32")
i64 = DType("i64", "i", 64, "int64")
u8 = DType("u8", "u", 8, "uint8")
u32 = DType("u32", "u", 32, "uint32")
bool_ = DType("bool", "b", 8, "bool")

ALL = (f16, bf16, f32, f64, i8, i16, i32, i64, u8, u32, bool_)
BY_NAME = {d.name: d for d in ALL}
_BY_NUMPY = {np.dtype(d.numpy_name): d for d in ALL if d.numpy_name}


def dtype_of(x) -> DType:
    """The Tessera dtype of a NumPy dtype, a dtype name or anything with `.dtype`."""
    if isinstance(x, DType):
        return x
    if isinstance(x, str) and x in BY_NAME:
        return BY_NAME[x]
    dt = getattr(x, "dtype", x)
    try:
        return _BY_NUMPY[np.dtype(dt)]
    except (KeyError, TypeError):
        raise TypeError(f"no Tessera dtype for {dt!r}; supported: "
                        + ", ".join(d.name for d in ALL)) from None


def promote(a: DType, b: DType) -> DType:
    """The type of `a op b` for two strongly typed operands.

    Floats win over integers and keep their own width (i32 + f32 is f32, not
    NumPy's f64: doubles are slow on GPUs and a user who wants them says so).
    """
    if a == b:
        return a
    if a.is_float or b.is_float:
        if a.is_float and b.is_float:
            return a if a.bits >= b.bits else b
        return a if a.is_float else b
    if a.kind == "b":
        return b
    if b.kind == "b":
        return a
    if a.bits != b.bits:
        return a if a.bits > b.bits else b
    return a if a.kind == "i" else b  # same width, mixed sign: signed, as C does not but users expect
