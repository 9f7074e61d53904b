"""The compile pipeline, stage by stage, as plain functions over data.

    parse_kernel(fn)                  -> ir.Kernel          frontend/parse.py
    specialize(kernel, consts)        -> ir.Kernel          passes/specialize.py
    infer_launch(kernel, block)       -> LaunchPlan         passes/launch.py
    infer_types(kernel, types, index) -> ir.Kernel (typed)  passes/typecheck.py
    check_collectives(kernel)                               passes/uniformity.py
    plan_vectorize(kernel, plan)      -> VectorPlan | None  passes/vectorize.py      (target numba-cuda, GPU)
    emit_numba(kernel, plan, index)   -> GeneratedModule    backends/codegen.py      (target numba-cuda)
    split_threads(kernel, plan)       -> ir.Kernel          passes/vthreads.py       (target numba-cpu)
    emit_cpu(split, plan, index)      -> CpuModule          backends/codegen_cpu.py  (target numba-cpu)
    backend.build(module, ...)        -> launchable handle  backends/<name>.py

Example::

    >>> import tessera as ts
    >>> from tessera.compiler import lower
    >>> @ts.kernel
    ... def neg(x: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = -x[i]
    >>> lowered = lower(neg.ir, {"x": ts.f32}, {}, ts.i32, resolve_func=neg.resolve_func)
    >>> lowered.plan.block
    (256, 1, 1)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from ._version import __version__
from .backends.codegen import GeneratedModule, emit_numba
from .errors import LaunchError, TesseraError, UnsupportedSyntaxError
from .frontend import ir
from .lang import dtypes as dt
from .passes.launch import MAX_THREADS, LaunchPlan, infer_launch
from .passes.specialize import specialize
from .passes.typecheck import infer_types
from .passes.uniformity import check_collectives
from .passes.vectorize import DEFAULT_ELEMENTS_PER_THREAD, VectorPlan, plan_vectorize, vector_launch


@dataclass(frozen=True)
class Lowered:
    typed: ir.Kernel
    plan: LaunchPlan
    module: GeneratedModule
    written: tuple   # names of tensor parameters the kernel writes
    split: ir.Kernel | None = None   # the virtual-thread form (passes/vthreads.py), where the target uses it
    vector: VectorPlan | None = None  # the 128-bit load/store form (passes/vectorize.py), where it applies

TARGETS = ("numba-cuda", "numba-cpu")   # what `lower` generates for; a Backend's `codegen` names one


def written_tensors(kernel: ir.Kernel) -> tuple:
    names = set()
    for n in ir.walk(kernel.body):
        if isinstance(n, ir.Store):
            names.add(n.tensor)
        elif isinstance(n, ir.Intrinsic) and n.name.startswith("atomic_"):
            names.add(n.args[0].tensor)
    return tuple(p.name for p in kernel.tensor_params if p.name in names)


def _type_funcs(kernel: ir.Kernel, resolve_func, index: dt.DType) -> tuple:
    """A func_types callback for infer_types, and the dict it fills with typed specializations."""
    done: dict = {}

    def func_types(name, arg_types, node):
        fn = resolve_func(name)
        fir = fn.ir
        if len(arg_types) != len(fir.params):
            raise TesseraError(f"{name} takes {len(fir.params)} arguments, got {len(arg_types)}",
                               kernel=kernel.name, loc=node.loc,
                               hint=f"{name}({', '.join(p.name for p in fir.params)})")
        for n in ir.walk(fir.body):
            if isinstance(n, (ir.Barrier, ir.SharedAlloc, ir.CopyAsync, ir.WaitGroup)):
                raise UnsupportedSyntaxError("block-level collectives are only allowed in kernels, not in @ts.func",
                                             kernel=name, loc=n.loc,
                                             hint="move the barrier / shared allocation into the calling kernel")
        key = (name, tuple(arg_types))
        if key not in done:
            types = {p.name: (p.dtype or t) for p, t in zip(fir.params, arg_types)}
            done[key] = None  # recursion guard
            typed = infer_types(specialize(fir, {}), types, index, func_types)
            if typed.return_dtype is None:
                raise TesseraError(f"device function '{name}' returns no value", kernel=name, loc=fir.loc,
                                   hint="end it with `return value`; kernels, not functions, write outputs")
            done[key] = typed
        elif done[key] is None:
            raise UnsupportedSyntaxError(f"'{name}' calls itself; recursion is not supported on GPUs",
                                         kernel=kernel.name, loc=node.loc, hint="write the recursion as a loop")
        return done[key].return_dtype

    return func_types, done


def lower(kernel: ir.Kernel, arg_types: dict, consts: dict, index: dt.DType, *,
          block: tuple | None = None, resolve_func=None, explicit_grid: bool = False,
          target: str = "numba-cuda", vectorize: bool = True, fastmath: bool = False) -> Lowered:
    """Everything from the parsed kernel to generated source, for one specialization.

    `explicit_grid`: the launch gives the grid, so it need not be inferable.
    `target`: "numba-cuda" (cuda and sim backends) or "numba-cpu" (cpu backend: virtual
    threads, so blocks may exceed the GPU's 1024 threads).
    `vectorize`: the form the cuda backend runs and inspection shows (numba-cuda target only):
    elementwise kernels get 128-bit loads and stores (passes/vectorize.py), and indices that
    cannot be negative go to numba unsigned (no per-access negative-index select). The sim
    backend, which has no 128-bit loads, and launches whose grid the caller gives turn it off;
    the config value `elements_per_thread` (8 by default; 1: one element per thread) sets how
    many elements a thread of an elementwise kernel takes.
    `fastmath`: the module asks its backend for fast-math code (`@ts.kernel(fastmath=True)`)."""
    low = _lower(kernel, arg_types, consts, index, block, resolve_func, explicit_grid, target, vectorize)
    return replace(low, module=replace(low.module, fastmath=True)) if fastmath else low


def _lower(kernel, arg_types, consts, index, block, resolve_func, explicit_grid, target, vectorize) -> Lowered:
    if target not in TARGETS:
        raise ValueError(f"unknown codegen target {target!r}; one of {TARGETS}")
    cpu = target == "numba-cpu"
    if cpu:
        # 64-bit index arithmetic costs nothing on a 64-bit CPU, while narrowing every index
        # expression back to 32 bits stops LLVM from vectorizing (4x on vector add); results
        # differ only where 32-bit index arithmetic would overflow.
        index = dt.i64
    spec = specialize(kernel, consts)
    plan = infer_launch(spec, block, explicit_grid=explicit_grid, max_threads=None)
    physical = None if cpu else physical_threads(plan, consts.get("num_warps"), kernel)
    stages = consts.get("num_stages", 1)
    if physical is None and not cpu and isinstance(stages, int) and stages > 1:
        # Multi-buffering is written by the virtual-thread emitter: one physical thread per thread.
        physical = plan.block[0] * plan.block[1] * plan.block[2]
    func_types, funcs = _type_funcs(kernel, resolve_func, index) if resolve_func else (None, {})
    typed = infer_types(spec, arg_types, index, func_types)
    check_collectives(typed)
    if cpu:
        from .backends.codegen_cpu import emit_cpu
        from .passes.vthreads import split_threads
        split = split_threads(typed, plan)
        return Lowered(typed, plan, emit_cpu(split, plan, index, funcs), written_tensors(typed), split)
    if physical is not None:
        from .backends.codegen_vthreads import emit_cuda_vthreads
        from .passes.vthreads import split_threads
        split = split_threads(typed, plan)
        plan = replace(plan, physical_block=(physical, 1, 1))
        return Lowered(typed, plan, emit_cuda_vthreads(split, plan, physical, index, funcs,
                                                       stages if isinstance(stages, int) else 1,
                                                       vectorize and not explicit_grid),
                       written_tensors(typed), split)
    vp = None
    # A grid the caller gives counts one element per thread: no 128-bit plan then, which would
    # change it; unsigned indices change nothing about the launch and stay.
    if vectorize and target == "numba-cuda" and not explicit_grid:
        vp = plan_vectorize(typed, plan, consts.get("elements_per_thread", DEFAULT_ELEMENTS_PER_THREAD))
    if vp is not None:
        plan = vector_launch(plan, vp)
    module = emit_numba(typed, plan, index, funcs, vp, unsigned_index=vectorize and target == "numba-cuda")
    return Lowered(typed, plan, module, written_tensors(typed), vector=vp)


DEFAULT_NUM_WARPS = 4


def physical_threads(plan: LaunchPlan, num_warps, kernel: ir.Kernel) -> int | None:
    """GPU threads per block where virtual threads run the block, else None (one thread each).

    A block above the hardware's 1024 threads runs on `num_warps * 32` threads
    (num_warps 4 by default); a smaller block does too where a config sets
    `num_warps` below it, which is what makes `num_warps` a knob."""
    threads = plan.block[0] * plan.block[1] * plan.block[2]
    if num_warps is None:
        return DEFAULT_NUM_WARPS * 32 if threads > MAX_THREADS else None
    if not isinstance(num_warps, int) or isinstance(num_warps, bool) or num_warps < 1:
        raise LaunchError(f"num_warps must be a positive int, not {num_warps!r}", kernel=kernel.name,
                          loc=kernel.loc, hint='config={"num_warps": 4}')
    physical = num_warps * 32
    if physical > MAX_THREADS:
        raise LaunchError(f"num_warps={num_warps} asks for {physical} threads: a block of {physical} "
                          f"threads exceeds the GPU's {MAX_THREADS} threads per block",
                          kernel=kernel.name, loc=kernel.loc, hint=f"num_warps of at most {MAX_THREADS // 32}")
    return physical if threads > physical else None


def spec_key(kernel_source: str, backend: str, parts) -> str:
    """Cache key of a specialization: Tessera version, kernel source, backend, types and constants."""
    h = hashlib.sha256()
    for p in (__version__, kernel_source, backend, repr(parts)):
        h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


def compile_source(kernel, arg_types: dict, consts: dict | None = None, index=dt.i32, block=None,
                   target: str = "numba-cuda") -> GeneratedModule:
    """The generated numba source of a `ts.kernel` for given argument dtypes (no backend needed), one
    element per thread as written (`lower(..., vectorize=True)` gives the cuda backend's vector form)."""
    return lower(kernel.ir, arg_types, consts or {}, index, block=block, resolve_func=kernel.resolve_func,
                 target=target, vectorize=False).module
