"""`ts.autotune.get_param(name)`: a tuned value, a compile-time constant in the kernel body.

Example::

    >>> import tessera as ts
    >>> try:
    ...     ts.autotune.get_param("TILE_M")
    ... except ts.TesseraError as e:
    ...     print(e.message)
    ts.autotune.get_param can only be called inside a @ts.kernel body
"""

from ..errors import OutsideKernelError, caller_loc


def get_param(name: str):
    raise OutsideKernelError(
        "ts.autotune.get_param can only be called inside a @ts.kernel body", loc=caller_loc(),
        hint=f'read tuned values inside the kernel: {name} = ts.autotune.get_param("{name}")')
