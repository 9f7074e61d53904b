"""The guide's `matmul_optimized` (one thread per output element) at fixed configs against cuBLAS.

    python -m benchmarks.guide_matmul [--size 4096] [--configs 64,64,32,4 128,128,32,8,2 ...] [--out f.json]

Each config (TILE_M,TILE_N,TILE_K,num_warps[,num_stages]) runs the kernel on the cuda
backend on the same torch device tensors as `torch.matmul` (cuBLAS SGEMM, TF32
off), checks the result against cuBLAS, and is timed with do_bench (CUDA
events, L2 flushed between repetitions) in the same process. The table gives
TFLOP/s and the ratio to cuBLAS (above 1: Tessera is faster). Without a GPU,
a small smoke run on the cpu backend against NumPy.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("NUMBA_CUDA_ARRAY_INTERFACE_SYNC", "0")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import tessera as ts  # noqa: E402
from tessera.tune.bench import clock_for, do_bench  # noqa: E402
from tests.cpu.guide_matmul import matmul_optimized  # noqa: E402

# Each single-buffered config beside its num_stages=2 twin: the ratio of the two is the pipelining's gain.
DEFAULT_CONFIGS = ["64,64,32,4", "64,64,32,4,2", "128,64,32,8", "128,64,32,8,2", "128,128,32,8", "128,128,32,8,2",
                   "128,128,32,16", "128,128,32,16,2", "256,128,32,16", "256,128,32,16,2", "256,128,32,16,3"]


def _config(text: str) -> dict:
    tm, tn, tk, nw, *stages = (int(x) for x in text.split(","))
    cfg = {"TILE_M": tm, "TILE_N": tn, "TILE_K": tk, "num_warps": nw}
    if stages:
        cfg["num_stages"] = stages[0]
    return cfg


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=4096)
    p.add_argument("--configs", nargs="*", default=DEFAULT_CONFIGS, help="TILE_M,TILE_N,TILE_K,num_warps[,num_stages] each")
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    gpu = "cuda" in ts.available_backends()
    n = args.size if gpu else 128
    backend = "cuda" if gpu else "cpu"
    rng = np.random.default_rng(0)
    A_h = rng.standard_normal((n, n)).astype(np.float32)
    B_h = rng.standard_normal((n, n)).astype(np.float32)
    clock, flush = clock_for(backend)
    flop = 2.0 * n ** 3
    rows = []
    if gpu:
        import torch
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.set_float32_matmul_precision("highest")
        A, B = torch.from_numpy(A_h).cuda(), torch.from_numpy(B_h).cuda()
        ref = torch.empty((n, n), dtype=torch.float32, device="cuda")
        tb = do_bench(lambda: torch.matmul(A, B, out=ref), clock, flush=flush)
        rows.append({"impl": "cuBLAS (torch.matmul, TF32 off)", "ms": tb.median_ms,
                     "tflops": flop / tb.median_ms / 1e9, "ratio": 1.0, "max_err": 0.0})
        base_ms = tb.median_ms
    else:
        print(f"NO GPU: a smoke run on the cpu backend at {n}^3 against NumPy", file=sys.stderr)
        A, B = A_h, B_h
        ref_h = A_h @ B_h
        base_ms = None
    for text in args.configs:
        cfg = _config(text)
        C = torch.full((n, n), float("nan"), device="cuda") if gpu else np.full((n, n), np.nan, np.float32)
        try:
            matmul_optimized(A, B, C, backend=backend, config=cfg)
            err = float((C - ref).abs().max()) if gpu else float(np.abs(C - ref_h).max())
            t = do_bench(lambda: matmul_optimized(A, B, C, backend=backend, config=cfg), clock, flush=flush)
        except ts.TesseraError as e:
            rows.append({"impl": f"tessera {text}", "error": e.message})
            continue
        rows.append({"impl": f"tessera {text}", "ms": t.median_ms, "tflops": flop / t.median_ms / 1e9,
                     "ratio": (base_ms / t.median_ms) if base_ms else None, "max_err": err})
    print(f"\nguide matmul, {n}^3 fp32 on {backend}\n")
    print("| impl | ms | TFLOP/s | x cuBLAS | max abs err |\n|---|---|---|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['impl']} | error: {r['error']} | | | |")
        else:
            ratio = f"{r['ratio']:.3f}" if r["ratio"] is not None else "-"
            print(f"| {r['impl']} | {r['ms']:.3f} | {r['tflops']:.2f} | {ratio} | {r['max_err']:.2e} |")
    if args.out:
        args.out.write_text(json.dumps({"size": n, "backend": backend, "rows": rows}, indent=2) + "\n")
    return 1 if any("error" in r or r.get("max_err", 0) > 1e-2 * np.sqrt(n) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
