"""Uniformity: which values and statements depend on `ts.thread_id`.

Uniform values are the same for every thread of a program; varying ones are
not. Block-level collectives (`ts.barrier`, `ts.shared.alloc`,
`ts.copy_async`, `ts.wait_group`) must be reached by every thread, so one
under thread-dependent control flow is a compile error, not a hang.

Example::

    >>> import tessera as ts
    >>> from tessera.frontend.parse import parse_kernel
    >>> from tessera.passes.uniformity import varying_names
    >>> def k(x: ts.Tensor["N", ts.f32]):
    ...     p = ts.program_id(0)
    ...     i = p * 64 + ts.thread_id(0)
    ...     x[i] = 1.0
    >>> sorted(varying_names(parse_kernel(k)))
    ['i']
"""

from __future__ import annotations

from ..errors import TesseraError
from ..frontend import ir


class DivergentCollectiveError(TesseraError):
    """A block-level collective under thread-dependent control flow."""


def _expr_varying(e, varying: set) -> bool:
    for n in ir.walk(e):
        if isinstance(n, ir.Intrinsic) and (n.name == "thread_id" or n.name.startswith("atomic_")):
            return True
        if isinstance(n, ir.Name) and n.id in varying:
            return True
    return False


def varying_names(kernel: ir.Kernel) -> set:
    """Local names whose value may differ between threads of one program."""
    varying: set = set()

    def visit(body, divergent: bool):
        for s in body:
            if isinstance(s, ir.Assign):
                if divergent or _expr_varying(s.value, varying):
                    varying.add(s.target)
            elif isinstance(s, ir.If):
                d = divergent or _expr_varying(s.cond, varying)
                visit(s.then, d)
                visit(s.orelse, d)
            elif isinstance(s, ir.For):
                d = divergent or any(_expr_varying(x, varying) for x in (s.start, s.stop, s.step)) \
                    or _has_divergent_exit(s.body, varying)
                if d:
                    varying.add(s.var)
                visit(s.body, d)
            elif isinstance(s, ir.While):
                d = divergent or _expr_varying(s.cond, varying) or _has_divergent_exit(s.body, varying)
                visit(s.body, d)

    while True:
        before = len(varying)
        visit(kernel.body, False)
        if len(varying) == before:
            return varying


def _has_divergent_exit(body, varying) -> bool:
    """A break/continue under a thread-dependent condition makes a loop's trip count vary."""
    def visit(stmts, cond_varying):
        for s in stmts:
            if isinstance(s, (ir.Break, ir.Continue)) and cond_varying:
                return True
            if isinstance(s, ir.If):
                c = cond_varying or _expr_varying(s.cond, varying)
                if visit(s.then, c) or visit(s.orelse, c):
                    return True
        return False
    return visit(body, False)


_COLLECTIVES = {ir.Barrier: "ts.barrier()", ir.SharedAlloc: "ts.shared.alloc",
                ir.CopyAsync: "ts.copy_async", ir.WaitGroup: "ts.wait_group"}


def check_collectives(kernel: ir.Kernel, varying: set | None = None) -> None:
    """Raise DivergentCollectiveError for a collective that not every thread reaches."""
    varying = varying_names(kernel) if varying is None else varying

    def visit(body, why):
        """why: the statement that made this code thread-dependent, or None."""
        for s in body:
            if type(s) in _COLLECTIVES and why is not None:
                name = _COLLECTIVES[type(s)]
                raise DivergentCollectiveError(
                    f"{name} is under control flow that depends on ts.thread_id (line {why.loc.line}); "
                    f"threads that skip it would wait forever",
                    kernel=kernel.name, loc=s.loc,
                    hint=f"move {name} out of the thread-dependent if/loop: compute the condition into a "
                         f"variable, then keep the collective at a level every thread reaches")
            if isinstance(s, ir.If):
                w = why or (s if _expr_varying(s.cond, varying) else None)
                visit(s.then, w)
                visit(s.orelse, w)
                if w is not None and why is None and _exits(s):
                    why = s  # an early return/break under a varying condition
            elif isinstance(s, ir.For):
                v = any(_expr_varying(x, varying) for x in (s.start, s.stop, s.step)) \
                    or _has_divergent_exit(s.body, varying)
                visit(s.body, why or (s if v else None))
            elif isinstance(s, ir.While):
                v = _expr_varying(s.cond, varying) or _has_divergent_exit(s.body, varying)
                visit(s.body, why or (s if v else None))

    visit(kernel.body, None)


def _exits(s) -> bool:
    return any(isinstance(n, (ir.Return, ir.Break, ir.Continue)) for n in ir.walk(s))
