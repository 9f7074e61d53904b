"""Benchmark runner: times each case's implementations in one run, writes JSON, prints Markdown.

    python -m benchmarks.run [--case vector_add] [--size-log2 28] [--out results.json]

With a GPU: every implementation is checked against NumPy once, then timed
with ``timing.do_bench`` (CUDA events, L2 flush between reps). Ratios are the
subject's (the first implementation, Tessera) bandwidth over each
alternative's: above 1 means Tessera is faster.

Without a GPU nothing is timed on a device: the runner says so, runs a small
CPU smoke run (NumPy's add through the same timing and reporting code, with a
host clock) so the runner itself is exercised, writes the JSON and exits 0.
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
import traceback
from pathlib import Path

# Torch's arrays carry no stream in __cuda_array_interface__, cupy's do; with
# sync on, numba would block the host on every launch with cupy arrays and the
# gap would be timed. Everything here runs on the legacy default stream, so the
# sync buys nothing.
os.environ.setdefault("NUMBA_CUDA_ARRAY_INTERFACE_SYNC", "0")

import numpy as np  # noqa: E402

from . import timing, vector_add  # noqa: E402
from .case import Case, Impl  # noqa: E402
from .devarrays import KINDS, DeviceArrays, default_kind  # noqa: E402

CASES = {"vector_add": vector_add.build}
DEFAULT_OUT = Path(__file__).parent / "results.json"
SMOKE_SIZE_LOG2 = 20


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    report = {
        "schema": 1,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.run " + " ".join(argv),
        "host": platform.node(),
        "timing": {"warmup_ms": args.warmup_ms, "rep_ms": args.rep_ms},
        "env": {k: v for k, v in os.environ.items() if k.startswith(("TESSERA_", "NUMBA_", "CUDA_"))},
    }
    no_gpu = _no_gpu_reason()
    if no_gpu:
        print(f"NO GPU: {no_gpu}. Nothing is timed on a GPU; running a CPU smoke run "
              f"(NumPy add, 2^{SMOKE_SIZE_LOG2} float32, host clock) to exercise the runner.",
              file=sys.stderr)
        report.update(device=None, no_gpu=no_gpu, versions=_versions(gpu=False))
        report["cases"] = [_run_case(_smoke_case(1 << SMOKE_SIZE_LOG2), timing.HostClock(), None, args)]
        failed = False
    else:
        report.update(device=_device(), versions=_versions(gpu=True))
        arrays = DeviceArrays(args.arrays or default_kind())
        clock, flush = timing.CudaClock(), timing.L2Flush()
        report["timing"].update(l2_flush_bytes=flush.nbytes, arrays=arrays.kind)
        report["cases"] = []
        for name in args.case or list(CASES):
            case = CASES[name](1 << args.size_log2, arrays)
            report["cases"].append(_run_case(case, clock, flush, args))
            del case  # frees the case's device buffers before the next one
        failed = any("error" in r for c in report["cases"] for r in c["results"].values())

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 1 if failed else 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--case", action="append", choices=sorted(CASES),
                   help="case to run (repeatable; default: all)")
    p.add_argument("--size-log2", type=int, default=28, choices=range(10, 31), metavar="K",
                   help="problem size 2^K elements, 10..30 (default 28)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON results (default {DEFAULT_OUT})")
    p.add_argument("--arrays", choices=KINDS, help="device array library (default: torch, else cupy, else numba)")
    p.add_argument("--warmup-ms", type=float, default=25.0)
    p.add_argument("--rep-ms", type=float, default=100.0)
    return p


def _run_case(case: Case, clock, flush, args) -> dict:
    results: dict[str, dict] = {}
    for impl in case.impls:
        results[impl.name] = _run_impl(case, impl, clock, flush, args)
        print(f"{case.name} {impl.name}: {_cell(results[impl.name])}", file=sys.stderr)
    return {"name": case.name, "size": case.size, "dtype": case.dtype, "bytes": case.bytes_moved,
            "results": results, "ratios": ratios(results)}


def _run_impl(case: Case, impl: Impl, clock, flush, args) -> dict:
    if impl.skipped or impl.error:
        return {"skipped": impl.skipped} if impl.skipped else {"error": impl.error}
    try:
        case.reset()
        impl.run()  # also compiles, so no compile lands in a timed rep
        clock.synchronize()
        problem = case.check()
        if problem:
            return {"error": f"wrong result: {problem}", **impl.info}
        t = timing.do_bench(impl.run, clock, flush=flush, warmup_ms=args.warmup_ms, rep_ms=args.rep_ms)
    except Exception as e:
        traceback.print_exc()
        return {"error": f"{type(e).__name__}: {e}", **impl.info}
    return {"median_ms": t.median_ms, "p20_ms": t.p20_ms, "p80_ms": t.p80_ms,
            "gbps": case.bytes_moved / t.median_ms / 1e6,
            "reps": t.reps, "warmup_reps": t.warmup_reps, **impl.info}


def ratios(results: dict[str, dict]) -> dict[str, float]:
    """Bandwidth of the first (subject) implementation over each other timed one."""
    timed = [(name, r["gbps"]) for name, r in results.items() if "gbps" in r]
    first = next(iter(results), None)
    if not timed or timed[0][0] != first:
        return {}
    return {f"{first}/{name}": timed[0][1] / gbps for name, gbps in timed[1:]}


def markdown(report: dict) -> str:
    dev = report.get("device") or {}
    title = f"{dev['name']} (sm_{dev['compute_capability'].replace('.', '')})" if dev else "no GPU: CPU smoke run"
    lines = [f"### {title}", "",
             "| case | size | implementation | median ms | p20 ms | p80 ms | GB/s | subject / this |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for c in report["cases"]:
        first = next(iter(c["results"]), "")
        for name, r in c["results"].items():
            ratio = 1.0 if name == first and "gbps" in r else c["ratios"].get(f"{first}/{name}")
            if "gbps" in r:
                nums = [f"{r['median_ms']:.4f}", f"{r['p20_ms']:.4f}", f"{r['p80_ms']:.4f}", f"{r['gbps']:.1f}",
                        f"{ratio:.3f}" if ratio is not None else ""]
            else:
                nums = ["", "", "", "", _cell(r)]
            lines.append(f"| {c['name']} | 2^{c['size'].bit_length() - 1} | {name} | " + " | ".join(nums) + " |")
    return "\n".join(lines)


def _cell(r: dict) -> str:
    if "gbps" in r:
        return f"{r['median_ms']:.4f} ms, {r['gbps']:.1f} GB/s"
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


def _nvidia_smi(field: str) -> str | None:
    try:
        out = subprocess.run(["nvidia-smi", f"--query-gpu={field}", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        return None


def _versions(gpu: bool) -> dict:
    v = {"python": platform.python_version(), "numpy": np.__version__,
         "tessera": _tessera_version()}
    for dist in ("numba", "numba-cuda", "cuda-core", "cuda-bindings", "torch", "triton"):
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


def _smoke_case(n: int) -> Case:
    a, b = vector_add.inputs(n)
    c = np.empty_like(a)
    expected = a + b
    return Case("vector_add", n, "float32", 3 * n * 4,
                [Impl("numpy", lambda: np.add(a, b, out=c))],
                reset=lambda: c.fill(0),
                check=lambda: None if np.array_equal(c, expected) else "numpy add differs")


if __name__ == "__main__":
    sys.exit(main())
