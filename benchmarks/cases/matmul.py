"""matmul: the migration guide's ``matmul_optimized``, autotuned, fp32 4096 x 4096 x 4096.

The kernel is the guide's, verbatim (tests/guide_autotune.py): one thread per output
element of a TILE_M x TILE_N tile, shared tiles filled with ``ts.copy_async``. Tessera
runs such blocks as virtual threads over ``num_warps * 32`` GPU threads, which turns the
one-element-per-thread loop into a register-blocked one (README, "Virtual threads").
The sweep is limited by ``--budget-s`` so the suite fits in one device session; the
autotune cache (TESSERA_CACHE_DIR) makes a second run time nothing but the winner.
The alternative is cuBLAS SGEMM through ``torch.matmul`` with TF32 off (full fp32, as the
kernel), and Triton's tutorial matmul in fp32 (``input_precision="ieee"``).
"""

from __future__ import annotations

import numpy as np

from ..case import Case
from ..env import Env, as_torch, close, impl

SIZES = {"gpu": 4096, "cpu": 256, "tiny": 64}
MAX_CONFIGS = {"gpu": None, "cpu": 2, "tiny": 1}  # the guide's space has 243; most are pruned on sm_90
BUDGET_S = {"gpu": 120.0, "cpu": 20.0, "tiny": 5.0}
TARGETS = {"cublas": 0.5}  # the issue: >= 0.5x cuBLAS SGEMM (~53 TFLOP/s on an H100), stretch 0.7x


def tuned_kernel(env: Env, reference):
    """The guide's kernel with this run's tuning limits; ``reference`` checks each config."""
    from tests.guide_autotune import matmul_optimized

    budget = env.budget_s if env.budget_s is not None else BUDGET_S[env.sizes] / (3 if env.quick else 1)
    opts = dict(budget_s=budget, max_configs=MAX_CONFIGS[env.sizes], reference=reference)
    if not env.gpu:
        # The cpu backend ignores num_warps and num_stages, and tiles larger than the matrix
        # only add work: keep the rest of the space (lowering each of the 243 configs to prune
        # it costs more than the tiny runs themselves). No GPU resource checks on a CPU run.
        n = SIZES[env.sizes]
        opts.update(constraints=lambda c: c["TILE_M"] <= n and c["TILE_N"] <= n and c["TILE_K"] <= n
                    and c["num_warps"] == 4 and c["num_stages"] == 2,
                    resources=False, progress=False)
    return matmul_optimized.with_options(**opts)


def build(env: Env) -> Case:
    n = SIZES[env.sizes]
    rng = np.random.default_rng(7)
    a_h, b_h = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    expected = a_h.astype(np.float64) @ b_h
    arr = env.arrays
    a, b = arr.to_device(a_h), arr.to_device(b_h)
    c = arr.to_device(np.zeros((n, n), np.float32))
    impls = [impl("tessera", lambda: _tessera(env, a, b, c))]
    if env.gpu:
        impls += [impl("cublas", lambda: _cublas(a, b, c), needs="torch"),
                  impl("triton", lambda: _triton(a, b, c), needs="triton")]
    else:
        impls += [impl("numpy", lambda: lambda: np.matmul(a, b, out=c))]
    # fp32 sums of n products: errors grow like sqrt(n) ulps of the row's magnitude.
    return Case("matmul", f"{n}x{n}x{n}", "float32", impls, reset=lambda: arr.zero(c),
                check=lambda: close(arr.to_host(c), expected, "C", rtol=1e-3, atol=1e-3 * np.sqrt(n)),
                flops=2 * n ** 3, targets=TARGETS if env.gpu else {},
                notes="the guide's matmul_optimized, autotuned within the budget")


def _tessera(env: Env, a, b, c):
    if env.gpu and _has_torch():
        _fp32_cublas()

        def reference(a, b, c):  # host copies in, cuBLAS's product out: checking each config is quick
            import torch
            return (torch.from_numpy(a).cuda() @ torch.from_numpy(b).cuda()).cpu().numpy()
    else:
        def reference(a, b, c):
            return a @ b
    k = tuned_kernel(env, reference)
    best = k.tune(a, b, c, backend=env.backend)
    kw = {} if env.gpu else {"backend": "cpu"}
    sweep = k.last_sweep
    info = {"best_config": best, "sweep": dict(sweep) if isinstance(sweep, dict) else str(sweep)}
    return (lambda: k(a, b, c, **kw)), None, info


def _has_torch() -> bool:
    from ..env import installed
    return installed("torch")


def _fp32_cublas():
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False  # cuBLAS in full fp32, as the kernel
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")


def _cublas(a, b, c):
    import torch

    _fp32_cublas()
    ta, tb, tc = as_torch(a), as_torch(b), as_torch(c)
    return (lambda: torch.matmul(ta, tb, out=tc)), None, {"tf32": False}


def _triton(a, b, c):
    from .. import triton_kernels as tk

    ta, tb, tc = as_torch(a), as_torch(b), as_torch(c)
    return lambda: tk.matmul(ta, tb, tc)
