"""Ruling configs out before anything is compiled or timed, each with its reason.

Static checks read the lowered kernel (no compiler runs): threads per block
and shared memory against the target GPU. Resource checks read what ptxas
reports after compiling to PTX: registers x threads against the register
file, and spills. Every reason starts with its kind ("threads:",
"shared memory:", "registers:", "spills:") so results can be grouped by it.

Example::

    >>> from tessera.tune.targets import gpu_target
    >>> resource_reasons(gpu_target("sm_90"), threads=1024, registers=128, spill_bytes=0)
    ['registers: 128 registers x 1024 threads = 131072 > 65536 in the register file']
"""

from __future__ import annotations

import importlib.util
import math
import re
from dataclasses import dataclass, field

from ..compiler import Lowered, lower
from ..errors import LaunchError, TesseraError
from ..passes.specialize import specialize
from .targets import MAX_THREADS_BLOCK, GpuTarget, occupancy

_EXCEEDS = re.compile(r"(\d+) threads exceeds")


@dataclass
class Static:
    """What the static checks found for one config."""

    lowered: Lowered | None = None
    threads: int | None = None          # physical threads per block
    virtual: bool = False               # the kernel's block is run by fewer physical threads
    shared_bytes: int | None = None     # shared memory per block, x num_stages
    reasons: list = field(default_factory=list)
    error: TesseraError | None = None   # lowering failed for another reason: the config fails
    signature: str = ""                 # identifies the generated code (configs with equal code time once)


def has_virtual_threads() -> bool:
    """Whether this Tessera has the virtual-threads pass (blocks above 1024 threads become legal)."""
    return importlib.util.find_spec("tessera.passes.vthreads") is not None


def physical_threads(lowered: Lowered, config: dict) -> tuple[int, bool]:
    """(threads the hardware runs per block, whether they run virtual threads).

    The one place that knows how a block maps to hardware threads: a plan
    attribute naming the physical block where the compiler sets one; else a
    block of at most 1024 threads runs as it is, and a larger one (legal only
    with virtual threads) runs `num_warps * 32` physical threads (1024 without
    num_warps)."""
    plan = lowered.plan
    logical = math.prod(plan.block)
    for attr in ("physical_block", "hw_block", "threads_block"):
        phys = getattr(plan, attr, None)
        if phys:
            n = phys if isinstance(phys, int) else math.prod(phys)
            return n, n != logical
    if logical > MAX_THREADS_BLOCK:
        return (int(config["num_warps"]) * 32 if "num_warps" in config else MAX_THREADS_BLOCK), True
    return logical, False


def shared_bytes_of(kernel_ir, consts: dict) -> int:
    """Shared memory one stage of the kernel allocates (`ts.shared.alloc` sizes), from the specialized IR."""
    spec = specialize(kernel_ir, consts)
    return sum(math.prod(d.value for d in alloc.shape) * alloc.elem.itemsize for _, alloc in spec.shared)


def _lower(kernel, binding, consts, block, explicit_grid, codegen):
    extra = {} if codegen == "numba-cuda" else {"target": codegen}
    return lower(kernel.ir, binding.arg_types, consts, binding.index, block=block,
                 resolve_func=kernel.resolve_func, explicit_grid=explicit_grid, **extra)


def static_check(kernel, binding, config: dict, target: GpuTarget, *, block=None, explicit_grid: bool = False,
                 smem_opt_in: bool = False, codegen: str = "numba-cuda") -> Static:
    """Lower `kernel` for `config` (for the backend's `codegen`) and check threads and shared
    memory against `target`."""
    consts = {**binding.consts, **config}
    st = Static()
    try:
        stages = int(config.get("num_stages", 1))
        st.shared_bytes = shared_bytes_of(kernel.ir, consts) * stages
    except TesseraError as e:
        st.error = e
        return st
    try:
        st.lowered = _lower(kernel, binding, consts, block, explicit_grid, codegen)
        st.threads, st.virtual = physical_threads(st.lowered, config)
    except LaunchError as e:
        m = _EXCEEDS.search(e.message)
        if m is None:
            st.error = e
            return st
        # Without virtual threads the compiler refuses the block: that is this pruning reason.
        st.threads = int(m.group(1))
    except TesseraError as e:
        st.error = e
        return st
    if st.threads > MAX_THREADS_BLOCK:
        what = " (num_warps * 32)" if st.virtual or "num_warps" in config else ""
        st.reasons.append(f"threads: {st.threads} threads per block{what} > {MAX_THREADS_BLOCK}")
    limit = target.smem_limit(smem_opt_in)
    if st.shared_bytes > limit:
        stages = int(config.get("num_stages", 1))
        per = f"{st.shared_bytes // stages} B x {stages} stages = " if stages > 1 else ""
        kind = "with the opt-in" if smem_opt_in else "static, without the opt-in"
        st.reasons.append(f"shared memory: {per}{st.shared_bytes} B > {limit} B on {target.name} ({kind})")
    return st


def cuda_module(kernel, binding, config: dict, st: Static, *, block=None, explicit_grid: bool = False,
                codegen: str = "numba-cuda"):
    """The numba-cuda code of a config, for ptxas (the backend's own where it is numba-cuda); None where
    there is none yet (a block only virtual threads can run, on a backend that has them)."""
    if st.lowered is None:
        return None
    if codegen == "numba-cuda":
        return st.lowered.module
    try:
        return _lower(kernel, binding, {**binding.consts, **config}, block, explicit_grid, "numba-cuda").module
    except TesseraError:
        return None


def resource_reasons(target: GpuTarget, *, threads: int, registers: int | None,
                     spill_bytes: int | None) -> list[str]:
    """Reasons from ptxas's report: the block's registers overflow the register file, or code spills."""
    from .targets import block_registers
    out = []
    if registers:
        need = block_registers(target, registers, threads)
        if need > target.regs_sm:
            out.append(f"registers: {registers} registers x {threads} threads = {registers * threads} "
                       f"> {target.regs_sm} in the register file")
    if spill_bytes:
        out.append(f"spills: {spill_bytes} B spilled to local memory")
    return out


def theoretical_occupancy(target: GpuTarget, threads, registers, shared_bytes) -> float | None:
    if not threads or threads > MAX_THREADS_BLOCK:
        return None
    return occupancy(target, threads=threads, registers=registers, shared_bytes=shared_bytes or 0)
