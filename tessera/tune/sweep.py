"""One autotuning sweep: for one kernel, backend and key, every config to a Result.

Order of work, cheapest first:

1. cache: configs with a record for this context are not looked at again
   (their recorded cost still counts against `budget_s`, so a restarted
   process replays the same sweep and times nothing);
2. static pruning of every config (lowering only: threads, shared memory);
3. the strategy's order, in chunks: compile jobs for a chunk run in worker
   processes (PTX + ptxas for the resource checks; the backend's own build,
   which fills numba's on-disk cache); configs that fail the resource checks
   are pruned;
4. serially, per config: load the compiled code, one checked run (NaN-filled
   outputs, reference comparison, `timeout_s`), then the benchmark. Configs
   whose generated code is identical (a knob the backend ignores) are timed
   once and share the result.
"""

from __future__ import annotations

import hashlib
import math
import os
import time

import numpy as np

from .. import __version__
from ..backends import get_backend
from ..compiler import spec_key
from ..errors import TesseraError
from ..runtime.args import bind_args
from ..runtime.kernel import _dims
from . import check
from .bench import Timing, clock_for, do_bench
from .cache import TuneCache
from .prune import cuda_module, resource_reasons, static_check, theoretical_occupancy
from .resources import DISK_CACHED_BACKENDS, resources_available, run_job
from .results import Progress, Result, TextProgress, best_of, in_notebook
from .space import config_key, config_label
from .strategies import get_strategy
from .targets import gpu_target


def device_name(backend) -> str:
    """What the cache keys timings by: the GPU's name and compute capability, or "cpu"."""
    if backend.name != "cuda":
        return "cpu"
    from numba import cuda
    dev = cuda.get_current_device()
    name = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
    return f"{name} sm_{dev.compute_capability[0]}{dev.compute_capability[1]}"


def _message(e: BaseException) -> str:
    text = e.message if isinstance(e, TesseraError) else str(e)
    return f"{type(e).__name__}: {text.strip().splitlines()[0] if text.strip() else ''}"


class Sweep:
    def __init__(self, tuner, args: tuple, backend, grid=None, block=None, *, force: bool = False):
        k, o = tuner.kernel, tuner.options
        self.kernel, self.opts, self.backend = k, o, backend
        self.grid, self.block = grid, block
        self.user_args = args
        # The cuda backend times device memory: host arrays would add two transfers to every rep.
        self.args = tuple(check.to_device_copy(a) if backend.name == "cuda" and isinstance(a, np.ndarray) else a
                          for a in args)
        self.binding = bind_args(k.ir, self.args, device_ok=backend.device_arrays)
        self.pos = {p.name: i for i, p in enumerate(k.ir.params)}
        self.target = gpu_target(o.target)
        self.smem_opt_in = bool(getattr(get_backend("cuda"), "dynamic_shared_memory", False))
        self.want_resources = resources_available() if o.resources is None else bool(o.resources)
        self.codegen = getattr(backend, "codegen", "numba-cuda")
        self.force = force
        self.key_values = tuner.key_values(args, self.binding)
        src = k.source + k._func_sources()
        self._src = src
        bench_id = "do_bench" if o.bench is None else \
            f"{getattr(o.bench, '__module__', '')}.{getattr(o.bench, '__qualname__', type(o.bench).__name__)}"
        self.context = {
            "tessera": __version__, "kernel": k.name, "source": hashlib.sha256(src.encode()).hexdigest()[:20],
            "device": device_name(backend), "backend": backend.name, "target": self.target.name,
            "key": dict(zip(o.key, self.key_values)),
            "dtypes": {n: t.name for n, t in sorted(self.binding.arg_types.items())},
            "layouts": dict(sorted(self.binding.layouts.items())), "index": self.binding.index.name,
            "launch": repr((grid, block)) if grid is not None or block is not None else None, "bench": bench_id}
        self.cache = TuneCache()
        self.results: dict[str, Result] = {}
        self.cached: dict[str, Result] = {}
        self.static: dict = {}
        self.resources: dict = {}
        self.prepared: set = set()
        self.prepared_sigs: set = set()
        self.compiled_by_sig: dict = {}
        self.visited: set = set()
        self.rep_of: dict = {}
        self.spent_s = 0.0
        self.snap: dict = {}
        self.expected = None
        self.inputs_nan_free = None
        self.pool = None
        self.total = 0
        self.t0 = time.perf_counter()
        p = o.progress
        # None: the text bar outside notebooks, a live autotune view inside them; True: the bar always.
        if p is None and in_notebook():
            p = _notebook_view(tuner)  # the AutotunedKernel: the view pins and reloads from it
        self.progress = (TextProgress(k.name) if p is True or p is None else p if callable(p) else None)

    # ------------------------------------------------------------ driver

    def run(self, candidates: list, ruled_out: list) -> list:
        self.total = len(candidates) + len(ruled_out)
        for c, why in ruled_out:  # never cached: the user's constraints may change
            self.results[config_key(c)] = r = Result(c, "pruned", reason=why)
            self._emit(r, "prune")
        records = {} if self.force else self.cache.load(self.context)
        runnable = []
        for c in candidates:
            ck = config_key(c)
            rec = records.get(ck)
            if rec is not None and not (rec.get("status") == "ok" and self.opts.reference and not rec.get("checked")):
                r = Result.from_record(c, rec)
                if r.status == "pruned":
                    self.results[ck] = r
                    self._emit(r, "prune")
                else:
                    self.cached[ck] = r
                    runnable.append(c)
                continue
            st = self._static(c)
            if st.error is not None:
                self._record(Result(c, "failed", reason=f"lowering: {_message(st.error)}",
                                    threads=st.threads, shared_bytes=st.shared_bytes))
            elif st.reasons:
                self._record(Result(c, "pruned", reason="; ".join(st.reasons), threads=st.threads,
                                    shared_bytes=st.shared_bytes))
            else:
                runnable.append(c)
        self._emit(None, "prune")
        try:
            self._drive(runnable)
        finally:
            if self.pool is not None:
                self.pool.close()
            for pos, values in self.snap.items():
                check.restore(self.args[pos], values)
        for c in runnable:
            ck = config_key(c)
            if ck not in self.results:
                why = "max_configs" if self.opts.max_configs and len(self.visited) >= self.opts.max_configs \
                    else "budget_s"
                self.results[ck] = Result(c, "skipped", reason=f"not timed: {why} reached")
        return list(self.results.values())

    def finish(self):
        """Tell the progress callback the sweep is over (once the kernel has stored its results)."""
        self._emit(None, "done")

    def _drive(self, runnable: list):
        import random
        gen = get_strategy(self.opts.strategy)(list(runnable), random.Random(self.opts.seed))
        try:
            batch = next(gen)
            while True:
                times = {}
                for i, (c, scale) in enumerate(batch):
                    times[config_key(c)] = self._evaluate(c, scale, batch[i:])
                batch = gen.send(times)
        except StopIteration:
            pass

    def _out_of_budget(self, new: bool) -> bool:
        if not any(r.status == "ok" for r in self.results.values()):
            return False  # keep going until one config can run: the kernel must be callable
        if new and self.opts.max_configs and len(self.visited) >= self.opts.max_configs:
            return True
        return bool(self.opts.budget_s) and self.spent_s >= self.opts.budget_s

    def _evaluate(self, c: dict, scale: float, upcoming: list) -> float:
        ck = config_key(c)
        if ck in self.cached and ck not in self.results:
            r = self.cached[ck]
            # Replayed as it happened: its recorded cost counts, a shared result does not count
            # against max_configs, and no time is spent.
            if not self._out_of_budget(ck not in self.visited and not r.same_as):
                self.spent_s += r.cost_s
                if not r.same_as:
                    self.visited.add(ck)
                self.results[ck] = r
                self._emit(r, "time")
        r = self.results.get(ck)
        if r is not None and (r.status != "ok" or r.scale >= scale):
            return r.median_ms if r.status == "ok" else math.inf
        new = ck not in self.visited
        if self._out_of_budget(new):
            return r.median_ms if r is not None else math.inf
        self._prepare(c, upcoming)
        r = self.results.get(ck)
        if r is not None and r.status == "pruned":
            return math.inf
        st = self._static(c)
        rep = self.rep_of.setdefault(st.signature, ck)
        rr = self.results.get(rep)
        # With real timing equal code means equal time; an injected bench may model the config
        # itself (e.g. num_stages), so there each config is timed (the compiled code is still shared).
        if rep != ck and rr is not None and (rr.status != "ok" or rr.scale >= scale) and \
                (self.opts.bench is None or rr.status != "ok"):
            # Same generated code as a config already timed: same result, no time spent, and
            # not counted against max_configs.
            same = f"same code as {config_label(rr.config)}"
            # Its own launch: threads (num_warps) and shared memory (num_stages) are this config's.
            own = {"threads": st.threads, "shared_bytes": st.shared_bytes}
            if self.codegen != "numba-cuda":
                # Equal host code, but the target GPU's code may differ (num_warps): its ptxas
                # numbers were never taken, so none are shown.
                own.update(registers=None, spill_bytes=None, occupancy=None)
            shared = Result(**{**rr.__dict__, **own, "config": dict(c), "cached": False, "cost_s": 0.0,
                               "reason": f"{rr.reason} ({same})" if rr.reason else same,
                               "same_as": config_label(rr.config)})
            self._record(shared)
            return shared.median_ms if shared.status == "ok" else math.inf
        self.visited.add(ck)
        r = self._measure(c, scale, r)
        self.spent_s += r.cost_s - (self.results[ck].cost_s if ck in self.results else 0.0)
        self._record(r)
        return r.median_ms if r.status == "ok" else math.inf

    def _record(self, r: Result):
        ck = config_key(r.config)
        self.results[ck] = r
        if r.status in ("ok", "failed", "incorrect", "pruned"):
            self.cache.store(self.context, r.config, r.to_record())
        self._emit(r, "time" if r.status != "pruned" else "prune")

    def _emit(self, r, phase):
        # `done` counts every config with a result; skipped ones get theirs only at the end.
        if self.progress is not None:
            done = len(self.results) if phase != "done" else self.total
            self.progress(Progress(done, self.total, r, best_of(self.results.values()),
                                   time.perf_counter() - self.t0, phase))

    # ------------------------------------------------------------ static checks and compile jobs

    def _launch_dims(self, c: dict):
        """The launch's grid and block for config `c` (explicit ones may be callables of the config)."""
        def resolve(x, what):
            if callable(x):
                names = [p.name for p in self.kernel.ir.params]
                x = x({**dict(zip(names, self.args)), **self.binding.symbols, **c})
            return _dims(x, what, self.kernel.name) if x is not None else None
        g = resolve(self.grid, "grid")
        b = resolve(self.block, "block") or self.kernel._block()
        return g, b, (g if g is not None else self.kernel.grid) is not None

    def _static(self, c: dict):
        ck = config_key(c)
        st = self.static.get(ck)
        if st is None:
            _, blk, explicit = self._launch_dims(c)
            st = static_check(self.kernel, self.binding, c, self.target, block=blk, explicit_grid=explicit,
                              smem_opt_in=self.smem_opt_in, codegen=self.codegen)
            # Configs whose generated code and launch block are equal (a knob the backend ignores,
            # such as num_warps without virtual threads) run the same machine code.
            low = st.lowered
            ident = ck if low is None else \
                f"{low.module.source}\0{low.plan.block}\0{getattr(low.plan, 'physical_block', None)}"
            st.signature = hashlib.sha256(ident.encode()).hexdigest()
            self.static[ck] = st
        return st

    def _job(self, c: dict, use_pool: bool) -> dict | None:
        st = self._static(c)
        consts = {**self.binding.consts, **c}
        _, blk, explicit = self._launch_dims(c)
        job = {"name": self.kernel.name, "arg_types": self.binding.numba_types(self.kernel.ir)}
        _, parts = self.kernel._spec_keys(self.backend, self.binding, blk, consts, explicit)
        if use_pool and self.backend.name in DISK_CACHED_BACKENDS:
            job.update(backend=self.backend.name, module=st.lowered.module,
                       key=spec_key(self._src, self.backend.target(), parts))
        cm = cuda_module(self.kernel, self.binding, c, st, block=blk, explicit_grid=explicit,
                         codegen=self.codegen) if self.want_resources else None
        if cm is not None:
            job.update(target=self.target.name, cuda_module=cm, cuda_key=spec_key(self._src, self.target.name, parts))
        return job if ("backend" in job or "target" in job) else None

    def _workers(self) -> int:
        # One core stays with this process; a worker's first numba compile costs seconds, so
        # two cores gain nothing.
        w = self.opts.workers
        return min(8, (os.cpu_count() or 1) - 1) if w is None else w

    def _prepare(self, c: dict, upcoming: list):
        """Compile `c` and the next configs of the batch ahead of timing, in parallel where it pays."""
        if config_key(c) in self.prepared:
            return
        workers = self._workers()
        chunk, sigs = [], set()
        for u, _ in upcoming:
            uk = config_key(u)
            if uk in self.prepared or uk in self.results and self.results[uk].status != "ok":
                continue
            sig = self._static(u).signature
            self.prepared.add(uk)
            if sig in self.prepared_sigs or sig in sigs:
                continue  # same code as a config compiled already: it shares that config's result
            chunk.append(u)
            sigs.add(sig)
            # Without a pool, compiling ahead gains nothing and spends the budget on configs
            # that may never be timed: one at a time.
            if len(chunk) >= (2 * workers if workers >= 2 else 1):
                break
        self.prepared_sigs |= sigs
        use_pool = workers >= 2 and len(chunk) >= 2
        jobs = [(u, self._job(u, use_pool)) for u in chunk]
        jobs = [(u, j) for u, j in jobs if j is not None]
        if not jobs:
            return
        self._emit(None, "compile")
        t0 = time.perf_counter()
        if use_pool and len(jobs) >= 2:
            if self.pool is None:
                from .workers import WorkerPool
                self.pool = WorkerPool(workers)
            outs = self.pool.map([j for _, j in jobs])
        else:
            outs = [run_job({k: v for k, v in j.items() if k != "backend"}) for _, j in jobs]
        share = (time.perf_counter() - t0) / len(jobs)  # the chunk's wall time, spread over its configs
        for (u, _), out in zip(jobs, outs):
            st = self._static(u)
            res = {"registers": out.get("registers"), "spill_bytes": out.get("spill_bytes")}
            self.resources[config_key(u)] = (res, share)
            reasons = resource_reasons(self.target, threads=st.threads, registers=res["registers"],
                                       spill_bytes=res["spill_bytes"])
            if out.get("ptxas_error"):
                reasons.append(f"ptxas: {out['ptxas_error']}")
            if reasons:
                self._record(Result(u, "pruned", reason="; ".join(reasons), threads=st.threads,
                                    shared_bytes=st.shared_bytes, cost_s=share, **res))

    # ------------------------------------------------------------ measuring one config

    def _measure(self, c: dict, scale: float, prev: Result | None) -> Result:
        t_start = time.perf_counter()
        st = self._static(c)
        res, share = self.resources.get(config_key(c), ({}, 0.0))
        regs = res.get("registers")
        r = Result(c, "ok", threads=st.threads, shared_bytes=st.shared_bytes, registers=regs,
                   spill_bytes=res.get("spill_bytes"), scale=scale,
                   occupancy=theoretical_occupancy(self.target, st.threads, regs, st.shared_bytes) if regs else None)
        g, blk, explicit = self._launch_dims(c)
        consts = {**self.binding.consts, **c}
        timeout = self.opts.timeout_s

        def finish(status, reason=""):
            r.status, r.reason = status, reason
            r.cost_s = time.perf_counter() - t_start + share + (prev.cost_s if prev is not None else 0.0)
            return r

        try:
            t = time.perf_counter()
            mem_key, _ = self.kernel._spec_keys(self.backend, self.binding, blk, consts, explicit)
            same = self.compiled_by_sig.get(st.signature)
            if same is not None and mem_key not in self.kernel._compiled:
                # Identical generated code and launch: reuse the machine code compiled for that config.
                self.kernel._compiled[mem_key] = same
            self.compiled_by_sig[st.signature] = self.kernel._get_compiled(
                self.backend, self.binding, blk, consts, explicit_grid=explicit)
            r.compile_s = time.perf_counter() - t
        except Exception as e:
            return finish("failed", f"compile: {_message(e)}")

        def launch():
            self.kernel._launch(self.args, g, blk if self.block is not None else None, self.backend.name, None, c)

        run_ms = prev.median_ms if prev is not None else None
        if prev is None:
            try:
                self._reset_outputs(st)
                t = time.perf_counter()
                launch()
                self.backend.synchronize()
                run_s = time.perf_counter() - t
            except Exception as e:
                return finish("failed", f"run: {_message(e)}")
            if timeout is not None and run_s > timeout:
                return finish("failed", f"timeout: one run took {run_s:.3g} s > timeout_s={timeout:g}")
            wrong = self._check(st)
            r.checked = self.opts.reference is not None
            if wrong:
                return finish("incorrect", wrong)
            run_ms = run_s * 1e3
        else:
            r.checked = prev.checked
        zeros = [self.args[self.pos[n]] for n in self.opts.reset_to_zero if n in st.lowered.written]
        fillers = [check.zero_filler(z) for z in zeros]

        def fn():
            for f in fillers:
                f()  # an accumulating kernel starts from zero in every rep, as in the real call
            launch()

        try:
            left_ms = None if timeout is None else max(1.0, (timeout - (time.perf_counter() - t_start)) * 1e3)
            timing = self._bench(fn, c, scale, run_ms, left_ms)
        except Exception as e:
            return finish("failed", f"benchmark: {_message(e)}")
        r.median_ms, r.min_ms, r.max_ms = timing.median_ms, timing.min_ms, timing.max_ms
        r.p20_ms, r.p80_ms, r.reps = timing.p20_ms, timing.p80_ms, timing.reps
        return finish("ok")

    def _bench(self, fn, c, scale, run_ms, left_ms) -> Timing:
        warmup_ms, rep_ms = self.opts.warmup_ms * scale, self.opts.rep_ms * scale
        if self.opts.bench is not None:
            out = self.opts.bench(fn, config=dict(c), warmup_ms=warmup_ms, rep_ms=rep_ms)
            if isinstance(out, Timing):
                return out
            if isinstance(out, (int, float)):
                return Timing((float(out),), 0)
            return Timing(tuple(float(x) for x in out), 0)
        clock, flush = clock_for(self.backend.name)
        # A slow kernel's first run already estimated its time: fewer estimate calls for it.
        est = 5 if not run_ms else max(1, min(5, int(rep_ms / max(run_ms, 1e-6))))
        return do_bench(fn, clock, flush=flush, warmup_ms=warmup_ms, rep_ms=rep_ms, min_reps=3,
                        estimate_reps=est, max_ms=left_ms)

    # ------------------------------------------------------------ correctness

    def _reset_outputs(self, st):
        typed = st.lowered.typed
        read = check.read_tensors(typed)
        for name in st.lowered.written:
            pos = self.pos[name]
            if pos not in self.snap:
                self.snap[pos] = check.to_host(self.args[pos])
        if self.expected is None:
            self._expect(st, read)
        for name in st.lowered.written:
            pos = self.pos[name]
            a = self.args[pos]
            if name in self.opts.reset_to_zero:
                check.fill(a, "zero")
            elif name not in read and self.snap[pos].dtype.kind == "f":
                check.fill(a, "nan")  # a config that leaves part of an output unwritten shows as NaN
            else:
                check.restore(a, self.snap[pos])  # in-place kernels see the original input every time

    def _expect(self, st, read):
        written = [(n, self.pos[n]) for n in st.lowered.written]
        if self.opts.reference is None:
            self.expected = {}
            floats = [i for i, p in enumerate(self.kernel.ir.params)
                      if p.kind == "tensor" and (p.name in read) and p.dtype.name.startswith(("f", "bf"))]
            self.inputs_nan_free = not any(np.isnan(check.to_host(self.args[i])).any() for i in floats)
            return
        host = []
        for i, p in enumerate(self.kernel.ir.params):
            a = self.args[i]
            if p.kind != "tensor":
                host.append(a)
            elif p.name in self.opts.reset_to_zero:
                host.append(np.zeros_like(self.snap.get(i, check.to_host(a))))
            else:
                host.append(self.snap[i].copy() if i in self.snap else check.to_host(a))
        self.expected = check.expected_outputs(self.opts.reference, host, written)

    def _check(self, st) -> str | None:
        problems = []
        for name in st.lowered.written:
            got = check.to_host(self.args[self.pos[name]])
            if self.opts.reference is not None:
                if name not in self.expected:
                    continue
                tol = check.TOLERANCE.get(self.binding.arg_types[name].name, (0.0, 0.0))
                rtol = self.opts.rtol if self.opts.rtol is not None else tol[0]
                atol = self.opts.atol if self.opts.atol is not None else tol[1]
                p = check.compare(name, got, self.expected[name], rtol, atol)
            elif self.inputs_nan_free and got.dtype.kind == "f" and name not in check.read_tensors(st.lowered.typed):
                p = check.unwritten(name, got)
            else:
                p = None
            if p:
                problems.append(p)
        return "; ".join(problems) or None


def _notebook_view(kernel):
    """A live autotune view, displayed in the cell that runs the sweep (tessera/notebook/views)."""
    try:
        from IPython.display import display

        from ..notebook.views.autotune_view import AutotuneView
    except ImportError:  # the widgets are an optional view of the sweep, never a reason to fail it
        return None
    view = AutotuneView(name=kernel.name, kernel=kernel)
    display(view)
    return view
