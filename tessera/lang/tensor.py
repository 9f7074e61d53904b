"""`ts.Tensor[...]`: the kernel's tensor parameter annotation.

Each string names a shape symbol, bound at the call and readable in the body
as an integer; an int fixes that dimension; the last item is the dtype.

Example::

    >>> import tessera as ts
    >>> spec = ts.Tensor["M", "K", ts.f32]
    >>> spec.dims, spec.dtype, spec.rank
    (('M', 'K'), ts.f32, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

from .dtypes import DType


@dataclass(frozen=True)
class TensorSpec:
    dims: tuple  # str (shape symbol) or int (fixed size) per axis
    dtype: DType

    @property
    def rank(self) -> int:
        return len(self.dims)

    def __repr__(self) -> str:
        inner = ", ".join(repr(d) for d in self.dims)
        return f"ts.Tensor[{inner}, {self.dtype!r}]"


class Tensor:
    """Annotation of a tensor parameter: `ts.Tensor["N", ts.f32]`."""

    def __class_getitem__(cls, item) -> TensorSpec:
        items = item if isinstance(item, tuple) else (item,)
        if not items or not isinstance(items[-1], DType):
            raise TypeError('ts.Tensor[...] needs a dtype last, e.g. ts.Tensor["N", ts.f32]')
        dims = items[:-1]
        if not dims:
            raise TypeError('ts.Tensor[...] needs at least one dimension, e.g. ts.Tensor["N", ts.f32]')
        for d in dims:
            if not (isinstance(d, str) and d.isidentifier()) and not (isinstance(d, int) and d > 0):
                raise TypeError(f"ts.Tensor dimension {d!r}: use a name like \"N\" or a positive int")
        return TensorSpec(tuple(dims), items[-1])


class _ConstExpr:
    """Marks a parameter whose value is a compile-time constant (one compiled variant per value)."""

    def __repr__(self) -> str:
        return "ts.constexpr"


constexpr = _ConstExpr()
