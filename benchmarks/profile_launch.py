"""Where the host time of one cached launch goes (a development aid; run on a GPU machine).

    python -m benchmarks.profile_launch
"""

import cProfile
import pstats
import time

import numpy as np


def main():
    import tessera as ts
    from tessera.runtime.fastpath import fingerprint

    @ts.kernel
    def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
        idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if idx < a.shape[0]:
            c[idx] = a[idx] + b[idx]

    h = np.ones(1024, np.float32)
    a, b, c = ts.from_numpy(h), ts.from_numpy(h), ts.from_numpy(h)
    vector_add(a, b, c)
    vector_add(a, b, c)
    ts.synchronize()
    n = 20000

    def timeit(name, fn):
        fn()
        t = time.perf_counter()
        for _ in range(n):
            fn()
        ts.synchronize()
        print(f"{name:40s} {(time.perf_counter() - t) / n * 1e6:7.2f} us")

    args = (a, b, c)
    entry = next(iter(vector_add._fast.values()))
    comp = entry.compiled
    fl = comp.handle
    from tessera.backends import resolve_backend
    from tessera.backends.cuda_launch import abi_params
    values = entry.bind(args)
    g = comp.grid_fn(*values)
    timeit("whole call", lambda: vector_add(a, b, c))
    timeit("fingerprint", lambda: fingerprint(args))
    timeit("resolve_backend(None)", lambda: resolve_backend(None))
    timeit("entry.bind", lambda: entry.bind(args))
    timeit("grid_fn", lambda: comp.grid_fn(*values))
    timeit("abi_params x3", lambda: [abi_params(v) for v in values])
    timeit("FastLaunch (pack + cuda.core launch)", lambda: fl(g, comp.block, values, 0))
    params = []
    for v in values:
        params += abi_params(v)
    timeit("pack_into", lambda: fl._fmt.pack_into(fl._buf, 0, *params))
    timeit("cuLaunchKernel alone", lambda: fl._launch(fl._func, g[0], g[1], g[2], 256, 1, 1, 0, 0, fl._ptrs, None))
    from cuda.core import LaunchConfig, launch
    from numba.cuda.cudadrv.driver import _to_core_stream
    cfg, st = LaunchConfig(grid=g, block=comp.block, shmem_size=0), _to_core_stream(0)
    timeit("cuda.core launch alone", lambda: launch(st, cfg, fl.kernel, *params))
    import torch
    x = torch.ones(1024, device="cuda")
    timeit("torch.add(out=)", lambda: torch.add(x, x, out=x))
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(n):
        vector_add(a, b, c)
    pr.disable()
    ts.synchronize()
    pstats.Stats(pr).sort_stats("tottime").print_stats(18)


if __name__ == "__main__":
    main()
