"""The analysis report as one standalone HTML file: plots inline (plotly.js embedded once), no network needed.

Every name and message from the analyzed project is escaped: the tree is untrusted, and
a file called `<script>.cu` must show as text. Long tables stop at `MAX_ROWS` rows with
a count of the rest (the JSON report has everything).

Example::

    >>> from tessera.migration.analyze import AnalysisReport
    >>> page = render_html(AnalysisReport(path="<proj>"), include_plotlyjs=False)
    >>> page.startswith("<!DOCTYPE html>"), "&lt;proj&gt;" in page, "<proj>" in page
    (True, True, False)
"""

from __future__ import annotations

import datetime
import html

MAX_ROWS = 300
EFFORT_COLORS = {"none": "#2ca02c", "low": "#98df8a", "medium": "#ff7f0e", "high": "#d62728"}

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #e0e0e0;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:.8em}.card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:12em}
.card b{display:block;font-size:1.5em}.muted{color:#777;font-size:.9em}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:1em}
code{background:#f5f5f5;padding:0 .2em}
.e-none{color:#2ca02c}.e-low{color:#4a9a3a}.e-medium{color:#d0700e}.e-high{color:#d62728;font-weight:bold}
"""


def render_html(report, readiness: dict | None = None, *, include_plotlyjs=True) -> str:
    """The whole page for an AnalysisReport (and the readiness results, if given)."""
    from .. import __version__
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = ["<h1>Tessera migration analysis</h1>",
             f"<p class=muted>{_e(report.path)} &middot; {now} &middot; Tessera {_e(__version__)} &middot; "
             f"{sum(report.files.values())} files, {report.total_lines_of_code} lines, "
             f"analyzed in {report.elapsed_s:.1f} s</p>",
             _summary(report), _plots(report, include_plotlyjs), _recommendations(report),
             _kernels(report), _diagnostics(report), _per_file(report), _python(report)]
    if readiness is not None:
        parts.append(_readiness(readiness))
    parts.append(_notes(report))
    body = "\n".join(p for p in parts if p)
    return (f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>Tessera migration analysis: {_e(report.path)}</title><style>{_CSS}</style></head>"
            f"<body>\n{body}\n</body></html>\n")


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _table(headers, rows, numeric=()) -> str:
    rows = list(rows)
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    thead = f"<thead><tr>{head}</tr></thead>" if any(headers) else ""
    body = []
    for r in rows[:MAX_ROWS]:
        cells = []
        for i, c in enumerate(r):
            raw = isinstance(c, _Raw)
            cls = " class=n" if i in numeric else ""
            cells.append(f"<td{cls}>{c if raw else _e(c)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f"<p class=muted>... {len(rows) - MAX_ROWS} more rows (see --json)</p>"
            if len(rows) > MAX_ROWS else "")
    return f"<table>{thead}<tbody>{''.join(body)}</tbody></table>{more}"


class _Raw(str):
    """Markup this module built itself (already escaped)."""


def _effort(e: str) -> _Raw:
    return _Raw(f"<span class=e-{_e(e)}>{_e(e)}</span>")


def _summary(r) -> str:
    t = r.translation
    cards = [("CUDA kernels", r.cuda_kernels, f"{r.kernels_automatic} translate automatically"
              if r.translator_available else "not translated"),
             ("Kernel lines automatic", f"{100 * r.automatic_share:.0f}%" if t.cuda_lines else "n/a",
              f"{t.lines_automatic} of {t.cuda_lines} lines"),
             ("PyTorch modules", r.pytorch_modules, f"{r.custom_autograd_functions} custom autograd functions"),
             ("Complexity", r.complexity_level, f"score {r.complexity_score}/100 (the guide's formula)"),
             ("Effort", f"{r.effort_days:g} person-days", "manual effort per diagnostic")]
    html_cards = "".join(f"<div class=card><span class=muted>{_e(a)}</span><b>{_e(b)}</b>"
                         f"<span class=muted>{_e(c)}</span></div>" for a, b, c in cards)
    rows = [("Estimated migration effort", r.effort_estimate),
            ("Migration complexity", f"{r.complexity_level} (score {r.complexity_score}/100)"),
            ("Potential performance gains", r.performance_potential),
            ("Distributed training", ", ".join(sorted({u.what for u in r.distributed_uses})) or "no"),
            ("Mixed precision", ", ".join(sorted({u.what for u in r.mixed_precision_uses})) or "no"),
            ("Files", ", ".join(f"{n} {k}" for k, n in sorted(r.files.items())) or "none")]
    return f"<h2>Summary</h2><div class=cards>{html_cards}</div>" + _table(("", ""), rows)


def report_figures(r) -> list:
    """The report's plotly figures (the HTML page and the notebook's ReportView draw the same)."""
    import plotly.graph_objects as go
    figs = []
    if r.kernels:
        by = r.kernels_by_effort
        figs.append(go.Figure(go.Bar(x=list(by), y=list(by.values()),
                                     marker_color=[EFFORT_COLORS[e] for e in by]),
                              layout=dict(title="Kernels by manual effort (highest diagnostic)",
                                          yaxis_title="kernels")))
    t = r.translation
    if t.cuda_lines:
        figs.append(go.Figure(go.Pie(labels=["automatic", "manual"],
                                     values=[t.lines_automatic, t.cuda_lines - t.lines_automatic],
                                     marker_colors=[EFFORT_COLORS["none"], EFFORT_COLORS["medium"]], hole=.45),
                              layout=dict(title=f"Kernel lines translated automatically ({t.cuda_lines} lines)")))
    top = r.top_diagnostics(15)
    if top:
        top = top[::-1]
        figs.append(go.Figure(go.Bar(y=[f"{i} {m[:40]}" for i, _, _, m, _, _ in top], x=[n for _, n, *_ in top],
                                     orientation="h", marker_color=[EFFORT_COLORS.get(e, "#888")
                                                                    for _, _, e, *_ in top]),
                              layout=dict(title="Most frequent diagnostics (colour: effort)", xaxis_title="sites",
                                          margin=dict(l=300))))
    if r.lines:
        figs.append(go.Figure(go.Bar(x=list(r.lines), y=list(r.lines.values())),
                              layout=dict(title="Lines of code by kind", yaxis_title="lines")))
    for fig in figs:
        fig.update_layout(height=360, template="plotly_white")
    return figs


def _plots(r, include_plotlyjs) -> str:
    figs = report_figures(r)
    if not figs:
        return ""
    divs = []
    for i, fig in enumerate(figs):
        divs.append(fig.to_html(full_html=False, include_plotlyjs=include_plotlyjs if i == 0 else False,
                                config={"displaylogo": False}))
    return "<h2>Overview</h2><div class=plots>" + "".join(f"<div>{d}</div>" for d in divs) + "</div>"


def _recommendations(r) -> str:
    rows = [(x.component, x.suggestion, ", ".join(x.locations)) for x in r.recommendations]
    return "<h2>Recommendations</h2>" + _table(("Component", "Suggestion", "Where"), rows)


def _kernels(r) -> str:
    if not r.kernels:
        return ""
    rows = [(k.where, k.name, _effort(k.effort), k.diagnostics, "yes" if k.automatic else "no",
             ", ".join(k.features)) for k in sorted(r.kernels, key=lambda k: (k.file, k.line))]
    return (f"<h2>CUDA kernels ({len(r.kernels)})</h2>"
            + _table(("Where", "Kernel", "Effort", "Diagnostics", "Automatic", "Features"), rows, numeric=(3,)))


def _diagnostics(r) -> str:
    top = r.top_diagnostics(50)
    if not top:
        return ""
    rows = [(i, n, _effort(e), m, s, w) for i, n, e, m, s, w in top]
    return ("<h2>Diagnostics</h2><p class=muted>What the translator could not carry over, by id; "
            "effort as SYCLomatic grades it.</p>"
            + _table(("Id", "Sites", "Effort", "Message", "Suggestion", "First at"), rows, numeric=(1,)))


def _per_file(r) -> str:
    if not r.per_file:
        return ""
    rows = [(f["file"], f["kernels"], f["kernels_automatic"], f["cuda_lines"], f["lines_automatic"],
             f"{100 * f['lines_automatic'] / f['cuda_lines']:.0f}%" if f["cuda_lines"] else "n/a", f["diagnostics"])
            for f in sorted(r.per_file, key=lambda f: -f["cuda_lines"])]
    return ("<h2>CUDA files</h2>" + _table(("File", "Kernels", "Automatic", "Kernel lines", "Lines automatic",
                                             "Share", "Diagnostics"), rows, numeric=(1, 2, 3, 4, 5, 6)))


def _python(r) -> str:
    sections = [("PyTorch modules", r.modules), ("Custom autograd functions", r.autograd_functions)]
    out = []
    for title, classes in sections:
        if classes:
            out.append(f"<h3>{_e(title)} ({len(classes)})</h3>"
                       + _table(("Where", "Class", "Bases"), [(c.where, c.name, ", ".join(c.bases)) for c in classes]))
    for title, found in (("Distributed training", r.distributed_uses), ("Mixed precision", r.mixed_precision_uses),
                         ("CUDA extension builds", r.cuda_extensions)):
        if found:
            out.append(f"<h3>{_e(title)} ({len(found)})</h3>"
                       + _table(("Where", "What", "Detail"), [(f.where, f.what, f.detail) for f in found]))
    return "<h2>PyTorch</h2>" + "".join(out) if out else ""


def _readiness(res: dict) -> str:
    tech = res["technical"]
    gpu, env = tech["gpu_compatibility"], tech["software_environment"]
    tests, bench = tech["testing_infrastructure"], tech["performance_benchmarks"]
    gpus = "; ".join(f"{g['name']} (compute capability {g['compute_capability']}, "
                     f"{'compatible' if g['tessera_compatible'] else 'below 7.0'})" for g in gpu["gpu_details"])
    rows = [("GPU", f"{gpu['state']}: {gpus or gpu.get('error', '')}"),
            ("Python", f"{env['python']} ({'ok' if env['python_ok'] else 'too old'})"),
            ("Packages", ", ".join(f"{k} {v}" for k, v in env["packages"].items() if v) or "none"),
            ("nvcc", env["nvcc"] or "not found"),
            ("Dependency files", ", ".join(env["dependency_files"]) or "none"),
            ("Tests", f"{tests['test_functions']} test functions in {tests['test_files']} files; "
                      f"config: {', '.join(tests['config_files']) or 'none'}; CI: {', '.join(tests['ci']) or 'none'}"),
            ("Benchmarks", f"{bench['benchmark_files']} files; timing: {', '.join(bench['timing_apis']) or 'none'}")]
    cx = res["complexity"]
    parts = ["<h2>Readiness</h2><h3>Technical</h3>", _table(("", ""), rows),
             "<h3>Complexity</h3>",
             _table(("Metric", "Value"), list(cx["metrics"].items())
                    + [("complexity_score", cx["complexity_score"]),
                       ("estimated_effort", f"{cx['estimated_effort']['level']}: "
                                            f"{cx['estimated_effort']['timeline']} (the guide's table)")])]
    if res["bottlenecks"]:
        parts += ["<h3>Bottlenecks</h3>",
                  _table(("Kind", "What", "Count", "Where", "Advice"),
                         [(b["kind"], b["what"], b["count"], ", ".join(b["locations"][:5]), b["advice"])
                          for b in res["bottlenecks"]], numeric=(2,))]
    deps = res["dependencies"]
    if deps["python_packages"] or deps["cuda_libraries"]:
        parts += ["<h3>Dependencies</h3>",
                  _table(("Dependency", "Files", "Status", "Note"),
                         [(d["package"], d["files"], d["status"], d["note"]) for d in deps["python_packages"]]
                         + [(d["library"] + " (" + ", ".join(d["headers"][:3]) + ")", d["files"], d["status"],
                             d["note"]) for d in deps["cuda_libraries"]], numeric=(1,))]
    plan = res["plan"]
    parts.append(f"<h3>Plan: {_e(plan['strategy'])}</h3><p>{_e(plan['why'])}; about "
                 f"{plan['total_person_days']:g} person-days (the guide's timeline for this complexity: "
                 f"{_e(plan['guide_timeline'])}).</p>")
    for p in plan["phases"]:
        items = "".join(f"<li>{_e(i)}</li>" for i in p["items"][:MAX_ROWS])
        parts.append(f"<h4>{_e(p['name'])} ({p['person_days']:g} person-days)</h4><ul>{items}</ul>")
    return "".join(parts)


def _notes(r) -> str:
    if not r.notes:
        return ""
    return (f"<h2>Notes ({len(r.notes)})</h2><p class=muted>Files and directories left out or changed "
            f"while reading.</p>" + _table(("Path", "Note"), [(n.path, n.reason) for n in r.notes]))
