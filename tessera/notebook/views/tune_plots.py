"""Plotly figures of an autotune sweep (`kernel.autotune_results`): time per config, a heatmap over
two parameters, parallel coordinates over more.

Each takes the results DataFrame (`tessera.tune.results.to_frame`) and the
names of the config columns. Only configs with a time are drawn; the best
(the fastest `ok` one) is marked.

Example::

    >>> from tessera.tune.results import Result, to_frame
    >>> df = to_frame([Result({"M": m, "N": n}, "ok", median_ms=m * n / 1e3, min_ms=0.0, max_ms=1.0)
    ...                for m in (16, 32) for n in (8, 64)])
    >>> varying(df, ["M", "N"])
    ['M', 'N']
    >>> fig = heatmap(df, "N", "M")
    >>> list(fig.data[0].x), list(fig.data[0].y), fig.data[0].z[0][0]
    (['8', '64'], ['16', '32'], 0.128)
    >>> [t.name for t in time_per_config(df, ["M", "N"]).data]
    ['best', 'ok']
"""

from __future__ import annotations


STATUS_COLORS = {"best": "#2CA02C", "ok": "#4C78A8", "incorrect": "#F58518", "failed": "#E45756",
                 "skipped": "#9D9D9D"}


def varying(frame, names) -> list:
    """The config columns whose value differs between configs (the others say nothing in a plot)."""
    return [n for n in names if frame[n].nunique(dropna=True) > 1]


def _timed(frame):
    return frame[frame["median_ms"].notna()]


def _label(row, names) -> str:
    return " ".join(f"{n}={row[n]}" for n in names) or "default"


def best_index(frame):
    """The row of the best config, as `tessera.tune.results.best_of` chooses: the fastest of those
    timed with the largest budget (successive halving times the survivors longer); None if none ran ok."""
    ok = frame[(frame["status"] == "ok") & frame["median_ms"].notna()]
    if not len(ok):
        return None
    if "scale" in ok.columns:
        ok = ok.sort_values(["scale", "median_ms"], ascending=[False, True], kind="stable")
    else:
        ok = ok.sort_values("median_ms", kind="stable")
    return ok.index[0]


def time_per_config(frame, names, title: str | None = None):
    """Bars of the median time per config (fastest first), whiskers from min to max."""
    import plotly.graph_objects as go
    names = varying(frame, names) or list(names)
    timed = _timed(frame).sort_values("median_ms", kind="stable")
    best = best_index(frame)
    fig = go.Figure()
    groups = [("best", timed[timed.index == best])] + [
        (s, timed[(timed["status"] == s) & (timed.index != best)]) for s in ("ok", "incorrect", "failed", "skipped")]
    order = [_label(r, names) for _, r in timed.iterrows()]
    for status, rows in groups:
        if not len(rows):
            continue
        hover = [f"<b>{_label(r, names)}</b><br>{status}: {r['median_ms']:.4g} ms (min {r['min_ms']:.4g}, "
                 f"max {r['max_ms']:.4g})" + (f"<br>{r['reason']}" if r["reason"] else "")
                 for _, r in rows.iterrows()]
        fig.add_trace(go.Bar(
            name=status, x=[_label(r, names) for _, r in rows.iterrows()], y=list(rows["median_ms"]),
            marker_color=STATUS_COLORS.get(status, "#4C78A8"), hovertext=hover, hoverinfo="text",
            error_y=dict(type="data", symmetric=False, array=list((rows["max_ms"] - rows["median_ms"]).fillna(0)),
                         arrayminus=list((rows["median_ms"] - rows["min_ms"]).fillna(0)))))
    fig.update_layout(title=title or "median time per config", yaxis_title="median ms", barmode="overlay",
                      xaxis=dict(categoryorder="array", categoryarray=order, title=" ".join(names)),
                      height=420, legend_title_text="status")
    return fig


def _sort_key(v):
    return (0, float(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, str(v))


def heatmap(frame, x: str, y: str, title: str | None = None):
    """The best time (over the other parameters) of each (`x`, `y`) pair; blank where none ran ok."""
    import plotly.graph_objects as go
    ok = frame[(frame["status"] == "ok") & frame["median_ms"].notna()]
    xs = sorted(frame[x].dropna().unique().tolist(), key=_sort_key)
    ys = sorted(frame[y].dropna().unique().tolist(), key=_sort_key)
    best = ok.groupby([y, x])["median_ms"].min().to_dict() if len(ok) else {}
    # None, not NaN, for a gap: a widget's state travels as strict JSON, where NaN is no number.
    z = [[best.get((vy, vx)) for vx in xs] for vy in ys]
    text = [[f"{v:.3g}" if v is not None else "" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        x=[str(v) for v in xs], y=[str(v) for v in ys], z=z, text=text, texttemplate="%{text}",
        colorscale="Viridis", reversescale=True, colorbar=dict(title="ms"),
        hovertemplate=f"{x}=%{{x}}<br>{y}=%{{y}}<br>best %{{z:.4g}} ms<extra></extra>"))
    fig.update_layout(title=title or f"best median ms by {y} and {x}", xaxis=dict(title=x, type="category"),
                      yaxis=dict(title=y, type="category"), height=420)
    return fig


def parallel_coordinates(frame, names, title: str | None = None):
    """One line per config that ran ok, across each varying parameter and its median time."""
    import plotly.graph_objects as go
    names = varying(frame, names) or list(names)
    ok = frame[(frame["status"] == "ok") & frame["median_ms"].notna()]
    dims = []
    for n in names:
        vals = sorted(frame[n].dropna().unique().tolist(), key=_sort_key)
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            dims.append(dict(label=n, values=[float(v) for v in ok[n]], tickvals=[float(v) for v in vals]))
        else:  # bools and the like: evenly spaced categories
            pos = {v: i for i, v in enumerate(vals)}
            dims.append(dict(label=n, values=[pos[v] for v in ok[n]], tickvals=list(range(len(vals))),
                             ticktext=[str(v) for v in vals]))
    dims.append(dict(label="median ms", values=list(ok["median_ms"])))
    fig = go.Figure(go.Parcoords(line=dict(color=list(ok["median_ms"]), colorscale="Viridis", reversescale=True,
                                           showscale=True, colorbar=dict(title="ms")), dimensions=dims))
    fig.update_layout(title=title or "configs that ran: parameters and median time", height=420)
    return fig
