"""`@ts.kernel.autotune(...)`: a kernel that picks its fastest correct config per key.

The decorator returns an `AutotunedKernel`. Its first call for new key values
(shape symbols such as M, N, K, or parameter values) runs a sweep
(sweep.py): prune, compile in parallel, check and time serially, record
each config in the on-disk cache. Later calls with the same key go straight
to the chosen config, and a new process finds it in the cache with no
timing at all.

Example::

    >>> import numpy as np, tessera as ts
    >>> @ts.kernel.autotune(space={"BLOCK": [32, 64, 128]}, key=["N"], progress=False,
    ...                     constraints=lambda c: c["BLOCK"] <= 64,
    ...                     bench=lambda fn, config, **kw: 1.0 / config["BLOCK"])   # a fake clock
    ... def double(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    ...     B = ts.autotune.get_param("BLOCK")
    ...     i = ts.program_id(0) * B + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         y[i] = 2.0 * x[i]
    >>> x = np.arange(100, dtype=np.float32); y = np.zeros_like(x)
    >>> double(x, y, backend="sim"); bool((y == 2 * x).all())
    True
    >>> double.best_config
    {'BLOCK': 64}
    >>> df = double.autotune_results
    >>> df[["BLOCK", "status"]].values.tolist()
    [[64, 'ok'], [32, 'ok'], [128, 'pruned']]
    >>> df.reason.iloc[2]
    'constraints: ruled out by constraints()'
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field, replace

from ..backends import resolve_backend
from ..errors import TesseraError
from ..runtime.args import bind_args
from ..runtime.fastpath import fingerprint
from ..runtime.kernel import Kernel, _dims
from .cache import TuneCache
from .results import best_of, pinned_source, to_frame
from .space import apply_constraints, expand


@dataclass(frozen=True)
class TuneOptions:
    """How an AutotunedKernel tunes (everything the decorator takes besides the configs)."""

    key: tuple = ()
    constraints: object = None      # config -> bool
    reference: object = None        # (*host copies of the arguments) -> expected outputs
    rtol: float | None = None       # None: by dtype (check.TOLERANCE)
    atol: float | None = None
    reset_to_zero: tuple = ()       # arguments zeroed before every run (accumulating kernels)
    strategy: object = "exhaustive"  # "exhaustive", "random", "halving", or a generator function
    budget_s: float | None = None   # sweep time after which no new config is timed
    max_configs: int | None = None  # most configs run per sweep (pruned ones do not count)
    timeout_s: float | None = None  # a config whose run takes longer fails
    warmup_ms: float = 25.0
    rep_ms: float = 100.0
    bench: object = None            # (fn, *, config, warmup_ms, rep_ms) -> Timing | ms | [ms, ...]
    progress: object = None         # None: a text bar outside notebooks; True: always; False: none; a callable
    target: str | None = None       # GPU model to prune for; None: the local GPU, else sm_90
    workers: int | None = None      # compile worker processes; None: min(8, cores); 0 or 1: none
    resources: bool | None = None   # PTX + ptxas resource checks; None: where ptxas is available
    seed: int = 0                   # the random and halving strategies' order
    names: tuple = field(default=(), compare=False)  # the space's names, for the table's columns


class AutotunedKernel:
    """A `ts.kernel` with a search space: call it like the kernel; it tunes on the first call per key."""

    __tessera_kernel__ = True

    def __init__(self, kernel: Kernel, configs: list, options: TuneOptions, loc=None):
        self.kernel = kernel
        self.loc = loc             # the decorator's line, for errors about the space
        self.configs = [dict(c) for c in configs]
        self.options = options
        self._memo: dict = {}      # (backend, fingerprint, key values, launch) -> config
        self._sweeps: dict = {}    # key values -> results of the latest sweep for them
        self._last = None          # (key values, results, wall seconds) of the latest sweep
        self._extract = None
        functools.update_wrapper(self, kernel.fn)

    def with_options(self, **options) -> "AutotunedKernel":
        """The same kernel and configs with some options changed (a new object; this one is unchanged).

        >>> import tessera as ts
        >>> @ts.kernel.autotune(space={"B": [32, 64]}, key=["N"])
        ... def k(x: ts.Tensor["N", ts.f32]):
        ...     B = ts.autotune.get_param("B")
        ...     i = ts.program_id(0) * B + ts.thread_id(0)
        ...     if i < x.shape[0]:
        ...         x[i] = 0.0
        >>> k.with_options(max_configs=1, strategy="random").options.max_configs
        1
        """
        from ..errors import caller_loc
        from . import validate
        loc = caller_loc()
        try:
            unknown = set(options) - set(TuneOptions.__dataclass_fields__)
            if unknown:
                raise TesseraError(f"unknown autotune option(s): {', '.join(sorted(unknown))}",
                                   kernel=self.kernel.name, loc=loc,
                                   hint="options: " + ", ".join(TuneOptions.__dataclass_fields__))
            if "reset_to_zero" in options:
                rtz = options["reset_to_zero"]
                options["reset_to_zero"] = (rtz,) if isinstance(rtz, str) else tuple(rtz)
                validate.check_reset_to_zero(self.kernel, options["reset_to_zero"], loc)
            if "key" in options:
                validate.check_key(self.kernel, options["key"], loc)
                options["key"] = tuple(options["key"])
            opts = replace(self.options, **options)
            validate.check_options(self.kernel, opts, loc)
        except TesseraError as e:
            raise e.with_traceback(None) from None
        return AutotunedKernel(self.kernel, self.configs, opts, self.loc)

    def __getattr__(self, name):
        # name, ir, source, fn, specializations, ...: the kernel's
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.__dict__["kernel"], name)

    # ------------------------------------------------------------ keys

    def key_values(self, args, binding=None) -> tuple:
        """The values of the `key` names for these arguments (shape symbols or parameter values)."""
        if self._extract is None:
            from .validate import check_key, key_source
            check_key(self.kernel, self.options.key, self.kernel.ir.loc)  # checked when decorated, too
            self._extract = [key_source(self.kernel.ir, name) for name in self.options.key]
        return tuple(int(args[i].shape[a]) if a is not None else args[i] for i, a in self._extract)

    # ------------------------------------------------------------ calling

    def __call__(self, *args, backend=None, stream=None):
        """Launch with the best config for these arguments' key (tuning first if it is new)."""
        return self._run(args, None, None, backend, stream)

    def __getitem__(self, launch):
        """`kernel[grid, block](*args)`: explicit launch; grid and block may be callables of a dict
        of the arguments, shape symbols and the config (`lambda m: (m["N"] // m["BLOCK"],)`)."""
        if not isinstance(launch, tuple) or len(launch) != 2:
            raise TesseraError("write kernel[grid, block](...) with both a grid and a block",
                               kernel=self.kernel.name, hint=f"{self.kernel.name}[grid, block](...)")
        grid, block = launch

        def launcher(*args, backend=None, stream=None):
            return self._run(args, grid, block, backend, stream)
        return launcher

    def _backend(self, backend):
        return resolve_backend(backend or self.kernel.backend)

    def _run(self, args, grid, block, backend, stream):
        try:
            b = self._backend(backend)
            if len(args) != len(self.kernel.ir.params):
                bind_args(self.kernel.ir, args)  # the kernel's own arity error
            memo_key = (b.name, fingerprint(args), self.key_values(args), id(grid), id(block))
            config = self._memo.get(memo_key)
            if config is None:
                config = self._tune(args, b, grid, block)
                self._memo[memo_key] = config
            g, blk = self._dims_for(args, grid, block, config)
        except TesseraError as e:
            raise e.with_traceback(None) from None
        return self.kernel._launch(args, g, blk, b.name, stream, config)

    def _dims_for(self, args, grid, block, config):
        if grid is None and block is None:
            return None, None
        names = [p.name for p in self.kernel.ir.params]
        meta = None

        def resolve(x, what):
            nonlocal meta
            if callable(x):
                if meta is None:
                    meta = {**dict(zip(names, args)), **bind_args(self.kernel.ir, args).symbols, **config}
                x = x(meta)
            return _dims(x, what, self.kernel.name) if x is not None else None
        return resolve(grid, "grid"), resolve(block, "block")

    def tune(self, *args, backend=None, force: bool = False) -> dict:
        """Run the sweep for these arguments now (without the final launch); returns the best config.

        `force`: ignore the cache and time every config again (the new records replace the old)."""
        try:
            b = self._backend(backend)
            config = self._tune(args, b, None, None, force=force)
        except TesseraError as e:
            raise e.with_traceback(None) from None
        self._memo[(b.name, fingerprint(args), self.key_values(args), id(None), id(None))] = config
        return dict(config)

    def _tune(self, args, backend, grid, block, force=False) -> dict:
        import time
        kept, ruled_out = apply_constraints(self.configs, self.options.constraints)
        if len(kept) == 1 and not ruled_out and len(self.configs) == 1:
            return kept[0]  # a pinned kernel: nothing to choose, nothing to time
        from ..profile import hooks
        from .sweep import Sweep
        t0 = time.perf_counter()
        # Under ts.profile() the sweep is one host range (kind "autotune"); its benchmark launches,
        # compiles and copies are not recorded one by one.
        with hooks.host_range(f"autotune {self.kernel.name}", kind="autotune",
                              configs=len(self.configs)) as details:
            with hooks.paused():
                sweep = Sweep(self, args, backend, grid, block, force=force)
                results = sweep.run(kept, ruled_out)
            details.update(key=", ".join(f"{k}={v}" for k, v in zip(self.options.key, sweep.key_values)),
                           **{s: sum(r.status == s for r in results) for s in ("ok", "pruned", "failed",
                                                                               "incorrect", "skipped")},
                           cached=sum(r.cached for r in results))
        self._sweeps[sweep.key_values] = results
        self._last = (sweep.key_values, results, time.perf_counter() - t0)
        sweep.finish()
        best = best_of(results)
        if best is None:
            counts: dict = {}
            for r in results:
                k = f"{r.status} ({r.reason.split(':', 1)[0]})" if r.reason else r.status
                counts[k] = counts.get(k, 0) + 1
            summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))
            key = ", ".join(f"{k}={v}" for k, v in zip(self.options.key, sweep.key_values))
            raise TesseraError(f"no config of {self.kernel.name} can run for {key or 'these arguments'}: "
                               f"{summary}", kernel=self.kernel.name, loc=self.loc,
                               hint=f"see {self.kernel.name}.autotune_results for each config's reason; "
                                    f"add smaller tiles to the space, or relax constraints=")
        return dict(best.config)

    # ------------------------------------------------------------ results

    @property
    def autotune_results(self):
        """The latest sweep as a pandas DataFrame (None before any): one row per config, fastest first."""
        if self._last is None:
            return None
        return to_frame(self._last[1], list(self.options.names) or None)

    @property
    def results(self) -> list:
        """The latest sweep's `Result`s (the DataFrame's rows, without pandas); [] before any."""
        return list(self._last[1]) if self._last is not None else []

    @property
    def best_config(self) -> dict | None:
        """The config the latest sweep chose."""
        if self._last is None:
            return None
        best = best_of(self._last[1])
        return dict(best.config) if best is not None else None

    @property
    def last_sweep(self) -> dict | None:
        """Key values, wall time, and how many configs ended in each status, for the latest sweep."""
        if self._last is None:
            return None
        key, results, wall = self._last
        counts = {s: sum(r.status == s for r in results) for s in ("ok", "pruned", "failed", "incorrect", "skipped")}
        return {"key": dict(zip(self.options.key, key)), "wall_s": wall, "configs": len(results),
                "cached": sum(r.cached for r in results), **counts}

    def pinned_decorator(self, config: dict | None = None) -> str:
        """Source text of this kernel pinned to its best config (or `config`): a one-config autotune
        decorator, which never sweeps or times, followed by the kernel's `def`."""
        config = config or self.best_config
        if config is None:
            raise TesseraError(f"{self.kernel.name} has not been tuned yet", kernel=self.kernel.name,
                               hint=f"call it once (or {self.kernel.name}.tune(*args)) before pinning")
        extra = "".join(f"\n    {n}={getattr(self.kernel, n)!r}," for n in ("block", "backend")
                        if getattr(self.kernel, n) is not None)
        return pinned_source(self.kernel.fn, self.kernel.name, config, list(self.options.key), extra)

    def clear_cache(self) -> int:
        """Forget this kernel's tuning: in memory, and every on-disk record of its name. Returns files removed."""
        self._memo.clear()
        cache = TuneCache()
        n = 0
        base = cache.root / "v1"
        if base.is_dir():
            import re
            stem = re.sub(r"[^A-Za-z0-9_.-]", "_", self.kernel.name)[:60]
            for d in base.glob(f"{stem}-*"):
                for p in d.iterdir():
                    p.unlink()
                    n += 1
                d.rmdir()
        return n

    # ------------------------------------------------------------ passthrough with a config

    def _config_for(self, args, config):
        if config is not None:
            return dict(config)
        if len(self.configs) == 1:
            return dict(self.configs[0])
        for (_, _, key, _, _), cfg in self._memo.items():
            if key == self.key_values(args):
                return dict(cfg)
        raise TesseraError(f"{self.kernel.name} has no tuned config for these arguments yet",
                           kernel=self.kernel.name,
                           hint=f"pass one: {self.kernel.name}.lower(*args, config={self.configs[0]!r}), "
                                f"or call the kernel (or .tune(*args)) first")

    def lower(self, *args, config: dict | None = None, block=None):
        """`Kernel.lower` for a config (default: the tuned one for these arguments)."""
        return self.kernel.lower(*args, block=block, consts=self._config_for(args, config))

    def inspect(self, *args, config: dict | None = None, target=None):
        """`Kernel.inspect` for a config (default: the tuned one for these arguments)."""
        if not hasattr(self.kernel, "inspect"):
            raise TesseraError("inspection is not available in this Tessera", hint="use .lower(*args, config=...)")
        return self.kernel.inspect(*args, target=target, config=self._config_for(args, config))

    def __repr__(self) -> str:
        return f"<ts.kernel.autotune {self.kernel.name}: {len(self.configs)} configs, key={list(self.options.key)}>"


def autotune(space: dict | None = None, *, configs: list | None = None, key=(), grid=None, block=None,
             backend=None, _loc=None, **options):
    """The decorator `ts.kernel.autotune` returns; see the module docstring and TuneOptions.

    Takes `space={name: [values]}` (the product is searched) or `configs=[{...}, ...]`,
    `key=[...]` (shape symbols or parameter names), the TuneOptions fields as keywords, and
    `grid=`, `block=`, `backend=` for the underlying `ts.kernel`. Everything is checked when the
    decorator is applied (validate.py), so a mistake is reported with the kernel's name and the
    line to change before anything runs."""

    def wrap(fn):
        k = fn if isinstance(fn, Kernel) else Kernel(fn, grid=grid, block=block, backend=backend)
        try:
            return _build(k, space, configs, key, dict(options), _loc)
        except TesseraError as e:
            if e.kernel is None:
                e.kernel = k.name
            if e.loc is None:
                e.loc = _loc
            e.args = (e._render(),)
            raise e.with_traceback(None) from None
    return wrap


def _build(k: Kernel, space, configs, key, options: dict, loc) -> AutotunedKernel:
    from . import validate
    unknown = set(options) - set(TuneOptions.__dataclass_fields__) - {"names"}
    if unknown:
        close = {u: difflib.get_close_matches(u, list(TuneOptions.__dataclass_fields__), n=1) for u in unknown}
        guess = "; ".join(f"{c[0]}= for {u}=" for u, c in sorted(close.items()) if c)
        raise TesseraError(f"ts.kernel.autotune got unknown option(s): {', '.join(sorted(unknown))}", loc=loc,
                           hint=(guess + "; " if guess else "") + "options: " +
                           ", ".join(f for f in TuneOptions.__dataclass_fields__ if f != "names"))
    cands = expand(space, configs, loc=loc)
    validate.check_key(k, key, loc)
    rtz = options.pop("reset_to_zero", ())
    rtz = (rtz,) if isinstance(rtz, str) else tuple(rtz)
    validate.check_reset_to_zero(k, rtz, loc)
    opts = TuneOptions(key=tuple(key), reset_to_zero=rtz,
                       names=tuple(space) if space is not None else tuple(dict.fromkeys(k for c in cands for k in c)),
                       **options)
    validate.check_options(k, opts, loc)
    validate.check_get_params(k, cands)
    return AutotunedKernel(k, cands, opts, loc)
