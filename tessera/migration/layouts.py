"""Pointer parameters -> tensor shapes, from how the kernel indexes them.

A pointer indexed `A[row * K + col]`, where `K` is an int parameter, is a row-major
matrix with K columns: it becomes `A: ts.Tensor["M", "K", ...]` indexed `A[row, col]`.
Its row count is the parameter that guards the row index (`row < M`). Splitting
recurses (`x[(b * H + h) * W + w]` is 3-D). A pointer whose accesses disagree stays 1-D.

    >>> from tessera.migration.cuda_tree import parser, walk
    >>> src = b"__global__ void k(float* A, int M, int K) { if (r < M) A[r * K + c] = 0; }"
    >>> tree = parser().parse(src)
    >>> body = tree.root_node.children[0]
    >>> lay = infer_layouts(body, pointers=["A"], ints=["M", "K"])["A"]
    >>> lay.dims
    ('M', 'K')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .cuda_tree import child, text, walk


@dataclass(frozen=True)
class Split:
    """One access's index, one part per dimension: each part a list of (sign, node) terms,
    or ("prod", [factor nodes]) for a row part that is a product."""
    parts: tuple


@dataclass
class Layout:
    name: str
    dims: tuple                       # per axis: the size parameter's name, or a fresh name
    strides: tuple                    # the size parameters that split the flat index
    splits: dict = field(default_factory=dict)   # id of the index node -> Split
    fresh: tuple = ()                 # dims that no size parameter bounds


def _unparen(node):
    while node is not None and node.type == "parenthesized_expression":
        inner = [c for c in node.children if c.is_named and c.type != "comment"]
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def terms(node, sign=1) -> list:
    """The additive terms of an index expression: [(+1 | -1, node)]."""
    node = _unparen(node)
    if node.type == "binary_expression":
        op = text(child(node, "operator"))
        if op in ("+", "-"):
            return terms(child(node, "left"), sign) + terms(child(node, "right"), sign if op == "+" else -sign)
    return [(sign, node)]


def factors(node) -> list:
    node = _unparen(node)
    if node.type == "binary_expression" and text(child(node, "operator")) == "*":
        return factors(child(node, "left")) + factors(child(node, "right"))
    return [node]


def normalize(s: str) -> str:
    s = re.sub(r"\s+", "", s)
    while s.startswith("(") and s.endswith(")") and _balanced(s[1:-1]):
        s = s[1:-1]
    return s


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def split_index(node, strides) -> tuple:
    """(stride names outermost first, Split) for a flat index; ((), None) when it does not split."""
    ts_ = terms(node)
    hits = []
    for i, (sign, t) in enumerate(ts_):
        fs = factors(t)
        names = [f for f in fs if f.type == "identifier" and text(f) in strides]
        if sign > 0 and len(names) == 1:
            hits.append((i, names[0], fs))
    for i, s_node, fs in hits:
        s = text(s_node)
        rest = [t for j, t in enumerate(ts_) if j != i]
        if any(text(n) == s for _, t in rest for n in walk(t) if n.type == "identifier"):
            continue  # the stride appears twice: not a plain row-major index
        row = [f for f in fs if f is not s_node]
        if not rest or not row:
            continue
        if len(row) == 1:
            inner, inner_split = split_index(row[0], strides)
            if inner_split is not None:
                return inner + (s,), Split(inner_split.parts + (tuple(rest),))
        return (s,), Split((("prod", tuple(row)), tuple(rest)))
    return (), None


def part_text(part) -> str:
    """Source text of one part of a Split (for matching guards)."""
    if part and part[0] == "prod":
        return "*".join(text(f) for f in part[1])
    out = ""
    for sign, t in part:
        out += ("-" if sign < 0 else ("+" if out else "")) + text(t)
    return out


def guards(body, ints) -> dict:
    """normalized index text -> int parameter, from comparisons `i < n`, `n > i`, `i >= n`, `n <= i`."""
    out = {}
    for n in walk(body):
        if n.type != "binary_expression":
            continue
        op = text(child(n, "operator"))
        left, right = child(n, "left"), child(n, "right")
        if left is None or right is None:
            continue
        if op in ("<", ">=") and _unparen(right).type == "identifier" and text(_unparen(right)) in ints:
            out.setdefault(normalize(text(left)), text(_unparen(right)))
        elif op in (">", "<=") and _unparen(left).type == "identifier" and text(_unparen(left)) in ints:
            out.setdefault(normalize(text(right)), text(_unparen(left)))
    return out


def accesses(body, name: str) -> list:
    """The index nodes of every `name[...]` in `body`."""
    out = []
    for n in walk(body):
        if n.type == "subscript_expression":
            arg = child(n, "argument")
            if arg is not None and arg.type == "identifier" and text(arg) == name:
                idx = [c for c in child(n, "indices").children if c.is_named and c.type != "comment"]
                if len(idx) == 1:
                    out.append(idx[0])
    return out


def infer_layouts(body, pointers, ints) -> dict:
    """name -> Layout for each pointer parameter."""
    ints = set(ints)
    bounds = guards(body, ints)
    out = {}
    for p in pointers:
        idx_nodes = accesses(body, p)
        results = [split_index(i, ints) for i in idx_nodes]
        strides = {r[0] for r in results}
        if len(strides) == 1 and () not in strides:
            (st,) = strides
            splits = {i.id: r[1] for i, r in zip(idx_nodes, results)}
            row = next((bounds[normalize(part_text(r[1].parts[0]))] for r in results
                        if normalize(part_text(r[1].parts[0])) in bounds), None)
            dims = (row or f"{p}_rows",) + st
            out[p] = Layout(p, dims, st, splits, () if row else (dims[0],))
        else:
            n = next((bounds[normalize(text(i))] for i in idx_nodes if normalize(text(i)) in bounds), None)
            out[p] = Layout(p, (n or f"{p}_size",), (), {}, () if n else (f"{p}_size",))
    return out
