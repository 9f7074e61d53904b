"""What kernel code may say: dtypes, tensor annotations, intrinsics, shared memory."""

from .dtypes import DType, f16, bf16, f32, f64, i8, i16, i32, i64, u8, u32, bool_, dtype_of
from .tensor import TensorSpec, constexpr
from .shared import shared
from . import intrinsics, autotune


def __getattr__(name):
    # ts.Tensor is defined by the runtime (see lang/tensor.py); lang does not import it eagerly.
    if name == "Tensor":
        from ..runtime.tensor import Tensor
        return Tensor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
