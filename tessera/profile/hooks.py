"""The profiler's hooks in the runtime: one flag read per launch, and no other work while no profile records.

`Kernel._launch` reads `hooks.active` once per launch (on the cached and the
slow path) and, only when it is true, hands the launch to `launch()`, which
runs it between two timestamps (CUDA events on the GPU, the host clock
elsewhere) and gives the record to every profile on the stack (profiles
nest). Copies, allocations and compiles report through `traced_copy`,
`traced_to_host`, `traced_alloc` and `compiled`; anything else can mark a host
range with `host_range(name)`.

Records keep shapes and scalar values, never the arrays themselves, so a long
profile does not keep device memory alive.

Example::

    >>> from tessera.profile import hooks
    >>> hooks.active
    False
    >>> with hooks.host_range("outside any profile"):   # a no-op without a profile
    ...     pass
"""

from __future__ import annotations

import contextlib
import functools
import time

active = False          # True while at least one profile records; read on every launch
_stack: list = []       # the recording profiles, outermost first
_nvtx = None            # the nvtx module while a profile with NVTX ranges records
_lanes: dict = {}       # id(stream object) -> lane label
_gpu_timer = None       # see gpu_timer()
_tracer = None          # the CUPTI tracer while a profile records on a GPU with cupti-python (cupti_timer.py)
now = time.perf_counter


# A record is a plain tuple (kind, name, t0, t1, lane, info, ev), t0/t1 in host perf_counter
# seconds. A kernel's tuple holds only numbers, strings and an interned tuple of them (the kernel
# and its specialization are an index into _specs), so the garbage collector stops tracking it at
# its first pass: thousands of records then cost no collection time (tracked records would make
# full collections of numba's large heap run every few thousand launches).
KIND, NAME, T0, T1, LANE, INFO, EV = range(7)
_specs: list = []       # (kernel, compiled, backend name) of every profiled specialization
_spec_ids: dict = {}    # id(compiled) -> (index in _specs, which params are tensors, all are, GPU entry name)
_interned: dict = {}    # kernel records' info tuples, shared while any profile records
gpu_times: dict = {}    # ((ev0, ev1), t0) of a record one profile has read -> (start, end), for the ones around it


def spec(i: int) -> tuple:
    return _specs[i]


def push(profile) -> None:
    global active
    _stack.append(profile)
    active = True


def pop(profile) -> None:
    global active, _nvtx
    if profile in _stack:
        _stack.remove(profile)
    active = bool(_stack)
    if not active:
        _interned.clear()
    if not any(p.nvtx for p in _stack):
        _nvtx = None


def _emit(rec: tuple) -> None:
    for p in _stack:
        p._records.append(rec)


def gpu_timer():
    """The CUDA-event timer (`gpu_timer.GpuTimer`), made on first use: by a profile's start where
    there is a GPU, so that making its event pool is not timed."""
    global _gpu_timer
    if _gpu_timer is None:
        from .gpu_timer import timer_for
        _gpu_timer = timer_for()
    return _gpu_timer


def _current_stream():
    # Bound on first use: runtime.stream imports the package that imports this module.
    global _current_stream
    from ..runtime.stream import current_stream
    _current_stream = current_stream
    return current_stream()


def lane_of(stream) -> str:
    """The timeline lane of a launch on `stream` (None: the current ts.Stream, else the default stream)."""
    if stream is None:
        stream = _current_stream()
    if stream is None or stream == 0:
        return "default stream"
    key = id(stream)
    label = _lanes.get(key)
    if label is None:
        label = _lanes[key] = f"stream {len(_lanes) + 1}"
    return label


def _spec(kernel, compiled, backend_name: str) -> tuple:
    spec = _spec_ids.get(id(compiled))
    if spec is None:
        flags = tuple(p.kind == "tensor" for p in kernel.ir.params)
        spec = _spec_ids[id(compiled)] = (len(_specs), flags, all(flags),
                                          getattr(compiled.handle, "entry_name", None))
        _specs.append((kernel, compiled, backend_name, flags))
    return spec


def _record(kernel, spec, t0, t1, args, config, grid, stream, host_args, ev) -> None:
    sid, flags, all_tensors, _ = spec
    meta = tuple([a.shape for a in args]) if all_tensors else tuple(
        [a.shape if t else a for t, a in zip(flags, args)])
    cfg = tuple(sorted(config.items())) if config else None
    info = (sid, grid if grid.__class__ is tuple else tuple(grid), meta, cfg, host_args)
    info = _interned.setdefault(info, info)  # launches repeat shapes: one shared (untracked) tuple
    rec = ("kernel", kernel.name, t0, t1, "default stream" if stream is None else lane_of(stream), info, ev)
    for p in _stack:
        p._records.append(rec)


def launch(kernel, compiled, grid, args, config, backend, stream, direct, values) -> None:
    """Run one launch (the direct launcher if given, else `backend.launch`) and record it."""
    # Every launch in a profile comes through here: it is written for the fewest Python steps.
    if stream is None:
        stream = _current_stream()
    spec = _spec(kernel, compiled, backend.name)
    gpu = backend.name == "cuda"
    tracer = _tracer if gpu and spec[3] is not None else None
    timer = ev0 = None
    if gpu and tracer is None:
        timer = _gpu_timer or gpu_timer()
        sh = stream_handle(stream) if stream is not None else 0
        ev0 = timer.record_on(sh)
    if _nvtx is not None:
        _nvtx.push_range(kernel.name, domain="tessera")
    t0 = now()
    try:
        if direct is not None:
            direct(grid, compiled.block, values, stream)
        else:
            backend.launch(compiled.handle, grid, compiled.block, values, compiled.written_pos, stream)
    except BaseException:
        if timer is not None:
            timer.release(ev0)
        raise
    finally:
        if _nvtx is not None:
            _nvtx.pop_range(domain="tessera")
    if tracer is not None:
        ev = ("cupti", spec[3])   # CUPTI times it; matched by entry name and t0 when read
        t1 = now()
        tracer.pending.append((spec[3], t0))
    else:
        ev = (ev0, timer.record_on(sh)) if gpu else None
        t1 = now()
    host_args = gpu and direct is None and any(type(v).__name__ == "ndarray" or getattr(v, "_kind", 0)
                                               for v in values)
    _record(kernel, spec, t0, t1, args, config, grid, stream, host_args, ev)


def cupti_recorder(kernel, compiled, backend_name: str):
    """For the cuda backend's generated launcher: `record(t0, t1, args, stream, grid)` files a launch
    that CUPTI timed (the launcher checks `_tracer` and `_nvtx` and launches itself)."""
    def record(t0, t1, args, stream, grid):
        spec = _spec(kernel, compiled, backend_name)
        _tracer.pending.append((spec[3], t0))
        _record(kernel, spec, t0, t1, args, None, grid, stream, False, ("cupti", spec[3]))
    return record


def use_tracer() -> None:
    """At a profile's start on a GPU: time kernels with CUPTI where cupti-python is installed
    (TESSERA_PROFILER=events keeps CUDA events)."""
    global _tracer
    import os
    if os.environ.get("TESSERA_PROFILER", "").lower() == "events":
        return
    from .cupti_timer import tracer_or_none
    _tracer = tracer_or_none()
    if _tracer is not None:
        try:
            _tracer.enable()
        except Exception:  # a CUPTI the driver does not support: CUDA events serve
            _tracer = None


def drop_tracer() -> None:
    """When no profile records any more (its records are read): CUPTI stops collecting."""
    global _tracer
    if _tracer is not None and not _stack:
        _tracer.reset()
        _tracer = None


def stream_handle(stream) -> int:
    # Bound on first use, like _current_stream.
    global stream_handle
    from .gpu_timer import stream_handle
    return stream_handle(stream)


def compiled(kernel, c, t0) -> None:
    """A specialization was compiled between `t0` and now."""
    _emit(("compile", f"compile {kernel.name}", t0, now(), "host",
           {"kernel": kernel.name, "backend": c.backend, "key": c.key}, None))


@contextlib.contextmanager
def host_range(name: str, kind: str = "range", **info):
    """Mark a host range in every recording profile: a pipeline step, or an autotune sweep
    (``with host_range(f"autotune {kernel.name}", kind="autotune", configs=n) as details:``).

    Yields the range's details (a dict): what is added to it inside the block is recorded too."""
    if not active:
        yield info
        return
    if _nvtx is not None:
        _nvtx.push_range(name, domain="tessera")
    t0 = now()
    try:
        yield info
    finally:
        if _nvtx is not None:
            _nvtx.pop_range(domain="tessera")
        _emit((kind, name, t0, now(), "host", info, None))


@contextlib.contextmanager
def paused():
    """Record nothing inside the block, the profiles on the stack kept: an autotune sweep's
    benchmark launches (thousands of them) would otherwise swamp the user's own launches."""
    global active
    was = active
    active = False
    tracer = _tracer
    if tracer is not None:
        tracer.disable()   # CUPTI must not see launches the profile does not record
    try:
        yield
    finally:
        active = was and bool(_stack)
        if tracer is not None and _tracer is tracer:
            tracer.enable()


def _where(x) -> str:
    """"device", "simulated" or "host" for a copy's source or destination."""
    kind = getattr(x, "_kind", None)
    if kind is not None:
        return ("device", "simulated", "host")[kind]
    return "device" if hasattr(x, "__cuda_array_interface__") else "host"


def _direction(src: str, dst: str) -> str:
    return f"{'D' if src != 'host' else 'H'}2{'D' if dst != 'host' else 'H'}"


def traced_copy(fn):
    """Decorates `copy_into(dst, x)`: records a copy with its direction and bytes."""
    @functools.wraps(fn)
    def copy_into(dst, x):
        if not active:
            return fn(dst, x)
        t0 = now()
        out = fn(dst, x)
        src, to = _where(x), _where(dst)
        sim = "simulated" in (src, to)
        _emit(("copy", _direction(src, to) + (" (simulated)" if sim else ""), t0, now(), "default stream",
               {"bytes": int(dst.nbytes), "device": dst.device, "simulated": sim}, None))
        return out
    return copy_into


def traced_to_host(fn):
    """Decorates `Tensor.numpy()`: records the device-to-host copy when one happened (not a cache hit)."""
    @functools.wraps(fn)
    def numpy(self):
        if not active or self._kind == 2:
            return fn(self)
        before = self._cache
        t0 = now()
        out = fn(self)
        if out is not before:
            sim = self._kind == 1
            _emit(("copy", "D2H (simulated)" if sim else "D2H", t0, now(), "default stream",
                   {"bytes": int(out.nbytes), "device": self.device, "simulated": sim}, None))
        return out
    return numpy


def traced_alloc(fn):
    """Decorates `alloc_device(shape, dtype, name)` / `alloc_host(...)`: records the bytes allocated."""
    @functools.wraps(fn)
    def alloc(shape, np_dtype, name, *rest, **kw):
        if not active:
            return fn(shape, np_dtype, name, *rest, **kw)
        t0 = now()
        arr = fn(shape, np_dtype, name, *rest, **kw)
        nbytes = int(arr.size) * int(arr.dtype.itemsize)
        _emit(("alloc", f"alloc {name}", t0, now(), "host", {"bytes": nbytes, "device": name}, None))
        return arr
    return alloc
