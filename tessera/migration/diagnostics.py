"""The catalogue of translation diagnostics: a stable TMxxx id per kind of construct, with its effort
and what to do about it. Reports count by id; users look an id up here.

    >>> CATALOGUE["TM101"].effort
    'medium'
    >>> d = diagnostic("TM101", 7, "v = __shfl_down_sync(m, v, 16);", kernel="reduce",
    ...                detail="__shfl_down_sync")
    >>> d.message
    'warp shuffle has no Tessera form: __shfl_down_sync'
"""

from __future__ import annotations

from dataclasses import dataclass

from .result import Diagnostic


@dataclass(frozen=True)
class Entry:
    title: str
    effort: str
    suggestion: str


CATALOGUE = {
    # Notes: the translation is complete, but something changed that a caller should know.
    "TM001": Entry("no __global__ kernel in this source", "low",
                   "nothing to translate; host code is not translated"),
    "TM002": Entry("this part of the source did not parse", "medium",
                   "fix the C++ syntax (or a macro that hides it) and translate again"),
    "TM010": Entry("calling convention changed: size arguments became tensor shapes", "low",
                   "call the kernel without them; the tensors' shapes carry the sizes"),
    "TM011": Entry("template int parameter became a ts.constexpr parameter", "low",
                   "pass the value as the last arguments of the call"),
    "TM013": Entry("integer / and % follow Python (floor) rounding, C truncates toward zero", "low",
                   "check that the operands are never negative, or use ts.trunc on a float division"),
    "TM014": Entry("launch configuration cannot be inferred from the kernel", "low",
                   "launch it explicitly as kernel[grid, block](...)"),
    "TM015": Entry("printf is not translated", "low",
                   "print from the host after the launch, or run on backend='sim' to debug"),
    # Constructs with no direct Tessera form.
    "TM012": Entry("template type parameter: the kernel is translated for float", "medium",
                   "Tessera specializes on the argument dtypes; write the dtype in the Tensor annotations"),
    "TM101": Entry("warp shuffle has no Tessera form", "medium",
                   "exchange values through a ts.shared.alloc tile and ts.barrier(), or use a block reduction"),
    "TM102": Entry("warp vote has no Tessera form", "medium",
                   "compute the predicate into a shared tile and combine it after ts.barrier()"),
    "TM103": Entry("warp-level synchronization or warp size", "medium",
                   "Tessera works per block: use ts.barrier() and block-wide shared tiles"),
    "TM110": Entry("inline PTX assembly", "high",
                   "rewrite with ts intrinsics; the cuda backend links CUDA C++ device functions for what has none"),
    "TM120": Entry("textures and surfaces have no Tessera form", "high",
                   "pass the data as a ts.Tensor and index it (interpolation by hand)"),
    "TM130": Entry("cooperative groups have no Tessera form", "high",
                   "use ts.barrier() for a block group; split grid-wide syncs into separate kernel launches"),
    "TM140": Entry("dynamic parallelism (a kernel launched from device code)", "high",
                   "launch the child kernel from the host after this one"),
    "TM150": Entry("dynamic shared memory (extern __shared__)", "medium",
                   "allocate a fixed-size tile: ts.shared.alloc[ts.f32](SIZE) with SIZE a constant or ts.constexpr"),
    "TM151": Entry("__constant__ memory", "medium",
                   "pass the table as a ts.Tensor parameter"),
    "TM160": Entry("local (per-thread) arrays have no Tessera form", "medium",
                   "use scalars, or a shared tile with one row per thread"),
    "TM161": Entry("pointer arithmetic that is not indexing", "medium",
                   "index the tensor parameter directly: t[base + i]"),
    "TM162": Entry("struct or vector-type value", "medium",
                   "pass each field as its own parameter or tensor"),
    "TM163": Entry("parameter type has no Tessera form", "medium",
                   "pass a ts.Tensor or a scalar (ts.i32, ts.f32, ...)"),
    "TM164": Entry("device function reads thread or block indices", "medium",
                   "pass the indices as arguments: @ts.func functions cannot call ts.thread_id"),
    "TM170": Entry("function-like macro used in device code", "medium",
                   "write it as a @ts.func device function"),
    "TM171": Entry("#define that is not a constant, used in device code", "medium",
                   "define a module constant or a @ts.func"),
    "TM180": Entry("statement has no Tessera form", "medium",
                   "rewrite with if/elif/else, for over ts.range, while and break/continue"),
    "TM181": Entry("expression has no Tessera form", "medium",
                   "split it into plain assignments (no ++/-- or assignments inside expressions)"),
    "TM182": Entry("call of a function with no Tessera equivalent", "medium",
                   "write it as a @ts.func, or use a ts intrinsic"),
    "TM183": Entry("atomic operation with no Tessera form", "medium",
                   "use ts.atomic_add / atomic_max / atomic_min / atomic_cas"),
    "TM184": Entry("memory fence", "medium",
                   "ordering across blocks needs separate kernel launches in Tessera"),
    "TM190": Entry("depends on a name whose definition was not translated", "medium",
                   "translate the definition first (see the diagnostic on its line)"),
}


def diagnostic(id: str, line: int, snippet: str = "", *, kernel: str | None = None, detail: str = "",
               effort: str | None = None, end_line: int | None = None) -> Diagnostic:
    """A Diagnostic for catalogue entry `id`; `detail` is appended to its title."""
    e = CATALOGUE[id]
    detail = " ".join(detail.split())  # one line: messages are shown in comments and tables
    message = e.title + (f": {detail}" if detail else "")
    return Diagnostic(id, message, line, effort or e.effort, snippet.strip(), kernel, e.suggestion,
                      end_line if end_line and end_line != line else None)
