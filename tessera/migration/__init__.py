"""Moving CUDA C and PyTorch code to Tessera: translation, codebase analysis, readiness.

    >>> import tessera as ts
    >>> ts.migration.Diagnostic("TM100", "example", line=1).id
    'TM100'
"""

from .result import Diagnostic, KernelTranslation, Translation, EFFORTS

__all__ = ["Diagnostic", "KernelTranslation", "Translation", "EFFORTS"]
