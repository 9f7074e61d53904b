"""Search strategies: which configs to time, in what order, and how carefully.

A strategy is a generator over the runnable candidates. It yields a batch,
a list of (config, scale) pairs, and receives {config key: median ms} for
that batch (inf for a config that failed, was incorrect, or was not timed
because the budget ran out). `scale` multiplies the benchmark's time budget:
successive halving times many configs briefly and the survivors carefully.
The sweep stops a strategy early when `budget_s` or `max_configs` is spent.

- ``exhaustive``: every candidate, in the space's order.
- ``random``: every candidate in a seeded random order; with `budget_s` or
  `max_configs` this is random search.
- ``halving``: successive halving (eta = 3). All candidates (a random sample
  of `max_configs` of them) are timed with 1/eta^r of the time budget, the best
  third go on with eta times more, until one is left or the full budget is
  reached. Compiling stays one per config; timing drops from n full
  benchmarks to about n/eta^r + ... + 1, which is what dominates on a GPU once
  compilation is parallel.

Example::

    >>> import random
    >>> times = {'{"T":1}': 3.0, '{"T":2}': 1.0, '{"T":3}': 2.0}
    >>> g = halving([{"T": 1}, {"T": 2}, {"T": 3}], random.Random(0))
    >>> sorted(c["T"] for c, _ in next(g))
    [1, 2, 3]
    >>> [(c, s) for c, s in g.send(times)]
    [({'T': 2}, 1.0)]
"""

from __future__ import annotations

import math
import random

from .space import config_key

ETA = 3


def exhaustive(candidates: list, rng: random.Random):
    yield [(c, 1.0) for c in candidates]


def random_order(candidates: list, rng: random.Random):
    order = list(candidates)
    rng.shuffle(order)
    yield [(c, 1.0) for c in order]


def halving(candidates: list, rng: random.Random, eta: int = ETA):
    rung = list(candidates)
    rng.shuffle(rung)  # a budget cut then leaves a random sample, not the start of the space
    # Rung sizes n, n/eta, ..., 1: the last rung times the winner with the full budget.
    rungs = 1 + max(0, math.ceil(math.log(len(rung), eta) - 1e-9)) if len(rung) > 1 else 1
    r = 0
    while True:
        scale = float(eta) ** (r - (rungs - 1))
        times = yield [(c, scale) for c in rung]
        if scale >= 1.0:
            return
        alive = sorted((c for c in rung if math.isfinite(times.get(config_key(c), math.inf))),
                       key=lambda c: times[config_key(c)])
        if not alive:
            return
        rung = alive[:math.ceil(len(alive) / eta)]
        r = rungs - 1 if len(rung) == 1 else r + 1


STRATEGIES = {"exhaustive": exhaustive, "random": random_order, "halving": halving}


def get_strategy(strategy):
    """A strategy by name, or the user's own generator function."""
    if callable(strategy):
        return strategy
    if strategy not in STRATEGIES:
        from ..errors import TesseraError
        raise TesseraError(f"unknown autotune strategy {strategy!r}",
                           hint='strategy="exhaustive", "random" (with budget_s= or max_configs=) or "halving"')
    return STRATEGIES[strategy]
