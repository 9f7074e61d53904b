"""`@ts.func`: a device function callable from kernels.

It is typed at each call site from the argument types (unannotated
parameters) or by its annotations. Called from host code it runs as plain
Python, which is handy for testing the math.

Example::

    >>> import tessera as ts
    >>> @ts.func
    ... def axpy(a, x, y):
    ...     return a * x + y
    >>> axpy(2.0, 3.0, 1.0)
    7.0
"""

from __future__ import annotations

import functools

from ..frontend.parse import parse_kernel


class DeviceFunction:
    def __init__(self, fn):
        self.fn = fn
        self.name = fn.__name__
        self._ir = None
        functools.update_wrapper(self, fn)

    @property
    def ir(self):
        if self._ir is None:
            self._ir = parse_kernel(self.fn, is_func=True)
        return self._ir

    def __call__(self, *args):
        return self.fn(*args)

    def __repr__(self) -> str:
        return f"<ts.func {self.name}>"


def func(fn) -> DeviceFunction:
    """Decorate a function so kernels can call it."""
    return DeviceFunction(fn)
