"""What the analyzer reads in CUDA and C++ files besides the translation: device code, host-side signs, includes.

The translator (`translate_cuda`) says, per kernel, what carries over; this module answers
the questions around it, with tree-sitter's CUDA grammar where structure matters and plain
patterns over comment-free text where it does not:

- `has_device_code(text)`: does a .cpp/.h file hold CUDA device code (a `__global__` or
  `__device__` function)? Such a file is translated like a .cu file; a C++ file without
  one counts as lines of code only.
- `find_kernels(text)`: the `__global__` and `__device__` functions (name, kind, first and
  last line), for files the translator could not handle, so their kernels still count.
- `kernel_features(text)`: what a kernel body does (shared-memory tiling, atomics, warp
  intrinsics, loops), for the performance estimate.
- `host_signs(text)`: kernel launches, host<->device copies, device synchronisations, allocations.
- `includes(text)`: the headers it includes, for the dependency analysis.

Example::

    >>> src = '''#include <cub/cub.cuh>
    ... template <typename T>
    ... __global__ void scale(T* x, T s, int n) {
    ...     int i = blockIdx.x * blockDim.x + threadIdx.x;   // __shared__ in a comment is not code
    ...     if (i < n) x[i] *= s;
    ... }
    ... void run(float* x, int n) { scale<<<(n + 255) / 256, 256>>>(x, 2.0f, n); cudaDeviceSynchronize(); }
    ... '''
    >>> [(k.name, k.kind, k.first, k.last) for k in find_kernels(src)]
    [('scale', 'kernel', 3, 6)]
    >>> kernel_features(src.splitlines()[2:6])
    set()
    >>> host_signs(src)["launches"], host_signs(src)["syncs"], includes(src)
    (1, 1, ['cub/cub.cuh'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')
_DEVICE_FN = re.compile(r"\b__global__\b|\b__device__\b[^;{=]*\(")
_INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)

_HOST = {
    "launches": re.compile(r"<<<"),
    "copies": re.compile(r"\bcudaMemcpy\w*\s*\(|\bcudaMemcpyAsync\s*\("),
    "syncs": re.compile(r"\bcuda(?:Device|Stream|Event)Synchronize\s*\("),
    "allocations": re.compile(r"\bcudaMalloc\w*\s*\("),
}
_FEATURES = {
    "shared_memory": re.compile(r"\b__shared__\b"),
    "atomics": re.compile(r"\batomic[A-Z]\w*\s*\("),
    "warp_intrinsics": re.compile(r"\b__(?:shfl\w*|ballot_sync|any_sync|all_sync|activemask|reduce_\w+_sync)\b"),
    "loops": re.compile(r"\b(?:for|while)\s*\("),
    "barriers": re.compile(r"\b__syncthreads\w*\s*\("),
    "tensor_cores": re.compile(r"\bwmma::|\bmma\.sync|\bwgmma\b|\bnvcuda::wmma\b"),
}


@dataclass(frozen=True)
class CudaFunction:
    """A `__global__` (kind "kernel") or `__device__` (kind "func") function and its 1-based line span."""
    name: str
    kind: str
    first: int
    last: int


def strip_comments(text: str) -> str:
    """`text` with comments and string literals blanked, newlines kept (line numbers stay put).

        >>> strip_comments('a; // b\\n/* c\\n d */ e "f";')
        'a; \\n\\n e "";'
    """
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return _STRING.sub('""', text)


def has_device_code(text: str) -> bool:
    """True when C/C++ `text` defines or declares CUDA device functions (outside comments).

        >>> has_device_code("// __global__ void k();\\nint main() {}"), has_device_code("__global__ void k(int* a);")
        (False, True)
    """
    return bool(_DEVICE_FN.search(strip_comments(text)))


def host_signs(text: str) -> dict:
    """Counts of host-side CUDA calls: kernel launches, cudaMemcpy*, synchronizations, cudaMalloc*."""
    code = strip_comments(text)
    return {name: len(p.findall(code)) for name, p in _HOST.items()}


def includes(text: str) -> list:
    """The headers `text` includes, in order, each once."""
    return list(dict.fromkeys(_INCLUDE.findall(text)))


def kernel_features(lines) -> set:
    """What a kernel body does, from its source lines: names out of `_FEATURES` (shared_memory, atomics, ...)."""
    code = strip_comments("\n".join(lines))
    return {name for name, p in _FEATURES.items() if p.search(code)}


@lru_cache(maxsize=1)
def _parser():
    import tree_sitter
    import tree_sitter_cuda
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_cuda.language()))


def find_kernels(text: str) -> list:
    """The `__global__` and `__device__` function definitions in `text`, found with tree-sitter's CUDA grammar."""
    tree = _parser().parse(text.encode("utf-8", errors="replace"))
    out = []
    stack = [tree.root_node]
    while stack:  # explicit stack: generated code nests deeper than Python's recursion limit
        node = stack.pop()
        if node.type == "function_definition":
            kinds = {c.type for c in node.children}
            kind = "kernel" if "__global__" in kinds else "func" if "__device__" in kinds else None
            name = _declarator_name(node)
            if kind and name:
                out.append(CudaFunction(name, kind, node.start_point[0] + 1, node.end_point[0] + 1))
            continue
        stack.extend(reversed(node.children))
    return out


def _declarator_name(node) -> str | None:
    decl = node.child_by_field_name("declarator")
    while decl is not None and decl.type not in ("identifier", "field_identifier", "qualified_identifier",
                                                  "destructor_name", "operator_name"):
        decl = decl.child_by_field_name("declarator")
    return decl.text.decode("utf-8", errors="replace") if decl is not None else None
