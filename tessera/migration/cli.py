"""`python -m tessera migrate ...`: analyze a CUDA/PyTorch project, translate a CUDA file.

    python -m tessera migrate analyze PATH [--json [FILE] | --html FILE] [--readiness]
    python -m tessera migrate translate FILE.cu [-o OUT.py]

Exit status: 0 done, 1 the work failed (the translator raised), 2 bad arguments or a
path that does not exist. Progress goes to stderr once an analysis takes more than a
moment; reports go to stdout or to the named file.

Example::

    >>> from tessera.migration.cli import build_parser
    >>> ns = build_parser().parse_args(["analyze", "src", "--html", "report.html"])
    >>> ns.command, ns.path, ns.html, ns.json
    ('analyze', 'src', 'report.html', None)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from ..errors import TesseraError

EPILOG = """\
examples:
  python -m tessera migrate analyze path/to/project                 the report, as text
  python -m tessera migrate analyze path/to/project --json out.json everything, as JSON (--json alone: stdout)
  python -m tessera migrate analyze path/to/project --html report.html --readiness
                                                                    one standalone HTML file, readiness included
  python -m tessera migrate translate kernels.cu -o kernels.py      CUDA C -> Tessera; diagnostics on stderr
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tessera migrate", epilog=EPILOG,
                                description="Analyze CUDA/PyTorch code for migration to Tessera, "
                                            "and translate CUDA C kernels to Tessera.",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="{analyze,translate}")
    a = sub.add_parser("analyze", help="count kernels, modules and what translates automatically",
                       description="Walk a project (nothing in it is imported or run) and report what moving it "
                                   "to Tessera takes.")
    a.add_argument("path", metavar="PATH", help="the project's directory (or one file)")
    out = a.add_mutually_exclusive_group()
    out.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                     help="write the whole report as JSON (to stdout without FILE)")
    out.add_argument("--html", default=None, metavar="FILE", help="write a standalone HTML report (plots inline)")
    a.add_argument("--readiness", action="store_true",
                   help="add the readiness assessment (GPU, environment, tests, bottlenecks, dependencies, plan)")
    a.add_argument("--max-file-mb", type=float, default=20, metavar="MB",
                   help="skip files larger than this, with a note (default: 20)")
    a.add_argument("--quiet", action="store_true", help="no progress on stderr")
    t = sub.add_parser("translate", help="translate one CUDA file to a Tessera module",
                       description="Translate the kernels of a CUDA C file to Tessera; diagnostics go to stderr.")
    t.add_argument("file", metavar="FILE.cu", help="the CUDA source")
    t.add_argument("-o", "--output", default=None, metavar="OUT.py", help="write the module here (default: stdout)")
    return p


def main(argv=None) -> int:
    parser = build_parser()
    ns = parser.parse_args(argv)
    if ns.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return analyze(ns) if ns.command == "analyze" else translate(ns)
    except TesseraError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2 if "no such file" in e.message else 1


def analyze(ns) -> int:
    from .analyze import CodebaseAnalyzer
    progress = None if ns.quiet else Progress(sys.stderr)
    analyzer = CodebaseAnalyzer(progress=progress, max_file_bytes=int(ns.max_file_mb * 2**20))
    report = analyzer.analyze_project(ns.path)
    if progress is not None:
        progress.done(report)
    readiness = None
    if ns.readiness:
        from .readiness import MigrationReadinessAssessment
        readiness = MigrationReadinessAssessment(ns.path, report=report).run_full_assessment()
    if ns.html:
        from .report_html import render_html
        _write(ns.html, render_html(report, readiness))
        print(f"wrote {ns.html}", file=sys.stderr)
    elif ns.json:
        data = report.to_dict()
        if readiness is not None:
            data["readiness"] = readiness
        _write(ns.json, json.dumps(data, indent=1, default=_jsonable) + "\n")
    else:
        print(report.summary())
        if readiness is not None:
            print(readiness_text(readiness))
    return 0


def translate(ns) -> int:
    from .analyze import _translator
    from .walk import decode_source
    translate_cuda = _translator()
    if translate_cuda is None:
        print("error: the CUDA translator (tessera.migration.translate_cuda) is not available in this build",
              file=sys.stderr)
        return 1
    if not os.path.isfile(ns.file):
        print(f"error: no such file: {ns.file}\nWrite instead: python -m tessera migrate translate kernels.cu",
              file=sys.stderr)
        return 2
    with open(ns.file, "rb") as fh:
        text, note = decode_source(fh.read())
    if note:
        print(f"{ns.file}: {note}", file=sys.stderr)
    t = translate_cuda(text, ns.file)
    for d in sorted(t.diagnostics, key=lambda d: d.line):
        print(f"{ns.file}:{d.line}: {d.id} [{d.effort}] {d.message}", file=sys.stderr)
        if d.snippet:
            print(f"    {d.snippet.strip()}", file=sys.stderr)
        if d.suggestion:
            print(f"    suggestion: {d.suggestion}", file=sys.stderr)
    s = t.stats
    share = f"{100 * s.automatic_fraction:.0f}%" if s.cuda_lines else "n/a"
    print(f"{ns.file}: {s.kernels_automatic} of {s.kernels_total} kernels translated automatically; "
          f"{s.lines_automatic} of {s.cuda_lines} kernel lines ({share}); {len(t.diagnostics)} diagnostics",
          file=sys.stderr)
    if ns.output:
        _write(ns.output, t.tessera_source)
        print(f"wrote {ns.output}", file=sys.stderr)
    else:
        sys.stdout.write(t.tessera_source)
    return 0


def readiness_text(results: dict) -> str:
    """The readiness assessment as text: GPU state, tests, benchmarks, complexity, plan."""
    tech = results["technical"]
    gpu = tech["gpu_compatibility"]
    env = tech["software_environment"]
    cx = results["complexity"]
    plan = results["plan"]
    gpus = ", ".join(f"{g['name']} (sm {g['compute_capability']})" for g in gpu["gpu_details"]) or gpu.get("error", "")
    lines = ["", "Readiness:",
             f"  GPU: {gpu['state']}: {gpus}",
             f"  Python {env['python']}, Tessera {env['tessera']}, torch {env['packages'].get('torch') or 'absent'}, "
             f"nvcc {env['nvcc'] or 'absent'}",
             f"  Tests: {tech['testing_infrastructure']['test_functions']} test functions in "
             f"{tech['testing_infrastructure']['test_files']} files",
             f"  Benchmarks: {tech['performance_benchmarks']['benchmark_files']} files",
             f"  Complexity score {cx['complexity_score']}/100: {cx['estimated_effort']['level']} "
             f"(the guide's timeline: {cx['estimated_effort']['timeline']})",
             f"  Strategy: {plan['strategy']} - {plan['why']}"]
    for p in plan["phases"]:
        lines.append(f"  {p['name']} ({p['person_days']:g} person-days):")
        lines += [f"    - {item}" for item in p["items"][:10]]
        if len(p["items"]) > 10:
            lines.append(f"    ... {len(p['items']) - 10} more")
    return "\n".join(lines)


class Progress:
    """Analysis progress on a stream: silent for the first half second, then a line that updates in place."""

    def __init__(self, stream, delay: float = 0.5, every: float = 0.25):
        self.stream, self.delay, self.every = stream, delay, every
        self.start = self.last = time.monotonic()
        self.shown = False
        self.tty = getattr(stream, "isatty", lambda: False)()

    def __call__(self, files: int, lines: int, relpath: str) -> None:
        now = time.monotonic()
        if now - self.start < self.delay or now - self.last < (self.every if self.tty else 5.0):
            return
        self.last = now
        self.shown = True
        msg = f"analyzing: {files} files, {lines} lines - {relpath[-60:]}"
        if self.tty:
            self.stream.write("\r\033[K" + msg)
        else:
            self.stream.write(msg + "\n")
        self.stream.flush()

    def done(self, report) -> None:
        if self.shown:
            end = "\r\033[K" if self.tty else ""
            self.stream.write(f"{end}analyzed {sum(report.files.values())} files, {report.total_lines_of_code} "
                              f"lines in {report.elapsed_s:.1f} s\n")
            self.stream.flush()


def _write(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _jsonable(obj):
    if isinstance(obj, (set, frozenset, tuple)):
        return sorted(obj) if isinstance(obj, (set, frozenset)) else list(obj)
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    return str(obj)
