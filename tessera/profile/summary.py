"""`prof.table()`: the profile summarized per kernel as a pandas DataFrame.

Columns, one row per kernel (or per kernel and config with ``by="config"``),
slowest first:

| column | meaning |
|---|---|
| `kernel`, `config` | name; compile-time values (constexpr arguments and `config=`), by="config" only |
| `count` | launches |
| `total_ms`, `mean_ms`, `min_ms`, `max_ms` | kernel time |
| `pct_total` | share of all kernel time in the profile |
| `gb_per_s` | bytes moved / time: the kernel's declared `bytes=`, else every tensor argument's size once |
| `gflop_per_s` | declared `flops=` / time (NaN when the kernel declares none) |
| `bytes`, `flops` | per launch, averaged (the numbers behind the two rates) |
| `clock` | "cupti" (GPU, with cupti-python), "cuda events" (GPU without it) or "host wall clock" (backends without a GPU) |
| `backend` | where it ran |

``kind="copy"`` summarizes copies by direction instead (with GB/s), and
``kind="alloc"``/``"compile"``/``"autotune"``/``"range"`` the other host events.

Example::

    >>> from tessera.profile.recorder import Event
    >>> from tessera.profile.summary import table
    >>> ev = [Event("kernel", "k", 0.0, 2.0, "default stream", "cuda events",
    ...             {"kernel": "k", "config": "", "bytes": 4e6, "flops": 1e6, "backend": "cuda"})] * 2
    >>> t = table(ev)
    >>> t[["kernel", "count", "total_ms", "gb_per_s", "gflop_per_s"]].to_dict("records")
    [{'kernel': 'k', 'count': 2, 'total_ms': 4.0, 'gb_per_s': 2.0, 'gflop_per_s': 0.5}]
"""

from __future__ import annotations

import math

KERNEL_COLUMNS = ["kernel", "config", "count", "total_ms", "mean_ms", "min_ms", "max_ms", "pct_total",
                  "gb_per_s", "gflop_per_s", "bytes", "flops", "clock", "backend"]
OTHER_COLUMNS = ["name", "count", "total_ms", "mean_ms", "min_ms", "max_ms", "bytes", "gb_per_s"]


def _rate(amounts, times_ms, unit):
    known = [(a, t) for a, t in zip(amounts, times_ms) if a is not None and not math.isnan(t)]
    if not known or len(known) != len(amounts):
        return math.nan
    total_t = sum(t for _, t in known)
    return sum(a for a, _ in known) / (total_t / 1e3) / unit if total_t > 0 else math.nan


def table(events, by: str = "kernel", kind: str = "kernel"):
    import pandas as pd

    from ..errors import TesseraError
    if by not in ("kernel", "config"):
        raise TesseraError(f"table(by={by!r}) is not a grouping", hint='prof.table(by="kernel") or by="config"')
    kinds = ("kernel", "copy", "alloc", "compile", "autotune", "range")
    if kind not in kinds:
        raise TesseraError(f"table(kind={kind!r}) is not an event kind", hint=f"one of: {', '.join(kinds)}")
    evs = [e for e in events if e.kind == kind]
    if kind != "kernel":
        return _other_table(pd, evs)
    groups: dict = {}
    for e in evs:
        key = (e.details["kernel"], e.details["config"] if by == "config" else None)
        groups.setdefault(key, []).append(e)
    total = sum(e.duration_ms for e in evs if not math.isnan(e.duration_ms))
    rows = []
    for (name, config), es in groups.items():
        t = [e.duration_ms for e in es]
        ok = [x for x in t if not math.isnan(x)]
        tot = sum(ok)
        byts = [e.details.get("bytes") for e in es]
        flops = [e.details.get("flops") for e in es]
        rows.append({
            "kernel": name, "config": config, "count": len(es), "total_ms": tot,
            "mean_ms": tot / len(ok) if ok else math.nan, "min_ms": min(ok, default=math.nan),
            "max_ms": max(ok, default=math.nan), "pct_total": 100.0 * tot / total if total > 0 else math.nan,
            "gb_per_s": _rate(byts, t, 1e9), "gflop_per_s": _rate(flops, t, 1e9),
            "bytes": _mean(byts), "flops": _mean(flops),
            "clock": ", ".join(sorted({e.clock for e in es})),
            "backend": ", ".join(sorted({e.details.get("backend", "") for e in es})),
        })
    df = pd.DataFrame(rows, columns=KERNEL_COLUMNS)
    if by == "kernel":
        df = df.drop(columns=["config"])
    return df.sort_values("total_ms", ascending=False, kind="stable").reset_index(drop=True)


def _mean(values):
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known and len(known) == len(values) else math.nan


def _other_table(pd, evs):
    groups: dict = {}
    for e in evs:
        groups.setdefault(e.name, []).append(e)
    rows = []
    for name, es in groups.items():
        t = [e.duration_ms for e in es]
        byts = [e.details.get("bytes") for e in es]
        total_bytes = sum(b for b in byts if b is not None) if any(b is not None for b in byts) else math.nan
        rows.append({"name": name, "count": len(es), "total_ms": sum(t), "mean_ms": sum(t) / len(t),
                     "min_ms": min(t), "max_ms": max(t), "bytes": total_bytes,
                     "gb_per_s": _rate(byts, t, 1e9)})
    df = pd.DataFrame(rows, columns=OTHER_COLUMNS)
    return df.sort_values("total_ms", ascending=False, kind="stable").reset_index(drop=True)
