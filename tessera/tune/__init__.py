"""The autotuner: `@ts.kernel.autotune(space={...}, key=[...])`.

| module | what |
|---|---|
| autotuner.py | the decorator, `AutotunedKernel`, `TuneOptions` |
| sweep.py | one sweep: prune, compile in parallel, check and time serially |
| space.py | configs from a space or a list; constraints |
| prune.py, targets.py | pruning before compiling (threads, shared memory, registers, spills) for a GPU model |
| resources.py, workers.py | compile jobs (PTX + ptxas, backend builds) in worker processes |
| bench.py | `do_bench`, as Triton's; CUDA events or the wall clock |
| check.py | correctness per config: NaN-filled outputs, reference comparison, argument restore |
| cache.py | on-disk records under TESSERA_CACHE_DIR/autotune |
| strategies.py | exhaustive, random, successive halving |
| results.py | `Result`, the results DataFrame, the pinned decorator, progress |

Example::

    >>> import tessera as ts
    >>> @ts.kernel.autotune(configs=[{"BLOCK": 128}], key=["N"])
    ... def fill(x: ts.Tensor["N", ts.f32]):
    ...     B = ts.autotune.get_param("BLOCK")
    ...     i = ts.program_id(0) * B + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = 1.0
    >>> fill
    <ts.kernel.autotune fill: 1 configs, key=['N']>
"""

from .autotuner import AutotunedKernel, TuneOptions, autotune
from .bench import Timing, do_bench
from .cache import TuneCache
from .results import Progress, Result

__all__ = ["autotune", "AutotunedKernel", "TuneOptions", "Timing", "do_bench", "TuneCache", "Progress", "Result"]
