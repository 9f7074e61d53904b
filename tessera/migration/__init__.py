"""Moving CUDA C and PyTorch code to Tessera: translation, codebase analysis, readiness.

    >>> import tessera as ts
    >>> ts.migration.Diagnostic("TM100", "example", line=1).id
    'TM100'
    >>> t = ts.migration.translate_cuda("__global__ void k(float* a) { a[threadIdx.x] = 1.0f; }")
    >>> t.stats.kernels_total, t.stats.kernels_automatic
    (1, 1)
"""

from .result import Diagnostic, KernelTranslation, Translation, TranslationStats, EFFORTS
from .diagnostics import CATALOGUE
from .translate import translate_cuda, load

__all__ = ["Diagnostic", "KernelTranslation", "Translation", "TranslationStats", "EFFORTS", "CATALOGUE",
           "translate_cuda", "load"]

# The codebase analysis and the readiness assessment.
from .analyze import AnalysisError, AnalysisReport, CodebaseAnalyzer, Recommendation  # noqa: E402
from .readiness import MigrationReadinessAssessment  # noqa: E402
__all__ += ["AnalysisError", "AnalysisReport", "CodebaseAnalyzer", "Recommendation", "MigrationReadinessAssessment"]

# The notebook views: a translation beside its CUDA C, and the analysis report.
from .view import ReportView, compare  # noqa: E402
__all__ += ["ReportView", "compare"]
