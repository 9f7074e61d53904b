"""The readiness assessment's migration plan: the guide's strategy that fits, prerequisites, phases with effort.

Strategy (the guide's four options), by rule:

- no CUDA kernels: "Hybrid Approach" (the PyTorch code stays; Tessera for new kernels);
- every kernel translates automatically and complexity is Low: "Complete Rewrite" of the
  CUDA side (it is mostly mechanical);
- complexity High or Very High: "Proof of Concept" (migrate the cheapest kernels first and
  measure before committing);
- otherwise "Gradual Migration".

Phases follow the order of work and are left out when empty; each carries its items
(file:line) and its effort by the weights of `estimate.py`, so that the phases after the
prerequisites add up to the analysis report's effort estimate.

Example::

    >>> from tessera.migration.analyze import AnalysisReport, KernelFound
    >>> r = AnalysisReport(path="p", cuda_kernels=1, kernels=[KernelFound("add", "a.cu", 1, 4, "none", 0)])
    >>> technical = {"gpu_compatibility": {"state": "no GPU"}, "testing_infrastructure": {"ready": True},
    ...              "performance_benchmarks": {"ready": True}}
    >>> plan = migration_plan(r, technical, {"estimated_effort": {"level": "Low"}})
    >>> plan["strategy"], [p["name"] for p in plan["phases"]]
    ('Complete Rewrite', ['Prerequisites', 'Kernels that translate automatically', 'Validate and tune'])
"""

from __future__ import annotations

from . import estimate

_STRATEGY_WHY = {
    "Hybrid Approach": "no CUDA kernels to migrate: keep the PyTorch code, write new kernels in Tessera",
    "Complete Rewrite": "every kernel translates automatically and the project is small",
    "Proof of Concept": "a complex project: migrate the cheapest kernels first and measure before committing",
    "Gradual Migration": "replace kernels one at a time, each checked against the CUDA version",
}


def choose_strategy(report, level: str) -> str:
    """The guide's migration strategy for a report and a complexity level (rules in the module doc)."""
    if not report.kernels:
        return "Hybrid Approach"
    if level == "Low" and all(k.automatic for k in report.kernels):
        return "Complete Rewrite"
    if level in ("High", "Very High"):
        return "Proof of Concept"
    return "Gradual Migration"


def migration_plan(report, technical: dict, complexity: dict) -> dict:
    """{'strategy', 'why', 'prerequisites', 'phases': [{'name', 'items', 'person_days'}], 'total_person_days'}."""
    level = complexity["estimated_effort"]["level"]
    strategy = choose_strategy(report, level)
    prereq = _prerequisites(technical)
    phases = []

    def phase(name, items, hours):
        if items:
            phases.append({'name': name, 'items': items, 'person_days': estimate.person_days(hours),
                           'hours': hours})

    phase("Prerequisites", prereq, 8.0 * sum(1 for p in prereq if p.startswith("write")))
    auto = [k for k in report.kernels if k.automatic]
    phase("Kernels that translate automatically",
          [f"{k.name} ({k.where})" for k in auto], estimate.HOURS_PER_AUTOMATIC_KERNEL * len(auto))
    # every diagnostic's line is counted here (device functions and headers too), as in the report's estimate
    from .analyze import manual_lines_by_effort
    hours = sum(estimate.EFFORT_HOURS[e] * n for e, n in manual_lines_by_effort(report).items())
    manual = sorted((k for k in report.kernels if not k.automatic), key=lambda k: (k.diagnostics, k.where))
    items = [f"{k.name} ({k.where}): {_diag_ids(report, k)}" for k in manual]
    outside = {d.where for d in report.diagnostics if d.effort != "low" and not _in_kernel(report, d)}
    if outside:
        items.append(f"{len(outside)} lines with diagnostics outside kernels (__device__ functions, headers)")
    phase("Code that needs manual work", items, hours)
    glue = ([f"autograd Function {c.name} ({c.where})" for c in report.autograd_functions] +
            [f"{e.what} ({e.where})" for e in report.cuda_extensions])
    phase("PyTorch integration", glue,
          estimate.HOURS_PER_AUTOGRAD_FUNCTION * len(report.autograd_functions)
          + estimate.HOURS_PER_EXTENSION_BUILD * len(report.cuda_extensions))
    checks = []
    if report.distributed_uses:
        checks.append("run the migrated kernels under the existing distributed setup ("
                      + ", ".join(sorted({u.what for u in report.distributed_uses})) + ")")
    if report.mixed_precision_uses:
        checks.append("check the kernels with f16/bf16 inputs where autocast produces them")
    phase("Distributed and mixed-precision checks", checks,
          (estimate.HOURS_DISTRIBUTED if report.distributed_uses else 0)
          + (estimate.HOURS_MIXED_PRECISION if report.mixed_precision_uses else 0))
    if report.kernels:
        tiled = [k for k in report.kernels if {"shared_memory", "loops"} <= set(k.features)]
        validate = ["profile each migrated kernel against its CUDA version with ts.profile"]
        if tiled:
            validate.append(f"autotune the tile sizes of {len(tiled)} tiled kernels with ts.kernel.autotune")
        phase("Validate and tune", validate, 0)
    return {'strategy': strategy, 'why': _STRATEGY_WHY[strategy], 'prerequisites': prereq, 'phases': phases,
            'total_person_days': estimate.person_days(sum(p['hours'] for p in phases)),
            'guide_timeline': estimate.GUIDE_TIMELINE[level]}


def _prerequisites(technical: dict) -> list:
    out = []
    gpu = technical.get("gpu_compatibility", {})
    if gpu.get("state") != "ok":
        out.append(f"GPU: {gpu.get('state', 'unknown')} - develop on the CPU backend, validate on a GPU "
                   f"with compute capability 7.0 or newer")
    if not technical.get("testing_infrastructure", {}).get("ready"):
        out.append("write tests that pin today's CUDA/PyTorch results, to check each migrated kernel against")
    if not technical.get("performance_benchmarks", {}).get("ready"):
        out.append("write benchmarks of today's kernels, to compare the migrated ones with")
    return out


def _in_kernel(report, d) -> bool:
    return any(k.file == d.file and k.line <= d.line <= k.end_line for k in report.kernels)


def _diag_ids(report, kernel) -> str:
    ids = sorted({d.id for d in report.diagnostics
                  if d.file == kernel.file and kernel.line <= d.line <= kernel.end_line})
    if not kernel.translated:
        return "translator failed on its file" if kernel.effort == "high" else "not translated"
    return ", ".join(ids) if ids else "no diagnostics"
