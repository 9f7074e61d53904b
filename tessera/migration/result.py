"""What a CUDA -> Tessera translation produces: plain data, shared by the translator, the
analyzer, the CLI and the notebook views.

    >>> d = Diagnostic("TM101", "warp shuffle __shfl_down_sync has no Tessera form", line=12,
    ...                effort="medium", snippet="v += __shfl_down_sync(mask, v, 16);")
    >>> d.effort
    'medium'
"""

from __future__ import annotations

from dataclasses import dataclass, field

EFFORTS = ("low", "medium", "high")


@dataclass(frozen=True)
class Diagnostic:
    """One construct the translator could not carry over as is.

    `id` is stable (TMxxx) so reports can count and users can look it up; `line` is the
    1-based CUDA line; `effort` is how much manual work the construct asks for.
    """
    id: str
    message: str
    line: int
    effort: str = "medium"
    snippet: str = ""
    kernel: str | None = None
    suggestion: str = ""


@dataclass
class KernelTranslation:
    """One `__global__` kernel (or `__device__` helper, `kind="func"`) and its Tessera code."""
    name: str
    kind: str                      # "kernel" | "func"
    cuda_lines: tuple              # (first, last) 1-based lines of the CUDA definition
    tessera_code: str              # the Python source of the Tessera function, decorator included
    diagnostics: list = field(default_factory=list)
    line_map: dict = field(default_factory=dict)   # CUDA line -> line within tessera_code (1-based)

    @property
    def automatic(self) -> bool:
        """True when the kernel translated with no diagnostic above 'low' effort."""
        return all(d.effort == "low" for d in self.diagnostics)


@dataclass
class Translation:
    """The translation of one CUDA source: a runnable Python module text plus what was not translated."""
    source: str
    filename: str
    tessera_source: str            # whole module: imports, constants, funcs, kernels
    kernels: list = field(default_factory=list)      # KernelTranslation
    diagnostics: list = field(default_factory=list)  # every Diagnostic, kernels' included
    line_map: dict = field(default_factory=dict)     # CUDA line -> tessera_source line (1-based)
