"""The configs an autotuner considers: the product of a space, or an explicit list.

A config is a plain dict of compile-time values (`{"TILE_M": 64, ...}`); the
kernel reads each with `ts.autotune.get_param`. `num_warps` and `num_stages`
are reserved knobs: they reach the compiler as config entries, and the pruning
reads them (physical threads, multi-buffered shared memory).

Example::

    >>> configs = expand(space={"TILE": [16, 32], "num_warps": [4, 8]})
    >>> len(configs), configs[0]
    (4, {'TILE': 16, 'num_warps': 4})
    >>> config_label({"TILE": 16, "num_warps": 4})
    'TILE=16 num_warps=4'
"""

from __future__ import annotations

import itertools
import json

from ..errors import TesseraError

RESERVED = ("num_warps", "num_stages")


def _check_value(name, v, where, loc):
    if not isinstance(v, (bool, int, float)):
        raise TesseraError(f"autotune value {name}={v!r} ({where}) must be an int, float or bool",
                           loc=loc, hint=f'compile-time values only, e.g. "{name}": [32, 64]')
    if name in RESERVED and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
        raise TesseraError(f"{name} must be a positive int, got {v!r}", loc=loc,
                           hint=f'"{name}": [4, 8]' if name == "num_warps" else f'"{name}": [2, 3]')


def expand(space: dict | None = None, configs: list | None = None, loc=None) -> list[dict]:
    """The candidate configs, in a fixed order: the space's product (last name fastest), or `configs`.

    `loc`: where the decorator was written, for errors."""
    if (space is None) == (configs is None):
        raise TesseraError("give the autotuner either space={name: [values]} or configs=[{...}, ...]",
                           loc=loc,
                           hint='@ts.kernel.autotune(space={"TILE": [32, 64]}, key=["N"])')
    if space is not None:
        if not isinstance(space, dict) or not space:
            raise TesseraError("space must be a non-empty dict of lists", loc=loc,
                               hint='space={"TILE_M": [64, 128], "num_warps": [4, 8]}')
        names = list(space)
        for n, vals in space.items():
            if not isinstance(n, str) or not isinstance(vals, (list, tuple)) or not vals:
                raise TesseraError(f"space entry {n!r} must map a name to a non-empty list of values",
                                   loc=loc, hint=f'"{n}": [32, 64, 128]')
            for v in vals:
                _check_value(n, v, "in the space", loc)
        return [dict(zip(names, combo)) for combo in itertools.product(*(space[n] for n in names))]
    if not isinstance(configs, (list, tuple)) or not configs or not all(isinstance(c, dict) for c in configs):
        raise TesseraError("configs must be a non-empty list of dicts", loc=loc,
                           hint='configs=[{"TILE": 32, "num_warps": 4}, {"TILE": 64, "num_warps": 8}]')
    out, seen = [], set()
    for c in configs:
        for n, v in c.items():
            _check_value(n, v, "in configs", loc)
        k = config_key(c)
        if k not in seen:  # a repeated config would be timed twice for nothing
            seen.add(k)
            out.append(dict(c))
    return out


def config_key(config: dict) -> str:
    """A canonical text for a config: equal configs give equal keys, whatever their dict order.

    >>> config_key({"B": 2, "A": 1}) == config_key({"A": 1, "B": 2})
    True
    """
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def config_label(config: dict) -> str:
    """A short human-readable name for a config (plots, progress, messages)."""
    return " ".join(f"{k}={v}" for k, v in config.items())


def apply_constraints(configs: list[dict], constraints) -> tuple[list[dict], list[tuple[dict, str]]]:
    """Split configs into (kept, [(ruled out, reason)]) with the user's `constraints(config) -> bool`.

    >>> kept, out = apply_constraints([{"T": 16}, {"T": 64}], lambda c: c["T"] <= 32)
    >>> kept, out
    ([{'T': 16}], [({'T': 64}, 'constraints: ruled out by constraints()')])
    """
    if constraints is None:
        return list(configs), []
    kept, out = [], []
    for c in configs:
        try:
            ok = constraints(dict(c))
        except Exception as e:  # a constraint that cannot judge a config rules it out, visibly
            out.append((c, f"constraints: constraints() raised {type(e).__name__}: {e}"))
            continue
        (kept.append(c) if ok else out.append((c, "constraints: ruled out by constraints()")))
    return kept, out
