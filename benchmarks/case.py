"""What a benchmark case is: named implementations of one computation on shared buffers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Impl:
    """One implementation. ``run`` launches it once and is what is timed; ``produce`` writes the
    case's output buffer for the correctness check (default: ``run``), for alternatives such as
    ``torch.softmax`` that return a new tensor instead of writing into one. The first impl of a
    case is the subject (Tessera)."""

    name: str
    run: Callable[[], object] | None = None
    produce: Callable[[], object] | None = None
    skipped: str | None = None  # a missing optional package: not a failure
    error: str | None = None  # it should have run and did not: a failure
    info: dict = field(default_factory=dict)


@dataclass
class Case:
    """One computation at one size. Throughput is ``bytes_moved`` per second (GB/s) unless
    ``flops`` is set (TFLOP/s). ``targets`` maps an alternative's name to the smallest
    Tessera/alternative throughput ratio the issue asks for on an H100."""

    name: str
    shape: str
    dtype: str
    impls: list[Impl]
    reset: Callable[[], None]  # clears the output so a check cannot pass on a stale result
    check: Callable[[], str | None]  # None when the output is right, else what is wrong
    bytes_moved: int = 0
    flops: int = 0
    targets: dict[str, float] = field(default_factory=dict)
    notes: str = ""

    @property
    def metric(self) -> str:
        return "TFLOP/s" if self.flops else "GB/s"

    def throughput(self, median_ms: float) -> float:
        """GB/s or TFLOP/s at this median time.

        >>> Case("x", "1", "f32", [], None, None, bytes_moved=3_000_000).throughput(1.0)
        3.0
        """
        if self.flops:
            return self.flops / median_ms / 1e9
        return self.bytes_moved / median_ms / 1e6
