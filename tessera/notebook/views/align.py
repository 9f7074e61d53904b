"""Pair the lines of a CUDA C kernel with the lines of its Tessera version.

Each line is reduced to tokens that mean the same on both sides: CUDA's
builtins become Tessera's intrinsics (`blockIdx.x` -> `program_id(0)`,
`__syncthreads()` -> `barrier()`, `expf` -> `exp`), types, semicolons, braces,
parentheses, `ts.` and the `f` of float literals go, and a counted C `for`
becomes a `for ... in range(...)`. Two lines are similar by difflib's ratio of
their tokens; the alignment is the monotone one (as in a diff: pairs never
cross) with the largest total similarity, pairing only lines at least
`threshold` similar. Lines with no counterpart get a row of their own.

Example::

    >>> cuda = '''__global__ void vector_add(const float* a, const float* b, float* c, int n) {
    ...     int idx = blockIdx.x * blockDim.x + threadIdx.x;
    ...     if (idx < n) {
    ...         c[idx] = a[idx] + b[idx];
    ...     }
    ... }'''
    >>> tessera = '''@ts.kernel
    ... def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    ...     idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if idx < a.shape[0]:
    ...         c[idx] = a[idx] + b[idx]'''
    >>> [(r.cuda, r.tessera) for r in align_sources(cuda, tessera).rows]
    [(None, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, None), (6, None)]
    >>> tokens_cuda("int idx = blockIdx.x * blockDim.x + threadIdx.x;")
    ['idx', '=', 'program_id', '0', '*', 'block_size', '0', '+', 'thread_id', '0']
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# CUDA C name -> the Tessera intrinsic's name (without `ts.`); axes are added for x/y/z builtins.
BUILTINS = {"blockIdx": "program_id", "threadIdx": "thread_id", "blockDim": "block_size", "gridDim": "num_programs"}
FUNCTIONS = {
    "__syncthreads": "barrier", "atomicAdd": "atomic_add", "atomicMax": "atomic_max", "atomicMin": "atomic_min",
    "atomicCAS": "atomic_cas", "__pipeline_memcpy_async": "copy_async", "__pipeline_wait_prior": "wait_group",
    "__pipeline_commit": "", "fminf": "min", "fmaxf": "max", "fmin": "min", "fmax": "max", "fabsf": "abs",
    "fabs": "abs", "abs": "abs", "expf": "exp", "__expf": "exp", "exp2f": "exp2", "logf": "log", "__logf": "log",
    "log2f": "log2", "log10f": "log10", "sqrtf": "sqrt", "rsqrtf": "rsqrt", "tanhf": "tanh", "sinf": "sin",
    "__sinf": "sin", "cosf": "cos", "__cosf": "cos", "tanf": "tan", "floorf": "floor", "ceilf": "ceil",
    "erff": "erf", "truncf": "trunc", "roundf": "round", "powf": "pow", "__powf": "pow", "fmaf": "fma",
    "atan2f": "atan2", "fmodf": "fmod", "isnan": "isnan", "isinf": "isinf", "log1pf": "log1p", "expm1f": "expm1",
    "__shared__": "shared", "&&": "and", "||": "or", "!": "not", "true": "True", "false": "False",
}
# Words that carry no meaning a Python line would repeat: types, qualifiers, and C's punctuation.
DROP_CUDA = {"int", "unsigned", "float", "double", "long", "short", "char", "bool", "void", "const", "auto",
             "size_t", "int32_t", "int64_t", "uint32_t", "uint64_t", "half", "__half", "__nv_bfloat16",
             "__global__", "__device__", "__forceinline__", "__restrict__", "restrict", "static", "inline",
             "extern", "volatile", "signed", "float2", "float4", ";", "{", "}", "(", ")"}
_TYPES = DROP_CUDA - {";", "{", "}", "(", ")"}
DROP_TESSERA = {"ts", ".", ":", "(", ")", "def", "@", "kernel", "Tensor", "f16", "bf16", "f32", "f64", "i8",
                "i16", "i32", "i64", "u8", "u32", "constexpr"}

_TOKEN = re.compile(r"(?:blockIdx|threadIdx|blockDim|gridDim)\.[xyz]|[A-Za-z_]\w*|\d+\.\d*(?:[eE][-+]?\d+)?[fF]?"
                    r"|\.\d+(?:[eE][-+]?\d+)?[fF]?|\d+(?:[eE][-+]?\d+)?[uUlLfF]*|\*\*|==|!=|<=|>=|&&|\|\||\+=|-="
                    r"|\*=|/=|<<|>>|\+\+|--|->|\S")
_CFOR = re.compile(r"^\s*for\s*\(\s*(?:[A-Za-z_][\w\s\*]*\s+)?(\w+)\s*=\s*([^;]+);\s*\1\s*(<=|<)\s*([^;]+);\s*"
                   r"(?:\1\s*\+=\s*([^)]+)|\1\s*\+\+|\+\+\s*\1|\1\s*=\s*\1\s*\+\s*([^)]+))\s*\)\s*\{?\s*$")
_COMMENT_C = re.compile(r"//.*$")
_COMMENT_PY = re.compile(r"#.*$")
_ANNOTATION = re.compile(r":\s*ts\.Tensor\[[^\]]*\]|:\s*ts\.\w+|->\s*ts\.\w+")


def _cuda_for(line: str) -> str:
    """`for (int k = 0; k < K; k += T) {` -> `for k in range(0, K, T)` (other loops unchanged)."""
    m = _CFOR.match(line)
    if not m:
        return line
    var, start, op, stop, step = m.group(1), m.group(2).strip(), m.group(3), m.group(4).strip(), \
        (m.group(5) or m.group(6) or "1").strip()
    if op == "<=":
        stop = f"{stop} + 1"
    return f"for {var} in range({start}, {stop}{', ' + step if step != '1' else ''})"


def tokens_cuda(line: str) -> list:
    """The tokens of a CUDA C line, in Tessera's words."""
    line = _cuda_for(_COMMENT_C.sub("", line))
    out, prev = [], ""
    for t in _TOKEN.findall(line):
        pointer = t == "*" and (prev in _TYPES or prev == "*")
        prev = t if t != "*" or pointer else ""
        if t in DROP_CUDA or pointer:
            continue
        base, _, axis = t.partition(".")
        if base in BUILTINS and axis:
            out += [BUILTINS[base], str("xyz".index(axis))]
            continue
        t = FUNCTIONS.get(t, t)
        if re.fullmatch(r"[\d.]+(?:[eE][-+]?\d+)?[fF]", t):
            t = t[:-1]  # 1.0f and 1.0 are the same constant
        if t:
            out.append(t)
    return out


def tokens_tessera(line: str) -> list:
    """The tokens of a Tessera (Python) line, without `ts.`, annotations and punctuation."""
    line = _COMMENT_PY.sub("", line)
    if line.lstrip().startswith("def "):
        line = _ANNOTATION.sub("", line)
    return [t for t in _TOKEN.findall(line) if t not in DROP_TESSERA]


def similarity(a: list, b: list) -> float:
    """How alike two token lists are (0..1)."""
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class Row:
    """One row of the alignment: a CUDA line and/or a Tessera line (1-based, within each text)."""

    cuda: int | None
    tessera: int | None
    score: float = 0.0


@dataclass(frozen=True)
class Alignment:
    cuda_lines: tuple
    tessera_lines: tuple
    rows: tuple

    @property
    def pairs(self) -> list:
        """(cuda line, tessera line) of the rows that pair two lines."""
        return [(r.cuda, r.tessera) for r in self.rows if r.cuda is not None and r.tessera is not None]


def align_sources(cuda: str, tessera: str, *, threshold: float = 0.4) -> Alignment:
    """Align two sources line by line; see the module doc.

    >>> align_sources("__syncthreads();\\nout[i] = 2.0f * x[i];", "out[i] = 2.0 * x[i]").rows
    (Row(cuda=1, tessera=None, score=0.0), Row(cuda=2, tessera=1, score=1.0))
    """
    cl, tl = cuda.splitlines(), tessera.splitlines()
    ct, tt = [tokens_cuda(l) for l in cl], [tokens_tessera(l) for l in tl]
    n, m = len(cl), len(tl)
    # Best total similarity of cuda[:i] against tessera[:j]; a pair counts only above the threshold.
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    sims = {}
    for i in range(1, n + 1):
        row, prev = best[i], best[i - 1]
        for j in range(1, m + 1):
            s = similarity(ct[i - 1], tt[j - 1])
            take = prev[j - 1] + s if s >= threshold else -1.0
            if s >= threshold:
                sims[i, j] = s
            row[j] = max(prev[j], row[j - 1], take)
    pairs = []
    i, j = n, m
    while i > 0 and j > 0:
        s = sims.get((i, j))
        if s is not None and abs(best[i][j] - (best[i - 1][j - 1] + s)) < 1e-12:
            pairs.append((i, j, s))
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    pairs.reverse()
    rows, ci, ti = [], 1, 1
    for pi, pj, s in pairs + [(n + 1, m + 1, 0.0)]:
        # Unpaired lines between two pairs: the Tessera side's first (decorators, annotations come
        # before the code they belong to), each on a row of its own.
        rows += [Row(None, j) for j in range(ti, pj)]
        rows += [Row(i, None) for i in range(ci, pi)]
        if pi <= n:
            rows.append(Row(pi, pj, round(s, 3)))
        ci, ti = pi + 1, pj + 1
    return Alignment(tuple(cl), tuple(tl), tuple(rows))


def extract_cuda_kernel(source: str, name: str | None = None) -> tuple:
    """(text, first line) of the `__global__` function `name` in `source` (the first one when `name`
    is None); the whole source, from line 1, when there is none."""
    pat = re.compile(r"__global__[^;{]*?\b" + (re.escape(name) if name else r"\w+") + r"\s*\(")
    m = pat.search(source)
    if not m:
        return source, 1
    start = source.rfind("\n", 0, m.start()) + 1
    # A template<...> or extern "C" line just above belongs to the kernel.
    prev_end = start - 1
    prev_start = source.rfind("\n", 0, max(prev_end, 0)) + 1
    if prev_end > 0 and re.match(r'\s*(template\s*<|extern\s+"C")', source[prev_start:prev_end]) \
            and "{" not in source[prev_start:prev_end]:
        start = prev_start
    depth, k = 0, source.find("{", m.end())
    if k < 0:
        return source, 1
    while k < len(source):
        ch = source[k]
        depth += ch == "{"
        depth -= ch == "}"
        k += 1
        if depth == 0:
            break
    return source[start:k], source.count("\n", 0, start) + 1
