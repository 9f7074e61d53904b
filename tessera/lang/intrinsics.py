"""Kernel intrinsics: names the compiler understands inside `@ts.kernel` bodies.

Outside a kernel each is a stub that raises `OutsideKernelError`, so a
misplaced call fails with a message rather than a wrong answer.

Example::

    >>> import tessera as ts
    >>> try:
    ...     ts.program_id(0)
    ... except ts.TesseraError as e:
    ...     print(e.message)
    ts.program_id can only be called inside a @ts.kernel or @ts.func body
"""

from __future__ import annotations

from ..errors import OutsideKernelError, caller_loc

# name -> number of arguments (None: variadic); the front end reads this table.
INTRINSICS: dict[str, int | None] = {}


def _stub(name: str, nargs: int | None, doc: str):
    def stub(*args, **kwargs):
        raise OutsideKernelError(
            f"ts.{name} can only be called inside a @ts.kernel or @ts.func body",
            loc=caller_loc(),
            hint="move the call into a function decorated with @ts.kernel, "
                 "or compute the value with NumPy on the host",
        )

    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = doc
    stub.__tessera_intrinsic__ = name
    INTRINSICS[name] = nargs
    return stub


def _intrinsic(nargs: int | None):
    def wrap(fn):
        return _stub(fn.__name__, nargs, fn.__doc__)
    return wrap


@_intrinsic(1)
def program_id(axis):
    """Index of this program (CUDA block) along `axis` (0, 1 or 2)."""


@_intrinsic(1)
def num_programs(axis):
    """Number of programs (CUDA grid size) along `axis`."""


@_intrinsic(1)
def thread_id(axis):
    """Index of this thread within its program along `axis`."""


@_intrinsic(1)
def block_size(axis):
    """Threads per program along `axis`; a tunable size with a default when the kernel leaves it free."""


@_intrinsic(0)
def barrier():
    """Wait until every thread of the program arrives (CUDA __syncthreads)."""


@_intrinsic(2)
def cdiv(a, b):
    """Ceiling division of integers: cdiv(10, 4) == 3."""


@_intrinsic(2)
def copy_async(src, dst):
    """Block-cooperative copy of a global tile `src` (a slice) into shared tile `dst`; out-of-range elements read as 0."""


@_intrinsic(1)
def wait_group(n):
    """Wait until at most `n` groups of copy_async are in flight."""


@_intrinsic(None)
def range(*args):  # noqa: A001 - the kernel language's range
    """Like Python's range inside kernels; loops with compile-time bounds may be unrolled."""


# Math follows the argument's float type (f32 in, f32 out), unlike Python's
# math module, which is always f64.
UNARY_MATH = ("exp", "exp2", "log", "log2", "log10", "sqrt", "rsqrt", "abs", "tanh",
              "sin", "cos", "tan", "floor", "ceil", "erf", "sigmoid", "trunc", "round",
              "isnan", "isinf", "asin", "acos", "atan", "sinh", "cosh", "log1p", "expm1")
BINARY_MATH = ("min", "max", "pow", "atan2", "fmod")
for _name in UNARY_MATH:
    globals()[_name] = _stub(_name, 1, f"Elementwise {_name} of one number.")
for _name in BINARY_MATH:
    globals()[_name] = _stub(_name, 2, f"Elementwise {_name} of two numbers.")
del _name


@_intrinsic(3)
def fma(a, b, c):
    """a * b + c with one rounding."""


@_intrinsic(3)
def where(cond, a, b):
    """`a` where `cond` holds, else `b` (both evaluated)."""


# Atomics: ts.atomic_add(t, index, value) or ts.atomic_add(t[index], value); return the old value.
@_intrinsic(None)
def atomic_add(*args):
    """Atomically add to t[index]; returns the previous value."""


@_intrinsic(None)
def atomic_max(*args):
    """Atomically take the maximum with t[index]; returns the previous value."""


@_intrinsic(None)
def atomic_min(*args):
    """Atomically take the minimum with t[index]; returns the previous value."""


@_intrinsic(None)
def atomic_cas(*args):
    """Compare-and-swap on t[index]: atomic_cas(t, index, expected, new); returns the previous value."""


MATH_NAMES = UNARY_MATH + BINARY_MATH + ("fma", "where")
ATOMIC_NAMES = ("atomic_add", "atomic_max", "atomic_min", "atomic_cas")
