"""Host time per launch of an already-compiled kernel: Tessera's cached path vs numba and PyTorch.

    python -m benchmarks.launch_overhead [--calls 20000] [--rounds 6] [--out launch.json]

Each implementation launches a 1024-element vector add many times, in
batches of 100 timed on the host clock with an untimed synchronize between
them (benchmarks/host_time.py says why): the host's cost per launch, the
median of the rounds after the first. Beside it, the time per launch of the
same calls in one long run to a final synchronize, which on an H100 is the
GPU's pace for tiny kernels. All variants
run in the same process, interleaved round by round.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

from benchmarks.host_time import host_us_per_call, queued_us_per_call


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.launch_overhead")
    p.add_argument("--calls", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--out", type=Path, default=Path("launch.json"))
    args = p.parse_args(argv)

    from numba import cuda
    if not cuda.is_available():
        print("NO GPU: launch overhead is a GPU measurement; nothing to do.", file=sys.stderr)
        return 0
    import tessera as ts

    @ts.kernel
    def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
        idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if idx < a.shape[0]:
            c[idx] = a[idx] + b[idx]

    @cuda.jit("void(float32[::1], float32[::1], float32[::1])")
    def numba_add(a, b, c):
        i = cuda.grid(1)
        if i < a.shape[0]:
            c[i] = a[i] + b[i]

    n = 1024
    host = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    da, db, dc = cuda.to_device(host), cuda.to_device(host), cuda.device_array(n, np.float32)
    impls = {
        "tessera (numba device arrays)": lambda: vector_add(da, db, dc),
        "numba dispatcher (device arrays)": lambda: numba_add[(n + 255) // 256, 256](da, db, dc),
    }
    sync = cuda.synchronize
    if hasattr(ts, "from_numpy"):
        ta, tb, tc = ts.from_numpy(host), ts.from_numpy(host), ts.from_numpy(np.zeros_like(host))
        impls["tessera (ts.Tensor)"] = lambda: vector_add(ta, tb, tc)
    try:
        import torch
        a, b = torch.as_tensor(host, device="cuda"), torch.as_tensor(host, device="cuda")
        c = torch.empty_like(a)
        impls["tessera (torch tensors)"] = lambda: vector_add(a, b, c)
        impls["numba dispatcher (torch tensors)"] = lambda: numba_add[(n + 255) // 256, 256](a, b, c)
        impls["torch.add(out=)"] = lambda: torch.add(a, b, out=c)

        def sync():
            torch.cuda.synchronize()
            cuda.synchronize()
    except ImportError:
        pass

    for f in impls.values():  # correctness first: every variant computes a + b
        dc.copy_to_host(np.zeros(n, np.float32))
        f()
    # The host's times wander by a few us between runs on a shared machine: every implementation is
    # measured once per round, rounds interleaved, and each figure is the median of the rounds after
    # the first (which warms caches).
    rounds = [{k: host_us_per_call(f, args.calls, sync) for k, f in impls.items()} for _ in range(args.rounds)]
    result = {k: statistics.median(r[k] for r in rounds[1:]) for k in impls}
    queued = {k: queued_us_per_call(f, args.calls, sync) for k, f in impls.items()}
    base = result.get("torch.add(out=)")
    print("| implementation | host us / launch | torch.add / this | us / launch, queue full (GPU-bound) |")
    print("|---|---:|---:|---:|")
    for k, v in result.items():
        print(f"| {k} | {v:.2f} | {base / v if base else float('nan'):.2f}x | {queued[k]:.2f} |")
    args.out.write_text(json.dumps({"calls": args.calls, "us_per_call": result, "rounds": rounds,
                                    "queue_full_us_per_call": queued,
                                    "device": cuda.get_current_device().name.decode()
                                    if isinstance(cuda.get_current_device().name, bytes)
                                    else cuda.get_current_device().name}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
