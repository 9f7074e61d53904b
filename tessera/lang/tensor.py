"""`ts.Tensor[...]`: the kernel's tensor parameter annotation.

Each string names a shape symbol, bound at the call and readable in the body
as an integer; an int fixes that dimension; the last item is the dtype.

`ts.Tensor` itself is the runtime tensor class (tessera/runtime/tensor.py);
subscripting it calls `tensor_spec` here and returns a `TensorSpec`, which is
what the front end reads. `tessera.lang.tensor.Tensor` is that same class,
imported on first use so that lang does not depend on the runtime.

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


def tensor_spec(item) -> TensorSpec:
    """What `ts.Tensor[item]` means: the TensorSpec for `item` (dims..., dtype)."""
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


def __getattr__(name):
    # `ts.Tensor` is one class, the annotation and the runtime tensor both; it lives
    # in runtime/tensor.py, and importing it lazily keeps lang free of the runtime.
    if name == "Tensor":
        from ..runtime.tensor import Tensor
        return Tensor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _ConstExpr:
    """Marks a parameter whose value is a compile-time constant (one compiled variant per value)."""

    def __repr__(self) -> str:
        return "ts.constexpr"


constexpr = _ConstExpr()
