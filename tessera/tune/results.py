"""What a sweep found, per config: status, reason, timings, resources; and how it is shown.

Statuses: ``ok`` (ran, correct, timed), ``pruned`` (ruled out before running,
with the reason), ``failed`` (raised, did not compile, or exceeded
`timeout_s`, with the error), ``incorrect`` (ran but its output differs from
the reference or was left partly unwritten: never chosen), ``skipped``
(runnable, but the budget ran out first; never written to the cache).

Example::

    >>> rs = [Result({"T": 32}, "ok", median_ms=2.0), Result({"T": 64}, "ok", median_ms=1.0),
    ...       Result({"T": 2048}, "pruned", reason="threads: 2048 threads per block > 1024")]
    >>> best_of(rs).config
    {'T': 64}
    >>> to_frame(rs)[["T", "status", "median_ms"]].values.tolist()
    [[64, 'ok', 1.0], [32, 'ok', 2.0], [2048, 'pruned', nan]]
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass, field

STATUS_ORDER = {"ok": 0, "incorrect": 1, "failed": 2, "pruned": 3, "skipped": 4}


@dataclass
class Result:
    config: dict
    status: str
    reason: str = ""
    median_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    p20_ms: float | None = None
    p80_ms: float | None = None
    reps: int = 0
    scale: float = 1.0            # fraction of the time budget it was timed with (successive halving)
    threads: int | None = None    # physical threads per block
    shared_bytes: int | None = None
    registers: int | None = None
    spill_bytes: int | None = None
    occupancy: float | None = None
    compile_s: float | None = None
    cost_s: float = 0.0           # sweep time this config took; replayed from the cache for budgets
    checked: bool = False         # its output was compared with the reference
    same_as: str = ""             # the config whose result it shares (same generated code), if any
    cached: bool = field(default=False, compare=False)

    @property
    def reason_kind(self) -> str:
        """The first reason's kind: "threads", "shared memory", "registers", "spills", "constraints", ..."""
        return self.reason.split(":", 1)[0] if self.reason and self.status == "pruned" else ""

    def to_record(self) -> dict:
        d = asdict(self)
        del d["config"], d["cached"]
        return d

    @classmethod
    def from_record(cls, config: dict, rec: dict) -> "Result":
        known = {k: v for k, v in rec.items() if k in cls.__dataclass_fields__ and k not in ("config", "cached")}
        return cls(dict(config), cached=True, **known)


def best_of(results) -> Result | None:
    """The fastest correct config; among configs timed with different budgets, the most carefully timed."""
    ok = [r for r in results if r.status == "ok" and r.median_ms is not None and math.isfinite(r.median_ms)]
    return min(ok, key=lambda r: (-r.scale, r.median_ms)) if ok else None


def to_frame(results, config_names: list | None = None):
    """A pandas DataFrame: config columns, then status, reason, timings and resources; fastest first."""
    import pandas as pd
    names = config_names or list(dict.fromkeys(k for r in results for k in r.config))
    rows = []
    for r in sorted(results, key=lambda r: (STATUS_ORDER.get(r.status, 9), -r.scale,
                                            r.median_ms if r.median_ms is not None else math.inf)):
        row = {n: r.config.get(n) for n in names}
        row.update(status=r.status, reason=r.reason, median_ms=r.median_ms, min_ms=r.min_ms, max_ms=r.max_ms,
                   reps=r.reps, scale=r.scale, threads=r.threads, shared_bytes=r.shared_bytes,
                   registers=r.registers, spill_bytes=r.spill_bytes, occupancy=r.occupancy,
                   compile_s=r.compile_s, cached=r.cached)
        rows.append(row)
    cols = names + ["status", "reason", "median_ms", "min_ms", "max_ms", "reps", "scale", "threads",
                    "shared_bytes", "registers", "spill_bytes", "occupancy", "compile_s", "cached"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("median_ms", "min_ms", "max_ms", "occupancy", "compile_s"):
        df[c] = df[c].astype("float64")
    for c in ("threads", "shared_bytes", "registers", "spill_bytes"):
        df[c] = df[c].astype("Int64")  # missing stays missing, numbers stay integers
    return df


def pinned_source(fn, name: str, config: dict, key: list, extra: str = "") -> str:
    """The kernel's source under `@ts.kernel.autotune(configs=[config], ...)`: one config, never timed."""
    import ast
    import inspect
    import textwrap
    src = textwrap.dedent(inspect.getsource(fn))
    tree = ast.parse(src)
    node = next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    body = "\n".join(src.splitlines()[node.lineno - 1:])  # the def line on: the old decorators go
    items = ", ".join(f"{k!r}: {v!r}" for k, v in config.items()).replace("'", '"')
    keys = ", ".join(f'"{k}"' for k in key)
    return (f"@ts.kernel.autotune(\n    configs=[{{{items}}}],\n    key=[{keys}],{extra}\n)\n"
            f"{body}\n")


@dataclass
class Progress:
    """One step of a sweep, as progress callbacks receive it."""

    done: int                 # configs with a result so far (pruned included)
    total: int                # configs in the sweep
    result: Result | None     # the config just finished
    best: Result | None       # the best so far
    elapsed_s: float
    phase: str                # "prune", "compile", "time", "done"


def in_notebook() -> bool:
    return "ipykernel" in sys.modules and type(getattr(sys.modules.get("IPython"), "get_ipython",
                                                       lambda: None)()).__name__ == "ZMQInteractiveShell"


class TextProgress:
    """A one-line progress bar on stderr, redrawn with a carriage return (plain Python runs)."""

    def __init__(self, name: str, stream=None, width: int = 24):
        self.name, self.stream, self.width = name, stream or sys.stderr, width
        self._last = 0.0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if p.phase != "done" and now - self._last < 0.1:
            return  # a redraw per config would cost more than a fast config
        self._last = now
        n = int(self.width * p.done / max(1, p.total))
        best = f" best {p.best.median_ms:.4g} ms" if p.best is not None else ""
        line = f"\rautotune {self.name} [{'#' * n}{'.' * (self.width - n)}] {p.done}/{p.total}{best}" \
               f" {p.elapsed_s:.1f}s"
        self.stream.write(line + ("\n" if p.phase == "done" else ""))
        self.stream.flush()
