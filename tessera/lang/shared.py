"""`ts.shared.alloc[dtype](*shape, swizzle=None|"xor")`: a block-shared tile.

Example::

    >>> import tessera as ts
    >>> ts.shared.alloc[ts.f32]            # a stub outside kernels
    ts.shared.alloc[ts.f32]
"""

from __future__ import annotations

from ..errors import OutsideKernelError, caller_loc
from .dtypes import DType


class _Alloc:
    def __init__(self, dtype: DType | None = None):
        self.dtype = dtype

    def __getitem__(self, dtype: DType) -> "_Alloc":
        if not isinstance(dtype, DType):
            raise TypeError("ts.shared.alloc[...] takes a dtype, e.g. ts.shared.alloc[ts.f32](32, 32)")
        return _Alloc(dtype)

    def __call__(self, *shape, swizzle=None):
        raise OutsideKernelError(
            "ts.shared.alloc can only be called inside a @ts.kernel body", loc=caller_loc(),
            hint="allocate shared tiles inside the kernel: As = ts.shared.alloc[ts.f32](32, 32)")

    def __repr__(self) -> str:
        return f"ts.shared.alloc[{self.dtype!r}]" if self.dtype else "ts.shared.alloc"


class _SharedNamespace:
    alloc = _Alloc()


shared = _SharedNamespace()
