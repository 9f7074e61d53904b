"""Errors a Tessera user can see.

Every error names the kernel, the file (or notebook cell) and line, shows the
line with a caret under the offending column, and ends with what to write
instead. Nothing from inside the compiler or numba reaches the user for a
mistake in their kernel.

Example::

    >>> from tessera.errors import KernelTypeError, SourceLoc
    >>> loc = SourceLoc("demo.py", 3, 11, "    c[i] = a[i] + 1.5j")
    >>> err = KernelTypeError("complex numbers are not supported", kernel="k",
    ...                       loc=loc, hint="use two f32 values for the real and imaginary parts")
    >>> print(err)  # doctest: +NORMALIZE_WHITESPACE
    kernel 'k', demo.py:3: complex numbers are not supported
        3 |     c[i] = a[i] + 1.5j
          |            ^
    Write instead: use two f32 values for the real and imaginary parts
"""

from __future__ import annotations

import linecache
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLoc:
    """A position in the user's source: file (or cell name), 1-based line, 0-based column."""

    file: str
    line: int
    col: int = 0
    text: str | None = None

    def source_line(self) -> str | None:
        if self.text is not None:
            return self.text
        line = linecache.getline(self.file, self.line)
        return line.rstrip("\n") if line else None

    def __str__(self) -> str:
        return f"{display_name(self.file)}:{self.line}"


def caller_loc(depth: int = 1) -> SourceLoc | None:
    """Where user code called into Tessera: the frame `depth` levels above the caller of this function.

    Used by errors raised from ordinary Python (an intrinsic called outside a kernel),
    which have no kernel source to point at but still owe the user a file:line and a caret.
    """
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:
        return None
    col = 0
    positions = getattr(frame.f_code, "co_positions", None)  # Python 3.11+: columns of each instruction
    if positions is not None:
        try:
            col = list(positions())[frame.f_lasti // 2][2] or 0
        except (IndexError, TypeError):
            col = 0
    return SourceLoc(frame.f_code.co_filename, frame.f_lineno, col)


def display_name(filename: str) -> str:
    """A notebook cell's file is an IPython temp path; show something a person recognises."""
    if "ipykernel_" in filename or filename.startswith("<ipython-input"):
        return "notebook cell"
    return filename


class TesseraError(Exception):
    """Base class of every error Tessera raises for a user's mistake."""

    kind = "error"

    def __init__(self, message: str, *, kernel: str | None = None,
                 loc: SourceLoc | None = None, hint: str | None = None):
        self.message = message
        self.kernel = kernel
        self.loc = loc
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.kernel:
            where.append(f"kernel '{self.kernel}'")
        if self.loc is not None:
            where.append(str(self.loc))
        head = (", ".join(where) + ": " if where else "") + self.message
        lines = [head]
        if self.loc is not None:
            src = self.loc.source_line()
            if src is not None:
                num = str(self.loc.line)
                lines.append(f"    {num} | {src}")
                lines.append(f"    {' ' * len(num)} | {' ' * self.loc.col}^")
        if self.hint:
            lines.append(f"Write instead: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._render()


class UnsupportedSyntaxError(TesseraError):
    """Python the kernel language does not accept (classes, lambdas, `with`, ...)."""


class KernelTypeError(TesseraError):
    """A value of the wrong dtype or kind: in the kernel body, or an argument at the call."""


class ShapeError(TesseraError):
    """Arguments whose shapes break the kernel's annotations (rank, fixed sizes, shared symbols)."""


class LaunchError(TesseraError):
    """The launch configuration cannot be inferred or is invalid for the hardware."""


class CompileError(TesseraError):
    """The backend compiler rejected generated code; reported against the user's line."""


class BackendError(TesseraError):
    """A backend is missing or cannot run here (no GPU, unknown name)."""


class OutsideKernelError(TesseraError):
    """A kernel intrinsic (ts.program_id, ts.barrier, ...) was called from ordinary Python."""


class DeviceMemoryError(TesseraError):
    """An allocation or transfer on the device failed (out of memory, freed tensor)."""
