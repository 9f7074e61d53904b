"""Virtual threads: split a kernel body at barriers into regions that loop over the block's threads.

A block may ask for more threads than a physical thread group runs (the
guide's matmul: one thread per output element of a 256 x 256 tile); on the
CPU one physical thread runs a whole program. The pass rewrites the typed,
specialized kernel into program-level code (ir_vthreads.py):

- uniform statements (no `ts.thread_id` dependence) run once per program;
- collectives (`shared.alloc`, `copy_async`, `wait_group`, `barrier`) stay at
  program level, and so does uniform control flow around them, whose bodies
  are split in turn;
- each maximal run of per-thread statements between them becomes a
  `ThreadLoop`: the run, once per virtual thread. Barriers end runs, so the
  loops run in barrier order and a barrier needs no code.
- a uniform `for`/`while`/`if` around per-thread statements is kept outside
  too (loop interchange): `for k in ts.range(T): acc += As[t0, k] * Bs[k, t1]`
  becomes `for k: for vt: ...`, which reuses `As[t0, k]` and `Bs[k, ...]`
  across virtual threads. Legal because threads do not communicate between
  two barriers: running all threads' iteration k before iteration k + 1 is
  one of the schedules the program already allows.
- a varying value that one ThreadLoop assigns and another reads (or the same
  one in a later iteration of an outer loop) lives in a per-thread
  `LocalArray`, loaded at the loop's start and stored at its end; a value
  computed only from thread and program ids and uniform constants
  (`row = pid * 64 + tid`) is recomputed instead.
- `ts.thread_id(a)` becomes `VThreadId(a)`: the virtual thread's coordinate.
  Virtual threads are numbered row-major over the block, axis 0 slowest and
  the last used axis fastest, so the innermost loop walks `thread_id(1)` of a
  2-D block: the contiguous axis of a row-major tile.

An early `return` under thread-dependent control ends that virtual thread: the
rest of the enclosing block joins its ThreadLoop. Inside uniform control flow
that holds a barrier it is refused (later regions would need a live mask).

Example::

    >>> import tessera as ts
    >>> from tessera.compiler import lower
    >>> from tessera.frontend.printer import format_kernel
    >>> @ts.kernel
    ... def rev(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    ...     buf = ts.shared.alloc[ts.f32](64)
    ...     i = ts.program_id(0) * 64 + ts.thread_id(0)
    ...     v = x[i] * 2.0
    ...     buf[ts.thread_id(0)] = v
    ...     ts.barrier()
    ...     if i < N:
    ...         y[i] = buf[63 - ts.thread_id(0)] + v
    >>> low = lower(rev.ir, {"x": ts.f32, "y": ts.f32}, {}, ts.i32, target="numba-cpu")
    >>> print(format_kernel(low.split, lines=False))
    kernel rev(x: Tensor[N, f32], y: Tensor[N, f32]):
        local v: f32[64]
        buf = shared.alloc[f32](64)
        for vt in threads(64):
            i: i64 = program_id(0) * 64 + tid(0)
            v: f32 = x[i] * 2.0
            buf[tid(0)] = v
            v[vt] = v
        barrier()
        for vt in threads(64):
            i: i64 = program_id(0) * 64 + tid(0)
            v: f32 = v[vt]
            if i < N:
                y[i] = buf[63 - tid(0)] + v
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ..errors import UnsupportedSyntaxError
from ..frontend import ir
from ..frontend.ir_vthreads import LocalArray, LocalLoad, LocalStore, ThreadLoop, VThreadId
from .launch import LaunchPlan
from .typecheck import var_types
from .uniformity import DivergentCollectiveError, _expr_varying, _has_divergent_exit, varying_names

_COLLECTIVES = (ir.Barrier, ir.SharedAlloc, ir.CopyAsync, ir.WaitGroup)
_REMAT_SIZE = 16   # nodes: a bigger expression is stored rather than recomputed


def _has(node, types) -> bool:
    return any(isinstance(n, types) for n in ir.walk(node))


def _stmt_varying(s, varying: set) -> bool:
    for n in ir.walk(s):
        if isinstance(n, ir.Intrinsic) and (n.name == "thread_id" or n.name.startswith("atomic_")):
            return True
        if isinstance(n, ir.Name) and n.id in varying or isinstance(n, ir.Assign) and n.target in varying \
                or isinstance(n, ir.For) and n.var in varying:
            return True
    return False


def _uniform_control(s, varying: set) -> bool:
    if isinstance(s, ir.If):
        return not _expr_varying(s.cond, varying)
    if isinstance(s, ir.For):
        return s.var not in varying and not _has_divergent_exit(s.body, varying) and \
            not any(_expr_varying(x, varying) for x in (s.start, s.stop, s.step))
    if isinstance(s, ir.While):
        return not _expr_varying(s.cond, varying) and not _has_divergent_exit(s.body, varying)
    return False


def _stored_tensors(body) -> set:
    out = set()
    for n in ir.walk(body):
        if isinstance(n, ir.Store):
            out.add(n.tensor)
        elif isinstance(n, ir.Intrinsic) and n.name.startswith("atomic_"):
            out.add(n.args[0].tensor)
    return out


class _Splitter:
    def __init__(self, kernel: ir.Kernel, block: tuple, varying: set):
        self.k, self.block3, self.varying = kernel, block, varying

    def err(self, s, msg, hint):
        return UnsupportedSyntaxError(msg, kernel=self.k.name, loc=s.loc, hint=hint)

    def split(self, stmts, nested: bool) -> tuple:
        out, pending = [], []

        def flush():
            if pending:
                out.append(ThreadLoop(tuple(pending), self.block3, pending[0].loc))
                pending.clear()

        tail = None  # the statement holding a per-thread return: the rest of the block runs in its loop
        for s in stmts:
            if tail is not None:
                if _has(s, _COLLECTIVES):
                    raise DivergentCollectiveError(
                        f"this collective follows an early return that depends on ts.thread_id "
                        f"(line {tail.loc.line}); threads that returned would never reach it",
                        kernel=self.k.name, loc=s.loc,
                        hint="compute a flag instead of returning, and guard the per-thread work with it")
                pending.append(s)
            elif isinstance(s, _COLLECTIVES):
                flush()
                out.append(s)
            elif _has(s, _COLLECTIVES):
                flush()
                out.append(self.structured(s))
            elif not _stmt_varying(s, self.varying):
                if not (pending and self.movable(s, pending)):
                    flush()
                out.append(s)
            elif _has(s, ir.Return):
                if nested:
                    raise self.err(s, "an early return that depends on ts.thread_id inside a loop or if "
                                      "that holds a barrier is not supported with virtual threads",
                                   "set a flag instead and skip the per-thread work with `if not done:`")
                pending.append(s)
                tail = s
            elif _uniform_control(s, self.varying):
                flush()
                out.append(self.structured(s))
            else:
                pending.append(s)
        flush()
        return tuple(out)

    def structured(self, s):
        if isinstance(s, ir.If):
            return replace(s, then=self.split(s.then, True), orelse=self.split(s.orelse, True))
        return replace(s, body=self.split(s.body, True))

    def movable(self, s, pending) -> bool:
        """Can uniform `s` run before the pending per-thread statements (keeping one ThreadLoop)?"""
        if not isinstance(s, ir.Assign):
            return False
        used = {n.id for n in ir.walk(tuple(pending)) if isinstance(n, ir.Name)} | ir.assigned_names(tuple(pending))
        if s.target in used:
            return False
        loads = {n.tensor for n in ir.walk(s.value) if isinstance(n, ir.Load)}
        return not (loads & _stored_tensors(tuple(pending)))


# --------------------------------------------------------------------------- per-loop data flow

def _reads(e, defined: set, live: set):
    for n in ir.walk(e):
        if isinstance(n, ir.Name) and n.id not in defined:
            live.add(n.id)


def _flow(stmts, defined: set, live: set) -> set:
    """Add to `live` the names read before certainly assigned; return the names certainly assigned after."""
    for s in stmts:
        if isinstance(s, ir.Assign):
            _reads(s.value, defined, live)
            defined = defined | {s.target}
        elif isinstance(s, ir.If):
            _reads(s.cond, defined, live)
            defined = _flow(s.then, defined, live) & _flow(s.orelse, defined, live)
        elif isinstance(s, ir.For):
            for x in (s.start, s.stop, s.step):
                _reads(x, defined, live)
            _flow(s.body, defined | {s.var}, live)   # the body may run zero times
        elif isinstance(s, ir.While):
            _reads(s.cond, defined, live)
            _flow(s.body, defined, live)
        else:
            for c in ir.children(s):
                _reads(c, defined, live)
    return defined


def _assigned(body) -> set:
    return ir.assigned_names(body)


class _Locals:
    """Decide, per ThreadLoop, which values come in from earlier loops and how."""

    def __init__(self, kernel: ir.Kernel, body: tuple, varying: set):
        self.k, self.varying = kernel, varying
        self.types = var_types(kernel)
        self.loops = [n for n in ir.walk(body) if isinstance(n, ThreadLoop)]
        self.info = []
        for tl in self.loops:
            live: set = set()
            after = _flow(tl.body, set(), live)
            self.info.append((live, _assigned(tl.body), after))
        counts = Counter()
        for n in ir.walk(kernel.body):
            if isinstance(n, ir.Assign):
                counts[n.target] += 1
            elif isinstance(n, ir.For):
                counts[n.var] += 2
        self.counts = counts
        self.top = {s.target: s.value for s in kernel.body if isinstance(s, ir.Assign)}
        self.def_loop = {}
        for i, tl in enumerate(self.loops):
            for s in tl.body:
                if isinstance(s, ir.Assign) and s.target in self.top and s.value is self.top[s.target]:
                    self.def_loop[s.target] = i

    def remat(self, x, seen=()) -> bool:
        """x's one top-level definition is cheap and reads nothing that can change: recompute it."""
        if self.counts[x] != 1 or x not in self.top or x in seen or x not in self.def_loop \
                or self.k.param(x) is not None:
            return False
        v = self.top[x]
        nodes = list(ir.walk(v))
        if len(nodes) > _REMAT_SIZE or any(isinstance(n, (ir.Load, ir.Call)) or isinstance(n, ir.Intrinsic)
                                           and n.name.startswith("atomic_") for n in nodes):
            return False
        for n in nodes:
            if isinstance(n, ir.Name):
                if n.id in self.varying:
                    if not self.remat(n.id, seen + (x,)):
                        return False
                elif not (self.counts[n.id] == 0 or self.counts[n.id] == 1 and n.id in self.top
                          and self.k.param(n.id) is None):   # a reassigned parameter had another value before
                    return False
        return True

    def remat_order(self, names) -> list:
        out = []

        def visit(x):
            if x in out:
                return
            for n in ir.walk(self.top[x]):
                if isinstance(n, ir.Name) and n.id in self.varying:
                    visit(n.id)
            out.append(x)
        order = list(self.top)
        for x in sorted(names, key=order.index):
            visit(x)
        return out

    def rewrite(self, body: tuple, nthreads: int) -> tuple:
        arrays: set = set()
        remat_at: dict = {}
        for i, (live, _, _) in enumerate(self.info):
            for x in live & self.varying:
                if self.remat(x) and self.def_loop[x] < i:
                    remat_at.setdefault(i, set()).add(x)
                else:
                    arrays.add(x)
        loops = iter(range(len(self.loops)))

        def rebuild(stmts):
            out = []
            for s in stmts:
                if isinstance(s, ThreadLoop):
                    tl = self.thread_loop(s, next(loops), arrays, remat_at)
                    if tl.body:   # empty when all it computed is recomputed where used
                        out.append(tl)
                elif isinstance(s, ir.If):
                    out.append(replace(s, then=rebuild(s.then), orelse=rebuild(s.orelse)))
                elif isinstance(s, (ir.For, ir.While)):
                    out.append(replace(s, body=rebuild(s.body)))
                else:
                    out.append(s)
            return tuple(out)

        new = rebuild(body)
        decls = tuple(LocalArray(x, self.types[x], nthreads, self.k.loc) for x in sorted(arrays))
        return decls + new

    def thread_loop(self, tl: ThreadLoop, i: int, arrays: set, remat_at: dict) -> ThreadLoop:
        live, assigned, after = self.info[i]
        pro, epi = [], []
        for x in self.remat_order(remat_at.get(i, ())):
            pro.append(ir.Assign(x, self.top[x], tl.loc))
        for x in sorted(arrays & (live | assigned)):
            if x in live or x not in after:
                pro.append(ir.Assign(x, LocalLoad(x, self.types[x], tl.loc), tl.loc))
            if x in assigned:
                epi.append(LocalStore(x, ir.Name(x, self.types[x], tl.loc), tl.loc))
        body = _drop_dead(tuple(pro) + tl.body + tuple(epi))
        # A uniform name assigned here after a per-thread return: each virtual thread starts from
        # the value the program had, as every real thread would.
        private = {x for x in live & assigned if x not in self.varying}
        if private:
            body = (tuple(ir.Assign(f"{x}'", ir.Name(x, self.types[x], tl.loc), tl.loc) for x in sorted(private))
                    + _rename(body, {x: f"{x}'" for x in private}))
        body = ir.map_exprs(body, lambda e: VThreadId(e.args[0].value, e.dtype, e.loc)
                            if isinstance(e, ir.Intrinsic) and e.name == "thread_id" else e)
        return replace(tl, body=body)


def _drop_dead(body: tuple) -> tuple:
    """Drop top-level assignments nothing reads later in the loop (a value recomputed where used)."""
    out, needed = [], set()
    for s in reversed(body):
        if isinstance(s, ir.Assign) and s.target not in needed and not any(
                isinstance(n, ir.Call) or isinstance(n, ir.Intrinsic) and n.name.startswith("atomic_")
                for n in ir.walk(s.value)):
            continue
        if isinstance(s, ir.Assign):
            needed.discard(s.target)
        needed |= {n.id for n in ir.walk(s) if isinstance(n, ir.Name)}
        out.append(s)
    return tuple(reversed(out))


def _rename(body, names: dict):
    def fix_e(e):
        return replace(e, id=names[e.id]) if isinstance(e, ir.Name) and e.id in names else e

    def fix(stmts):
        out = []
        for s in ir.map_exprs(stmts, fix_e):
            if isinstance(s, ir.Assign) and s.target in names:
                s = replace(s, target=names[s.target])
            if isinstance(s, ir.For):
                s = replace(s, var=names.get(s.var, s.var), body=fix(s.body))
            elif isinstance(s, ir.While):
                s = replace(s, body=fix(s.body))
            elif isinstance(s, ir.If):
                s = replace(s, then=fix(s.then), orelse=fix(s.orelse))
            out.append(s)
        return tuple(out)
    return fix(body)


def split_threads(kernel: ir.Kernel, plan: LaunchPlan, varying: set | None = None) -> ir.Kernel:
    """The kernel in virtual-thread form for the block `plan.block` (see the module docstring)."""
    varying = varying_names(kernel) if varying is None else varying
    block = tuple(plan.block)
    nthreads = block[0] * block[1] * block[2]
    body = _Splitter(kernel, block, varying).split(kernel.body, False)
    body = _Locals(kernel, body, varying).rewrite(body, nthreads)
    return replace(kernel, body=body)
