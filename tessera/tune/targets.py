"""What a GPU model allows a block: threads, shared memory, registers, and the occupancy that follows.

The autotuner prunes configs against a target GPU before compiling them, also
on machines without a GPU (the target then defaults to sm_90, an H100).
Numbers are the CUDA programming guide's per compute capability.

Example::

    >>> t = gpu_target("sm_90")
    >>> t.smem_optin // 1024, t.smem_static // 1024, t.max_threads_sm
    (227, 48, 2048)
    >>> occupancy(t, threads=256, registers=32, shared_bytes=32 * 1024)
    0.75
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MAX_THREADS_BLOCK = 1024
KB = 1024


@dataclass(frozen=True)
class GpuTarget:
    name: str               # "sm_90"
    cc: tuple               # (9, 0)
    model: str              # a GPU of this compute capability, for messages
    smem_optin: int         # shared memory per block with the opt-in (dynamic shared memory)
    smem_sm: int            # shared memory per SM
    max_threads_sm: int
    max_blocks_sm: int
    smem_static: int = 48 * KB     # statically sized shared memory (cuda.shared.array) per block
    smem_reserved: int = 1 * KB    # the driver reserves this much per block (sm_80 and newer)
    regs_sm: int = 64 * KB         # 32-bit registers per SM (and per block)
    reg_unit: int = 256            # registers are allocated per warp in units of this many

    def smem_limit(self, opt_in: bool) -> int:
        return self.smem_optin if opt_in else self.smem_static


_TABLE = {
    (7, 0): dict(model="V100", smem_optin=96 * KB, smem_sm=96 * KB, max_threads_sm=2048, max_blocks_sm=32,
                 smem_reserved=0),
    (7, 5): dict(model="T4", smem_optin=64 * KB, smem_sm=64 * KB, max_threads_sm=1024, max_blocks_sm=16,
                 smem_reserved=0),
    (8, 0): dict(model="A100", smem_optin=163 * KB, smem_sm=164 * KB, max_threads_sm=2048, max_blocks_sm=32),
    (8, 6): dict(model="RTX 3090 / A10", smem_optin=99 * KB, smem_sm=100 * KB, max_threads_sm=1536,
                 max_blocks_sm=16),
    (8, 9): dict(model="L4 / RTX 4090", smem_optin=99 * KB, smem_sm=100 * KB, max_threads_sm=1536,
                 max_blocks_sm=24),
    (9, 0): dict(model="H100", smem_optin=227 * KB, smem_sm=228 * KB, max_threads_sm=2048, max_blocks_sm=32),
    (10, 0): dict(model="B200", smem_optin=227 * KB, smem_sm=228 * KB, max_threads_sm=2048, max_blocks_sm=32),
    (12, 0): dict(model="RTX 5090", smem_optin=99 * KB, smem_sm=100 * KB, max_threads_sm=1536, max_blocks_sm=24),
}

DEFAULT_TARGET = "sm_90"


def parse_target(target) -> tuple:
    """(major, minor) from "sm_90", "sm_86", "90" or (9, 0)."""
    if isinstance(target, tuple) and len(target) == 2:
        return int(target[0]), int(target[1])
    m = re.fullmatch(r"(?:sm_?|compute_?)?(\d+)(\d)a?", str(target).strip().lower())
    if not m:
        from ..errors import TesseraError
        raise TesseraError(f"unknown GPU target {target!r}",
                           hint='name a compute capability: target="sm_90" (H100), "sm_80" (A100), "sm_89" (L4)')
    return int(m.group(1)), int(m.group(2))


def gpu_target(target=None) -> GpuTarget:
    """The limits of `target`; None: the local GPU, or sm_90 where there is none.

    A compute capability missing from the table takes the nearest older one's limits."""
    cc = parse_target(target) if target is not None else local_cc() or parse_target(DEFAULT_TARGET)
    known = [k for k in sorted(_TABLE) if k <= cc] or [min(_TABLE)]
    row = dict(_TABLE[known[-1]])
    try:  # tessera.inspect's occupancy calculator has the same table: where present, its numbers win
        from ..inspect.occupancy import ARCHS
        a = ARCHS.get(f"sm_{cc[0]}{cc[1]}")
        if a is not None:
            row.update(smem_optin=a.shared_per_block_optin, smem_sm=a.shared_per_sm, max_threads_sm=a.threads_per_sm,
                       max_blocks_sm=a.blocks_per_sm, smem_static=a.shared_per_block,
                       smem_reserved=a.reserved_shared_per_block, regs_sm=a.registers_per_sm,
                       reg_unit=a.register_granularity)
    except ImportError:
        pass
    return GpuTarget(name=f"sm_{cc[0]}{cc[1]}", cc=cc, **row)


def local_cc() -> tuple | None:
    """The current GPU's compute capability, or None without a usable GPU."""
    from ..backends import get_backend
    if not get_backend("cuda").is_available():
        return None
    from numba import cuda
    return tuple(cuda.get_current_device().compute_capability)


def block_registers(target: GpuTarget, registers: int, threads: int) -> int:
    """Registers a block of `threads` holds: each warp's allocation rounds up to the allocation unit."""
    warps = math.ceil(threads / 32)
    per_warp = math.ceil(registers * 32 / target.reg_unit) * target.reg_unit
    return warps * per_warp


def occupancy(target: GpuTarget, *, threads: int, registers: int | None = None,
              shared_bytes: int = 0) -> float:
    """Theoretical occupancy: resident warps per SM over the most an SM holds (the occupancy calculator's).

    tessera.inspect's calculator (cuda_occupancy.h's algorithm) is used where present."""
    try:
        from ..inspect.occupancy import ARCHS
        from ..inspect.occupancy import occupancy as _occupancy
        if target.name in ARCHS:
            return _occupancy(target.name, threads=threads, registers=registers or 0,
                              shared_bytes=shared_bytes).fraction
    except ImportError:
        pass
    warps = math.ceil(threads / 32)
    if warps == 0 or threads > MAX_THREADS_BLOCK:
        return 0.0
    blocks = min(target.max_blocks_sm, target.max_threads_sm // (warps * 32))
    if registers:
        need = block_registers(target, registers, threads)
        blocks = min(blocks, target.regs_sm // need if need <= target.regs_sm else 0)
    if shared_bytes:
        need = shared_bytes + target.smem_reserved
        blocks = min(blocks, target.smem_sm // need)
    return blocks * warps / (target.max_threads_sm // 32)
