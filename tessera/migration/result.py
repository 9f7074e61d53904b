"""What a CUDA -> Tessera translation produces: plain data, shared by the translator, the
analyzer, the CLI and the notebook views.

    >>> d = Diagnostic("TM101", "warp shuffle __shfl_down_sync has no Tessera form", line=12,
    ...                effort="medium", snippet="v += __shfl_down_sync(mask, v, 16);")
    >>> d.effort
    'medium'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

EFFORTS = ("low", "medium", "high")


@dataclass(frozen=True)
class Diagnostic:
    """One construct the translator could not carry over as is.

    `id` is stable (TMxxx) so reports can count and users can look it up; `line` is the
    1-based CUDA line; `effort` is how much manual work the construct asks for.
    `end_line` is the construct's last CUDA line when it spans several (None: one line).
    """
    id: str
    message: str
    line: int
    effort: str = "medium"
    snippet: str = ""
    kernel: str | None = None
    suggestion: str = ""
    end_line: int | None = None

    @property
    def lines(self) -> range:
        """The CUDA lines the construct covers.

            >>> list(Diagnostic("TM110", "inline PTX", line=4, end_line=6).lines)
            [4, 5, 6]
        """
        return range(self.line, (self.end_line or self.line) + 1)


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

    @property
    def pairs(self) -> list:
        """[(line within the CUDA definition, line within tessera_code)], 1-based, in CUDA order:
        the line map relative to both texts, as the side-by-side view aligns them.

            >>> KernelTranslation("k", "kernel", (10, 12), "", line_map={10: 2, 11: 3}).pairs
            [(1, 2), (2, 3)]
        """
        first = self.cuda_lines[0]
        return [(c - first + 1, t) for c, t in sorted(self.line_map.items())]


@dataclass(frozen=True)
class TranslationStats:
    """Counts over one translation, SYCLomatic-style; the analyzer adds them up over a codebase.

    `cuda_lines` counts non-blank, non-comment lines inside kernels and `__device__` functions;
    `lines_automatic` those of them that no medium- or high-effort diagnostic covers.
    """
    kernels_total: int = 0
    kernels_automatic: int = 0
    funcs_total: int = 0
    cuda_lines: int = 0
    lines_automatic: int = 0
    diagnostics_by_effort: dict = field(default_factory=lambda: {e: 0 for e in EFFORTS})
    diagnostics_by_id: dict = field(default_factory=dict)

    @property
    def automatic_fraction(self) -> float:
        """Share of kernel lines translated without manual work (1.0 when there are none)."""
        return self.lines_automatic / self.cuda_lines if self.cuda_lines else 1.0

    def __add__(self, other: "TranslationStats") -> "TranslationStats":
        def merged(a, b):
            out = dict(a)
            for k, v in b.items():
                out[k] = out.get(k, 0) + v
            return out
        return TranslationStats(
            self.kernels_total + other.kernels_total, self.kernels_automatic + other.kernels_automatic,
            self.funcs_total + other.funcs_total, self.cuda_lines + other.cuda_lines,
            self.lines_automatic + other.lines_automatic,
            merged(self.diagnostics_by_effort, other.diagnostics_by_effort),
            merged(self.diagnostics_by_id, other.diagnostics_by_id))

    def as_dict(self) -> dict:
        return {"kernels_total": self.kernels_total, "kernels_automatic": self.kernels_automatic,
                "funcs_total": self.funcs_total, "cuda_lines": self.cuda_lines,
                "lines_automatic": self.lines_automatic,
                "diagnostics_by_effort": dict(self.diagnostics_by_effort),
                "diagnostics_by_id": dict(self.diagnostics_by_id)}


_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def code_lines(source: str) -> set:
    """1-based numbers of the lines of C/C++ `source` that hold code (not blank, not only comments).

        >>> sorted(code_lines("int a;\\n\\n// note\\n/* x\\n y */ int b;\\n"))
        [1, 5]
    """
    # A comment is replaced by as many newlines as it spans, so line numbers stay put.
    stripped = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    return {i for i, text in enumerate(stripped.split("\n"), 1) if text.strip()}


@dataclass
class Translation:
    """The translation of one CUDA source: a runnable Python module text plus what was not translated."""
    source: str
    filename: str
    tessera_source: str            # whole module: imports, constants, funcs, kernels
    kernels: list = field(default_factory=list)      # KernelTranslation
    diagnostics: list = field(default_factory=list)  # every Diagnostic, kernels' included
    line_map: dict = field(default_factory=dict)     # CUDA line -> tessera_source line (1-based)

    @property
    def stats(self) -> TranslationStats:
        """Kernels and lines translated automatically, diagnostics by effort and by id.

            >>> k = KernelTranslation("k", "kernel", (1, 4), "")
            >>> t = Translation("__global__ void k(float* a) {\\n  // c\\n  a[0] = 1;\\n}\\n",
            ...                 "k.cu", "", kernels=[k])
            >>> s = t.stats
            >>> s.kernels_total, s.kernels_automatic, s.cuda_lines, s.lines_automatic
            (1, 1, 3, 3)
        """
        code = code_lines(self.source)
        in_defs = set()
        for k in self.kernels:
            in_defs.update(range(k.cuda_lines[0], k.cuda_lines[1] + 1))
        counted = code & in_defs
        manual = set()
        for d in self.diagnostics:
            if d.effort != "low":
                manual.update(d.lines)
        by_effort = {e: 0 for e in EFFORTS}
        by_id: dict = {}
        for d in self.diagnostics:
            by_effort[d.effort] = by_effort.get(d.effort, 0) + 1
            by_id[d.id] = by_id.get(d.id, 0) + 1
        kernels = [k for k in self.kernels if k.kind == "kernel"]
        return TranslationStats(
            kernels_total=len(kernels),
            kernels_automatic=sum(k.automatic for k in kernels),
            funcs_total=len(self.kernels) - len(kernels),
            cuda_lines=len(counted),
            lines_automatic=len(counted - manual),
            diagnostics_by_effort=by_effort,
            diagnostics_by_id=dict(sorted(by_id.items())))
