#!/usr/bin/env bash
# One session on a lent GPU machine (an H100), run from the repo root with the
# ignored wheel folder .whl/ carried along:
#     bash benchmarks/gpu_session.sh [benchmark runner args]
# Writes into $OUT (default ./gpu-out): session.log (everything), gpu-tests.log,
# bench.json and bench.md. Every step runs even if an earlier one failed; the
# exit status is non-zero if any step failed.
#
# .whl/ holds NumPy 2.4 for CPython 3.12 (the image's NumPy 2.5 breaks
# numba-cuda 0.30.4) and, in .whl/extra/, a cuda-core wheel used only if the
# image cannot import cuda.core. To fetch them (from the repo root):
#     python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#         --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
#         --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl "numpy==2.4.*"
#     python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#         --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_24_x86_64 \
#         -d .whl/extra "cuda-core==1.2.2"
#     python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --platform any \
#         --platform manylinux_2_28_x86_64 -d .whl/ipython ipython ipython_pygments_lexers traitlets \
#         decorator jedi parso matplotlib_inline pexpect ptyprocess prompt_toolkit wcwidth pygments \
#         stack_data asttokens executing pure_eval ipywidgets widgetsnbextension jupyterlab_widgets comm \
#         anywidget psygnal typing_extensions
#     python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --platform any \
#         --platform manylinux2014_x86_64 -d .whl/cupti "cupti-python==13.0.1" pyelftools
set -u -o pipefail
export PYTHONUNBUFFERED=1
# Setting the cache dir also spares tessera from importing platformdirs, which
# the GPU image does not have.
export TESSERA_CACHE_DIR=${TESSERA_CACHE_DIR:-/tmp/tessera-cache}
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"

session() {
    local failed=0 rc

    echo "== (a) NumPy 2.4 over the image's NumPy (2.5 breaks numba-cuda 0.30.4)"
    # .whl/ipython/: IPython, ipywidgets and anywidget (pure Python), which the image lacks, for the
    # notebook magics' and views' GPU tests; .whl/cupti/: cupti-python matching the image's CUPTI 13.0,
    # so that the profiler times kernels with CUPTI (tests/gpu/test_profile_gpu.py runs both clocks).
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl .whl/ipython/*.whl $(ls .whl/cupti/*.whl 2>/dev/null) && export PYTHONPATH=/tmp/site:$PWD \
        || { echo "!! NumPy wheel install failed"; failed=1; export PYTHONPATH=$PWD; }
    # numba-cuda depends on cuda-core, so the image should have one; the carried
    # wheel is a fallback only, never a replacement for a working install.
    if ! python3 -c "import cuda.core" 2>/dev/null; then
        echo "cuda.core is not importable: installing the carried cuda-core wheel"
        python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/extra/cuda_core-*.whl \
            || { echo "!! cuda-core wheel install failed"; failed=1; }
    fi

    echo "== (b) machine and versions"
    nvidia-smi || failed=1
    python3 - <<'EOF' || failed=1
import importlib, platform
print("python", platform.python_version())
for mod in ("numpy", "numba", "numba.cuda", "cuda.core", "cuda.bindings", "torch", "cupy", "triton", "pytest", "tessera"):
    try:
        m = importlib.import_module(mod)
        print(f"{mod:14} {getattr(m, '__version__', '?')}  {getattr(m, '__file__', '')}")
    except Exception as e:
        print(f"{mod:14} NOT IMPORTABLE: {type(e).__name__}: {e}")
from numba import cuda
print("numba sees a GPU:", cuda.is_available())
if cuda.is_available():
    cuda.detect()
EOF

    echo "== (c) GPU tests"
    python3 -m pytest -q -m gpu tests/gpu 2>&1 | tee "$OUT/gpu-tests.log"
    rc=$?  # pytest: 1 = failures, 5 = nothing collected
    [ $rc -eq 0 ] || { echo "!! GPU tests: pytest exit $rc"; failed=1; }

    echo "== (d) benchmarks"
    python3 -m benchmarks.run --out "$OUT/bench.json" "$@" | tee "$OUT/bench.md"
    rc=$?  # 1 = an implementation failed or computed a wrong result
    [ $rc -eq 0 ] || { echo "!! benchmarks: exit $rc"; failed=1; }

    echo "== (e) launch overhead"
    python3 -m benchmarks.launch_overhead --out "$OUT/launch.json" | tee "$OUT/launch.md"
    rc=$?
    [ $rc -eq 0 ] || { echo "!! launch overhead: exit $rc"; failed=1; }

    echo "== (f) profiler overhead per launch (budget 5 us), CUPTI then CUDA events"
    python3 -m benchmarks.profile_overhead --backend cuda --calls 5000 --out "$OUT/profile_overhead.json" | tee "$OUT/profile_overhead.md"
    rc=$?
    [ $rc -eq 0 ] || { echo "!! profile overhead: exit $rc"; failed=1; }
    TESSERA_PROFILER=events python3 -m benchmarks.profile_overhead --backend cuda --calls 5000 \
        --out "$OUT/profile_overhead_events.json" | tee "$OUT/profile_overhead_events.md"

    echo "== done (failed=$failed); results in $OUT"
    return $failed
}

session "$@" 2>&1 | tee "$OUT/session.log"
