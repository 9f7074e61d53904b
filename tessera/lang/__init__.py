"""What kernel code may say: dtypes, tensor annotations, intrinsics, shared memory."""

from .dtypes import DType, f16, bf16, f32, f64, i8, i16, i32, i64, u8, u32, bool_, dtype_of
from .tensor import Tensor, TensorSpec, constexpr
from .shared import shared
from . import intrinsics, autotune
