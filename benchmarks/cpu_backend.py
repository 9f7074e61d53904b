"""The cpu backend against numba's CUDA simulator and against hand-written `numba.njit(parallel=True)`.

    python -m benchmarks.cpu_backend [--quick] [--reps 9] [--json results_cpu.json]

(a) A tiled matmul (shared tiles, copy_async, barriers; TILE 16, the largest
    block the simulator takes) at 128x128x128 on `cpu` and on `sim`. The
    simulator runs once (it takes about a minute); the cpu time is the median
    of --reps runs after a warm-up call. `--quick` runs both at 64x64x64
    instead: the figures printed are always those of the size that ran.
    For reference, the guide's `matmul_optimized` (TILE 64/64/32, 4096
    virtual threads per program) at the same size on `cpu`.
(b) Elementwise at 2^24 float32 elements: vector add, and `y = exp(a*x + b)`,
    as Tessera kernels on `cpu` and as `numba.njit(parallel=True)` prange
    loops; medians of --reps runs, ratio cpu / njit (below 1: Tessera faster).

Compile (or on-disk cache load) time is reported separately from run time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

import tessera as ts


@ts.kernel
def matmul_tiled(A: ts.Tensor["M", "K", ts.f32], B: ts.Tensor["K", "N", ts.f32],
                 C: ts.Tensor["M", "N", ts.f32], TILE: ts.constexpr):
    As = ts.shared.alloc[ts.f32](TILE, TILE, swizzle="xor")
    Bs = ts.shared.alloc[ts.f32](TILE, TILE)
    row = ts.program_id(0) * TILE + ts.thread_id(0)
    col = ts.program_id(1) * TILE + ts.thread_id(1)
    acc = 0.0
    for k0 in ts.range(0, K, TILE):
        ts.copy_async(A[ts.program_id(0) * TILE:(ts.program_id(0) + 1) * TILE, k0:k0 + TILE], As)
        ts.copy_async(B[k0:k0 + TILE, ts.program_id(1) * TILE:(ts.program_id(1) + 1) * TILE], Bs)
        ts.wait_group(0)
        ts.barrier()
        for k in ts.range(TILE):
            acc += As[ts.thread_id(0), k] * Bs[k, ts.thread_id(1)]
        ts.barrier()
    if row < M and col < N:
        C[row, col] = acc


@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]


@ts.kernel
def exp_axpb(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32], a: ts.f32, b: ts.f32):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < N:
        y[i] = ts.exp(a * x[i] + b)


def _njit_kernels():
    import numba

    @numba.njit(parallel=True, fastmath=False)
    def nb_add(a, b, c):
        for i in numba.prange(a.shape[0]):
            c[i] = a[i] + b[i]

    @numba.njit(parallel=True, fastmath=False)
    def nb_exp_axpb(x, y, a, b):
        for i in numba.prange(x.shape[0]):
            y[i] = np.exp(a * x[i] + b)

    return nb_add, nb_exp_axpb


def times(fn, reps: int) -> list:
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def median_time(fn, reps: int) -> float:
    return float(np.median(times(fn, reps)))


def first_call(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_matmul(n: int, reps: int, rng) -> dict:
    from tests.cpu.guide_matmul import matmul_optimized
    A = rng.standard_normal((n, n)).astype(np.float32)
    B = rng.standard_normal((n, n)).astype(np.float32)
    want = A @ B
    C = {b: np.zeros((n, n), np.float32) for b in ("cpu", "sim", "guide")}
    res = {"size": [n, n, n], "tile": 16}
    res["cpu_first_call_s"] = first_call(lambda: matmul_tiled(A, B, C["cpu"], 16, backend="cpu"))
    t = times(lambda: matmul_tiled(A, B, C["cpu"], 16, backend="cpu"), reps)
    res["cpu_s"], res["cpu_min_s"] = float(np.median(t)), min(t)
    print(f"  cpu: {res['cpu_s'] * 1e3:.3f} ms (median of {reps}, min {res['cpu_min_s'] * 1e3:.3f} ms; "
          f"first call {res['cpu_first_call_s']:.2f} s)", flush=True)
    print("  sim: running once (about a minute at 128^3) ...", flush=True)
    res["sim_s"] = first_call(lambda: matmul_tiled(A, B, C["sim"], 16, backend="sim"))
    print(f"  sim: {res['sim_s']:.2f} s", flush=True)
    cfg = {"TILE_M": 64, "TILE_N": 64, "TILE_K": 32}
    first_call(lambda: matmul_optimized(A, B, C["guide"], backend="cpu", config=cfg))
    t = times(lambda: matmul_optimized(A, B, C["guide"], backend="cpu", config=cfg), reps)
    res["guide_cpu_s"], res["guide_cpu_min_s"] = float(np.median(t)), min(t)
    for k, c in C.items():
        np.testing.assert_allclose(c, want, rtol=1e-3, atol=1e-3, err_msg=k)
    res["sim_over_cpu"] = res["sim_s"] / res["cpu_s"]
    return res


def bench_elementwise(n: int, reps: int, rng) -> dict:
    nb_add, nb_exp_axpb = _njit_kernels()
    a = rng.random(n, dtype=np.float32)
    b = rng.random(n, dtype=np.float32)
    c = np.zeros_like(a)
    sa, sb = np.float32(0.5), np.float32(0.25)
    cases = {
        "vector_add": (lambda: vector_add(a, b, c, backend="cpu"), lambda: nb_add(a, b, c),
                       lambda: a + b),
        "exp_axpb": (lambda: exp_axpb(a, c, 0.5, 0.25, backend="cpu"), lambda: nb_exp_axpb(a, c, sa, sb),
                     lambda: np.exp(sa * a + sb)),
    }
    out = {}
    for name, (tess, njit, ref) in cases.items():
        r = {"n": n, "cpu_first_call_s": first_call(tess)}
        np.testing.assert_allclose(c, ref(), rtol=1e-6, err_msg=name)
        first_call(njit)
        # interleave, so that a change in machine load hits both sides alike
        t_c, t_n = [], []
        for _ in range(reps):
            t_c.append(median_time(tess, 1))
            t_n.append(median_time(njit, 1))
        r["cpu_s"], r["njit_s"] = float(np.median(t_c)), float(np.median(t_n))
        r["cpu_over_njit"] = r["cpu_s"] / r["njit_s"]
        out[name] = r
    return out


def _layer() -> str:
    import numba
    nb_add, _ = _njit_kernels()
    nb_add(np.zeros(1, np.float32), np.zeros(1, np.float32), np.zeros(1, np.float32))
    return f"threading layer {numba.threading_layer()}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="matmul at 64^3 instead of 128^3")
    p.add_argument("--reps", type=int, default=9)
    p.add_argument("--elementwise-log2", type=int, default=24)
    p.add_argument("--json", help="write the figures here")
    args = p.parse_args(argv)
    import numba
    rng = np.random.default_rng(0)
    n = 64 if args.quick else 128
    print(f"host {platform.node()}: {os.cpu_count()} cores, numba {numba.__version__} with "
          f"{numba.get_num_threads()} threads ({_layer()}), load average {os.getloadavg()[0]:.2f} "
          f"(other processes make short parallel runs noisy)")
    print(f"(a) tiled matmul {n}x{n}x{n}, TILE 16: cpu vs sim")
    mm = bench_matmul(n, args.reps, rng)
    print(f"    cpu {mm['cpu_s'] * 1e3:.3f} ms, sim {mm['sim_s']:.2f} s: cpu is {mm['sim_over_cpu']:,.0f}x faster")
    print(f"    the guide's matmul_optimized (TILE 64/64/32) on cpu: {mm['guide_cpu_s'] * 1e3:.3f} ms "
          f"({2 * n ** 3 / mm['guide_cpu_s'] / 1e9:.1f} GFLOP/s; min {mm['guide_cpu_min_s'] * 1e3:.3f} ms)")
    print(f"(b) elementwise, 2^{args.elementwise_log2} float32: cpu vs numba.njit(parallel=True)")
    ew = bench_elementwise(1 << args.elementwise_log2, args.reps, rng)
    for name, r in ew.items():
        print(f"    {name:10s} cpu {r['cpu_s'] * 1e3:8.3f} ms  njit {r['njit_s'] * 1e3:8.3f} ms  "
              f"cpu/njit {r['cpu_over_njit']:.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"command": "python -m benchmarks.cpu_backend " + " ".join(argv or sys.argv[1:]),
                       "matmul": mm, "elementwise": ew}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
