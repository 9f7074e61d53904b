"""Theoretical occupancy from a compute capability's limits, as NVIDIA's occupancy calculator computes it.

The algorithm is the one in CUDA's ``cuda_occupancy.h`` (what
``cudaOccupancyMaxActiveBlocksPerMultiprocessor`` and the occupancy
spreadsheet use): a block's warps, registers (allocated per warp in units of
256, spread over the SM's four sub-partitions) and shared memory (in units of
128 bytes, plus 1 KiB the driver reserves per block from sm_80 on) each limit
how many blocks fit on one SM; the smallest limit wins. Shared memory is
counted against the largest carveout (the default preference).

Example::

    >>> from tessera.inspect.occupancy import occupancy
    >>> occ = occupancy("sm_80", threads=256, registers=64)
    >>> occ.blocks_per_sm, occ.warps_per_sm, occ.fraction, occ.limiter
    (4, 32, 0.5, 'registers')
    >>> occupancy("sm_90", threads=128, registers=32, shared_bytes=16384).percent
    81.25
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import TesseraError

WARP = 32
_KIB = 1024


@dataclass(frozen=True)
class Arch:
    """What limits residency on one SM of a compute capability (CUDA programming guide, table of
    technical specifications, and cuda_occupancy.h)."""

    cc: tuple
    threads_per_sm: int
    blocks_per_sm: int
    shared_per_sm: int           # bytes, largest carveout
    shared_per_block_optin: int  # bytes, with cudaFuncAttributeMaxDynamicSharedMemorySize
    shared_per_block: int = 48 * _KIB   # static shared memory limit (and dynamic without opt-in)
    registers_per_sm: int = 65536
    registers_per_block: int = 65536
    max_registers_per_thread: int = 255
    register_granularity: int = 256     # registers are allocated per warp in these units
    sub_partitions: int = 4
    shared_granularity: int = 128
    reserved_shared_per_block: int = _KIB
    max_threads_per_block: int = 1024
    barriers_per_block_slot: int = 2    # sm_90: named barriers available = 2 x the block limit

    @property
    def name(self) -> str:
        return f"sm_{self.cc[0]}{self.cc[1]}"

    @property
    def warps_per_sm(self) -> int:
        return self.threads_per_sm // WARP


ARCHS = {a.name: a for a in (
    Arch((7, 5), 1024, 16, 64 * _KIB, 64 * _KIB, shared_granularity=256, reserved_shared_per_block=0),
    Arch((8, 0), 2048, 32, 164 * _KIB, 163 * _KIB),
    Arch((8, 6), 1536, 16, 100 * _KIB, 99 * _KIB, barriers_per_block_slot=1),
    Arch((8, 7), 2048, 16, 164 * _KIB, 163 * _KIB, barriers_per_block_slot=1),
    Arch((8, 9), 1536, 24, 100 * _KIB, 99 * _KIB, barriers_per_block_slot=1),
    Arch((9, 0), 2048, 32, 228 * _KIB, 227 * _KIB),
    Arch((10, 0), 2048, 32, 228 * _KIB, 227 * _KIB),
    Arch((12, 0), 1536, 24, 100 * _KIB, 99 * _KIB, barriers_per_block_slot=1),
)}
"""The compute capabilities Tessera can inspect (CUDA 13's ptxas dropped everything before sm_75)."""


def parse_target(target) -> Arch:
    """`"sm_90"`, `"90"`, `"9.0"` or `(9, 0)` -> the Arch; anything else is a TesseraError.

    >>> parse_target("sm_80").threads_per_sm
    2048
    """
    name = None
    if isinstance(target, tuple) and len(target) == 2:
        name = f"sm_{target[0]}{target[1]}"
    elif isinstance(target, str):
        t = target.strip().lower()
        if t.startswith("sm_"):
            name = t
        elif "." in t:
            major, _, minor = t.partition(".")
            name = f"sm_{major}{minor}"
        elif t.isdigit():
            name = f"sm_{t}"
    if name not in ARCHS:
        raise TesseraError(f"unknown target {target!r}",
                           hint=f"target=\"sm_90\" (one of: {', '.join(ARCHS)})")
    return ARCHS[name]


@dataclass(frozen=True)
class Occupancy:
    """Blocks and warps of one kernel resident on an SM, and what limits them."""

    target: str
    threads: int
    blocks_per_sm: int
    warps_per_sm: int
    max_warps_per_sm: int
    limiter: str          # "warps", "registers", "shared memory", "blocks" or "barriers"
    limits: dict          # each limit's block count

    @property
    def fraction(self) -> float:
        return self.warps_per_sm / self.max_warps_per_sm

    @property
    def percent(self) -> float:
        return round(100.0 * self.fraction, 2)

    def __str__(self) -> str:
        return (f"{self.percent:g}% ({self.warps_per_sm}/{self.max_warps_per_sm} warps, "
                f"{self.blocks_per_sm} blocks of {self.threads} threads per SM; limited by {self.limiter})")


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


def _round_up(a: int, b: int) -> int:
    return _cdiv(a, b) * b


def _limits(arch: Arch, threads: int, registers: int, shared_bytes: int, barriers: int) -> dict:
    big = 1 << 30
    warps = _cdiv(threads, WARP)
    out = {"warps": arch.warps_per_sm // warps if threads <= arch.max_threads_per_block else 0,
           "blocks": arch.blocks_per_sm}

    per_warp = _round_up(registers * WARP, arch.register_granularity)
    # The hardware checks the per-block register limit as if warps filled all sub-partitions.
    assumed = per_warp * _round_up(warps, arch.sub_partitions)
    if registers > arch.max_registers_per_thread or per_warp * warps > arch.registers_per_block \
            or assumed > arch.registers_per_block:
        out["registers"] = 0
    elif per_warp == 0:
        out["registers"] = big
    else:
        per_sub = (arch.registers_per_sm // arch.sub_partitions) // per_warp
        out["registers"] = per_sub * arch.sub_partitions // warps

    smem = _round_up(shared_bytes + arch.reserved_shared_per_block, arch.shared_granularity)
    limit_block = (arch.shared_per_block_optin if shared_bytes > arch.shared_per_block
                   else arch.shared_per_block) + arch.reserved_shared_per_block
    if smem > limit_block:
        out["shared memory"] = 0
    else:
        out["shared memory"] = arch.shared_per_sm // smem if smem else big

    if arch.cc[0] >= 9 and barriers > 0:
        out["barriers"] = arch.blocks_per_sm * arch.barriers_per_block_slot // barriers
    return out


def occupancy(target, *, threads: int, registers: int = 0, shared_bytes: int = 0,
              barriers: int = 0) -> Occupancy:
    """Theoretical occupancy of a kernel using `registers` per thread and `shared_bytes` of shared
    memory (static + dynamic) per block of `threads` threads, on compute capability `target`.

    >>> occupancy("sm_80", threads=1024, registers=255).blocks_per_sm   # too many registers for one block
    0
    """
    arch = target if isinstance(target, Arch) else parse_target(target)
    if threads < 1:
        raise TesseraError(f"a block has at least one thread, got {threads}", hint="threads=256")
    limits = _limits(arch, threads, registers, shared_bytes, barriers)
    blocks = min(limits.values())
    order = ("warps", "registers", "shared memory", "blocks", "barriers")
    limiter = next(k for k in order if k in limits and limits[k] == blocks)
    return Occupancy(arch.name, threads, blocks, blocks * _cdiv(threads, WARP), arch.warps_per_sm, limiter,
                     {k: v for k, v in limits.items() if v < (1 << 30)})


def max_threads_per_block(target, *, registers: int = 0, shared_bytes: int = 0) -> int:
    """The largest block (a multiple of 32 threads) that fits on one SM with these resources:
    what cudaFuncGetAttributes reports as maxThreadsPerBlock.

    >>> max_threads_per_block("sm_90", registers=168), max_threads_per_block("sm_90", registers=255)
    (384, 256)
    """
    arch = target if isinstance(target, Arch) else parse_target(target)
    for t in range(arch.max_threads_per_block, 0, -WARP):
        if min(_limits(arch, t, registers, shared_bytes, 0).values()) >= 1:
            return t
    return 0
