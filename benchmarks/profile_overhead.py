"""Host time a recording `ts.profile()` adds to each kernel launch (the issue's budget: <= 5 us).

    python -m benchmarks.profile_overhead [--calls 20000] [--backend cuda|cpu|sim] [--out profile_overhead.json]

Two measurements, each without and with a profile recording, second of two
rounds reported:

- `launch`: a 1024-element vector add on the cached launch path, host time per
  call in batches that never fill the GPU's launch queue (benchmarks/host_time.py).
  On the CPU backends the kernel's own run time dominates and the difference
  is noise-level.
- `hook`: the profiler's hook around a launcher that does nothing, so only
  the recording itself is timed (on the GPU: including its two CUDA event
  records). This one is meaningful on any machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.host_time import host_us_per_call as per_call_us

BUDGET_US = 5.0
ROUNDS = 6   # the first warms caches and is not counted


def measure(calls: int, backend: str | None) -> dict:
    import tessera as ts
    from tessera.backends import resolve_backend
    from tessera.profile import hooks

    @ts.kernel
    def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
        idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if idx < a.shape[0]:
            c[idx] = a[idx] + b[idx]

    b = resolve_backend(backend)
    n = 1024
    host = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    device = "cpu" if b.name == "cpu" else None
    ta, tb, tc = (ts.from_numpy(host, device=device), ts.from_numpy(host, device=device),
                  ts.zeros(n, device=device))
    # No backend= argument: a call as users write it, on the cached launch path of the default backend.
    launch = lambda: vector_add(ta, tb, tc)  # noqa: E731
    with ts.use_backend(b.name):
        return _rounds(ts, hooks, vector_add, launch, b, calls, (ta, tb, tc), host)


def _rounds(ts, hooks, vector_add, launch, b, calls, tensors, host) -> dict:
    ta, tb, tc = tensors
    sync = ts.synchronize
    launch()
    assert np.allclose(tc.numpy(), host + host)

    compiled = next(iter(vector_add._compiled.values()))
    values, grid = (ta, tb, tc), (4, 1, 1)
    nothing = lambda g, blk, v, s: None  # noqa: E731
    direct = lambda: nothing(grid, compiled.block, values, None)  # noqa: E731
    hooked = lambda: hooks.launch(vector_add, compiled, grid, values, None, b, None, nothing, values)  # noqa: E731

    calls_launch = calls if b.name == "cuda" else max(200, calls // 100)
    rounds = []
    for _ in range(ROUNDS):
        r = {"launch, no profile": per_call_us(launch, calls_launch, sync)}
        with ts.profile():
            r["launch, profiled"] = per_call_us(launch, calls_launch, sync)
        r["hook, no profile"] = per_call_us(direct, calls, sync)
        with ts.profile():
            r["hook, profiled"] = per_call_us(hooked, calls, sync)
        rounds.append(r)
    # The host's times wander by a few us between runs on a shared machine: each figure is the
    # median over the rounds, and the differences are taken between medians.
    r = {k: statistics.median(x[k] for x in rounds[1:]) for k in rounds[0]}
    if b.name == "cuda":
        # Last: torch.profiler leaves CUPTI configured its own way (Tessera's profiler re-registers).
        torch_rounds = [_torch_profiler(calls_launch, sync) for _ in range(3)]
        if torch_rounds[0]:
            r.update({k: statistics.median(x[k] for x in torch_rounds) for k in torch_rounds[0]})
    r["added by profiling (launch)"] = r["launch, profiled"] - r["launch, no profile"]
    r["added by profiling (hook)"] = r["hook, profiled"] - r["hook, no profile"]
    if "torch.add, torch.profiler" in r:
        r["added by torch.profiler (CUPTI) to torch.add"] = r["torch.add, torch.profiler"] - r["torch.add, no profile"]
    return {"backend": b.name, "calls": calls, "launch_calls": calls_launch, "us_per_call": r,
            "first_round": rounds[0]}


def _torch_profiler(calls: int, sync) -> dict:
    """The alternative in the same run: what PyTorch's profiler (CUPTI activity tracing) adds to torch.add."""
    try:
        import torch
        from torch.profiler import ProfilerActivity, profile
    except ImportError:
        return {}
    a, b = torch.ones(1024, device="cuda"), torch.ones(1024, device="cuda")
    c = torch.empty_like(a)

    def both():
        torch.cuda.synchronize()
        sync()
    add = lambda: torch.add(a, b, out=c)  # noqa: E731
    out = {"torch.add, no profile": per_call_us(add, calls, both)}
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]):
        out["torch.add, torch.profiler"] = per_call_us(add, calls, both)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_overhead")
    p.add_argument("--calls", type=int, default=20000)
    p.add_argument("--backend", default=None, help="cuda, cpu or sim (default: Tessera's default backend)")
    p.add_argument("--out", type=Path, default=Path("profile_overhead.json"))
    args = p.parse_args(argv)
    result = measure(args.calls, args.backend)
    print(f"backend: {result['backend']}")
    print("| measurement | host us / call |")
    print("|---|---:|")
    for k, v in result["us_per_call"].items():
        print(f"| {k} | {v:.3f} |")
    # On the GPU the launch figure is what a user's loop pays; on the CPU backends the kernel's own run
    # time swamps it, and the hook figure is the one to read.
    which = "launch" if result["backend"] == "cuda" else "hook"
    added = result["us_per_call"][f"added by profiling ({which})"]
    print(f"profiling adds {added:.2f} us per launch ({which} figure; budget {BUDGET_US} us): "
          f"{'OK' if added <= BUDGET_US else 'OVER BUDGET'}")
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
