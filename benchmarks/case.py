"""What a benchmark case is: named implementations of one computation on shared buffers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Impl:
    """One implementation; ``run`` launches it once. The first impl of a case is the subject."""

    name: str
    run: Callable[[], object] | None = None
    skipped: str | None = None  # a missing optional package: not a failure
    error: str | None = None  # it should have run and did not: a failure
    info: dict = field(default_factory=dict)


@dataclass
class Case:
    name: str
    size: int
    dtype: str
    bytes_moved: int
    impls: list[Impl]
    reset: Callable[[], None]  # clears the output so a check cannot pass on a stale result
    check: Callable[[], str | None]  # None when the output is right, else what is wrong
