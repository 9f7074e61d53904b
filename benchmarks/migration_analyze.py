"""How long `CodebaseAnalyzer` takes on a tree of a given size: a figure to report, never an assertion.

    python -m benchmarks.migration_analyze [--lines 60000] [--keep DIR]

Builds a project in a temporary directory from the repository's migration corpus (CUDA
kernels of every construct the translator knows, PyTorch modules, DDP, AMP, extension
builds), copied into nested packages until it holds `--lines` lines, then times one
`analyze_project` on it (every .cu file translated) and prints files, lines, kernels and
seconds, with lines per second.
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import tempfile
import time

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "tests" / "migration_corpus"


def build_tree(root: pathlib.Path, lines: int) -> int:
    """Copy the corpus into root/pkg000/..., one copy per package, until `lines` lines are written."""
    sources = [p for p in sorted(CORPUS.rglob("*")) if p.suffix in (".cu", ".py") and p.name != "conftest.py"]
    texts = [(p.relative_to(CORPUS), p.read_text()) for p in sources]
    written, copy = 0, 0
    while written < lines:
        pkg = root / f"pkg{copy:03d}" / "sub" / "ops"
        for rel, text in texts:
            dest = pkg / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text)
            written += text.count("\n")
        copy += 1
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.migration_analyze")
    ap.add_argument("--lines", type=int, default=60_000)
    ap.add_argument("--keep", default=None, help="build the tree here and keep it")
    ns = ap.parse_args(argv)
    from tessera.migration import CodebaseAnalyzer

    root = pathlib.Path(ns.keep or tempfile.mkdtemp(prefix="tessera-analyze-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        build_tree(root, ns.lines)
        CodebaseAnalyzer().analyze_project(CORPUS)      # warm: imports, tree-sitter parser
        t0 = time.perf_counter()
        r = CodebaseAnalyzer().analyze_project(root)
        dt = time.perf_counter() - t0
    finally:
        if ns.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    n = sum(r.files.values())
    print(f"{n} files, {r.total_lines_of_code} lines ({r.lines.get('cuda', 0)} CUDA), {r.cuda_kernels} kernels, "
          f"{len(r.diagnostics)} diagnostics: {dt:.2f} s ({r.total_lines_of_code / dt:,.0f} lines/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
