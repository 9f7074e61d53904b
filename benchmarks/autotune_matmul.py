"""Autotune the guide's `matmul_optimized` on the GPU and compare the winner with cuBLAS, in one run.

    python -m benchmarks.autotune_matmul [--size 4096] [--space guide|gpu] [--strategy exhaustive]
                                         [--budget-s S] [--max-configs N] [--force] [--no-check]

Prints how many of the space's configs were pruned and why (by the kind of their first reason),
the sweep's wall time, the best config, its TFLOP/s (re-timed with do_bench: CUDA events, L2
flush) and the ratio to torch.matmul (cuBLAS, TF32 off) timed the same way in the same process.

`--space guide` is the guide's 243 configs, verbatim (tests/guide_autotune.py). Its tiles are
blocks of 64 x 64 threads and more, which virtual threads run on `num_warps * 32` GPU threads.
`--space gpu` tunes the same kernel body over small tiles of at most 1024 threads (no virtual threads).

`--force` re-times every config (the default reuses TESSERA_CACHE_DIR/autotune: a second run
prints the cached sweep). Without a GPU, a small smoke run on the cpu backend exercises the script.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("NUMBA_CUDA_ARRAY_INTERFACE_SYNC", "0")  # as benchmarks/run.py: one stream
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import tessera as ts  # noqa: E402
from tessera.tune import AutotunedKernel  # noqa: E402
from tessera.tune.bench import clock_for, do_bench  # noqa: E402
from tessera.tune.space import expand  # noqa: E402
from tests.guide_autotune import matmul_optimized  # noqa: E402

GPU_SPACE = {"TILE_M": [8, 16, 32], "TILE_N": [16, 32], "TILE_K": [16, 32, 64], "num_warps": [4],
             "num_stages": [1, 2]}


def _parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=4096, help="M = N = K (default 4096)")
    p.add_argument("--space", choices=("guide", "gpu"), default="guide")
    p.add_argument("--strategy", default="exhaustive", choices=("exhaustive", "random", "halving"))
    p.add_argument("--budget-s", type=float, default=None)
    p.add_argument("--max-configs", type=int, default=None)
    p.add_argument("--timeout-s", type=float, default=30.0)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--force", action="store_true", help="ignore the cache: time every config again")
    p.add_argument("--no-check", action="store_true", help="no reference comparison per config")
    p.add_argument("--out", type=Path, default=None, help="also write the summary as JSON here")
    return p


def summarize(k: AutotunedKernel, wall_s: float) -> dict:
    results = k.results
    status = Counter(r.status for r in results)
    pruned = Counter(r.reason.split(":", 1)[0] for r in results if r.status == "pruned")
    failed = Counter(r.reason.split(":", 1)[0] + ": " + r.reason.split(":", 2)[-1].strip()[:100]
                     for r in results if r.status in ("failed", "incorrect"))
    timed = [r for r in results if r.status == "ok" and not r.same_as and not r.cached]
    return {"configs": len(results), "status": dict(status), "pruned_by": dict(pruned),
            "failed_or_incorrect": dict(failed.most_common(5)), "sweep_wall_s": round(wall_s, 2),
            "timed_now": len(timed), "from_cache": sum(r.cached for r in results),
            "compile_s_sum": round(sum(r.compile_s or 0 for r in results if not r.cached and not r.same_as), 2)}


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    gpu = ts.available_backends()[0] == "cuda"
    n = args.size if gpu else 64
    backend = "cuda" if gpu else "cpu"
    if not gpu:
        print(f"NO GPU: a smoke run of the script on the cpu backend at {n}^3 (nothing here is a GPU result)",
              file=sys.stderr)
    configs = matmul_optimized.configs if args.space == "guide" else expand(space=GPU_SPACE)
    opts = dict(strategy=args.strategy, budget_s=args.budget_s, max_configs=args.max_configs or (None if gpu else 2),
                timeout_s=args.timeout_s, workers=args.workers, progress=None,
                names=tuple(configs[0]))
    rng = np.random.default_rng(0)
    A_h = rng.standard_normal((n, n)).astype(np.float32)
    B_h = rng.standard_normal((n, n)).astype(np.float32)
    torch = None
    if gpu:
        try:
            import torch
            torch.backends.cuda.matmul.allow_tf32 = False   # cuBLAS in full fp32, as the kernel
            torch.backends.cudnn.allow_tf32 = False
            torch.set_float32_matmul_precision("highest")
        except ImportError:
            print("torch is not importable: no cuBLAS comparison", file=sys.stderr)
    if torch is not None:
        A, B = torch.from_numpy(A_h).cuda(), torch.from_numpy(B_h).cuda()
        C = torch.zeros((n, n), dtype=torch.float32, device="cuda")
        if not args.no_check:
            opts["reference"] = lambda a, b, c: torch.from_numpy(a).cuda() @ torch.from_numpy(b).cuda()
    else:
        A, B, C = (ts.from_numpy(A_h), ts.from_numpy(B_h), ts.zeros((n, n))) if gpu else (A_h, B_h, np.zeros((n, n), np.float32))
        if not args.no_check:
            opts["reference"] = lambda a, b, c: a @ b
    k = AutotunedKernel(matmul_optimized.kernel, configs, matmul_optimized.options).with_options(**opts)

    t0 = time.perf_counter()
    try:
        best = k.tune(A, B, C, backend=backend, force=args.force)
    except ts.TesseraError as e:
        best = None
        print(f"\nno config can run: {e.message}")
    wall = time.perf_counter() - t0
    summary = {"device": _device(gpu), "size": n, "space": args.space, "strategy": args.strategy,
               **summarize(k, wall), "best_config": best}
    if best is not None:
        clock, flush = clock_for(backend)
        t = do_bench(lambda: k(A, B, C, backend=backend), clock, flush=flush)
        flop = 2.0 * n ** 3
        summary.update(best_ms=round(t.median_ms, 4), tflops=round(flop / t.median_ms / 1e9, 3))
        got = C.cpu().numpy() if torch is not None else np.asarray(C)
        if torch is not None:
            Ct = torch.empty_like(C)
            tb = do_bench(lambda: torch.matmul(A, B, out=Ct), clock, flush=flush)
            summary.update(cublas_ms=round(tb.median_ms, 4), cublas_tflops=round(flop / tb.median_ms / 1e9, 3),
                           ratio_to_cublas=round(tb.median_ms / t.median_ms, 3),
                           max_abs_err_vs_cublas=float((torch.from_numpy(got).cuda() - Ct).abs().max()))
        else:
            summary["max_abs_err_vs_numpy"] = float(np.abs(got - A_h @ B_h).max())
    print("\n" + "\n".join(f"{key:22} {json.dumps(v)}" for key, v in summary.items()))
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if best is not None else 2


def _device(gpu: bool) -> str:
    if not gpu:
        return "cpu (no GPU)"
    from tessera.tune.sweep import device_name
    return device_name(ts.current_backend())


if __name__ == "__main__":
    sys.exit(main())
