"""`prof.export_chrome_trace(path)`: the Trace Event Format that Perfetto and chrome://tracing read.

Each lane of the timeline is a thread of one process ("Tessera"), named by
metadata events; each event a complete ("X") event with its details as args.
Times are microseconds from the start of the profile.

Example::

    >>> import json
    >>> from tessera.profile.recorder import Event
    >>> from tessera.profile.chrome import chrome_trace
    >>> t = chrome_trace([Event("kernel", "k", 0.5, 1.5, "default stream", "cuda events", {"grid": (2, 1, 1)})])
    >>> [(e["ph"], e["name"]) for e in t["traceEvents"]]
    [('M', 'process_name'), ('M', 'thread_name'), ('X', 'k')]
    >>> t["traceEvents"][-1]["ts"], t["traceEvents"][-1]["dur"], t["traceEvents"][-1]["args"]["grid"]
    (500.0, 1000.0, [2, 1, 1])
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .plots import lanes

PID = 1


def _jsonable(v):
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def chrome_trace(events) -> dict:
    """The trace as a dict ({"traceEvents": [...], ...})."""
    order = lanes(events)
    tid = {lane: i for i, lane in enumerate(order)}
    out = [{"ph": "M", "pid": PID, "name": "process_name", "args": {"name": "Tessera"}}]
    for lane in order:
        out.append({"ph": "M", "pid": PID, "tid": tid[lane], "name": "thread_name", "args": {"name": lane}})
    for e in events:
        if math.isnan(e.start_ms) or math.isnan(e.end_ms):
            continue
        args = {k: _jsonable(v) for k, v in e.details.items()}
        args["clock"] = e.clock
        out.append({"ph": "X", "pid": PID, "tid": tid[e.lane], "name": e.name, "cat": e.kind,
                    "ts": round(e.start_ms * 1e3, 3), "dur": round(max(e.duration_ms, 0.0) * 1e3, 3),
                    "args": args})
    return {"traceEvents": out, "displayTimeUnit": "ms", "otherData": {"producer": "tessera.profile"}}


def export_chrome_trace(events, path) -> str:
    path = Path(path)
    path.write_text(json.dumps(chrome_trace(events)))
    return str(path)
