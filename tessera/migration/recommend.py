"""The analysis report's recommendations: what to do with each part of the project, most useful first.

Each rule looks at one kind of finding and, when there is something to say, adds a
`Recommendation(component, suggestion, locations)`. The order is the order of work a
migration follows: kernels that translate as they are, the constructs that need a
hand (most frequent and most expensive first), then the PyTorch side.

Example::

    >>> from tessera.migration.analyze import AnalysisReport, KernelFound
    >>> r = AnalysisReport(path="p", kernels=[KernelFound("add", "a.cu", 1, 4, "none", 0)], cuda_files=["a.cu"])
    >>> first = recommendations(r)[0]
    >>> first.component, first.locations
    ('CUDA kernels (1 translate automatically)', ('a.cu:1',))
"""

from __future__ import annotations

from . import estimate

MAX_LOCATIONS = 5
MAX_DIAGNOSTIC_RULES = 6


def recommendations(report) -> list:
    """All recommendations for an AnalysisReport, in working order."""
    from .analyze import Recommendation
    out = []

    def add(component, suggestion, found=()):
        where = tuple(dict.fromkeys(f.where for f in found))   # several diagnostics on one line: one location
        out.append(Recommendation(component, suggestion, where[:MAX_LOCATIONS]))

    auto = [k for k in report.kernels if k.automatic]
    if auto:
        files = sorted({k.file for k in auto})
        add(f"CUDA kernels ({len(auto)} translate automatically)",
            f"run `python -m tessera migrate translate FILE.cu` on {_few(files)} and check each kernel against "
            f"the CUDA version on the same inputs (ts.from_numpy, then compare with numpy.testing)", auto)
    untranslated = [k for k in report.kernels if not k.translated]
    if untranslated and report.translator_available:
        add(f"CUDA kernels the translator failed on ({len(untranslated)})",
            "port these by hand, starting from the guide's patterns, and report the file to Tessera's issue "
            "tracker: the notes name the error", untranslated)
    # the most work first: sites times the hours their effort level stands for
    by_work = sorted(report.top_diagnostics(10**6), key=lambda r: -r[1] * estimate.EFFORT_HOURS.get(r[2], 4.0))
    for diag_id, n, effort, message, suggestion, _ in by_work[:MAX_DIAGNOSTIC_RULES]:
        sites = [d for d in report.diagnostics if d.id == diag_id]
        add(f"{diag_id} {message} ({n} site{'s' if n != 1 else ''}, {effort} effort)",
            suggestion or "rewrite by hand; the translated code marks the line", sites)
    tiled = [k for k in report.kernels if {"shared_memory", "loops"} <= set(k.features)]
    if tiled:
        add(f"Tiled kernels ({len(tiled)})",
            "after translating, put the tile sizes in ts.kernel.autotune(space=..., key=...) instead of fixed "
            "#defines, so each GPU gets its fastest tiles", tiled)
    if report.modules:
        add(f"PyTorch modules ({len(report.modules)})",
            "keep them in PyTorch and call Tessera kernels from forward(): a kernel takes torch CUDA tensors "
            "as they are (__cuda_array_interface__), no copy", report.modules)
    if report.autograd_functions:
        add(f"Custom autograd functions ({len(report.autograd_functions)})",
            "keep each torch.autograd.Function as the glue; translate the CUDA kernels behind forward and "
            "backward separately, and check the gradients with torch.autograd.gradcheck", report.autograd_functions)
    if report.cuda_extensions:
        add(f"CUDA extension builds ({len(report.cuda_extensions)})",
            "translated kernels need no compile step: replace cpp_extension.load/CUDAExtension with an import "
            "of the translated module once its kernels pass their checks", report.cuda_extensions)
    if report.distributed_uses:
        kinds = ", ".join(sorted({f.what for f in report.distributed_uses}))
        add(f"Distributed training ({kinds})",
            "stays in PyTorch: Tessera has no distributed runtime yet; migrate the per-GPU kernels first and run "
            "them inside the existing process groups", report.distributed_uses)
    if report.mixed_precision_uses:
        add("Mixed precision (autocast/GradScaler)",
            "autocast does not reach into custom kernels: give the Tessera kernels explicit ts.f16/ts.bf16 "
            "tensor types where the CUDA kernels take half precision", report.mixed_precision_uses)
    syncs = report.host.get("syncs", 0) + report.host.get("copies", 0)
    if syncs or len(report.sync_points) >= 10:
        add("Host-device synchronization",
            f"{syncs} cudaMemcpy/synchronize calls in CUDA host code and {len(report.sync_points)} "
            f".item()/.cpu()/.tolist() calls in Python wait for the GPU; keep data on the device between "
            f"Tessera kernels (ts.Tensor) and profile with ts.profile before and after", report.sync_points)
    if not report.test_files:
        add("Tests", "no test files found: write tests that pin the current CUDA/PyTorch results before "
                     "migrating, so each translated kernel can be checked against them")
    if not report.kernels and not report.modules:
        add("Project", f"no CUDA kernels or PyTorch modules found under {report.path}: check the path")
    skipped = [n for n in report.notes if "skipped" in n.reason or "not followed" in n.reason]
    if skipped:
        add(f"Files not analyzed ({len(skipped)})",
            "see the notes: binary, unreadable or oversized files, symlinks out of the tree, virtual environments")
    return out


def _few(names: list, n: int = 3) -> str:
    return ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")
