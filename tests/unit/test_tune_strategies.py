"""Search strategies on synthetic landscapes (no kernels): order, determinism, successive halving."""

import math
import random

from tessera.tune.space import config_key, expand
from tessera.tune.strategies import exhaustive, get_strategy, halving, random_order

SPACE = expand(space={"A": list(range(9)), "B": list(range(9))})   # 81 configs


def landscape(c):
    """A smooth bowl with its minimum at A=6, B=2, plus a ridge that misleads a greedy search."""
    return 1.0 + 0.3 * (c["A"] - 6) ** 2 + 0.2 * (c["B"] - 2) ** 2 + (2.0 if c["A"] == 5 else 0.0)


def drive(strategy, candidates, measure, seed=0):
    """Run a strategy to the end; returns [(config, scale)] in the order it asked for them."""
    asked, gen = [], strategy(list(candidates), random.Random(seed))
    try:
        batch = next(gen)
        while True:
            asked.extend(batch)
            batch = gen.send({config_key(c): measure(c, s) for c, s in batch})
    except StopIteration:
        return asked


def test_exhaustive_times_every_config_once_in_order():
    asked = drive(exhaustive, SPACE, lambda c, s: landscape(c))
    assert [c for c, _ in asked] == SPACE and {s for _, s in asked} == {1.0}


def test_random_is_a_seeded_permutation():
    a = [c for c, _ in drive(random_order, SPACE, lambda c, s: 1.0, seed=3)]
    b = [c for c, _ in drive(random_order, SPACE, lambda c, s: 1.0, seed=3)]
    c = [c for c, _ in drive(random_order, SPACE, lambda c, s: 1.0, seed=4)]
    assert a == b != c and sorted(map(config_key, a)) == sorted(map(config_key, SPACE))


def test_halving_finds_the_optimum_of_a_noisy_landscape_for_a_fraction_of_the_time():
    rng = random.Random(1)

    def measure(c, scale):
        # Less timing budget, more noise: the noise's spread shrinks as 1/sqrt(budget).
        return landscape(c) * (1 + rng.gauss(0, 0.05 / math.sqrt(scale)))

    asked = drive(halving, SPACE, measure)
    last = [c for c, s in asked if s == 1.0]
    assert last == [{"A": 6, "B": 2}]
    cost = sum(s for _, s in asked)          # in units of one full benchmark
    assert cost < 0.1 * len(SPACE)           # exhaustive costs 81 of them
    rungs = sorted({s for _, s in asked})
    assert rungs == [1 / 81, 1 / 27, 1 / 9, 1 / 3, 1.0]


def test_halving_drops_failed_configs_and_stops_when_nothing_runs():
    asked = drive(halving, SPACE[:9], lambda c, s: math.inf if c["B"] != 4 else 1.0)
    assert [c for c, s in asked if s == 1.0] == [{"A": 0, "B": 4}]
    assert len(drive(halving, SPACE[:9], lambda c, s: math.inf)) == 9


def test_halving_with_one_candidate_times_it_once_in_full():
    assert drive(halving, [{"A": 1}], lambda c, s: 1.0) == [({"A": 1}, 1.0)]


def test_a_strategy_by_name_or_function():
    assert get_strategy("halving") is halving and get_strategy(exhaustive) is exhaustive
