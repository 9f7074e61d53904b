"""Streams and events: `ts.Stream`, `ts.Event`, `ts.synchronize`.

On a GPU these wrap numba-cuda's streams and events. Without one, kernels
and copies run synchronously on the host, so a stream is a no-op and an event
records the host clock (``time.perf_counter``): the same notebook code runs
and reports host timings.

``with ts.Stream() as s:`` makes `s` the current stream (`current_stream()`),
used by launches and `Event.record` that name no stream.

Example::

    >>> import tessera as ts
    >>> s = ts.Stream()
    >>> start, end = ts.Event(), ts.Event()
    >>> with s:
    ...     _ = start.record()
    ...     x = ts.ones(1000)
    ...     _ = end.record()
    >>> s.synchronize(); ts.synchronize()
    >>> start.elapsed_time(end) >= 0.0
    True
"""

from __future__ import annotations

import contextvars
import time

from ..errors import TesseraError
from .memory import gpu_available

__all__ = ["Stream", "Event", "synchronize", "current_stream"]

_current: contextvars.ContextVar = contextvars.ContextVar("tessera_stream", default=None)


class Stream:
    """A CUDA stream: work queued on one stream runs in order, different streams may overlap.

    ``s._stream`` is the numba stream to launch on (None where there is no GPU).
    """

    def __init__(self):
        if gpu_available():
            from numba import cuda
            self._stream = cuda.stream()
        else:
            self._stream = None
        self._tokens: list = []

    def synchronize(self) -> None:
        """Wait until the work queued on this stream has finished."""
        if self._stream is not None:
            self._stream.synchronize()

    @property
    def handle(self) -> int:
        """The CUstream as an int (0 where there is no GPU)."""
        return int(self._stream.handle) if self._stream is not None else 0

    def __cuda_stream__(self):
        # The CUDA stream protocol: lets cuda.core, CuPy and others use this stream.
        return (0, self.handle)

    def __enter__(self) -> Stream:
        self._tokens.append(_current.set(self))
        return self

    def __exit__(self, *exc):
        _current.reset(self._tokens.pop())
        return False

    def __repr__(self) -> str:
        return f"<ts.Stream {self.handle:#x}>" if self._stream is not None else "<ts.Stream (host, no GPU)>"


def current_stream() -> Stream | None:
    """The stream of the innermost ``with ts.Stream()`` block, or None (the default stream)."""
    return _current.get()


def _numba_stream(stream):
    if stream is None:
        stream = current_stream()
    if stream is None:
        return 0
    return stream._stream if isinstance(stream, Stream) else stream


def cu_stream(stream) -> int:
    """The CUstream handle of a ts.Stream, a numba stream or None (the current ts.Stream, else the
    default stream, 0), for driver calls made through ctypes."""
    s = _numba_stream(stream)
    if not s:
        return 0
    h = s.handle  # a ctypes c_void_p or a cuda.bindings CUstream, by numba-cuda version
    import ctypes
    return int(h.value or 0) if isinstance(h, ctypes.c_void_p) else int(h)


class Event:
    """A marker in a stream, for timing and waiting: ``end.record(); end.synchronize()``.

    >>> import tessera as ts
    >>> e = ts.Event().record(); e.synchronize(); e.query()
    True
    """

    def __init__(self, enable_timing: bool = True):
        self.enable_timing = enable_timing
        self._event = None
        if gpu_available():
            from numba import cuda
            self._event = cuda.event(timing=enable_timing)
        self._host_time: float | None = None
        self._recorded = False

    def record(self, stream=None) -> Event:
        """Mark the current point of `stream` (a ts.Stream; default: the current stream)."""
        if self._event is not None:
            self._event.record(_numba_stream(stream))
        else:
            self._host_time = time.perf_counter()
        self._recorded = True
        return self

    def synchronize(self) -> None:
        """Wait until the work before the last `record` has finished."""
        if self._event is not None and self._recorded:
            self._event.synchronize()

    def query(self) -> bool:
        """True if the work before the last `record` has finished."""
        return self._event.query() if self._event is not None and self._recorded else True

    def elapsed_time(self, end: Event) -> float:
        """Milliseconds from this event to `end` (waits for `end` first).

        >>> import tessera as ts
        >>> a = ts.Event().record(); b = ts.Event().record()
        >>> a.elapsed_time(b) >= 0.0
        True
        """
        if not (self._recorded and end._recorded):
            raise TesseraError("elapsed_time needs both events recorded",
                               hint="start.record(); ...work...; end.record(); start.elapsed_time(end)")
        if not (self.enable_timing and end.enable_timing):
            raise TesseraError("elapsed_time needs events created with enable_timing=True",
                               hint="ts.Event() (timing is on by default)")
        if self._event is None:
            return (end._host_time - self._host_time) * 1e3
        from numba import cuda
        end.synchronize()
        return float(cuda.event_elapsed_time(self._event, end._event))

    def __repr__(self) -> str:
        return f"<ts.Event {'recorded' if self._recorded else 'not recorded'}>"


def synchronize() -> None:
    """Wait until all work queued on the current GPU has finished (a no-op without a GPU)."""
    if gpu_available():
        from numba import cuda
        cuda.synchronize()
