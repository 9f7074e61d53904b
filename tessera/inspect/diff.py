"""`ts.inspect.diff(a, b, stage="sass")`: two specializations side by side, and what their resources gained.

Text that differs between any two compilations without meaning anything
(instruction addresses in SASS, mangled names that embed a hash, the
generated file's name) is normalized first, so the diff shows the code that
changed.

Example::

    >>> from tessera.inspect.diff import InspectionDiff
    >>> d = InspectionDiff("sass", "a", "b", "--- a\\n+++ b\\n", {"registers": (32, 40)})
    >>> d.resources, d.before["registers"], d.after["registers"]
    ({'registers': 8}, 32, 40)
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..errors import TesseraError

_NORMALIZE = [
    (re.compile(r"/\*[0-9a-f]{4,}\*/\s*"), ""),                      # SASS addresses
    (re.compile(r"_ZN[0-9A-Za-z_$]+"), "<mangled>"),                # names that embed a hash
    (re.compile(r"[\w./-]*/gen/(\w+?)_[0-9a-f]{20}\.py"), r"\1.py"),  # the generated file...
    (re.compile(r"\b(\w+?)_[0-9a-f]{20}\.py"), r"\1.py"),                 # ...also by its bare name
    (re.compile(r"[ \t]+$", re.M), ""),
]


def normalize(text: str) -> str:
    """`text` without addresses, hashes and the cache path."""
    for rx, sub in _NORMALIZE:
        text = rx.sub(sub, text)
    return text


@dataclass(frozen=True)
class InspectionDiff:
    """A unified diff of one stage, and each resource before, after and the change (after - before)."""

    stage: str
    label_a: str
    label_b: str
    text: str                # the unified diff
    pairs: dict              # resource -> (before, after)

    @property
    def resources(self) -> dict:
        """{resource: after - before} for every number (registers, shared bytes, occupancy percent...)."""
        return {k: round(b - a, 4) for k, (a, b) in self.pairs.items()}

    @property
    def before(self) -> dict:
        return {k: a for k, (a, _) in self.pairs.items()}

    @property
    def after(self) -> dict:
        return {k: b for k, (_, b) in self.pairs.items()}

    def __str__(self) -> str:
        rows = [f"{k:<24}{a!s:>10} -> {b!s:<10}({'+' if b - a >= 0 else ''}{round(b - a, 4)})"
                for k, (a, b) in self.pairs.items() if a != b]
        head = f"{self.stage}: {self.label_a} vs {self.label_b}\n"
        head += "\n".join(rows) + "\n" if rows else "resources unchanged\n"
        return head + self.text

    def __repr__(self) -> str:
        added = sum(1 for l in self.text.splitlines() if l.startswith("+") and not l.startswith("+++"))
        removed = sum(1 for l in self.text.splitlines() if l.startswith("-") and not l.startswith("---"))
        return f"<ts.inspect diff {self.stage}: +{added} -{removed} lines, {self.resources}>"


def _label(insp) -> str:
    cfg = ",".join(f"{k}={v}" for k, v in insp.config.items())
    return f"{insp.kernel}[{insp.target}{', ' + cfg if cfg else ''}]"


def diff(a, b, stage: str = "sass", *, context: int = 3, resources: bool = True) -> InspectionDiff:
    """Unified diff of `stage` between inspections `a` and `b`, with the resource delta (b - a).

    `resources=False` skips ptxas (for stages before SASS on a machine without it)."""
    from .inspection import Inspection, _check_stage, user_loc
    for x in (a, b):
        if not isinstance(x, Inspection):
            raise TesseraError(f"ts.inspect.diff compares two inspections, got {type(x).__name__}", loc=user_loc(),
                               hint="ts.inspect.diff(k.inspect(*args, config={'TILE': 16}), "
                                    "k.inspect(*args, config={'TILE': 32}), stage=\"sass\")")
    _check_stage(stage, a.kernel)
    la, lb = _label(a), _label(b)
    if la == lb:
        la, lb = la + " (a)", lb + " (b)"
    text = "".join(difflib.unified_diff(normalize(a.text(stage)).splitlines(True),
                                        normalize(b.text(stage)).splitlines(True),
                                        fromfile=la, tofile=lb, n=context))
    pairs = {}
    if resources:
        ra, rb = a.resources.as_dict(), b.resources.as_dict()
        pairs = {k: (ra[k], rb[k]) for k in ra}
    return InspectionDiff(stage, la, lb, text, pairs)
