"""The performance suite: each case's Tessera kernel against its alternatives, in one process and run.

    python -m benchmarks.run [--case softmax,matmul] [--quick] [--budget-s S] [--out results/NAME.json]
                             [--cpu] [--sizes gpu|cpu|tiny] [--arrays torch|cupy|numba]

With a GPU: every implementation (Tessera, CUDA C through NVRTC, torch/cuBLAS, Triton where
installed) runs on the same device arrays, is checked against NumPy once, then timed as
Triton's ``do_bench`` does (warm-up, repetitions to a time budget, L2 flushed between them,
CUDA events; median and quantiles). Without a GPU (or with ``--cpu``) the suite runs Tessera's
``cpu`` backend against NumPy and numba at smaller sizes, timed with the host clock.

Writes ``--out`` (JSON: device, versions, per case and implementation the median, p20, p80,
min and max in ms, GB/s or TFLOP/s, and Tessera's throughput over each alternative's, above 1
meaning Tessera is faster), after every case so a cut-off run keeps what it measured; then
the Markdown table beside it (``.md``, also on stdout) and the plots (``.html``, PNGs where
kaleido is installed). Progress goes to stderr. A failing implementation or case is recorded
as an error and the run goes on; the exit status is 1 if anything failed or computed a wrong
result, else 0. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.metadata as md
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

# Torch's arrays carry no stream in __cuda_array_interface__, cupy's do; with
# sync on, numba would block the host on every launch with cupy arrays and the
# gap would be timed. Everything here runs on the legacy default stream, so the
# sync buys nothing.
os.environ.setdefault("NUMBA_CUDA_ARRAY_INTERFACE_SYNC", "0")
# The guide's matmul lives in tests/guide_autotune.py: the repo root must be importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from . import report as rep  # noqa: E402
from . import timing  # noqa: E402
from .case import Case, Impl  # noqa: E402
from .devarrays import KINDS, default_kind  # noqa: E402
from .env import SIZE_SETS, cpu_env, gpu_env  # noqa: E402

RESULTS = Path(__file__).parent / "results"
DEFAULT_OUT = RESULTS / "latest.json"  # git-ignored (results/.gitignore); commit a named copy
# Timing budgets per implementation (ms of warm-up, ms of repetitions).
TIMING = {"gpu": (25.0, 100.0), "cpu": (10.0, 100.0), "tiny": (1.0, 5.0)}
QUICK_TIMING = (5.0, 20.0)


def _parser() -> argparse.ArgumentParser:
    from .cases import CASES

    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--case", action="append", default=None, metavar="A,B",
                   help=f"cases to run, comma-separated or repeated (default: all): {', '.join(CASES)}")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"JSON results; .md and .html are written beside it (default {DEFAULT_OUT})")
    p.add_argument("--cpu", action="store_true", help="the CPU mode even where there is a GPU")
    p.add_argument("--sizes", choices=SIZE_SETS, help="problem sizes (default: gpu with a GPU, else cpu)")
    p.add_argument("--quick", action="store_true", help="shorter timing budgets and autotuning")
    p.add_argument("--budget-s", type=float, default=None,
                   help="autotuning time per tuned case (default: 120 s on a GPU, 40 with --quick)")
    p.add_argument("--arrays", choices=KINDS, help="device array library (default: torch, else cupy, else numba)")
    p.add_argument("--warmup-ms", type=float, default=None)
    p.add_argument("--rep-ms", type=float, default=None)
    p.add_argument("--no-plots", action="store_true", help="JSON and Markdown only")
    return p


def selected_cases(spec: list[str] | None) -> list[str]:
    """Case names from ``--case`` values (comma-separated, repeatable), in the suite's order.

    >>> selected_cases(["softmax,vector_add"])
    ['vector_add', 'softmax']
    """
    from .cases import CASES

    if not spec:
        return list(CASES)
    wanted = [s.strip() for item in spec for s in item.split(",") if s.strip()]
    unknown = [w for w in wanted if w not in CASES]
    if unknown:
        raise SystemExit(f"unknown case(s): {', '.join(unknown)}; choose from {', '.join(CASES)}")
    return [name for name in CASES if name in wanted]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    report = run_suite(args, command="python -m benchmarks.run " + " ".join(argv))
    print(rep.markdown(report))
    return 1 if failures(report) else 0


def failures(report: dict) -> list[str]:
    """'case/impl: error' for every failure in a report (an empty list: everything ran and matched)."""
    out = [f"{c['name']}: {c['error']}" for c in report["cases"] if "error" in c]
    out += [f"{c['name']}/{n}: {r['error']}" for c in report["cases"] for n, r in c.get("results", {}).items()
            if "error" in r]
    return out


def run_suite(args: argparse.Namespace, command: str = "") -> dict:
    """Run the selected cases; write JSON (after each case), Markdown and plots; return the report."""
    from .cases import CASES

    names = selected_cases(args.case)
    no_gpu = None if args.cpu else _no_gpu_reason()
    gpu = not args.cpu and no_gpu is None
    sizes = args.sizes or ("gpu" if gpu else "cpu")
    env = gpu_env(args.arrays or default_kind(), sizes, args.quick) if gpu else cpu_env(sizes, args.quick)
    env.budget_s = args.budget_s
    warmup_ms, rep_ms = QUICK_TIMING if args.quick else TIMING["gpu" if gpu else sizes]
    warmup_ms = args.warmup_ms if args.warmup_ms is not None else warmup_ms
    rep_ms = args.rep_ms if args.rep_ms is not None else rep_ms
    report = {
        "schema": 2,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "mode": "gpu" if gpu else "cpu",
        "sizes": sizes,
        "host": platform.node(),
        "timing": {"warmup_ms": warmup_ms, "rep_ms": rep_ms, "method": "do_bench: median of repetitions, "
                   + ("CUDA events, L2 flushed before each" if gpu else "host clock")},
        "env": {k: v for k, v in os.environ.items() if k.startswith(("TESSERA_", "NUMBA_", "CUDA_"))},
        "cases": [],
    }
    if gpu:
        clock, flush = timing.CudaClock(), timing.L2Flush()
        report.update(device=_device(), versions=_versions(gpu=True))
        report["timing"].update(l2_flush_bytes=flush.nbytes, arrays=env.arrays.kind)
    else:
        clock, flush = timing.HostClock(), None
        why = "--cpu" if args.cpu else no_gpu
        print(f"NO GPU ({why}): CPU mode, the cpu backend against NumPy and numba at '{sizes}' sizes. "
              "These are CPU timings, not GPU results.", file=sys.stderr)
        report.update(device=None, no_gpu=why, cpu=_cpu(), versions=_versions(gpu=False))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    for i, name in enumerate(names, 1):
        print(f"[{i}/{len(names)}] {name}: building", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            case = CASES[name](env)
        except Exception as e:
            traceback.print_exc()
            report["cases"].append({"name": name, "error": f"{type(e).__name__}: {e}", "results": {}})
        else:
            report["cases"].append(run_case(case, clock, flush, warmup_ms, rep_ms))
            del case  # frees the case's device buffers before the next one
        report["cases"][-1]["wall_s"] = round(time.perf_counter() - t0, 2)
        report["wall_s"] = round(time.perf_counter() - t_start, 2)
        # After every case: a run cut off (a device session's time limit) keeps what it measured.
        _write_json(report, out)
        out.with_suffix(".md").write_text(rep.markdown(report) + f"\n\nCommand: `{command}`\n")
    written = [out, out.with_suffix(".md")]
    if not args.no_plots:
        try:
            written += rep.write_plots(report, out.with_suffix(""))
        except Exception as e:  # plots are a view of the JSON; never lose the run over them
            traceback.print_exc()
            print(f"!! plots failed: {type(e).__name__}: {e}", file=sys.stderr)
    print(f"wrote {', '.join(str(p) for p in written)} in {report['wall_s']:.0f} s", file=sys.stderr)
    for f in failures(report):
        print(f"!! {f}", file=sys.stderr)
    return report


def _write_json(report: dict, out: Path) -> None:
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2, default=str) + "\n")
    tmp.replace(out)


def run_case(case: Case, clock, flush, warmup_ms: float, rep_ms: float) -> dict:
    """Check and time every implementation of a case; the result's ratios and targets as the JSON has them."""
    results: dict[str, dict] = {}
    for impl in case.impls:
        print(f"    {case.name} / {impl.name} ...", file=sys.stderr, flush=True)
        results[impl.name] = run_impl(case, impl, clock, flush, warmup_ms, rep_ms)
        print(f"    {case.name} / {impl.name}: {_cell(results[impl.name], case.metric)}", file=sys.stderr, flush=True)
    r = rep.ratios(results)
    return {"name": case.name, "shape": case.shape, "dtype": case.dtype, "bytes": case.bytes_moved,
            "flops": case.flops, "metric": case.metric, "notes": case.notes, "results": results,
            "ratios": r, "targets": rep.targets(case.targets, r)}


def run_impl(case: Case, impl: Impl, clock, flush, warmup_ms: float, rep_ms: float) -> dict:
    if impl.skipped or impl.error:
        return {"skipped": impl.skipped} if impl.skipped else {"error": impl.error, **impl.info}
    try:
        case.reset()
        t0 = time.perf_counter()
        (impl.produce or impl.run)()  # also compiles, so no compile lands in a timed rep
        clock.synchronize()
        first_s = time.perf_counter() - t0
        problem = case.check()
        if problem:
            return {"error": f"wrong result: {problem}", **impl.info}
        t = timing.do_bench(impl.run, clock, flush=flush, warmup_ms=warmup_ms, rep_ms=rep_ms)
    except Exception as e:
        traceback.print_exc()
        return {"error": f"{type(e).__name__}: {e}", **impl.info}
    return {"median_ms": t.median_ms, "p20_ms": t.p20_ms, "p80_ms": t.p80_ms, "min_ms": t.min_ms,
            "max_ms": t.max_ms, "throughput": case.throughput(t.median_ms), "reps": t.reps,
            "warmup_reps": t.warmup_reps, "first_call_s": round(first_s, 3), **impl.info}


def _cell(r: dict, metric: str) -> str:
    if "median_ms" in r:
        return f"{r['median_ms']:.4f} ms, {r['throughput']:.2f} {metric}"
    return f"skipped: {r['skipped']}" if "skipped" in r else f"error: {r['error']}"


def _no_gpu_reason() -> str | None:
    from numba import config

    if config.ENABLE_CUDASIM:
        return "NUMBA_ENABLE_CUDASIM is set, so numba.cuda is the simulator"
    from numba import cuda

    if not cuda.is_available():
        err = getattr(cuda, "cuda_error", lambda: None)()
        why = " ".join(str(err).split()) if err else "no driver or no device"
        return f"numba.cuda finds no usable CUDA GPU ({why})"
    return None


def _device() -> dict:
    from numba import cuda
    from numba.cuda.cudadrv.driver import driver

    d = cuda.get_current_device()
    name = d.name.decode() if isinstance(d.name, bytes) else d.name
    major, minor = driver.get_version()
    return {"name": name, "compute_capability": "{}.{}".format(*d.compute_capability),
            "sms": d.MULTIPROCESSOR_COUNT, "cuda_driver_api": f"{major}.{minor}",
            "driver": _nvidia_smi("driver_version")}


def _cpu() -> dict:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numba

    return {"model": model or platform.processor() or None, "cores": os.cpu_count(),
            "numba_threads": numba.config.NUMBA_NUM_THREADS}


def _nvidia_smi(field: str) -> str | None:
    try:
        out = subprocess.run(["nvidia-smi", f"--query-gpu={field}", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        return None


def _versions(gpu: bool) -> dict:
    v = {"python": platform.python_version(), "numpy": np.__version__, "tessera": _tessera_version()}
    for dist in ("numba", "numba-cuda", "cuda-core", "cuda-bindings", "torch", "triton", "plotly"):
        v[dist] = _dist_version(dist)
    v["cupy"] = _module_version("cupy") if gpu else _dist_version("cupy")
    return v


def _tessera_version() -> str | None:
    try:
        return importlib.import_module("tessera").__version__
    except Exception as e:  # the package may be mid-construction; say why
        return _dist_version("tessera") or f"unavailable ({type(e).__name__}: {e})"


def _dist_version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def _module_version(mod: str) -> str | None:
    # cupy's distribution is named after its CUDA (cupy-cuda12x, ...), so ask the module.
    try:
        return importlib.import_module(mod).__version__
    except Exception:
        return None


if __name__ == "__main__":
    sys.exit(main())
