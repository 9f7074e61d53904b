"""Run a CUDA C kernel and a Tessera kernel on copies of the same inputs: do the outputs agree, and
how long does each take.

The CUDA C side is anything shaped like `tessera.notebook.cuda_cell.CudaKernel`:
`can_launch`, `arch`, and a call `cuda(*args, grid=, block=, shared_mem=0)` that
writes its outputs back into NumPy arguments as a Tessera kernel does. Every
array argument is compared after both ran (inputs too: a kernel that writes an
input is caught). Tolerances are the autotuner's, by dtype.

Timing uses `tessera.tune.bench.do_bench`: CUDA events and an L2 flush when
both run on the GPU (a ratio is only meaningful there), the wall clock for the
Tessera kernel alone otherwise.

Example::

    >>> import numpy as np
    >>> a, b = np.ones(4, np.float32), np.ones(4, np.float32) + 1e-7
    >>> compare_outputs(["x"], [a], [b])
    (OutputDiff(name='x', shape=(4,), max_abs_err=1.1920928955078125e-07, allclose=True),)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...errors import TesseraError


@dataclass(frozen=True)
class OutputDiff:
    name: str
    shape: tuple
    max_abs_err: float
    allclose: bool


@dataclass(frozen=True)
class Check:
    """Whether the two kernels agreed: status "match", "mismatch", "not compared", "not run" or "failed"."""

    status: str
    message: str
    outputs: tuple = ()


@dataclass(frozen=True)
class Times:
    """Median milliseconds of each kernel (None: not timed), which clock, and why a ratio is missing."""

    cuda_ms: float | None
    tessera_ms: float | None
    clock: str
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Tessera's time over CUDA C's (below 1: Tessera is faster)."""
        if self.cuda_ms and self.tessera_ms is not None:
            return self.tessera_ms / self.cuda_ms
        return None


def _host_copy(x):
    if isinstance(x, np.ndarray):
        return x.copy()
    from ...runtime.tensor import Tensor
    if isinstance(x, Tensor) or hasattr(x, "__cuda_array_interface__"):
        from ...tune.check import to_host
        return to_host(x)
    return x


def _tolerance(dtype) -> tuple:
    from ...lang.dtypes import dtype_of
    from ...tune.check import TOLERANCE
    try:
        return TOLERANCE.get(dtype_of(dtype).name, (0.0, 0.0))
    except TesseraError:
        return (0.0, 0.0)


def compare_outputs(names, cuda_out, tessera_out, rtol=None, atol=None) -> tuple:
    """An OutputDiff per array argument (CUDA C's values against Tessera's)."""
    out = []
    for name, c, t in zip(names, cuda_out, tessera_out):
        if not isinstance(c, np.ndarray):
            continue
        t = np.asarray(t)
        if c.shape != t.shape:
            out.append(OutputDiff(name, tuple(c.shape), math.inf, False))
            continue
        r, a = _tolerance(c.dtype)
        r, a = (rtol if rtol is not None else r), (atol if atol is not None else a)
        c64, t64 = c.astype(np.float64), t.astype(np.float64)
        both = ~(np.isnan(c64) | np.isnan(t64))
        err = float(np.max(np.abs(c64[both] - t64[both]))) if both.any() else 0.0
        if (np.isnan(c64) != np.isnan(t64)).any():
            err = math.inf  # one side left NaN where the other wrote a value
        out.append(OutputDiff(name, tuple(c.shape), err, bool(np.allclose(t64, c64, rtol=r, atol=a, equal_nan=True))))
    return tuple(out)


def tessera_call(kernel, args, *, launch=None, config=None, backend=None):
    """A no-argument callable that launches `kernel` on `args` as side_by_side was asked to."""
    autotuned = hasattr(kernel, "configs") and hasattr(kernel, "kernel")
    if launch is not None:
        if config is not None:
            raise TesseraError("side_by_side takes config= or tessera_launch=, not both",
                               kernel=kernel.name, hint="tessera_launch=dict(grid=..., block=...) with a kernel "
                                                        "that reads no config, or config={...} and inferred launch")
        launcher = kernel[launch["grid"], launch["block"]]
        return lambda: launcher(*args, backend=backend)
    if config is not None:
        plain = kernel.kernel if autotuned else kernel
        return lambda: plain(*args, backend=backend, config=config)
    return lambda: kernel(*args, backend=backend)


def _describe(e: BaseException) -> str:
    text = e.message if isinstance(e, TesseraError) else str(e)
    first = text.strip().splitlines()[0] if text.strip() else ""
    return f"{type(e).__name__}: {first}"


def cannot_run_message(cuda) -> str:
    from ...runtime.memory import gpu_available
    arch = getattr(cuda, "arch", None)
    if not arch:
        return "CUDA C from source text: not compiled, not run"
    if not gpu_available():
        return f"CUDA C compiled for {arch}; no GPU here to run it"
    return f"CUDA C compiled for {arch}; it cannot launch on this GPU"


def _copies(*arg_lists) -> list:
    """Host copies of each argument list; an array passed twice (in either list) is copied once per
    list, so aliasing is kept and the two lists never share memory."""
    out = []
    for args in arg_lists:
        made: dict = {}
        out.append([made.setdefault(id(a), _host_copy(a)) if _is_array(a) else a for a in args])
    return out


def _is_array(x) -> bool:
    return isinstance(x, np.ndarray) or hasattr(x, "__cuda_array_interface__") or type(x).__name__ == "Tensor"


def run_both(cuda, kernel, args, names, *, cuda_args=None, cuda_launch, tessera_launch=None, config=None,
             backend=None, rtol=None, atol=None) -> Check:
    """Launch both kernels on copies of their arguments and compare the arrays they share.

    `cuda_args` (default: `args`) are the CUDA C kernel's; an array is compared when the same array
    object is among both kernels' arguments, under the Tessera parameter's name."""
    if not getattr(cuda, "can_launch", False):
        return Check("not run", cannot_run_message(cuda))
    cuda_args = tuple(args) if cuda_args is None else tuple(cuda_args)
    c_args, t_args = _copies(cuda_args, args)
    launch = dict(cuda_launch)
    try:
        cuda(*c_args, grid=launch.pop("grid"), block=launch.pop("block"), **launch)
    except Exception as e:
        return Check("failed", f"the CUDA C kernel raised {_describe(e)}")
    try:
        tessera_call(kernel, t_args, launch=tessera_launch, config=config, backend=backend)()
    except Exception as e:
        return Check("failed", f"the Tessera kernel raised {_describe(e)}")
    where = {id(a): i for i, a in enumerate(cuda_args) if _is_array(a)}
    shared = [(n, c_args[where[id(a)]], t) for n, a, t in zip(names, args, t_args) if id(a) in where]
    if not shared:
        return Check("not compared", "the two kernels share no array argument to compare: pass the same "
                                     "arrays in args= and cuda_args=")
    diffs = compare_outputs(*zip(*shared), rtol, atol)
    bad = [d for d in diffs if not d.allclose]
    if bad:
        return Check("mismatch", "outputs differ: " + ", ".join(
            f"{d.name} (max abs error {d.max_abs_err:.3g})" for d in bad), diffs)
    worst = max(diffs, key=lambda d: d.max_abs_err, default=None)
    msg = "outputs match" + (f" (max abs error {worst.max_abs_err:.3g}, in {worst.name})" if worst else "")
    return Check("match", msg, diffs)


def time_both(cuda, kernel, args, *, check: Check, cuda_args=None, cuda_launch, tessera_launch=None, config=None,
              backend=None, warmup_ms: float = 10.0, rep_ms: float = 50.0) -> Times:
    """Median times: both on the GPU when both ran there, else the Tessera kernel alone."""
    from ...backends import resolve_backend
    from ...tune.bench import clock_for, do_bench
    name = resolve_backend(backend or getattr(kernel, "backend", None)).name
    both = check.status in ("match", "mismatch", "not compared") and name == "cuda"
    if not both:
        why = ("CUDA C did not run" if check.status in ("not run", "failed")
               else f"Tessera ran on the {name} backend")
        t_args, = _copies(args)
        clock, flush = clock_for(name)
        try:
            t = do_bench(tessera_call(kernel, t_args, launch=tessera_launch, config=config, backend=backend),
                         clock, flush=flush, warmup_ms=warmup_ms, rep_ms=rep_ms)
        except Exception as e:
            return Times(None, None, "", f"not timed: the Tessera kernel raised {_describe(e)}")
        clock_name = "CUDA events" if name == "cuda" else "host wall clock"
        return Times(None, t.median_ms, clock_name, f"the time ratio needs both kernels on a GPU: {why}")
    from ...tune.check import to_device_copy
    # Device copies: host arrays would add a copy in and out to every repetition of both.
    cuda_args = tuple(args) if cuda_args is None else tuple(cuda_args)
    made: dict = {}
    c_args, t_args = ([made.setdefault(id(a), to_device_copy(_host_copy(a))) if _is_array(a) else a for a in lst]
                      for lst in (cuda_args, args))
    clock, flush = clock_for("cuda")
    launch = dict(cuda_launch)
    grid, block = launch.pop("grid"), launch.pop("block")
    try:
        # CudaKernel.launcher converts the arguments once, so the loop times the launch alone.
        run_cuda = (cuda.launcher(*c_args, grid=grid, block=block, **launch) if hasattr(cuda, "launcher")
                    else lambda: cuda(*c_args, grid=grid, block=block, **launch))
        c = do_bench(run_cuda, clock, flush=flush, warmup_ms=warmup_ms, rep_ms=rep_ms)
        t = do_bench(tessera_call(kernel, t_args, launch=tessera_launch, config=config, backend="cuda"),
                     clock, flush=flush, warmup_ms=warmup_ms, rep_ms=rep_ms)
    except Exception as e:
        return Times(None, None, "", f"not timed: {_describe(e)}")
    return Times(c.median_ms, t.median_ms, "CUDA events")
