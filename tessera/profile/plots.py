"""Plotly figures of a profile: the timeline, and the roofline.

Timeline: one horizontal lane per stream plus "host" (compiles, allocations,
ranges), one bar per event, one trace per kind of event (the legend toggles
them), hover text with the details (grid, block, config, bytes, clock).

Roofline: for each kernel and config whose flops are known, a point at
(arithmetic intensity = flops / bytes, achieved GFLOP/s), under the memory
roof (bandwidth x intensity) and the FP32 compute roof, on log axes.

Example::

    >>> from tessera.profile.recorder import Event
    >>> from tessera.profile.plots import timeline
    >>> fig = timeline([Event("kernel", "k", 1.0, 3.0, "default stream", "cuda events", {"grid": (4, 1, 1)})])
    >>> bar = fig.data[0]
    >>> bar.name, list(bar.base), list(bar.x), list(bar.y)
    ('kernel', [1.0], [2.0], ['default stream'])
"""

from __future__ import annotations

import math

from .peaks import DEFAULT_DEVICE, local_device, peaks_for

_COLORS = {"kernel": "#4C78A8", "copy": "#F58518", "alloc": "#54A24B", "compile": "#B279A2", "range": "#9D755D",
           "autotune": "#E45756"}
_KINDS = ("kernel", "copy", "alloc", "compile", "autotune", "range")


def _hover(e) -> str:
    lines = [f"<b>{e.name}</b> ({e.kind})", f"{e.duration_ms:.4f} ms  [{e.start_ms:.4f} .. {e.end_ms:.4f}]",
             f"clock: {e.clock}"]
    for k, v in e.details.items():
        if v is None or v == "" or k in ("kernel", "bytes_declared"):
            continue
        if k == "bytes" and isinstance(v, (int, float)):
            v = f"{v / 1e6:.3f} MB"
        lines.append(f"{k}: {v}")
    return "<br>".join(lines)


def lanes(events) -> list:
    """Lane order: host first, then the default stream, then other streams as they appear."""
    seen = ["host", "default stream"]
    for e in events:
        if e.lane not in seen:
            seen.append(e.lane)
    used = {e.lane for e in events}
    return [l for l in seen if l in used] or ["host"]


def timeline(events, title: str | None = None):
    import plotly.graph_objects as go
    fig = go.Figure()
    order = lanes(events)
    for kind in _KINDS:
        es = [e for e in events if e.kind == kind and not math.isnan(e.duration_ms)]
        if not es:
            continue
        fig.add_trace(go.Bar(
            name=kind, orientation="h", y=[e.lane for e in es], base=[e.start_ms for e in es],
            x=[max(e.duration_ms, 0.0) for e in es], marker_color=_COLORS[kind],
            text=[e.name for e in es], textposition="inside", insidetextanchor="middle",
            hovertext=[_hover(e) for e in es], hoverinfo="text"))
    clocks = sorted({e.clock for e in events if e.kind == "kernel"})
    fig.update_layout(
        title=title or "Tessera profile" + (f" (kernel times: {', '.join(clocks)})" if clocks else ""),
        barmode="overlay", xaxis_title="time since the profile started (ms)",
        yaxis=dict(categoryorder="array", categoryarray=list(reversed(order)), title=None),
        height=160 + 50 * len(order), legend_title_text="event", bargap=0.35)
    return fig


def roofline(table, device: str | None = None, peaks: dict | None = None):
    """`table` is `prof.table(by="config")`."""
    import plotly.graph_objects as go
    note = ""
    if device is None:
        device = local_device()
        if device is None:
            device, note = DEFAULT_DEVICE, " (no GPU here: the roofs are an H100's)"
    pk = peaks_for(device, peaks)
    bw, comp = pk["bandwidth_gbs"], pk["fp32_gflops"]
    pts = table[(table["flops"] > 0) & (table["bytes"] > 0)] if len(table) else table
    ridge = comp / bw
    lo = min([0.01] + [f / b / 2 for f, b in zip(pts["flops"], pts["bytes"])])
    hi = max([ridge * 100] + [f / b * 2 for f, b in zip(pts["flops"], pts["bytes"])])
    fig = go.Figure()
    fig.add_trace(go.Scatter(name=f"memory roof ({bw:g} GB/s)", x=[lo, ridge], y=[bw * lo, comp],
                             mode="lines", line=dict(color="black")))
    fig.add_trace(go.Scatter(name=f"FP32 roof ({comp / 1e3:g} TFLOP/s)", x=[ridge, hi], y=[comp, comp],
                             mode="lines", line=dict(color="black", dash="dash")))
    for _, row in pts.iterrows():
        ai = row["flops"] / row["bytes"]
        roof = min(bw * ai, comp)
        label = row["kernel"] + (f" [{row['config']}]" if row.get("config") else "")
        fig.add_trace(go.Scatter(
            name=label, x=[ai], y=[row["gflop_per_s"]], mode="markers", marker=dict(size=12),
            hovertext=[f"<b>{label}</b><br>{ai:.3g} FLOP/byte<br>{row['gflop_per_s']:.4g} GFLOP/s "
                       f"({100 * row['gflop_per_s'] / roof:.1f}% of the roof)<br>{row['gb_per_s']:.4g} GB/s"
                       f"<br>{row['count']} launches, {row['mean_ms']:.4f} ms each"],
            hoverinfo="text"))
    missing = sorted(set(table["kernel"]) - set(pts["kernel"])) if len(table) else []
    fig.update_layout(
        title=f"Roofline: {device}{note}" + (f"<br><sub>no flops known for: {', '.join(missing)} "
                                           f"(declare them: @ts.kernel(flops=...))</sub>" if missing else ""),
        xaxis=dict(type="log", title="arithmetic intensity (FLOP / byte)"),
        yaxis=dict(type="log", title="GFLOP/s"), height=480)
    return fig
