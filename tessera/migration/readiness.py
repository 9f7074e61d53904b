"""`ts.migration.MigrationReadinessAssessment(path).run_full_assessment()`: the migration guide's readiness check.

The sections and method names are the guide's: technical readiness (GPU compatibility from
NVML, software environment, tests, benchmarks), code complexity (the guide's
`calculate_complexity_score`, exactly), bottlenecks, dependencies, and a generated plan.
The code facts come from one `CodebaseAnalyzer` run (nothing in the project is imported
or run); the environment facts from this machine. No GPU, no driver or no NVML is a
reported state (`gpu_compatibility["state"]`), never an exception.

Example::

    >>> import pathlib, tempfile
    >>> project = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (project / "model.py").write_text("import torch\\nclass Net(torch.nn.Module):\\n    pass\\n")
    >>> results = MigrationReadinessAssessment(project).run_full_assessment()
    >>> sorted(results)
    ['bottlenecks', 'complexity', 'dependencies', 'plan', 'technical']
    >>> results["complexity"]["metrics"]["pytorch_module_count"], results["complexity"]["complexity_score"]
    (1, 12)
    >>> results["technical"]["gpu_compatibility"]["state"] in ("ok", "incompatible", "no GPU", "no driver", "no NVML")
    True
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from importlib import metadata

from . import estimate
from .analyze import CodebaseAnalyzer

MIN_COMPUTE_CAPABILITY = (7, 0)   # the guide's checklist: Volta or newer
MIN_PYTHON = (3, 10)              # Tessera's own requirement (pyproject); the guide asks for 3.8+

DEPENDENCY_FILES = ("requirements.txt", "requirements-dev.txt", "requirements/base.txt", "pyproject.toml",
                    "setup.py", "setup.cfg", "environment.yml", "environment.yaml", "Pipfile")
TEST_CONFIG_FILES = ("pytest.ini", "conftest.py", "tox.ini", "noxfile.py", "tests/conftest.py")
CI_FILES = (".github/workflows", ".gitlab-ci.yml", ".circleci", "Jenkinsfile", "azure-pipelines.yml",
            ".travis.yml", ".buildkite")
ENV_PACKAGES = ("torch", "numpy", "numba", "numba-cuda", "cuda-python", "triton", "cupy-cuda12x", "nvidia-ml-py")

# What becomes of each dependency. Python packages by import name, CUDA headers by path prefix.
PYTHON_DEPENDENCIES = {
    "torch": ("keep", "Tessera kernels take torch CUDA tensors as arguments (__cuda_array_interface__)"),
    "numpy": ("keep", "ts.from_numpy / Tensor.numpy() move data between NumPy and Tessera"),
    "cupy": ("keep", "CuPy arrays pass to Tessera kernels as they are (__cuda_array_interface__)"),
    "numba": ("keep", "Tessera compiles through numba-cuda; numba.cuda kernels can stay beside Tessera ones"),
    "triton": ("port", "Triton kernels are a kernel language of their own: port them one by one, or keep them"),
    "apex": ("replace", "apex.amp is superseded by torch.autocast; fused apex kernels are translation candidates"),
    "deepspeed": ("keep", "no Tessera counterpart: distributed training stays where it is"),
    "horovod": ("keep", "no Tessera counterpart: distributed training stays where it is"),
    "pycuda": ("replace", "PyCUDA's SourceModule kernels are CUDA C: translate them with translate_cuda"),
    "jax": ("keep", "no direct interop; exchange data through DLPack"),
    "tensorflow": ("keep", "no direct interop; exchange data through DLPack"),
}
CUDA_HEADERS = {
    "cuda_runtime": ("replace", "CUDA runtime calls become Tessera runtime calls (ts.empty, ts.from_numpy, launch)"),
    "cuda.h": ("replace", "driver API calls become Tessera runtime calls"),
    "cuda_fp16": ("replace", "half becomes ts.f16"),
    "cuda_bf16": ("replace", "__nv_bfloat16 becomes ts.bf16"),
    "torch/": ("replace", "PyTorch C++ extension glue: becomes a Python call of the Tessera kernel"),
    "ATen/": ("replace", "PyTorch C++ extension glue: becomes a Python call of the Tessera kernel"),
    "c10/": ("replace", "PyTorch C++ extension glue: becomes a Python call of the Tessera kernel"),
    "pybind11": ("replace", "binding code: not needed for Tessera kernels, which are Python"),
    "cub/": ("manual", "CUB block/warp collectives have no Tessera counterpart yet: "
                       "rewrite with ts.shared and ts.barrier"),
    "thrust/": ("manual", "Thrust algorithms: use NumPy/PyTorch on the host side, or write the kernel"),
    "cooperative_groups": ("manual", "cooperative groups: rewrite with ts.barrier within a block"),
    "mma.h": ("manual", "WMMA tensor-core fragments have no Tessera counterpart yet"),
    "cublas": ("keep", "keep calling cuBLAS (through torch.matmul) or write a Tessera matmul and autotune it"),
    "cudnn": ("keep", "keep cuDNN through PyTorch"),
    "cufft": ("keep", "keep cuFFT through torch.fft"),
    "curand": ("manual", "device-side cuRAND has no Tessera counterpart: generate random numbers on the host side"),
    "cusparse": ("keep", "keep cuSPARSE through torch.sparse"),
    "cutlass": ("manual", "CUTLASS templates: port the kernels that matter and autotune them"),
    "cute/": ("manual", "CuTe layouts: port the kernels that matter and autotune them"),
}


class MigrationReadinessAssessment:
    """Comprehensive assessment of migration readiness (the guide's class; see the module doc).

    `analyzer` is the CodebaseAnalyzer to use (e.g. one with a progress callback); `report`, an
    AnalysisReport of the same path already made, saves walking the tree again.
    """

    def __init__(self, project_path, analyzer: CodebaseAnalyzer | None = None, report=None):
        self.project_path = os.fspath(project_path)
        self.assessment_results = {}
        self.analyzer = analyzer or CodebaseAnalyzer()
        self._report = report

    @property
    def report(self):
        """The project's AnalysisReport, computed once."""
        if self._report is None:
            self._report = self.analyzer.analyze_project(self.project_path)
        return self._report

    def run_full_assessment(self) -> dict:
        """Run complete migration readiness assessment."""
        self.assessment_results['technical'] = self.assess_technical_readiness()
        self.assessment_results['complexity'] = self.analyze_code_complexity()
        self.assessment_results['bottlenecks'] = self.identify_bottlenecks()
        self.assessment_results['dependencies'] = self.analyze_dependencies()
        self.assessment_results['plan'] = self.generate_migration_plan()
        return self.assessment_results

    # -- technical ---------------------------------------------------------------------------------
    def assess_technical_readiness(self) -> dict:
        """Assess technical prerequisites for migration."""
        return {
            'gpu_compatibility': self.check_gpu_compatibility(),
            'software_environment': self.check_software_environment(),
            'testing_infrastructure': self.check_testing_infrastructure(),
            'performance_benchmarks': self.check_performance_benchmarks(),
        }

    def check_gpu_compatibility(self) -> dict:
        """The GPUs NVML sees and whether each has compute capability 7.0 or newer.

        `state` is "ok", "incompatible" (a GPU below 7.0), "no GPU", "no driver" or "no NVML";
        without a usable GPU, `error` and `recommendation` say why and what to do (the guide's keys).
        """
        from ..labext import nvml
        info = nvml.devices()
        gpus = []
        for d in info["devices"]:
            major, minor = (int(x) for x in d["compute_capability"].split("."))
            gpus.append({'name': d["name"], 'compute_capability': d["compute_capability"],
                         'tessera_compatible': (major, minor) >= MIN_COMPUTE_CAPABILITY})
        result = {'gpus_found': len(gpus), 'gpu_details': gpus,
                  'all_compatible': bool(gpus) and all(g['tessera_compatible'] for g in gpus)}
        if gpus:
            result['state'] = "ok" if result['all_compatible'] else "incompatible"
            if not result['all_compatible']:
                result['recommendation'] = ("GPUs below compute capability 7.0 are not supported: "
                                            "run Tessera on a Volta (sm_70) or newer GPU")
            return result
        why = info.get("nvml_error") or "no GPU"
        state = ("no NVML" if "not installed" in why else "no driver" if "did not start" in why else "no GPU")
        result.update(state=state, error=f"Could not assess GPU compatibility: {why}",
                      recommendation=("Please ensure NVIDIA drivers and nvidia-ml-py are installed; until then "
                                      "kernels run on Tessera's CPU backend, and PTX/SASS can be inspected for any "
                                      "GPU with `python -m tessera inspect`"))
        return result

    def check_software_environment(self) -> dict:
        """This machine's Python, Tessera, related packages and CUDA toolkit; the project's declared dependencies."""
        from .. import __version__
        packages = {}
        for name in ENV_PACKAGES:
            try:
                packages[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                packages[name] = None
        declared = [f for f in DEPENDENCY_FILES if os.path.isfile(os.path.join(self.project_path, f))]
        pinned = _pinned(self.project_path, declared, ("torch", "cuda"))
        return {
            'python': platform.python_version(),
            'python_ok': sys.version_info[:2] >= MIN_PYTHON,
            'tessera': __version__,
            'packages': packages,
            'nvcc': _nvcc_version(),
            'dependency_files': declared,
            'versions_documented': pinned,
        }

    def check_testing_infrastructure(self) -> dict:
        """Test files and functions found by the analyzer, test configuration and CI files in the project."""
        r = self.report
        config = [f for f in TEST_CONFIG_FILES if os.path.isfile(os.path.join(self.project_path, f))]
        ci = [f for f in CI_FILES if os.path.exists(os.path.join(self.project_path, f))]
        return {'test_files': len(r.test_files), 'test_functions': r.test_functions,
                'config_files': config, 'ci': ci, 'ready': r.test_functions > 0}

    def check_performance_benchmarks(self) -> dict:
        """Benchmark files (a path part with "bench") and timing code (torch.utils.benchmark, CUDA events, timeit)."""
        r = self.report
        timing = sorted({t.what for t in r.timing_uses})
        return {'benchmark_files': len(r.benchmark_files), 'files': r.benchmark_files[:20],
                'timing_apis': timing, 'ready': bool(r.benchmark_files or r.timing_uses)}

    # -- complexity --------------------------------------------------------------------------------
    def analyze_code_complexity(self) -> dict:
        """Analyze complexity of existing codebase: the guide's metrics, score and effort."""
        complexity_metrics = self.report.metrics()
        complexity_score = self.calculate_complexity_score(complexity_metrics)
        return {
            'metrics': complexity_metrics,
            'complexity_score': complexity_score,
            'estimated_effort': self.estimate_migration_effort(complexity_score),
        }

    def analyze_file(self, file_path, complexity_metrics: dict) -> None:
        """Add one file's counts to the guide's metrics dict (the guide's per-file step; sums and flags)."""
        r = self.analyzer.analyze_project(file_path)
        for key, value in r.metrics().items():
            if isinstance(value, bool):
                complexity_metrics[key] = complexity_metrics.get(key, False) or value
            else:
                complexity_metrics[key] = complexity_metrics.get(key, 0) + value

    def calculate_complexity_score(self, metrics) -> int:
        """Calculate migration complexity score (0-100): the guide's formula (tessera.migration.estimate)."""
        return estimate.complexity_score(metrics)

    def estimate_migration_effort(self, complexity_score) -> dict:
        """The guide's effort level and timeline for the score, and the diagnostic-based estimate beside it."""
        level = estimate.complexity_level(complexity_score)
        return {'level': level, 'timeline': estimate.GUIDE_TIMELINE[level],
                'person_days': self.report.effort_days, 'detail': self.report.effort_estimate}

    # -- bottlenecks, dependencies -----------------------------------------------------------------
    def identify_bottlenecks(self) -> list:
        """What will hold the migration up, and static signs of performance bottlenecks (nothing is profiled).

        Each entry: kind ("migration" or "performance"), what, count, locations (file:line), advice.
        """
        r = self.report
        out = []
        high = {}
        for d in r.diagnostics:
            if d.effort == "high":
                high.setdefault((d.id, d.message), []).append(d.where)
        for (diag_id, message), where in sorted(high.items(), key=lambda kv: -len(kv[1])):
            out.append(_bottleneck("migration", f"{diag_id} {message}", len(where), where,
                                   "high manual effort: plan these first"))
        failed = [k.where for k in r.kernels if not k.translated and k.effort == "high"]
        if failed:
            out.append(_bottleneck("migration", "kernels in files the translator failed on", len(failed), failed,
                                   "port by hand"))
        for key, what in (("copies", "cudaMemcpy calls"), ("syncs", "device synchronizations")):
            if r.host.get(key):
                out.append(_bottleneck("performance", what + " in CUDA host code", r.host[key], [],
                                       "each waits for the GPU; keep data on the device between kernels"))
        if r.sync_points:
            out.append(_bottleneck("performance", ".item()/.cpu()/.tolist() in Python", len(r.sync_points),
                                   [s.where for s in r.sync_points], "host syncs inside loops serialize the GPU"))
        atomics = [k.where for k in r.kernels if "atomics" in k.features]
        if atomics:
            out.append(_bottleneck("performance", "kernels with atomics", len(atomics), atomics,
                                   "contended atomics serialize; profile them with ts.profile"))
        return out

    def analyze_dependencies(self) -> dict:
        """Third-party Python packages and CUDA libraries the project uses, and what becomes of each."""
        r = self.report
        python = []
        for pkg, files in r.imports.items():
            status, note = PYTHON_DEPENDENCIES.get(pkg, ("unaffected", ""))
            python.append({'package': pkg, 'files': len(files), 'status': status, 'note': note})
        python.sort(key=lambda d: (d['status'] == "unaffected", d['package']))   # the ones with advice first
        libraries = {}
        for header, files in r.includes.items():
            for prefix, (status, note) in CUDA_HEADERS.items():
                if header.startswith(prefix) or os.path.basename(header).startswith(prefix):
                    entry = libraries.setdefault(prefix.rstrip("/."), {'library': prefix.rstrip("/."),
                                                                       'headers': [], 'files': set(),
                                                                       'status': status, 'note': note})
                    entry['headers'].append(header)
                    entry['files'].update(files)
                    break
        cuda = [dict(e, files=len(e['files'])) for e in libraries.values()]
        return {'python_packages': python, 'cuda_libraries': cuda,
                'declared_in': [f for f in DEPENDENCY_FILES if os.path.isfile(os.path.join(self.project_path, f))]}

    # -- plan --------------------------------------------------------------------------------------
    def generate_migration_plan(self) -> dict:
        """A plan from the other sections: the guide's strategy that fits, prerequisites, phases with effort."""
        from .plan import migration_plan
        results = self.assessment_results
        technical = results.get('technical') or self.assess_technical_readiness()
        complexity = results.get('complexity') or self.analyze_code_complexity()
        return migration_plan(self.report, technical, complexity)


def _bottleneck(kind, what, count, locations, advice) -> dict:
    return {'kind': kind, 'what': what, 'count': count, 'locations': list(dict.fromkeys(locations))[:10],
            'advice': advice}


def _pinned(root: str, files: list, names: tuple) -> dict:
    """For each name, whether a dependency file gives it a version (`torch==2.3`, `torch>=2`, `cuda 12.1`)."""
    out = {n: False for n in names}
    for f in files:
        try:
            with open(os.path.join(root, f), "rb") as fh:
                text = fh.read(1 << 20).decode("utf-8", errors="replace")
        except OSError:
            continue
        for n in names:
            if re.search(rf"\b{n}[\w-]*\s*(?:[=<>~!]=|[<>]|\s)\s*\d", text, re.I):
                out[n] = True
    return out


def _nvcc_version() -> str | None:
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        return None
    try:
        out = subprocess.run([nvcc, "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"release ([\d.]+)", out)
    return m.group(1) if m else None
