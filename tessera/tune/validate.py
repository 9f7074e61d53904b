"""The autotune decorator's inputs, checked when the kernel is decorated, not at its first call.

Every error names the kernel and points at the line to change: the
decorator's line for a bad option (`key=`, `strategy=`, `target=`,
`budget_s=`, ...), the `ts.autotune.get_param` line for a name that no config
gives a value.

Example::

    >>> import tessera as ts
    >>> def k(x: ts.Tensor["N", ts.f32]):
    ...     B = ts.autotune.get_param("BLOCK")
    ...     i = ts.program_id(0) * B + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = 0.0
    >>> ts.kernel.autotune(space={"BLOCK": [32]}, key=["M"])(k)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tessera.errors.TesseraError: kernel 'k', ...: autotune key 'M' is not a shape symbol or parameter of k
    ...
    Write instead: key=["N"]
"""

from __future__ import annotations

import difflib
import numbers

from ..errors import TesseraError
from ..frontend import ir


def _names(xs) -> str:
    return ", ".join(f'"{x}"' for x in xs)


def key_source(kernel_ir, name: str):
    """(parameter index, axis) of a key name: a shape symbol's first tensor axis, else (index, None) for a
    parameter of that name; None for neither."""
    for i, p in enumerate(kernel_ir.params):
        if p.kind == "tensor":
            for a, d in enumerate(p.dims):
                if d == name:
                    return i, a
    for i, p in enumerate(kernel_ir.params):
        if p.name == name:
            return i, None
    return None


def _symbols(kernel_ir) -> list:
    return list(dict.fromkeys(d for p in kernel_ir.params if p.kind == "tensor" for d in p.dims
                              if isinstance(d, str)))


def check_key(kernel, key, loc=None) -> None:
    if isinstance(key, str) or not isinstance(key, (list, tuple)) or not all(isinstance(k, str) for k in key):
        syms = _symbols(kernel.ir)
        raise TesseraError(f"key must be a list of names, got {key!r}", kernel=kernel.name, loc=loc,
                           hint=f"key=[{_names(syms or ['N'])}]")
    for name in key:
        if key_source(kernel.ir, name) is None:
            syms = _symbols(kernel.ir)
            close = difflib.get_close_matches(name, syms + [p.name for p in kernel.ir.params], n=1)
            hint = f"key=[{_names(close or syms)}]" if close or syms else \
                f"key=[] or key=[{_names(p.name for p in kernel.ir.params)}]"
            raise TesseraError(f"autotune key '{name}' is not a shape symbol or parameter of {kernel.name}",
                               kernel=kernel.name, loc=loc, hint=hint)


def _get_param_sites(kernel_ir) -> dict:
    """{name: first ir.ConstParam node} of every `ts.autotune.get_param` in the kernel and its functions."""
    names = set(kernel_ir.const_params)
    bodies = [kernel_ir.body] + [f.body for f in getattr(kernel_ir, "funcs", ()) or ()]
    for f in getattr(kernel_ir, "funcs", ()) or ():
        names |= set(getattr(f, "const_params", ()))
    sites: dict = {}
    for body in bodies:
        for n in ir.walk(body):
            if isinstance(n, ir.ConstParam) and n.name in names and n.name not in sites:
                sites[n.name] = n
    for n in names:
        sites.setdefault(n, None)
    return sites


def check_get_params(kernel, configs: list) -> None:
    """Every `ts.autotune.get_param(name)` must find `name` in at least one config."""
    given = set().union(*(c.keys() for c in configs)) | {p.name for p in kernel.ir.params}
    for name, node in _get_param_sites(kernel.ir).items():
        if name in given:
            continue
        offered = sorted(set().union(*(c.keys() for c in configs)))
        close = difflib.get_close_matches(name, offered, n=1)
        hint = (f'ts.autotune.get_param("{close[0]}"), or add "{name}": [...] to the space' if close else
                f'add "{name}": [32, 64] to the space (it has {_names(offered)})' if offered else
                f'add "{name}": [32, 64] to the space')
        loc = node.loc if node is not None else kernel.ir.loc
        raise TesseraError(f"ts.autotune.get_param(\"{name}\") has no value: no config of the autotune space "
                           f"gives {name}", kernel=kernel.name, loc=loc, hint=hint)


def _number(name, v, *, minimum, strict, integer=False, allow_none=True):
    ok = (v is None and allow_none) or (
        isinstance(v, numbers.Real) and not isinstance(v, bool) and (not integer or isinstance(v, numbers.Integral))
        and (v > minimum if strict else v >= minimum))
    if not ok:
        what = "an int" if integer else "a number"
        bound = f"> {minimum}" if strict else f">= {minimum}"
        return f"{name} must be {what} {bound}" + (" or None" if allow_none else "") + f", got {v!r}"
    return None


_EXAMPLES = {"budget_s": "budget_s=60", "max_configs": "max_configs=20", "timeout_s": "timeout_s=10",
             "warmup_ms": "warmup_ms=25", "rep_ms": "rep_ms=100", "workers": "workers=4",
             "rtol": "rtol=1e-3", "atol": "atol=1e-3", "seed": "seed=0"}


def check_options(kernel, opts, loc=None) -> None:
    """The TuneOptions values: numbers in range, callables where callables go, a known strategy and target."""
    problems = [
        _number("budget_s", opts.budget_s, minimum=0, strict=True),
        _number("max_configs", opts.max_configs, minimum=1, strict=False, integer=True),
        _number("timeout_s", opts.timeout_s, minimum=0, strict=True),
        _number("warmup_ms", opts.warmup_ms, minimum=0, strict=False, allow_none=False),
        _number("rep_ms", opts.rep_ms, minimum=0, strict=True, allow_none=False),
        _number("workers", opts.workers, minimum=0, strict=False, integer=True),
        _number("rtol", opts.rtol, minimum=0, strict=False),
        _number("atol", opts.atol, minimum=0, strict=False),
        _number("seed", opts.seed, minimum=-(1 << 63), strict=False, integer=True, allow_none=False),
    ]
    for msg in problems:
        if msg:
            name = msg.split(" ", 1)[0]
            raise TesseraError(msg, kernel=kernel.name, loc=loc, hint=_EXAMPLES[name])
    for name in ("reference", "constraints", "bench"):
        v = getattr(opts, name)
        if v is not None and not callable(v):
            raise TesseraError(f"{name}= must be a function, got {type(v).__name__}", kernel=kernel.name, loc=loc,
                               hint={"reference": "reference=lambda A, B, C: A @ B",
                                     "constraints": 'constraints=lambda c: c["TILE_M"] * c["TILE_N"] <= 16384',
                                     "bench": "bench=my_bench  # (fn, *, config, warmup_ms, rep_ms) -> ms"}[name])
    p = opts.progress
    if not (p is None or isinstance(p, bool) or callable(p)):
        raise TesseraError(f"progress= must be True, False or a function, got {type(p).__name__}",
                           kernel=kernel.name, loc=loc, hint="progress=False, or progress=lambda p: print(p.done)")
    s = opts.strategy
    if not callable(s):
        from .strategies import STRATEGIES
        if s not in STRATEGIES:
            close = difflib.get_close_matches(str(s), list(STRATEGIES), n=1)
            raise TesseraError(f"unknown autotune strategy {s!r}", kernel=kernel.name, loc=loc,
                               hint=(f'strategy="{close[0]}"; ' if close else "") +
                               'strategy="exhaustive", "random" (with budget_s= or max_configs=) or "halving"')
    if opts.target is not None:
        from .targets import parse_target
        try:
            parse_target(opts.target)
        except TesseraError as e:
            raise TesseraError(e.message.replace("unknown GPU target", "unknown autotune target"),
                               kernel=kernel.name, loc=loc, hint=e.hint) from None


def check_reset_to_zero(kernel, names, loc=None) -> None:
    tensors = [p.name for p in kernel.ir.params if p.kind == "tensor"]
    for n in names:
        if n not in tensors:
            raise TesseraError(f"reset_to_zero names {n!r}, which is not a tensor parameter of {kernel.name}",
                               kernel=kernel.name, loc=loc, hint=f"reset_to_zero=[{_names(tensors)}]")
