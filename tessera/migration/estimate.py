"""The rules that turn counts into the analysis report's judgements: complexity, effort, performance potential.

Every figure here is derived from what the analyzer counted, by a rule written down
below, so a reader can redo it by hand; none is measured.

- Complexity: the migration guide's `calculate_complexity_score` (0-100), exactly as the
  guide writes it, over the guide's metrics. Its level follows the guide's table of
  project types: below 30 "Low", below 50 "Medium", below 70 "High", else "Very High";
  the guide's timeline for that row is the readiness assessment's effort.
- Effort: SYCLomatic's idea of manual effort per diagnostic, in hours, per CUDA line that
  has diagnostics (several on one line count once, at the highest effort, since they are
  one rewrite): low 0.25 h (check the line), medium 2 h (rewrite a construct), high 8 h
  (redesign a part of the kernel); 1 h per automatically translated kernel (run both
  versions on the same inputs and compare); 8 h per custom autograd Function (its
  backward needs its own kernel); 4 h per CUDA-extension build site (replaced by an
  import); 24 h once for distributed training and 4 h once for mixed precision (the
  kernels must be checked under them). Person-days are hours / 8, rounded up to a half day.
- Performance potential: from what the kernels do, since nothing is run. Kernels that
  tile through shared memory with fixed sizes are where autotuning can win ("High");
  elementwise and reduction kernels are memory-bound, where a translation reaches parity
  and gains come from fusing launches ("Moderate"); PyTorch code without kernels gains
  only where several operations fuse into one kernel ("Low").

Example::

    >>> m = {"total_lines_of_code": 6000, "cuda_kernel_count": 3, "pytorch_module_count": 4,
    ...      "custom_autograd_functions": 1, "distributed_training_usage": False, "mixed_precision_usage": True}
    >>> complexity_score(m), complexity_level(complexity_score(m))
    (63, 'High')
"""

from __future__ import annotations

import math

EFFORT_HOURS = {"low": 0.25, "medium": 2.0, "high": 8.0}
HOURS_PER_AUTOMATIC_KERNEL = 1.0
HOURS_PER_AUTOGRAD_FUNCTION = 8.0
HOURS_PER_EXTENSION_BUILD = 4.0
HOURS_DISTRIBUTED = 24.0
HOURS_MIXED_PRECISION = 4.0

# The guide's "Expected Timeline and Effort" table, by complexity level.
GUIDE_TIMELINE = {"Low": "2-4 weeks", "Medium": "1-3 months", "High": "3-6 months", "Very High": "6-12 months"}


def complexity_score(metrics: dict) -> int:
    """Migration complexity score (0-100), the migration guide's `calculate_complexity_score` as written."""
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


def complexity_level(score: int) -> str:
    """The guide's effort level for a complexity score: Low, Medium, High or Very High.

        >>> [complexity_level(s) for s in (10, 30, 50, 70)]
        ['Low', 'Medium', 'High', 'Very High']
    """
    return "Low" if score < 30 else "Medium" if score < 50 else "High" if score < 70 else "Very High"


def effort_hours(lines_by_effort: dict, *, automatic_kernels: int, autograd_functions: int,
                 extension_builds: int, distributed: bool, mixed_precision: bool) -> float:
    """Manual work in hours, by the weights in the module doc; `lines_by_effort` counts CUDA lines with diagnostics.

        >>> effort_hours({"low": 2, "medium": 1, "high": 1}, automatic_kernels=3, autograd_functions=0,
        ...              extension_builds=1, distributed=False, mixed_precision=False)
        17.5
    """
    hours = sum(EFFORT_HOURS.get(e, EFFORT_HOURS["medium"]) * n for e, n in lines_by_effort.items())
    hours += HOURS_PER_AUTOMATIC_KERNEL * automatic_kernels
    hours += HOURS_PER_AUTOGRAD_FUNCTION * autograd_functions
    hours += HOURS_PER_EXTENSION_BUILD * extension_builds
    hours += HOURS_DISTRIBUTED if distributed else 0.0
    hours += HOURS_MIXED_PRECISION if mixed_precision else 0.0
    return hours


def person_days(hours: float) -> float:
    """Hours -> person-days (8 h), rounded up to a half day; no work is 0.

        >>> person_days(0), person_days(1), person_days(17.5)
        (0, 0.5, 2.5)
    """
    return math.ceil(hours / 4) / 2 if hours else 0


def describe_effort(days: float, *, kernels: int, automatic: int, by_effort: dict) -> str:
    """The report's one-line effort estimate.

        >>> describe_effort(3.5, kernels=4, automatic=3, by_effort={"low": 2, "medium": 1, "high": 1})
        'about 3.5 person-days (3 of 4 kernels translate automatically; 4 diagnostics: 1 high, 1 medium, 2 low effort)'
    """
    manual = sum(by_effort.values())
    parts = ", ".join(f"{by_effort.get(e, 0)} {e}" for e in ("high", "medium", "low"))
    kern = f"{automatic} of {kernels} kernels translate automatically" if kernels else "no CUDA kernels"
    work = f"{manual} diagnostics: {parts} effort" if manual else "no diagnostics"
    return f"about {days:g} person-days ({kern}; {work})"


def performance_potential(kernel_features: list, *, pytorch_modules: int) -> str:
    """A static estimate of what Tessera can gain, from each kernel's features (sets from cuda_scan.kernel_features).

        >>> performance_potential([{"shared_memory", "loops", "barriers"}, set()], pytorch_modules=0)
        'High (static estimate): 1 of 2 kernels tile through shared memory with fixed sizes, where ts.kernel.autotune can pick faster tiles per GPU'
        >>> performance_potential([set(), {"atomics"}], pytorch_modules=2)
        'Moderate (static estimate): 2 memory-bound kernels (elementwise, reductions): parity with CUDA, gains from fusing launches'
    """
    n = len(kernel_features)
    tiled = sum(1 for f in kernel_features if {"shared_memory", "loops"} <= f)
    if tiled:
        return (f"High (static estimate): {tiled} of {n} kernels tile through shared memory with fixed sizes, "
                f"where ts.kernel.autotune can pick faster tiles per GPU")
    if n:
        return (f"Moderate (static estimate): {n} memory-bound kernel{'s' if n != 1 else ''} (elementwise, "
                f"reductions): parity with CUDA, gains from fusing launches")
    if pytorch_modules:
        return (f"Low (static estimate): no CUDA kernels; {pytorch_modules} PyTorch modules gain only where "
                f"several operations fuse into one Tessera kernel")
    return "None found: no CUDA kernels or PyTorch modules"
