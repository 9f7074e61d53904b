"""Sweeps under a time budget (random search and successive halving), a user's own strategy, the
cache's context (a changed kernel is timed again), and a sweep seen by `ts.profile()`."""

import importlib.util
import json
import random
import time

import numpy as np
import pytest

import tessera as ts
from tessera.tune.space import expand


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(tmp_path / "cache"))
    with ts.use_backend("sim"):
        yield


def double(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    B = ts.autotune.get_param("BLOCK")
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = 2.0 * x[i]


SPACE = {"BLOCK": [8, 16, 32, 48, 64, 80, 96, 128]}


class SleepyBench:
    """Each call takes `sleep_s` of wall time, scaled by the strategy's share of the time budget."""

    def __init__(self, sleep_s=0.1):
        self.sleep_s, self.calls = sleep_s, []

    def __call__(self, fn, *, config, warmup_ms, rep_ms):
        fn()
        self.calls.append((dict(config), rep_ms))
        time.sleep(self.sleep_s * min(1.0, rep_ms / 100.0))
        return 1.0 + abs(config["BLOCK"] - 64) / 64


def xy(n=64):
    x = np.arange(n, dtype=np.float32)
    return x, np.zeros_like(x)


def tune(fn=double, **opts):
    opts.setdefault("progress", False)
    opts.setdefault("resources", False)
    return ts.kernel.autotune(space=SPACE, key=["N"], **opts)(fn)


def test_random_search_under_budget_s_times_a_random_sample_and_replays_it_after_a_restart():
    bench = SleepyBench(0.1)
    k = tune(strategy="random", budget_s=0.45, seed=1, bench=bench)
    x, y = xy()
    k(x, y)
    assert np.array_equal(y, 2 * x)
    timed = [c for c, _ in bench.calls]
    order = list(expand(space=SPACE))
    random.Random(1).shuffle(order)
    assert 1 <= len(timed) < len(order) and timed == order[:len(timed)]   # the seeded order, cut by the budget
    assert timed != expand(space=SPACE)[:len(timed)]                        # not the space's first configs
    df = k.autotune_results
    assert (df.status == "ok").sum() == len(timed)
    assert (df[df.status == "skipped"].reason == "not timed: budget_s reached").all()
    assert k.best_config in timed
    # a restarted process replays the sweep from the cache: the same sample, the same best, no timing
    again = SleepyBench(0.1)
    k2 = tune(strategy="random", budget_s=0.45, seed=1, bench=again)
    k2(*xy())
    assert again.calls == [] and k2.best_config == k.best_config
    assert k2.last_sweep["skipped"] == k.last_sweep["skipped"] and k2.last_sweep["cached"] == len(timed)


def test_successive_halving_under_budget_s_keeps_the_most_carefully_timed_best():
    bench = SleepyBench(0.2)
    k = tune(strategy="halving", budget_s=0.3, bench=bench)
    k(*xy())
    scales = sorted({round(rep_ms / 100.0, 6) for _, rep_ms in bench.calls})
    assert scales[0] < 1.0                              # the first rung times briefly
    df = k.autotune_results
    ok = df[df.status == "ok"]
    assert 1 <= len(ok) < len(SPACE["BLOCK"]) + 3
    best = ok.iloc[0]                                   # the table puts the chosen config first
    assert {"BLOCK": best.BLOCK} == k.best_config and best.scale == ok.scale.max()
    assert (df[df.status == "skipped"].reason == "not timed: budget_s reached").all()


def test_a_strategy_of_ones_own():
    def largest_first(candidates, rng):
        times = yield [(c, 1.0) for c in sorted(candidates, key=lambda c: -c["BLOCK"])[:3]]
        assert len(times) == 3          # the sweep sends each config's median back
    bench = SleepyBench(0.0)
    k = tune(strategy=largest_first, bench=bench)
    k(*xy())
    assert [c["BLOCK"] for c, _ in bench.calls] == [128, 96, 80] and k.best_config == {"BLOCK": 80}
    assert (k.autotune_results.status == "skipped").sum() == 5


def load(path, src):
    path.write_text("import tessera as ts\n\n\n" + src)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.double


def test_a_changed_kernel_is_timed_again_and_the_old_records_stay(tmp_path):
    body = '''def double(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    B = ts.autotune.get_param("BLOCK")
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = {expr}
'''
    v1 = load(tmp_path / "double_v1.py", body.format(expr="2.0 * x[i]"))
    v2 = load(tmp_path / "double_v2.py", body.format(expr="x[i] + x[i]"))
    first, second, third = SleepyBench(0.0), SleepyBench(0.0), SleepyBench(0.0)
    tune(v1, bench=first)(*xy())
    tune(v2, bench=second)(*xy())             # same name, new source: every config timed again
    tune(v1, bench=third)(*xy())              # the first version's records are still there
    assert len(first.calls) == len(second.calls) == len(SPACE["BLOCK"]) and third.calls == []
    dirs = sorted(p for p in (tmp_path / "cache" / "autotune" / "v1").iterdir())
    assert len(dirs) == 2 and all(d.name.startswith("double-") for d in dirs)
    contexts = [json.loads(next(d.glob("*.json")).read_text())["context"] for d in dirs]
    assert contexts[0]["source"] != contexts[1]["source"]
    assert {c["device"] for c in contexts} == {"cpu"} and {c["target"] for c in contexts} == {"sm_90"}
    assert contexts[0]["tessera"] == ts.__version__ and contexts[0]["key"] == {"N": 64}


def test_the_pruning_target_is_part_of_the_context():
    a, b = SleepyBench(0.0), SleepyBench(0.0)
    tune(bench=a, target="sm_90")(*xy())
    tune(bench=b, target="sm_80")(*xy())
    assert len(a.calls) == len(b.calls) == len(SPACE["BLOCK"])


def test_a_sweep_is_one_host_range_in_a_profile():
    k = tune(bench=SleepyBench(0.0))
    x, y = xy()
    with ts.profile() as prof:
        k(x, y)            # tunes, then launches the best config
        k(x, y)            # tuned: a launch only
    kinds = [e.kind for e in prof.events]
    assert kinds.count("autotune") == 1 and kinds.count("kernel") == 2   # the sweep's own runs stay out
    sweep = next(e for e in prof.events if e.kind == "autotune")
    assert sweep.name == "autotune double" and sweep.lane == "host" and sweep.clock == "host wall clock"
    assert sweep.details == {"configs": 8, "key": "N=64", "ok": 8, "pruned": 0, "failed": 0, "incorrect": 0,
                             "skipped": 0, "cached": 0}
    first_kernel = next(e for e in prof.events if e.kind == "kernel")
    assert first_kernel.start_ms >= sweep.end_ms and first_kernel.details["config"] == "BLOCK=64"
    assert list(prof.table(kind="autotune")["name"]) == ["autotune double"]
    assert "autotune" in {tr.name for tr in prof.timeline().data}


def test_progress_true_draws_the_text_bar(capsys):
    tune(bench=SleepyBench(0.0), progress=True)(*xy(40))
    err = capsys.readouterr().err
    assert err.startswith("\rautotune double [") and err.endswith("\n") and "8/8 best 1 ms" in err
