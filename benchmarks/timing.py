"""Kernel timing in the manner of Triton's ``do_bench``: see tessera/tune/bench.py.

The implementation lives in the autotuner (``tessera.tune.bench``) so that the
benchmarks and the tuner time kernels the same way; this module keeps the
runner's import path.
"""

from tessera.tune.bench import (ESTIMATE_REPS, L2_FLUSH_BYTES, Clock, CudaClock, Event, HostClock,  # noqa: F401
                                L2Flush, Timing, do_bench, quantile)
