"""`ts.migration.CodebaseAnalyzer().analyze_project(path)`: what a CUDA/PyTorch project holds, and what moving it takes.

The analyzer walks the tree safely (`walk.py`: nothing is imported or run), reads each
Python file's syntax tree (`python_scan.py`), translates each file holding CUDA device
code with `translate_cuda` and adds up what the translation could not carry over, as
HIPIFY's statistics and SYCLomatic's analysis mode do: kernels and kernel lines
translated automatically, and the manual effort each diagnostic asks for. The
judgements (complexity, effort, performance potential) follow the rules in
`estimate.py`; the recommendations follow from the counts (`recommend.py`).

Which files count: `.py` files are read as Python; `.cu`/`.cuh` files, and C/C++ files
(`.cpp`, `.h`, ...) that define CUDA device functions, are translated; other C/C++
files count as lines of code only.

Example (the guide's)::

    >>> import pathlib, tempfile
    >>> project = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (project / "add.cu").write_text(
    ...     "__global__ void vector_add(float* a, float* b, float* c, int n) {\\n"
    ...     "    int idx = blockIdx.x * blockDim.x + threadIdx.x;\\n"
    ...     "    if (idx < n) c[idx] = a[idx] + b[idx];\\n}\\n")
    >>> _ = (project / "model.py").write_text("import torch.nn as nn\\nclass Net(nn.Module):\\n    pass\\n")
    >>> import tessera as ts
    >>> analyzer = ts.migration.CodebaseAnalyzer()
    >>> analysis_report = analyzer.analyze_project(project)
    >>> print(f"Total CUDA kernels found: {analysis_report.cuda_kernels}")
    Total CUDA kernels found: 1
    >>> print(f"PyTorch modules found: {analysis_report.pytorch_modules}")
    PyTorch modules found: 1
    >>> print(f"Migration complexity: {analysis_report.complexity_level}")
    Migration complexity: Low
    >>> [k.where for k in analysis_report.kernels]
    ['add.cu:1']
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

from ..errors import TesseraError
from . import cuda_scan, estimate
from .python_scan import resolve_subclasses, scan_python
from .result import EFFORTS, TranslationStats
from .walk import MAX_FILE_BYTES, walk_sources


class AnalysisError(TesseraError):
    """The project to analyze cannot be read at all (no such path)."""


@dataclass(frozen=True)
class Recommendation:
    """One piece of advice: the part of the project it is about, what to do, and where (file:line)."""
    component: str
    suggestion: str
    locations: tuple = ()


@dataclass(frozen=True)
class KernelFound:
    """A CUDA kernel: where it is, the highest effort among its diagnostics ("none" if it has none), what it does."""
    name: str
    file: str
    line: int
    end_line: int
    effort: str
    diagnostics: int
    features: tuple = ()
    translated: bool = True   # False: the translator failed on its file

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def automatic(self) -> bool:
        return self.translated and self.effort in ("none", "low")


@dataclass(frozen=True)
class DiagnosticFound:
    """A translator diagnostic, with the file it came from."""
    id: str
    effort: str
    message: str
    file: str
    line: int
    kernel: str | None = None
    suggestion: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class AnalysisReport:
    """What `CodebaseAnalyzer.analyze_project` found. The guide's fields come first; `to_dict()` gives JSON.

    `cuda_kernels` and `pytorch_modules` are counts (the lists are `kernels` and `modules`);
    `effort_estimate`, `complexity_level` and `performance_potential` are sentences derived by
    the rules in `tessera.migration.estimate`.
    """
    path: str
    cuda_kernels: int = 0
    pytorch_modules: int = 0
    effort_estimate: str = ""
    complexity_level: str = ""
    performance_potential: str = ""
    recommendations: list = field(default_factory=list)
    complexity_score: int = 0
    effort_days: float = 0
    kernels: list = field(default_factory=list)                 # KernelFound
    device_functions: int = 0
    modules: list = field(default_factory=list)                 # python_scan.ClassDef
    autograd_functions: list = field(default_factory=list)
    distributed_uses: list = field(default_factory=list)        # python_scan.Found
    mixed_precision_uses: list = field(default_factory=list)
    cuda_extensions: list = field(default_factory=list)
    sync_points: list = field(default_factory=list)
    timing_uses: list = field(default_factory=list)
    diagnostics: list = field(default_factory=list)             # DiagnosticFound
    translation: TranslationStats = field(default_factory=TranslationStats)
    translator_available: bool = True
    files: dict = field(default_factory=dict)                   # kind -> count ("python", "cuda", "cpp")
    lines: dict = field(default_factory=dict)                   # kind -> physical lines
    cuda_files: list = field(default_factory=list)              # files translated (relative paths)
    per_file: list = field(default_factory=list)                # one dict of translation counts per CUDA file
    host: dict = field(default_factory=dict)                    # launches, copies, syncs, allocations
    imports: dict = field(default_factory=dict)                 # top-level package -> files importing it
    includes: dict = field(default_factory=dict)                # header -> files including it
    test_files: list = field(default_factory=list)
    test_functions: int = 0
    benchmark_files: list = field(default_factory=list)
    notes: list = field(default_factory=list)                   # walk.WalkNote and analysis notes
    elapsed_s: float = 0.0

    # -- the guide's metrics and derived figures -------------------------------------------------
    @property
    def custom_autograd_functions(self) -> int:
        return len(self.autograd_functions)

    @property
    def distributed_training(self) -> bool:
        return bool(self.distributed_uses)

    @property
    def mixed_precision(self) -> bool:
        return bool(self.mixed_precision_uses)

    @property
    def total_lines_of_code(self) -> int:
        return sum(self.lines.values())

    @property
    def kernels_automatic(self) -> int:
        return sum(k.automatic for k in self.kernels)

    @property
    def kernels_by_effort(self) -> dict:
        """Kernels by the highest effort among their diagnostics (SYCLomatic's levels), "none" first."""
        c = Counter(k.effort for k in self.kernels)
        return {e: c.get(e, 0) for e in ("none",) + EFFORTS}

    @property
    def automatic_share(self) -> float:
        """Share of kernel code lines translated with no medium- or high-effort diagnostic on them."""
        return self.translation.automatic_fraction

    def metrics(self) -> dict:
        """The migration guide's complexity metrics (analyze_code_complexity's dict)."""
        return {"total_lines_of_code": self.total_lines_of_code, "cuda_kernel_count": self.cuda_kernels,
                "pytorch_module_count": self.pytorch_modules,
                "custom_autograd_functions": self.custom_autograd_functions,
                "distributed_training_usage": self.distributed_training,
                "mixed_precision_usage": self.mixed_precision}

    def top_diagnostics(self, n: int = 10) -> list:
        """[(id, count, effort, message, suggestion, first file:line)] for the n most frequent diagnostic ids."""
        by_id: dict = {}
        for d in self.diagnostics:
            by_id.setdefault(d.id, []).append(d)
        titles = _catalogue_titles()
        rows = [(i, len(ds), ds[0].effort, titles.get(i, ds[0].message), ds[0].suggestion, ds[0].where)
                for i, ds in by_id.items()]
        rows.sort(key=lambda r: (-r[1], -_effort_rank(r[2]), r[0]))
        return rows[:n]

    def to_dict(self) -> dict:
        """Everything, as JSON-ready data (lists of dicts, counts, the derived figures)."""
        out = {k: v for k, v in asdict(self).items() if k != "translation"}
        out["notes"] = [asdict(n) for n in self.notes]
        out["translation"] = self.translation.as_dict()
        for name in ("custom_autograd_functions", "distributed_training", "mixed_precision",
                     "total_lines_of_code", "kernels_automatic", "kernels_by_effort", "automatic_share"):
            out[name] = getattr(self, name)
        out["metrics"] = self.metrics()
        out["top_diagnostics"] = [dict(zip(("id", "count", "effort", "message", "suggestion", "first"), r))
                                  for r in self.top_diagnostics(20)]
        for k, kernel in zip(out["kernels"], self.kernels):
            k["automatic"] = kernel.automatic
        return out

    def summary(self) -> str:
        """The guide's printed report, plus the translatable share; what `migrate analyze` prints."""
        t = self.translation
        lines = [
            f"Migration Analysis Report: {self.path}",
            f"Files: {self.files.get('python', 0)} Python, {self.files.get('cuda', 0)} CUDA, "
            f"{self.files.get('cpp', 0)} C/C++ ({self.total_lines_of_code} lines)",
            f"Total CUDA kernels found: {self.cuda_kernels}",
            f"PyTorch modules found: {self.pytorch_modules}",
            f"Custom autograd functions: {self.custom_autograd_functions}",
            f"Distributed training: {_uses(self.distributed_uses)}",
            f"Mixed precision: {_uses(self.mixed_precision_uses)}",
        ]
        if self.translator_available:
            by = self.kernels_by_effort
            lines += [
                f"Kernels translated automatically: {self.kernels_automatic} of {self.cuda_kernels} "
                f"(manual effort: {by['low']} low, {by['medium']} medium, {by['high']} high)",
                f"Kernel lines translated automatically: {t.lines_automatic} of {t.cuda_lines} "
                f"({100 * self.automatic_share:.0f}%)",
            ]
        lines += [
            f"Estimated migration effort: {self.effort_estimate}",
            f"Migration complexity: {self.complexity_level} (score {self.complexity_score}/100)",
            f"Potential performance gains: {self.performance_potential}",
        ]
        top = self.top_diagnostics(5)
        if top:
            lines.append("Top diagnostics:")
            lines += [f"  {i} x{n} [{e}] {m} (first at {w})" for i, n, e, m, _, w in top]
        lines.append("Recommendations:")
        lines += [f"- {r.component}: {r.suggestion}" for r in self.recommendations]
        if self.notes:
            lines.append(f"Notes ({len(self.notes)}):")
            lines += [f"  {n.path}: {n.reason}" for n in self.notes[:20]]
            if len(self.notes) > 20:
                lines.append(f"  ... {len(self.notes) - 20} more (see --json)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"AnalysisReport({self.path!r}, cuda_kernels={self.cuda_kernels}, "
                f"pytorch_modules={self.pytorch_modules}, complexity_level={self.complexity_level!r})")


class CodebaseAnalyzer:
    """Analyzes a project tree for migration to Tessera (see the module doc).

    `progress(files, lines, relpath)`, when given, is called after each file read;
    `max_file_bytes` is the size over which a file is skipped with a note.
    """

    def __init__(self, *, progress=None, max_file_bytes: int = MAX_FILE_BYTES):
        self.progress = progress
        self.max_file_bytes = max_file_bytes

    def analyze_project(self, path) -> AnalysisReport:
        """Walk `path` (a directory or one file) and return its AnalysisReport."""
        start = time.perf_counter()
        path = os.fspath(path)
        if not os.path.exists(path):
            raise AnalysisError(f"no such file or directory: {path}",
                                hint="an existing directory or file, e.g. "
                                     "ts.migration.CodebaseAnalyzer().analyze_project('path/to/project')")
        report = AnalysisReport(path=path)
        translate = _translator()
        report.translator_available = translate is not None
        if translate is None:
            report.notes.append(_note(".", "translate_cuda is not available: kernels are counted, not translated"))
        scans, files, lines, n_lines = [], Counter(), Counter(), 0
        imports, includes = {}, {}
        for i, src in enumerate(walk_sources(path, notes=report.notes, max_file_bytes=self.max_file_bytes), 1):
            files[src.kind] += 1
            lines[src.kind] += src.lines
            n_lines += src.lines
            if src.kind == "python":
                scan = scan_python(src.text, src.relpath)
                if scan.syntax_error:
                    report.notes.append(_note(src.relpath, f"Python that does not parse ({scan.syntax_error}); "
                                                           f"imports and classes not read"))
                scans.append(scan)
                for pkg in scan.imports:
                    imports.setdefault(pkg, []).append(src.relpath)
                _classify_python_file(report, src.relpath, scan)
            else:
                for h in cuda_scan.includes(src.text):
                    includes.setdefault(h, []).append(src.relpath)
                if src.kind == "cuda" or cuda_scan.has_device_code(src.text):
                    _analyze_cuda(report, src, translate)
            if self.progress is not None:
                self.progress(i, n_lines, src.relpath)
        resolve_subclasses(scans)
        for scan in scans:
            report.modules += scan.modules
            report.autograd_functions += scan.autograd_functions
            report.distributed_uses += scan.distributed
            report.mixed_precision_uses += scan.mixed_precision
            report.cuda_extensions += scan.cuda_extensions
            report.sync_points += scan.sync_points
            report.timing_uses += scan.timing
        report.files, report.lines = dict(files), dict(lines)
        report.imports = _without_local(imports, scans, path)
        report.includes = includes
        report.cuda_kernels = len(report.kernels)
        report.pytorch_modules = len(report.modules)
        _judge(report)
        report.elapsed_s = time.perf_counter() - start
        return report


def _translator():
    """`translate_cuda`, looked up at call time: the analyzer works (counting only) without it."""
    return getattr(importlib.import_module("tessera.migration"), "translate_cuda", None)


def _catalogue_titles() -> dict:
    """Diagnostic id -> its catalogue title: one wording per id, without one site's details."""
    try:
        from .diagnostics import CATALOGUE
    except ImportError:
        return {}
    return {i: e.title for i, e in CATALOGUE.items()}


def _note(path: str, reason: str):
    from .walk import WalkNote
    return WalkNote(path, reason)


_RANKS = ("none",) + EFFORTS


def _effort_rank(effort: str) -> int:
    return _RANKS.index(effort) if effort in _RANKS else _RANKS.index("medium")


def _classify_python_file(report: AnalysisReport, rel: str, scan) -> None:
    parts = rel.replace("\\", "/").lower().split("/")
    name = parts[-1]
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" \
            or (scan.test_functions and any(p in ("test", "tests", "testing") for p in parts[:-1])):
        report.test_files.append(rel)
        report.test_functions += scan.test_functions
    if any("bench" in p for p in parts):
        report.benchmark_files.append(rel)


def _analyze_cuda(report: AnalysisReport, src, translate) -> None:
    report.cuda_files.append(src.relpath)
    for k, v in cuda_scan.host_signs(src.text).items():
        report.host[k] = report.host.get(k, 0) + v
    text_lines = src.text.split("\n")
    translation, error = None, None
    if translate is not None:
        try:
            translation = translate(src.text, src.relpath)
        except Exception as e:  # one file the translator cannot handle must not end the analysis
            error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            report.notes.append(_note(src.relpath, f"translator failed ({error}); its kernels count as untranslated"))
    if translation is None:
        try:
            found = cuda_scan.find_kernels(src.text)
        except Exception as e:
            report.notes.append(_note(src.relpath, f"CUDA that does not parse ({type(e).__name__}); skipped"))
            return
        for f in found:
            if f.kind == "kernel":
                feats = cuda_scan.kernel_features(text_lines[f.first - 1:f.last])
                report.kernels.append(KernelFound(f.name, src.relpath, f.first, f.last, "high" if error else "none",
                                                  0, tuple(sorted(feats)), translated=False))
            else:
                report.device_functions += 1
        return
    stats = translation.stats
    report.translation = report.translation + stats
    report.per_file.append({"file": src.relpath, "lines": src.lines, "kernels": stats.kernels_total,
                            "kernels_automatic": stats.kernels_automatic, "cuda_lines": stats.cuda_lines,
                            "lines_automatic": stats.lines_automatic, "diagnostics": len(translation.diagnostics)})
    for d in translation.diagnostics:
        report.diagnostics.append(DiagnosticFound(d.id, d.effort, d.message, src.relpath, d.line, d.kernel,
                                                  d.suggestion))
    for k in translation.kernels:
        if k.kind != "kernel":
            report.device_functions += 1
            continue
        first, last = k.cuda_lines
        effort = max((d.effort for d in k.diagnostics), key=_effort_rank, default="none")
        feats = cuda_scan.kernel_features(text_lines[first - 1:last])
        report.kernels.append(KernelFound(k.name, src.relpath, first, last, effort, len(k.diagnostics),
                                          tuple(sorted(feats))))


def _without_local(imports: dict, scans: list, root: str) -> dict:
    """Third-party imports only: drop the standard library and the project's own modules and packages."""
    local = set(sys.stdlib_module_names)
    for s in scans:
        parts = s.file.replace("\\", "/").split("/")
        local.update(p[:-3] if p.endswith(".py") else p for p in parts)
    local.add(os.path.basename(os.path.abspath(root)))
    return {pkg: files for pkg, files in sorted(imports.items()) if pkg not in local}


def manual_lines_by_effort(report: AnalysisReport) -> dict:
    """CUDA lines with diagnostics, by effort: several diagnostics on one line are one rewrite, at the highest
    effort; a kernel in a file the translator failed on counts as one high-effort item."""
    line_effort: dict = {}
    for d in report.diagnostics:
        key = (d.file, d.line)
        line_effort[key] = max(line_effort.get(key, "low"), d.effort, key=_effort_rank)
    by_line = Counter(line_effort.values())
    by_line["high"] += sum(1 for k in report.kernels if not k.translated and k.effort == "high")
    return {e: by_line.get(e, 0) for e in EFFORTS}


def _judge(report: AnalysisReport) -> None:
    from .recommend import recommendations
    report.complexity_score = estimate.complexity_score(report.metrics())
    report.complexity_level = estimate.complexity_level(report.complexity_score)
    by_effort = Counter(d.effort for d in report.diagnostics)
    by_effort["high"] += sum(1 for k in report.kernels if not k.translated and k.effort == "high")
    by_effort = {e: by_effort.get(e, 0) for e in EFFORTS}
    hours = estimate.effort_hours(manual_lines_by_effort(report), automatic_kernels=report.kernels_automatic,
                                  autograd_functions=report.custom_autograd_functions,
                                  extension_builds=len(report.cuda_extensions),
                                  distributed=report.distributed_training, mixed_precision=report.mixed_precision)
    report.effort_days = estimate.person_days(hours)
    if report.translator_available:
        report.effort_estimate = estimate.describe_effort(report.effort_days, kernels=report.cuda_kernels,
                                                          automatic=report.kernels_automatic, by_effort=by_effort)
    else:
        report.effort_estimate = (f"unknown: {report.cuda_kernels} kernels found but not translated "
                                  f"(translate_cuda unavailable)")
    report.performance_potential = estimate.performance_potential([set(k.features) for k in report.kernels],
                                                                  pytorch_modules=report.pytorch_modules)
    report.recommendations = recommendations(report)


def _uses(found: list) -> str:
    if not found:
        return "no"
    kinds = ", ".join(sorted({f.what for f in found}))
    return f"yes ({kinds}; first at {found[0].where})"
