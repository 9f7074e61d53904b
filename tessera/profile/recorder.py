"""`ts.profile()`: record kernel launches, copies, allocations and compiles inside a block.

    with ts.profile() as prof:
        ...
    prof.table()                      # pandas summary per kernel
    prof.timeline()                   # plotly figure: one lane per stream, plus the host
    prof.roofline()                   # achieved points against the device's roofs
    prof.export_chrome_trace("t.json")   # for Perfetto / chrome://tracing

Also a decorator: ``@ts.profile`` (or ``@prof`` for a profile you hold)
profiles every call of the function into the same profile, reachable as
``fn.profile``. Kernel times come from CUDA events on the GPU and from the
host's wall clock on the backends without one; each event says which
(``clock``). An exception inside the block ends the profile with what was
recorded until then. Profiles nest: an inner one sees its part, the outer one
everything.

Example::

    >>> import numpy as np, tessera as ts
    >>> @ts.kernel
    ... def twice(x: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = x[i] * 2.0
    >>> x = np.ones(64, np.float32)
    >>> with ts.profile() as prof:
    ...     twice(x, backend="sim")
    ...     twice(x, backend="sim")
    >>> [(e.kind, e.name) for e in prof.events]
    [('compile', 'compile twice'), ('kernel', 'twice'), ('kernel', 'twice')]
    >>> prof.table()[["kernel", "count", "clock"]].to_dict("records")
    [{'kernel': 'twice', 'count': 2, 'clock': 'host wall clock'}]
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

from . import hooks


@dataclass(frozen=True)
class Event:
    """One thing that happened: a kernel, a copy, an allocation, a compile or a host range.

    Times are milliseconds from the start of the profile."""

    kind: str            # "kernel", "copy", "alloc", "compile", "autotune" (a sweep) or "range"
    name: str
    start_ms: float
    end_ms: float
    lane: str            # "host", "default stream", "stream 2", ...
    clock: str           # "cupti", "cuda events" or "host wall clock"
    details: dict = field(default_factory=dict)

    @property
    def duration_ms(self) -> float:
        return self.end_ms - self.start_ms


class _ArgInfo:
    """What a `flops=`/`bytes=` callable sees of a tensor argument: shape, dtype, size, nbytes, ndim."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), dtype
        self.ndim = len(self.shape)
        self.size = math.prod(self.shape)
        self.nbytes = self.size * dtype.itemsize

    def __repr__(self):
        return f"<arg {self.dtype.name}{list(self.shape)}>"


def _declared(value, argd):
    if value is None:
        return None
    v = value(argd) if callable(value) else value
    return None if v is None else float(v)


def _kernel_details(info) -> dict:
    sid, grid, meta, config, host_args = info
    kernel, c, backend, _ = hooks.spec(sid)
    argd, nbytes = {}, 0
    consts = {}
    for p, m in zip(kernel.ir.params, meta):
        if p.kind == "tensor":
            arg = _ArgInfo(m, p.dtype)
            argd[p.name] = arg
            nbytes += arg.nbytes
            for d, n in zip(p.dims, arg.shape):
                if isinstance(d, str):
                    argd.setdefault(d, n)
        else:
            argd[p.name] = m
            if p.kind == "constexpr":
                consts[p.name] = m
    consts.update(dict(config or ()))
    declared_bytes = _declared(getattr(kernel, "bytes", None), argd)
    return {"kernel": kernel.name, "config": ", ".join(f"{k}={v}" for k, v in consts.items()),
            "key": c.key, "grid": grid, "block": tuple(c.block), "backend": backend,
            "bytes": declared_bytes if declared_bytes is not None else float(nbytes),
            "bytes_declared": declared_bytes is not None,
            "flops": _declared(getattr(kernel, "flops", None), argd),
            # NumPy (host) arguments on the GPU are copied in and out inside the launch, and timed with it
            **({"includes_copies": True} if host_args else {})}


class Profile:
    """What `ts.profile()` returns: a context manager (and decorator) that records, then summaries."""

    def __init__(self, *, nvtx: bool | None = None):
        self._records: list = []
        self._depth = 0
        self._t0 = None
        self._t1 = None
        self._nvtx_wanted = nvtx
        self.nvtx = False
        self._events = None

    # ------------------------------------------------------------ recording

    def __enter__(self) -> Profile:
        if self._depth == 0:
            if self._t0 is None:
                self._t0 = hooks.now()
            self.nvtx = self._want_nvtx()
            from ..runtime.memory import gpu_available
            if gpu_available():
                if not hooks._stack:
                    hooks.use_tracer()   # CUPTI, where cupti-python is installed
                if hooks._tracer is None:
                    hooks.gpu_timer()  # the event pool and the epoch, made before anything is timed
            hooks.push(self)
        self._depth += 1
        return self

    def __exit__(self, *exc):
        self._depth -= 1
        if self._depth == 0:
            hooks.pop(self)
            self._t1 = hooks.now()
            self._resolve()
            hooks.drop_tracer()
        return False

    def __call__(self, fn):
        """Use as a decorator: every call of `fn` records into this profile (`fn.profile`)."""
        @functools.wraps(fn)
        def profiled(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        profiled.profile = self
        return profiled

    def _want_nvtx(self) -> bool:
        if self._nvtx_wanted is False:
            return False
        try:
            import nvtx
        except ImportError:
            return False
        from ..runtime.memory import gpu_available
        if self._nvtx_wanted or gpu_available():
            hooks._nvtx = nvtx
            return True
        return False

    def range(self, name: str):
        """``with prof.range("step 1"):`` marks a host range (an NVTX range too, when enabled)."""
        return hooks.host_range(name)

    def _resolve(self):
        """Read the GPU times of the launches recorded so far (CUPTI's records or CUDA events); each
        record then carries them (None where CUPTI has no record of it: its host times stand)."""
        timer = None
        tracer, tracer_read = hooks._tracer, False
        for i, r in enumerate(self._records):
            ev = r[hooks.EV]
            if ev is None or len(ev) != 2 or isinstance(ev[0], float):
                continue
            if ev[0] == "cupti":
                key = (ev[1], r[hooks.T0])
                times = tracer.times.get(key) if tracer is not None else None
                if times is None and tracer is not None and not tracer_read:
                    tracer.resolve()
                    tracer_read = True
                    times = tracer.times.get(key)
                self._records[i] = r[:hooks.EV] + ((times + ("cupti",)) if times is not None else None,)
                continue
            key = (ev, r[hooks.T0])  # events are reused; with the launch's host time the key is unique
            times = hooks.gpu_times.pop(key, None)
            if times is None:
                if timer is None:
                    timer = hooks.gpu_timer()
                try:
                    times = timer.host_times(*ev)
                except Exception:  # a failed launch leaves its events unrecorded: no time to show
                    times = (math.nan, math.nan)
                timer.release(ev[0])
                timer.release(ev[1])
            if hooks.active:  # an enclosing profile may hold the same record, and the events are gone
                hooks.gpu_times[key] = times
            self._records[i] = r[:hooks.EV] + (times,)
        if not hooks.active:
            hooks.gpu_times.clear()
        self._events = None

    # ------------------------------------------------------------ results

    @property
    def events(self) -> list:
        """Every recorded event (a list of `Event`), in order of start time."""
        if self._depth:
            self._resolve()
        if self._events is None:
            t0 = self._t0 or 0.0
            out = []
            for kind, name, a, b, lane, info, ev in self._records:
                clock = "host wall clock"
                if ev is not None:
                    (a, b), clock = ev[:2], (ev[2] if len(ev) > 2 else "cuda events")
                details = _kernel_details(info) if kind == "kernel" else dict(info)
                out.append(Event(kind, name, (a - t0) * 1e3, (b - t0) * 1e3, lane, clock, details))
            out.sort(key=lambda e: (e.start_ms, e.kind != "compile"))
            self._events = out
        return self._events

    @property
    def kernels(self) -> list:
        """The kernel launches."""
        return [e for e in self.events if e.kind == "kernel"]

    @property
    def duration_ms(self) -> float:
        """Wall-clock length of the profiled block(s) so far."""
        end = self._t1 if self._depth == 0 and self._t1 is not None else hooks.now()
        return 0.0 if self._t0 is None else (end - self._t0) * 1e3

    def table(self, by: str = "kernel", kind: str = "kernel"):
        """A pandas DataFrame per kernel (`by="config"`: per kernel and config); see `tessera.profile.summary`."""
        from .summary import table
        return table(self.events, by=by, kind=kind)

    def timeline(self, title: str | None = None):
        """A plotly Figure: one lane per stream plus the host, hover details on each bar."""
        from .plots import timeline
        return timeline(self.events, title=title)

    def roofline(self, device: str | None = None, peaks: dict | None = None):
        """A plotly Figure: achieved GFLOP/s against arithmetic intensity, under the device's roofs."""
        from .plots import roofline
        return roofline(self.table(by="config"), device=device, peaks=peaks)

    def export_chrome_trace(self, path) -> str:
        """Write a Chrome trace (JSON) that Perfetto and chrome://tracing open; returns the path."""
        from .chrome import export_chrome_trace
        return export_chrome_trace(self.events, path)

    def __repr__(self) -> str:
        counts = {}
        for r in self._records:
            counts[r[0]] = counts.get(r[0], 0) + 1
        plural = {"copy": "copies", "alloc": "allocations", "kernel": "launches", "compile": "compiles"}
        parts = ", ".join(f"{n} {plural.get(k, k + 's') if n != 1 else k}" for k, n in counts.items()) \
            or "nothing recorded"
        state = " (recording)" if self._depth else ""
        return f"<ts.profile: {parts} over {self.duration_ms:.3f} ms{state}>"


def profile(fn=None, *, nvtx: bool | None = None):
    """Start a profile: ``with ts.profile() as prof:``, or decorate a function with ``@ts.profile``.

    `nvtx`: also emit NVTX ranges so Nsight shows the same names (default: when the
    `nvtx` package is installed and there is a GPU).

    >>> import tessera as ts
    >>> @ts.profile
    ... def step():
    ...     return ts.zeros(8, device="cpu")
    >>> _ = step(); _ = step()
    >>> [e.kind for e in step.profile.events]
    ['alloc', 'alloc']
    """
    p = Profile(nvtx=nvtx)
    return p(fn) if fn is not None else p
