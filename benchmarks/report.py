"""The suite's results as numbers, a Markdown table and plotly figures.

A report is the JSON the runner writes (``python -m benchmarks.run``); everything here is a
function of it, so a notebook can draw a committed result without running anything:

    >>> report = {"device": None, "cases": [{"name": "vector_add", "shape": "4096", "metric": "GB/s",
    ...     "results": {"tessera": {"median_ms": 1.0, "p20_ms": 0.9, "p80_ms": 1.1, "throughput": 3.0},
    ...                 "numpy": {"median_ms": 2.0, "p20_ms": 1.9, "p80_ms": 2.1, "throughput": 1.5}},
    ...     "ratios": {"numpy": 2.0}, "targets": []}]}
    >>> print(markdown(report).splitlines()[-1])
    | vector_add | 4096 | numpy | 2.0000 | 1.9000 – 2.1000 | 1.5 GB/s | 2.00 |  |  |
"""

from __future__ import annotations

import sys
from pathlib import Path


def ratios(results: dict[str, dict]) -> dict[str, float]:
    """Tessera's throughput over each timed alternative's (above 1: Tessera is faster).

    The subject is the first implementation; without a timing for it there are no ratios.

    >>> ratios({"tessera": {"median_ms": 1.0}, "torch": {"median_ms": 1.5}, "triton": {"skipped": "x"}})
    {'torch': 1.5}
    >>> ratios({"tessera": {"error": "boom"}, "torch": {"median_ms": 1.0}})
    {}
    """
    names = list(results)
    if not names or "median_ms" not in results[names[0]]:
        return {}
    subject = results[names[0]]["median_ms"]
    return {n: r["median_ms"] / subject for n, r in results.items() if n != names[0] and "median_ms" in r}


def targets(case_targets: dict[str, float], case_ratios: dict[str, float]) -> list[dict]:
    """Each target of a case with the ratio reached and whether it is met (None: not measured).

    >>> targets({"torch": 1.1}, {"torch": 1.2})
    [{'vs': 'torch', 'min_ratio': 1.1, 'ratio': 1.2, 'met': True}]
    >>> targets({"triton": 0.97}, {})
    [{'vs': 'triton', 'min_ratio': 0.97, 'ratio': None, 'met': None}]
    """
    out = []
    for vs, want in case_targets.items():
        got = case_ratios.get(vs)
        out.append({"vs": vs, "min_ratio": want, "ratio": got, "met": None if got is None else got >= want})
    return out


def title(report: dict) -> str:
    dev = report.get("device")
    if dev:
        return f"{dev['name']} (sm_{dev['compute_capability'].replace('.', '')})"
    cpu = report.get("cpu") or {}
    return f"CPU mode, no GPU: the cpu backend on {cpu.get('cores', '?')} cores ({cpu.get('model') or 'CPU'})"


def markdown(report: dict) -> str:
    """One row per case and implementation: median ms, p20-p80, throughput, ratio, target, met."""
    lines = [f"### {title(report)}", "",
             "| case | shape | impl | median ms | p20 – p80 ms | throughput | Tessera / this | target | met |",
             "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for c in report["cases"]:
        if "error" in c and not c.get("results"):
            lines.append(f"| {c['name']} | | | | | | | | error: {_one_line(c['error'])} |")
            continue
        goals = {t["vs"]: t for t in c.get("targets", [])}
        for i, (name, r) in enumerate(c["results"].items()):
            goal = goals.get(name)
            want = f"≥ {goal['min_ratio']:g}" if goal else ""
            met = "" if goal is None else {True: "yes", False: "**no**", None: "not measured"}[goal["met"]]
            if "median_ms" in r:
                ratio = "1 (subject)" if i == 0 else (f"{c['ratios'][name]:.2f}" if name in c["ratios"] else "")
                nums = [f"{r['median_ms']:.4f}", f"{r['p20_ms']:.4f} – {r['p80_ms']:.4f}",
                        f"{r['throughput']:.1f} {c['metric']}" if c["metric"] == "GB/s"
                        else f"{r['throughput']:.2f} {c['metric']}", ratio]
            else:
                what = f"skipped: {r['skipped']}" if "skipped" in r else f"error: {_one_line(r['error'])}"
                nums = ["", "", "", what]
            lines.append(f"| {c['name']} | {c['shape']} | {name} | " + " | ".join(nums) + f" | {want} | {met} |")
    return "\n".join(lines)


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def ratio_figure(report: dict):
    """Bars: Tessera / alternative per case (above 1: Tessera faster), with each target as a marker."""
    import plotly.graph_objects as go

    cases = [c for c in report["cases"] if c.get("ratios")]
    alts = sorted({a for c in cases for a in c["ratios"]})
    fig = go.Figure()
    for alt in alts:
        xs = [c["name"] for c in cases if alt in c["ratios"]]
        ys = [c["ratios"][alt] for c in cases if alt in c["ratios"]]
        fig.add_bar(x=xs, y=ys, name=f"vs {alt}", text=[f"{y:.2f}" for y in ys], textposition="outside")
    tx = [c["name"] for c in cases for t in c.get("targets", [])]
    ty = [t["min_ratio"] for c in cases for t in c.get("targets", [])]
    tt = [f"target vs {t['vs']}: ≥ {t['min_ratio']:g}" for c in cases for t in c.get("targets", [])]
    if tx:
        fig.add_scatter(x=tx, y=ty, mode="markers", name="target", hovertext=tt,
                        marker=dict(symbol="line-ew-open", size=36, line=dict(width=3, color="black")))
    fig.add_hline(y=1.0, line_dash="dot", line_color="gray")
    fig.update_layout(title=f"Tessera's throughput over each alternative's — {title(report)}",
                      yaxis_title="ratio (above 1: Tessera faster)", barmode="group", height=450,
                      legend_title_text="")
    return fig


def throughput_figure(report: dict):
    """One panel per case: each implementation's GB/s or TFLOP/s (error bars: p20 and p80)."""
    from plotly.subplots import make_subplots

    cases = [c for c in report["cases"] if any("median_ms" in r for r in c.get("results", {}).values())]
    fig = make_subplots(rows=1, cols=max(1, len(cases)), subplot_titles=[c["name"] for c in cases])
    for i, c in enumerate(cases, start=1):
        timed = {n: r for n, r in c["results"].items() if "median_ms" in r}
        ys = [r["throughput"] for r in timed.values()]
        # throughput is inversely proportional to time: p80 ms gives the low end.
        lo = [r["throughput"] - r["throughput"] * r["median_ms"] / r["p80_ms"] for r in timed.values()]
        hi = [r["throughput"] * r["median_ms"] / r["p20_ms"] - r["throughput"] for r in timed.values()]
        fig.add_bar(x=list(timed), y=ys, row=1, col=i, showlegend=False, name=c["name"],
                    marker_color=["#d62728" if j == 0 else "#1f77b4" for j in range(len(ys))],
                    error_y=dict(type="data", symmetric=False, array=hi, arrayminus=lo))
        fig.update_yaxes(title_text=c["metric"], row=1, col=i)
    fig.update_layout(title=f"Throughput per implementation (Tessera in red) — {title(report)}",
                      height=420, width=max(600, 230 * len(cases)))
    return fig


def write_plots(report: dict, stem: Path) -> list[Path]:
    """``stem``.html (both figures; plotly.js from its CDN, so the file stays small) and, where
    kaleido is installed, ``stem``-ratios.png and ``stem``-throughput.png. Returns what was written."""
    figs = {"ratios": ratio_figure(report), "throughput": throughput_figure(report)}
    html = stem.with_suffix(".html")
    parts = [f.to_html(full_html=False, include_plotlyjs="cdn" if i == 0 else False)
             for i, f in enumerate(figs.values())]
    html.write_text(f"<html><head><meta charset='utf-8'><title>{title(report)}</title></head><body>"
                    + "\n".join(parts) + "</body></html>\n")
    written = [html]
    import importlib.util
    if importlib.util.find_spec("kaleido") is not None:
        for name, fig in figs.items():
            png = stem.parent / f"{stem.name}-{name}.png"
            try:
                fig.write_image(png)
                written.append(png)
            except Exception as e:  # kaleido needs a browser at times: PNGs are optional
                print(f"no PNG ({type(e).__name__}: {e})", file=sys.stderr)
                break
    return written


def to_frame(report: dict):
    """pandas: one row per case and implementation, with the ratio and the case's target for it."""
    import pandas as pd

    rows = []
    for c in report["cases"]:
        goals = {t["vs"]: t for t in c.get("targets", [])}
        for i, (name, r) in enumerate(c.get("results", {}).items()):
            goal = goals.get(name, {})
            rows.append({"case": c["name"], "shape": c.get("shape"), "impl": name,
                         "median_ms": r.get("median_ms"), "p20_ms": r.get("p20_ms"), "p80_ms": r.get("p80_ms"),
                         "throughput": r.get("throughput"), "metric": c.get("metric"),
                         "tessera_over_this": 1.0 if i == 0 and "median_ms" in r else c.get("ratios", {}).get(name),
                         "target": goal.get("min_ratio"), "met": goal.get("met"),
                         "status": "ok" if "median_ms" in r else
                         ("skipped" if "skipped" in r else "error: " + _one_line(r.get("error", ""), 80))})
    return pd.DataFrame(rows)


def load_results(folder: Path) -> tuple[Path, dict]:
    """The newest GPU report in ``folder`` (by its 'created' time), else the newest CPU one.

    >>> import json, tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "cpu.json").write_text(json.dumps({"mode": "cpu", "created": "2026-12-01", "cases": []}))
    >>> _ = (d / "h100.json").write_text(json.dumps({"mode": "gpu", "created": "2026-11-01", "cases": []}))
    >>> load_results(d)[0].name
    'h100.json'
    """
    import json

    found = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            r = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(r, dict) and "cases" in r and "mode" in r:
            found.append((r["mode"] == "gpu", r.get("created", ""), path, r))
    if not found:
        raise FileNotFoundError(f"no suite results (JSON from python -m benchmarks.run) in {folder}")
    _, _, path, r = max(found, key=lambda f: (f[0], f[1]))
    return path, r
