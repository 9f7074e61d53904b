"""`@ts.kernel`: the object a user holds, and the launch path.

A call checks the arguments, finds or compiles the specialization for their
dtypes, layouts and constants (in memory, then numba's on-disk cache), infers
the launch, and runs it on the chosen backend.

Example::

    >>> import numpy as np, tessera as ts
    >>> @ts.kernel
    ... def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    ...     idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if idx < a.shape[0]:
    ...         c[idx] = a[idx] + b[idx]
    >>> a = np.arange(4, dtype=np.float32); c = np.zeros_like(a)
    >>> vector_add(a, a, c, backend="sim"); c
    array([0., 2., 4., 6.], dtype=float32)
"""

from __future__ import annotations

import functools
import inspect
import time
from dataclasses import dataclass

from ..backends import resolve_backend
from ..compiler import Lowered, lower, spec_key
from ..errors import LaunchError, TesseraError
from ..frontend.parse import parse_kernel
from .args import bind_args
from .fastpath import FastEntry, fingerprint
from .func import DeviceFunction
from .memory import host_arrays_allowed
from ..profile import hooks as _profile


@dataclass
class Compiled:
    lowered: Lowered
    handle: object
    grid_fn: object
    written_pos: tuple
    block: tuple
    backend: str
    key: str
    compile_s: float


def _dims(x, what: str, kernel: str) -> tuple:
    if isinstance(x, int):
        x = (x,)
    if not isinstance(x, tuple) or not 1 <= len(x) <= 3 or not all(isinstance(v, int) and v > 0 for v in x):
        raise LaunchError(f"{what} must be a positive int or a tuple of 1 to 3 positive ints, got {x!r}",
                          kernel=kernel, hint=f"{kernel}[(blocks_x, blocks_y), (threads_x, threads_y)](...)")
    return x + (1,) * (3 - len(x))


class Kernel:
    __tessera_kernel__ = True

    def __init__(self, fn, *, grid=None, block=None, backend=None, flops=None, bytes=None, fastmath=False):
        if not isinstance(fastmath, bool):
            raise KernelOptionError(f"fastmath must be True or False, not {fastmath!r}",
                                    kernel=getattr(fn, "__name__", None), hint="@ts.kernel(fastmath=True)")
        self.fn = fn
        self.fastmath = fastmath  # numba's fastmath for this kernel: part of every specialization's key
        self.flops, self.bytes = flops, bytes  # for the profiler: numbers or callables of the argument dict
        self.name = fn.__name__
        self.grid = grid
        self.block = block
        self.backend = backend
        self._ir = None
        self._source = None
        self._compiled: dict = {}
        self._fast: dict = {}
        self._hot = None   # the last cached specialization's check-and-launch function, where the backend has one
        functools.update_wrapper(self, fn)

    # ---------------------------------------------------------------- front end

    @property
    def ir(self):
        """The parsed Tessera IR (untyped; see `lower` for a specialization)."""
        if self._ir is None:
            self._ir = parse_kernel(self.fn)
        return self._ir

    @property
    def source(self) -> str:
        if self._source is None:
            self._source = inspect.getsource(self.fn)
        return self._source

    def resolve_func(self, name: str) -> DeviceFunction:
        seen, todo = set(), [self.ir]
        while todo:
            k = todo.pop()
            for fname, f in k.funcs:
                if fname == name:
                    return f
                if fname not in seen:
                    seen.add(fname)
                    todo.append(f.ir)
        raise TesseraError(f"unknown device function '{name}'", kernel=self.name, hint="decorate it with @ts.func")

    def _func_sources(self) -> str:
        out, seen, todo = [], set(), [self.ir]
        while todo:
            for fname, f in todo.pop().funcs:
                if fname not in seen:
                    seen.add(fname)
                    out.append(inspect.getsource(f.fn))
                    todo.append(f.ir)
        return "".join(sorted(out))

    # ---------------------------------------------------------------- specialization

    def lower(self, *args, block=None, consts=None, vectorize=False) -> Lowered:
        """Lower for these arguments without compiling or running: IR, launch plan, generated source.

        One element per thread as written; `vectorize=True` gives the form the cuda backend runs
        (128-bit loads and stores where the kernel is elementwise, passes/vectorize.py)."""
        try:
            b = bind_args(self.ir, args)
            return lower(self.ir, b.arg_types, {**b.consts, **(consts or {})}, b.index,
                         block=block or self._block(), resolve_func=self.resolve_func, vectorize=vectorize,
                         fastmath=self.fastmath)
        except TesseraError as e:
            raise e.with_traceback(None) from None

    def inspect(self, *args, target=None, config=None, block=None):
        """Every stage down to SASS, resources and occupancy for these arguments (or type strings
        such as "f32[1024]"); no GPU needed. See `tessera.inspect`."""
        from ..inspect import inspect_kernel
        block = _dims(block, "block", self.name) if block is not None else self._block()
        return inspect_kernel(self, args, target=target, config=config, block=block)

    def _block(self):
        return _dims(self.block, "block", self.name) if self.block is not None else None

    def _spec_keys(self, backend, binding, block, consts, explicit_grid=False) -> tuple:
        """(in-memory key, key parts) of a specialization; the autotuner's compile workers use the same."""
        # explicit_grid is in the key: a specialization compiled for a given grid may
        # have no launch_grid, and must not serve a call that relies on inference.
        key_parts = (sorted((k, v.name) for k, v in binding.arg_types.items()),
                     sorted(binding.layouts.items()), sorted(consts.items()),
                     binding.index.name, block) + (("grid given",) if explicit_grid else ()) \
            + (("fastmath",) if self.fastmath else ())
        return (backend.name, repr(key_parts)), key_parts

    def _get_compiled(self, backend, binding, block, consts, explicit_grid=False) -> Compiled:
        mem_key, key_parts = self._spec_keys(backend, binding, block, consts, explicit_grid)
        c = self._compiled.get(mem_key)
        if c is not None:
            return c
        t0 = time.perf_counter()
        # The backend's own form (128-bit loads, unsigned indices) where it has one; lower() keeps
        # one element per thread where the caller gives the grid.
        lowered = lower(self.ir, binding.arg_types, consts, binding.index, block=block,
                        resolve_func=self.resolve_func, explicit_grid=explicit_grid,
                        target=getattr(backend, "codegen", "numba-cuda"),
                        vectorize=getattr(backend, "vector_io", False),
                        fastmath=self.fastmath)
        key = spec_key(self.source + self._func_sources(), backend.target(), key_parts)
        handle = backend.build(lowered.module, binding.numba_types(self.ir), self.name, key)
        ns = {}
        exec(compile(lowered.module.source, "<grid>", "exec"), ns)  # only launch_grid is used
        names = [p.name for p in self.ir.params if p.kind != "constexpr"]
        written = tuple(i for i, n in enumerate(names) if n in lowered.written)
        c = Compiled(lowered, handle, ns["launch_grid"], written, lowered.plan.launch_block, backend.name, key,
                     time.perf_counter() - t0)
        self._compiled[mem_key] = c
        if _profile.active:
            _profile.compiled(self, c, t0)
        return c

    # ---------------------------------------------------------------- launch

    def _launch(self, args, grid, block, backend, stream, config=None):
        fp = fingerprint(args) if grid is None and block is None and self.grid is None else None
        if fp is not None and config:
            fp = (fp, tuple(sorted(config.items())))
        if fp is not None:
            b = resolve_backend(backend or self.backend) if backend or self.backend else self._default_backend()
            entry = self._fast.get((b.name, host_arrays_allowed(), fp))
            if entry is not None:
                values = entry.bind(args)
                if values is not None:
                    if entry.hot is not None and not config and not backend:
                        self._hot = entry.hot
                    c = entry.compiled
                    g = c.grid_fn(*values)
                    if 0 in g:
                        return
                    if _profile.active:
                        _profile.launch(self, c, g, args, config, b, stream, entry.direct, values)
                    elif entry.direct is not None:
                        entry.direct(g, c.block, values, stream)
                    else:
                        b.launch(c.handle, g, c.block, values, c.written_pos, stream)
                    for i in c.written_pos:
                        mark = getattr(values[i], "_mark_written", None)
                        if mark is not None:
                            mark()
                    return
        try:
            b = resolve_backend(backend or self.backend)
            binding = bind_args(self.ir, args, device_ok=b.device_arrays)
            block = block or self._block()
            g = grid if grid is not None else self.grid
            consts = {**binding.consts, **config} if config else binding.consts
            c = self._get_compiled(b, binding, block, consts, explicit_grid=g is not None)
            if callable(g):
                names = [p.name for p in self.ir.params]
                g = g({**dict(zip(names, args)), **binding.symbols})
            g = _dims(g, "grid", self.name) if g is not None else _dims(
                tuple(int(x) for x in c.grid_fn(*binding.values)), "grid", self.name)
            if any(x == 0 for x in g):
                return  # empty input: nothing to launch
            if _profile.active:
                _profile.launch(self, c, g, args, config, b, stream, None, binding.values)
            else:
                b.launch(c.handle, g, c.block, binding.values, c.written_pos, stream)
            for i in c.written_pos:
                mark = getattr(binding.values[i], "_mark_written", None)
                if mark is not None:
                    mark()
            if fp is not None:
                hot = None if config or backend else b.hot_launcher(
                    c.handle, c.lowered, fp, binding.consts, c.block, c.written_pos, check_context=not self.backend,
                    profiled=self._profiled_launcher(c, b), cupti_record=_profile.cupti_recorder(self, c, b.name))
                self._fast[(b.name, host_arrays_allowed(), fp)] = FastEntry(
                    self.ir, c, binding.consts, b.direct_launcher(c.handle, binding.values), hot)
                if hot is not None:
                    self._hot = hot
        except TesseraError as e:
            # The user's frame is the useful one; the compiler's frames are noise.
            raise e.with_traceback(None) from None

    def _profiled_launcher(self, c: Compiled, b):
        def profiled(grid, args, stream, launch, values):
            _profile.launch(self, c, grid, args, None, b, stream, launch, values)
        return profiled

    def _default_backend(self):
        # The backend a call that names none gets; resolve_backend reads the context and
        # the environment, which can change between calls, so only the lookup is cached.
        return resolve_backend(None)

    def __call__(self, *args, backend=None, stream=None, config=None):
        """Launch. `config` gives compile-time values read with ts.autotune.get_param, e.g. {"TILE_M": 64}."""
        hot = self._hot
        if hot is not None and backend is None and config is None and hot(args, stream):
            return None
        return self._launch(args, None, None, backend, stream, config)

    def __getitem__(self, launch):
        """`kernel[grid, block](*args)`: an explicit launch configuration."""
        if not isinstance(launch, tuple) or len(launch) != 2:
            raise LaunchError("write kernel[grid, block](...) with both a grid and a block",
                              kernel=self.name, hint=f"{self.name}[(n + 255) // 256, 256](...)")
        grid, block = _dims(launch[0], "grid", self.name), _dims(launch[1], "block", self.name)

        def launcher(*args, backend=None, stream=None):
            return self._launch(args, grid, block, backend, stream)
        return launcher

    @property
    def specializations(self) -> list:
        """What has been compiled so far: (backend, key, compile seconds)."""
        return [(c.backend, c.key, round(c.compile_s, 3)) for c in self._compiled.values()]

    def __repr__(self) -> str:
        return f"<ts.kernel {self.name}>"


class KernelOptionError(TesseraError, TypeError):
    """An option `@ts.kernel(...)` does not know, or a value it cannot take."""


#: what `@ts.kernel(...)` accepts
KERNEL_OPTIONS = ("grid", "block", "backend", "flops", "bytes", "fastmath")


def _check_options(options: dict, fn=None):
    unknown = sorted(set(options) - set(KERNEL_OPTIONS))
    if unknown:
        import difflib
        close = [c for u in unknown for c in difflib.get_close_matches(u, KERNEL_OPTIONS, n=1)]
        raise KernelOptionError(
            f"@ts.kernel got unknown option{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"valid options: {', '.join(KERNEL_OPTIONS)}",
            kernel=getattr(fn, "__name__", None),
            hint=(f"{close[0]}=... " if close else "") + "e.g. @ts.kernel(fastmath=True)")


class _KernelDecorator:
    """`@ts.kernel` or `@ts.kernel(grid=..., block=..., backend=..., flops=..., bytes=..., fastmath=...)`.

    `fastmath=True` compiles the kernel with numba's fast-math flags (LLVM's `fast`: reassociation,
    contraction into FMA, approximate division, square root and transcendentals such as
    `ts.exp`), trading the last bits of accuracy for speed. It is part of the compile-cache key::

        >>> import numpy as np, tessera as ts
        >>> @ts.kernel(fastmath=True)
        ... def scale(x: ts.Tensor["N", ts.f32], s: ts.f32):
        ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        ...     if i < x.shape[0]:
        ...         x[i] = ts.exp(x[i]) * s
        >>> scale.fastmath
        True
        >>> x = np.zeros(4, np.float32); scale(x, 2.0, backend="sim"); x
        array([2., 2., 2., 2.], dtype=float32)
    """

    def __call__(self, fn=None, **options):
        _check_options(options, fn if callable(fn) else None)
        if fn is None:
            return lambda f: Kernel(f, **options)
        if not callable(fn):
            raise TesseraError("@ts.kernel decorates a function",
                               hint="@ts.kernel\ndef my_kernel(x: ts.Tensor[\"N\", ts.f32]): ...")
        return Kernel(fn, **options)

    def autotune(self, space=None, *, key=(), fastmath=False, **options):
        """`@ts.kernel.autotune(space={...}, key=[...], ...)`: see tessera.tune.autotune.

        `fastmath=True` as in `@ts.kernel(fastmath=True)`, for every config."""
        from ..errors import caller_loc
        from ..tune import autotune
        deco = autotune(space, key=key, _loc=caller_loc(), **options)
        if not fastmath:
            return deco

        def wrap(fn):
            if isinstance(fn, Kernel):
                fn = Kernel(fn.fn, grid=fn.grid, block=fn.block, backend=fn.backend, flops=fn.flops,
                            bytes=fn.bytes, fastmath=True)
            else:
                fn = Kernel(fn, grid=options.get("grid"), block=options.get("block"),
                            backend=options.get("backend"), fastmath=fastmath)
            return deco(fn)
        return wrap

    def __repr__(self) -> str:
        return "ts.kernel"


kernel = _KernelDecorator()
