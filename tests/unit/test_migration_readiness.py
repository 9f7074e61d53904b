"""MigrationReadinessAssessment: the guide's sections, its complexity formula exactly, GPU states as data."""

import itertools

import pytest

import tessera as ts
from tessera.labext import nvml
from tessera.migration.readiness import MigrationReadinessAssessment


def guide_calculate_complexity_score(metrics):
    """The migration guide's method, copied verbatim (self dropped): the reference the product must equal."""

    score = 0

    # Base complexity from code size
    if metrics['total_lines_of_code'] > 10000:
        score += 30
    elif metrics['total_lines_of_code'] > 5000:
        score += 20
    else:
        score += 10

    # CUDA kernel complexity
    score += min(metrics['cuda_kernel_count'] * 5, 25)

    # PyTorch module complexity
    score += min(metrics['pytorch_module_count'] * 2, 20)

    # Advanced features
    if metrics['custom_autograd_functions'] > 0:
        score += 15

    if metrics['distributed_training_usage']:
        score += 10

    if metrics['mixed_precision_usage']:
        score += 5

    return min(score, 100)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "ops.cu").write_text(
        "#include <cuda_fp16.h>\n#include <thrust/sort.h>\n"
        "__global__ void hist(int* bins, const int* x, int n) {\n"
        "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
        "    if (i < n) atomicAdd(&bins[x[i]], 1);\n}\n"
        "__global__ void bad(float* a) { asm volatile(\"membar.gl;\"); a[0] = 1; }\n"
        "void run(int* b, int* x, int n) { cudaMemcpy(b, x, n, cudaMemcpyDeviceToHost); }\n")
    (tmp_path / "train.py").write_text(
        "import torch\nimport torch.distributed as dist\nimport triton\n"
        "class Net(torch.nn.Module):\n    pass\n"
        "class F(torch.autograd.Function):\n    pass\n"
        "def main(m):\n    dist.init_process_group('nccl')\n    return m(1).item()\n")
    (tmp_path / "requirements.txt").write_text("torch==2.3.1\nnumpy\n")
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "bench_ops.py").write_text("import torch\nstart = torch.cuda.Event(enable_timing=True)\n")
    return tmp_path


def test_sections(project):
    results = ts.migration.MigrationReadinessAssessment(project).run_full_assessment()
    assert list(results) == ["technical", "complexity", "bottlenecks", "dependencies", "plan"]
    assert list(results["technical"]) == ["gpu_compatibility", "software_environment", "testing_infrastructure",
                                          "performance_benchmarks"]
    assert list(results["complexity"]) == ["metrics", "complexity_score", "estimated_effort"]


@pytest.mark.parametrize("lines,kernels,modules,autograd,dist,amp", list(itertools.product(
    (0, 5000, 5001, 10000, 10001), (0, 1, 5, 6), (0, 3, 10, 11), (0, 2), (False, True), (False, True))))
def test_complexity_score_is_the_guides(lines, kernels, modules, autograd, dist, amp):
    m = {"total_lines_of_code": lines, "cuda_kernel_count": kernels, "pytorch_module_count": modules,
         "custom_autograd_functions": autograd, "distributed_training_usage": dist, "mixed_precision_usage": amp}
    assert MigrationReadinessAssessment(".").calculate_complexity_score(m) == guide_calculate_complexity_score(m)


def test_complexity_on_a_project(project):
    a = MigrationReadinessAssessment(project)
    cx = a.analyze_code_complexity()
    assert cx["metrics"] == {"total_lines_of_code": 8 + 10 + 2, "cuda_kernel_count": 2, "pytorch_module_count": 1,
                             "custom_autograd_functions": 1, "distributed_training_usage": True,
                             "mixed_precision_usage": False}
    assert cx["complexity_score"] == 10 + 10 + 2 + 15 + 10
    assert cx["estimated_effort"]["level"] == "Medium" and cx["estimated_effort"]["timeline"] == "1-3 months"


def _devices(devs, why=None):
    return lambda: {"devices": devs, "backend": "cuda" if devs else "cpu", "message": None, "nvml_error": why}


def test_gpu_compatibility_states(monkeypatch):
    a = MigrationReadinessAssessment(".")
    h100 = {"name": "NVIDIA H100", "compute_capability": "9.0"}
    p100 = {"name": "Tesla P100", "compute_capability": "6.0"}
    monkeypatch.setattr(nvml, "devices", _devices([h100]))
    g = a.check_gpu_compatibility()
    assert g == {"gpus_found": 1, "all_compatible": True, "state": "ok",
                 "gpu_details": [{"name": "NVIDIA H100", "compute_capability": "9.0", "tessera_compatible": True}]}
    monkeypatch.setattr(nvml, "devices", _devices([h100, p100]))
    g = a.check_gpu_compatibility()
    assert g["state"] == "incompatible" and not g["all_compatible"]
    assert [x["tessera_compatible"] for x in g["gpu_details"]] == [True, False]
    monkeypatch.setattr(nvml, "devices", _devices([{"name": "B200", "compute_capability": "10.0"}]))
    assert a.check_gpu_compatibility()["all_compatible"]     # 10.0 >= 7.0 (as numbers, not strings)
    for why, state in (("NVML did not start: NVML Shared Library Not Found", "no driver"),
                       ("nvidia-ml-py is not installed (No module named 'pynvml')", "no NVML"),
                       ("NVML sees no devices", "no GPU")):
        monkeypatch.setattr(nvml, "devices", _devices([], why))
        g = a.check_gpu_compatibility()
        assert (g["state"], g["gpus_found"], g["all_compatible"]) == (state, 0, False)
        assert g["error"] == f"Could not assess GPU compatibility: {why}"
        assert g["recommendation"].startswith("Please ensure NVIDIA drivers and nvidia-ml-py are installed")


def test_gpu_compatibility_on_this_machine_never_raises():
    g = MigrationReadinessAssessment(".").check_gpu_compatibility()
    assert g["state"] in ("ok", "incompatible", "no GPU", "no driver", "no NVML")


def test_software_environment(project):
    env = MigrationReadinessAssessment(project).check_software_environment()
    assert env["python_ok"] and env["tessera"] == ts.__version__
    assert env["packages"]["numba"] is not None
    assert env["dependency_files"] == ["requirements.txt"]
    assert env["versions_documented"] == {"torch": True, "cuda": False}


def test_tests_and_benchmarks(project, tmp_path_factory):
    a = MigrationReadinessAssessment(project)
    t = a.check_testing_infrastructure()
    assert (t["test_files"], t["test_functions"], t["ready"]) == (0, 0, False)
    b = a.check_performance_benchmarks()
    assert b["files"] == ["bench/bench_ops.py"] and b["timing_apis"] == ["torch.cuda.Event"] and b["ready"]
    (project / "tests").mkdir()
    (project / "tests" / "test_ops.py").write_text("def test_hist():\n    pass\n")
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / ".github" / "workflows").mkdir(parents=True)
    t = MigrationReadinessAssessment(project).check_testing_infrastructure()
    assert t == {"test_files": 1, "test_functions": 1, "config_files": ["pytest.ini"],
                 "ci": [".github/workflows"], "ready": True}


def test_bottlenecks(project):
    b = MigrationReadinessAssessment(project).identify_bottlenecks()
    kinds = [(x["kind"], x["what"]) for x in b]
    assert ("migration", "TM110 inline PTX assembly") in kinds
    assert ("performance", "cudaMemcpy calls in CUDA host code") in kinds
    assert ("performance", "kernels with atomics") in kinds
    item = next(x for x in b if x["what"].startswith(".item()"))
    assert item["locations"] == ["train.py:10"]


def test_dependencies(project):
    d = MigrationReadinessAssessment(project).analyze_dependencies()
    py = {x["package"]: x["status"] for x in d["python_packages"]}
    assert py == {"torch": "keep", "triton": "port"}
    libs = {x["library"]: (x["status"], x["headers"]) for x in d["cuda_libraries"]}
    assert libs == {"cuda_fp16": ("replace", ["cuda_fp16.h"]), "thrust": ("manual", ["thrust/sort.h"])}
    assert d["declared_in"] == ["requirements.txt"]


def test_plan(project, monkeypatch):
    monkeypatch.setattr(nvml, "devices", _devices([], "NVML did not start: no driver"))
    plan = MigrationReadinessAssessment(project).run_full_assessment()["plan"]
    assert plan["strategy"] == "Gradual Migration"
    names = [p["name"] for p in plan["phases"]]
    assert names == ["Prerequisites", "Kernels that translate automatically", "Code that needs manual work",
                     "PyTorch integration", "Distributed and mixed-precision checks", "Validate and tune"]
    assert plan["prerequisites"][0].startswith("GPU: no driver")
    manual = plan["phases"][2]["items"]
    assert manual == ["bad (ops.cu:7): TM110"] or manual[0].startswith("bad (ops.cu:7): ")
    r = MigrationReadinessAssessment(project).report
    assert plan["total_person_days"] == r.effort_days + plan["phases"][0]["person_days"]   # report + prerequisites


def test_plan_strategies(tmp_path):
    (tmp_path / "m.py").write_text("import torch\nclass N(torch.nn.Module): pass\n")
    assert MigrationReadinessAssessment(tmp_path).run_full_assessment()["plan"]["strategy"] == "Hybrid Approach"


def test_analyze_file_adds_up_like_the_guides_walk(project):
    a = MigrationReadinessAssessment(project)
    metrics = {"total_lines_of_code": 0, "cuda_kernel_count": 0, "pytorch_module_count": 0,
               "custom_autograd_functions": 0, "distributed_training_usage": False, "mixed_precision_usage": False}
    for name in ("ops.cu", "train.py"):
        a.analyze_file(str(project / name), metrics)
    assert metrics == {"total_lines_of_code": 18, "cuda_kernel_count": 2, "pytorch_module_count": 1,
                       "custom_autograd_functions": 1, "distributed_training_usage": True,
                       "mixed_precision_usage": False}
