"""The autotuner end to end on the sim backend: injected benchmarks, cache, failures, correctness."""

import json
import math
import re
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import tessera as ts
from tessera.runtime.tensor import TesseraWarning
from tessera.tune.cache import TuneCache


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(tmp_path))
    with ts.use_backend("sim"):
        yield


class FakeBench:
    """A benchmark with deterministic times: `times(config)` ms; counts calls per config."""

    def __init__(self, times, run=True):
        self.times, self.run, self.calls = times, run, []

    def __call__(self, fn, *, config, warmup_ms, rep_ms):
        if self.run:
            fn()
        self.calls.append(dict(config))
        return self.times(config)


def double(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    B = ts.autotune.get_param("BLOCK")
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = 2.0 * x[i]


def tune(fn, space, bench, **opts):
    opts.setdefault("progress", False)
    opts.setdefault("resources", False)
    return ts.kernel.autotune(space=space, key=["N"], bench=bench, **opts)(fn)


def xy(n=64):
    x = np.arange(n, dtype=np.float32)
    return x, np.zeros_like(x)


def by_block(config):
    return {32: 3.0, 64: 1.0, 128: 2.0, 256: 4.0}.get(config["BLOCK"], 9.0)


def test_injected_bench_gives_a_deterministic_best_and_a_results_table():
    k = tune(double, {"BLOCK": [32, 64, 128, 256, 4096]}, FakeBench(by_block))
    x, y = xy()
    k(x, y)
    assert np.array_equal(y, 2 * x)
    assert k.best_config == {"BLOCK": 64}
    df = k.autotune_results
    assert list(df.columns[:4]) == ["BLOCK", "status", "reason", "median_ms"]
    assert df[["BLOCK", "status", "median_ms"]].values.tolist()[:4] == [
        [64, "ok", 1.0], [128, "ok", 2.0], [32, "ok", 3.0], [256, "ok", 4.0]]
    # 4096 threads run as virtual threads on 128 GPU threads: legal, and slowest here
    assert df.iloc[-1][["BLOCK", "status", "threads"]].tolist() == [4096, "ok", 128]
    assert {"min_ms", "max_ms", "registers", "shared_bytes", "occupancy", "threads"} <= set(df.columns)
    assert k.last_sweep["ok"] == 5 and k.last_sweep["pruned"] == 0 and k.last_sweep["key"] == {"N": 64}


def test_the_pinned_decorator_runs_the_best_config_without_tuning(tmp_path):
    import importlib.util
    bench = FakeBench(by_block)
    k = tune(double, {"BLOCK": [32, 64]}, bench)
    k(*xy())
    src = k.pinned_decorator()
    assert src.startswith('@ts.kernel.autotune(\n    configs=[{"BLOCK": 64}],\n    key=["N"],\n)\ndef double(')
    path = tmp_path / "pinned_double.py"   # kernels need their source in a file, as in a notebook cell
    path.write_text("import tessera as ts\n\n" + src)
    spec = importlib.util.spec_from_file_location("pinned_double", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    pinned, x = mod.double, xy()[0]
    y = np.zeros_like(x)
    n = len(bench.calls)
    pinned(x, y)
    assert np.array_equal(y, 2 * x) and pinned.autotune_results is None and len(bench.calls) == n


def test_a_new_process_reuses_the_cache_with_no_timing():
    bench = FakeBench(by_block)
    tune(double, {"BLOCK": [32, 64, 128]}, bench)(*xy())
    assert len(bench.calls) == 3
    again = FakeBench(by_block)
    k = tune(double, {"BLOCK": [32, 64, 128]}, again)   # a fresh object: as after a restart
    x, y = xy()
    k(x, y)
    assert again.calls == [] and k.best_config == {"BLOCK": 64} and np.array_equal(y, 2 * x)
    assert k.last_sweep["cached"] == 3 and k.autotune_results.cached.all()


def test_adding_a_config_times_only_the_new_one():
    tune(double, {"BLOCK": [32, 64, 128]}, FakeBench(by_block))(*xy())
    bench = FakeBench(lambda c: 0.5 if c["BLOCK"] == 16 else by_block(c))
    k = tune(double, {"BLOCK": [16, 32, 64, 128]}, bench)
    k(*xy())
    assert bench.calls == [{"BLOCK": 16}] and k.best_config == {"BLOCK": 16}


def test_a_different_key_is_a_different_sweep():
    bench = FakeBench(by_block)
    k = tune(double, {"BLOCK": [32, 64]}, bench)
    k(*xy(64))
    k(*xy(64))
    k(*xy(100))
    assert len(bench.calls) == 4


def test_a_corrupt_cache_record_is_reported_and_that_config_retimed(tmp_path):
    tune(double, {"BLOCK": [32, 64, 128]}, FakeBench(by_block))(*xy())
    files = sorted((tmp_path / "autotune").rglob("*.json"))
    victim = next(f for f in files if json.loads(f.read_text())["config"] == {"BLOCK": 128})
    victim.write_text('{"format": 1, "config": ')
    bench = FakeBench(by_block)
    with pytest.warns(TesseraWarning, match=re.escape(str(victim))):
        tune(double, {"BLOCK": [32, 64, 128]}, bench)(*xy())
    assert bench.calls == [{"BLOCK": 128}]
    assert json.loads(victim.read_text())["config"] == {"BLOCK": 128}   # rewritten whole


def flaky(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    B = ts.autotune.get_param("BLOCK")
    S = ts.autotune.get_param("SHARED")
    OFF = ts.autotune.get_param("OFF")
    buf = ts.shared.alloc[ts.f32](S)
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0]:
        buf[0] = 1.0
        y[i] = 2.0 * x[i + OFF]


def test_failing_configs_are_kept_with_their_error_and_the_sweep_goes_on():
    space = {"BLOCK": [32, 64], "SHARED": [0, 4], "OFF": [0, 100000]}
    k = tune(flaky, space, FakeBench(by_block))
    x, y = xy()
    k(x, y)
    assert np.array_equal(y, 2 * x) and k.best_config == {"BLOCK": 64, "SHARED": 4, "OFF": 0}
    df = k.autotune_results
    lowering = df[df.SHARED == 0]
    assert (lowering.status == "failed").all()
    assert lowering.reason.str.startswith("lowering: KernelTypeError: shared tile sizes must be positive").all()
    oob = df[(df.SHARED == 4) & (df.OFF == 100000)]
    assert (oob.status == "failed").all()
    assert oob.reason.str.match(r"run: TesseraError: the kernel raised IndexError on the sim backend").all()


def scaled(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    B = ts.autotune.get_param("BLOCK")
    STRIDE = ts.autotune.get_param("STRIDE")
    SCALE = ts.autotune.get_param("SCALE")
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0] and i % STRIDE == 0:
        y[i] = SCALE * x[i]


def fastest_first(c):
    return 1.0 / (c["STRIDE"] * c["SCALE"])   # the wrong configs are the "fastest"


def test_a_wrong_result_is_incorrect_and_never_chosen():
    k = tune(scaled, {"BLOCK": [64], "STRIDE": [1, 2], "SCALE": [2.0, 3.0]}, FakeBench(fastest_first),
             reference=lambda x, y: 2.0 * x)
    x, y = xy()
    k(x, y)
    assert k.best_config == {"BLOCK": 64, "STRIDE": 1, "SCALE": 2.0} and np.array_equal(y, 2 * x)
    df = k.autotune_results.set_index(["STRIDE", "SCALE"])
    assert df.loc[(1, 3.0), "status"] == "incorrect"
    assert re.fullmatch(r"y: 63 of 64 elements differ from the reference \(max abs error 63\), first at \(1,\)",
                        df.loc[(1, 3.0), "reason"])
    # Outputs are NaN-filled before each config: the unwritten half shows.
    assert df.loc[(2, 2.0), "reason"] == "y: 32 of 64 elements still NaN (never written), first at (1,)"


def test_partial_writes_are_caught_without_a_reference():
    k = tune(scaled, {"BLOCK": [64], "STRIDE": [1, 2], "SCALE": [2.0]}, FakeBench(fastest_first))
    x, y = xy()
    k(x, y)
    assert k.best_config["STRIDE"] == 1
    assert (k.autotune_results.status == ["ok", "incorrect"]).all()


def test_the_reference_may_write_its_outputs_in_place():
    def ref(x, y):
        y[:] = 2 * x
    k = tune(scaled, {"BLOCK": [64], "STRIDE": [1], "SCALE": [2.0, 3.0]}, FakeBench(fastest_first), reference=ref)
    k(*xy())
    assert k.best_config["SCALE"] == 2.0


def slow(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    LOOP = ts.autotune.get_param("LOOP")
    i = ts.program_id(0) * 64 + ts.thread_id(0)
    if i < x.shape[0]:
        acc = 0.0
        for j in ts.range(LOOP):
            acc += x[i]
        y[i] = acc


def test_a_config_over_timeout_fails_and_the_sweep_goes_on():
    k = tune(slow, {"LOOP": [1, 20000]}, FakeBench(lambda c: 1.0), timeout_s=0.5)
    x, y = xy()
    k(x, y)
    df = k.autotune_results.set_index("LOOP")
    assert df.loc[1, "status"] == "ok" and df.loc[20000, "status"] == "failed"
    assert re.fullmatch(r"timeout: one run took [\d.]+ s > timeout_s=0\.5", df.loc[20000, "reason"])


def total(x: ts.Tensor["N", ts.f32], out: ts.Tensor[1, ts.f32]):
    B = ts.autotune.get_param("BLOCK")
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0]:
        ts.atomic_add(out, 0, x[i])


class RepeatBench(FakeBench):
    def __call__(self, fn, *, config, warmup_ms, rep_ms):
        for _ in range(3):
            fn()
        return super().__call__(fn, config=config, warmup_ms=warmup_ms, rep_ms=rep_ms)


def test_reset_to_zero_for_accumulating_kernels():
    x = np.ones(64, np.float32)
    out = np.full(1, 5.0, np.float32)
    seen = []
    k = tune(total, {"BLOCK": [32, 64]}, RepeatBench(by_block), reset_to_zero=["out"],
             reference=lambda x, out: (seen.append(out.copy()), np.array([x.sum()], np.float32))[1])
    k(x, out)
    assert seen[0][0] == 0.0                # the reference sees the zeroed accumulator
    assert k.autotune_results.status.tolist() == ["ok", "ok"]
    assert out[0] == 5.0 + 64.0             # the real call: the caller's value, accumulated once


def test_arguments_the_kernel_reads_and_writes_are_restored_between_runs():
    def twice(x: ts.Tensor["N", ts.f32]):
        B = ts.autotune.get_param("BLOCK")
        i = ts.program_id(0) * B + ts.thread_id(0)
        if i < x.shape[0]:
            x[i] = 2.0 * x[i]
    x = np.arange(64, dtype=np.float32)
    k = tune(twice, {"BLOCK": [32, 64]}, RepeatBench(by_block), reference=lambda x: 2 * x)
    k(x)
    assert k.autotune_results.status.tolist() == ["ok", "ok"]
    assert np.array_equal(x, 2 * np.arange(64, dtype=np.float32))   # doubled once, by the real call


def test_explicit_launch_with_callables_of_the_config():
    bench = FakeBench(by_block)
    k = tune(double, {"BLOCK": [32, 64]}, bench)
    x, y = xy(100)
    k[lambda m: (m["N"] + m["BLOCK"] - 1) // m["BLOCK"], lambda m: m["BLOCK"]](x, y)
    assert np.array_equal(y, 2 * x) and k.best_config == {"BLOCK": 64}


def test_lower_and_inspect_take_a_config():
    k = tune(double, {"BLOCK": [32, 64]}, FakeBench(by_block))
    x, y = xy()
    assert k.lower(x, y, config={"BLOCK": 32}).plan.block == (32, 1, 1)
    with pytest.raises(ts.TesseraError, match="has no tuned config for these arguments yet"):
        k.lower(x, y)
    k(x, y)
    assert k.lower(x, y).plan.block == (64, 1, 1)
    insp = k.inspect("f32[64]", "f32[64]", config={"BLOCK": 128}, target="sm_80")
    assert insp.plan.block == (128, 1, 1)
    assert k.name == "double" and "BLOCK" in k.source   # the kernel's attributes pass through


def test_a_key_that_is_not_a_symbol_or_parameter():
    # reported when decorated (tests/sim/test_autotune_errors.py pins the line), even for one config
    with pytest.raises(ts.TesseraError, match=r"autotune key 'Q' is not a shape symbol or parameter of double"):
        ts.kernel.autotune(space={"BLOCK": [32]}, key=["Q"], progress=False)(double)


def test_no_runnable_config_is_an_error_that_says_why():
    k = tune(double, {"BLOCK": [2048, 4096], "num_warps": [64]}, FakeBench(by_block))
    with pytest.raises(ts.TesseraError, match=r"no config of double can run for N=64: 2 pruned \(threads\)") as e:
        k(*xy())
    assert "double.autotune_results" in str(e.value)


def test_constraints_show_as_pruned():
    k = tune(double, {"BLOCK": [32, 64, 128]}, FakeBench(by_block), constraints=lambda c: c["BLOCK"] != 64)
    k(*xy())
    assert k.best_config == {"BLOCK": 128}
    df = k.autotune_results.set_index("BLOCK")
    assert df.loc[64, "reason"] == "constraints: ruled out by constraints()"


def test_progress_callbacks_and_the_text_bar(capsys):
    events = []
    k = tune(double, {"BLOCK": [32, 64, 4096]}, FakeBench(by_block), progress=events.append)
    k(*xy())
    assert events[-1].phase == "done" and events[-1].done == events[-1].total == 3
    assert events[-1].best.config == {"BLOCK": 64}
    assert {"prune", "time", "done"} <= {e.phase for e in events}
    assert capsys.readouterr().err == ""
    tune(double, {"BLOCK": [32, 64]}, FakeBench(by_block), progress=None)(*xy(80))
    err = capsys.readouterr().err
    assert err.startswith("\rautotune double [") and err.endswith("\n") and "2/2 best 1 ms" in err


def test_every_config_reaches_the_progress_callback_before_done_and_done_after_the_results():
    events, seen_results_at_done = [], []

    def progress(p):
        events.append(p)
        if p.phase == "done":
            seen_results_at_done.append(k.autotune_results is not None and len(k.autotune_results) == 3)
    k = tune(double, {"BLOCK": [32, 64, 128]}, FakeBench(by_block), constraints=lambda c: c["BLOCK"] != 64,
             progress=progress)
    k(*xy())
    reported = {e.result.config["BLOCK"]: e.result.status for e in events if e.result is not None}
    assert reported == {32: "ok", 64: "pruned", 128: "ok"}   # the config ruled out by constraints too
    assert seen_results_at_done == [True]
    events.clear()
    k2 = tune(double, {"BLOCK": [32, 64, 128, 4096]}, FakeBench(by_block), progress=events.append)
    k2(*xy())
    events.clear()
    k3 = tune(double, {"BLOCK": [32, 64, 128, 4096]}, FakeBench(by_block), progress=events.append)
    k3(*xy())                                              # every result from the cache, pruned ones included
    assert {e.result.config["BLOCK"] for e in events if e.result is not None} == {32, 64, 128, 4096}


def test_random_search_with_max_configs_skips_the_rest():
    k = tune(double, {"BLOCK": [16, 32, 64, 128, 256, 512]}, FakeBench(by_block), strategy="random", max_configs=3)
    k(*xy())
    df = k.autotune_results
    assert (df.status == "ok").sum() == 3 and (df.status == "skipped").sum() == 3
    assert (df[df.status == "skipped"].reason == "not timed: max_configs reached").all()


def test_budget_s_bounds_the_sweep():
    def sleepy(c):
        time.sleep(0.15)
        return by_block(c)
    k = tune(double, {"BLOCK": [16, 32, 64, 128, 256, 512]}, FakeBench(sleepy), budget_s=0.3)
    k(*xy())
    df = k.autotune_results
    assert 1 <= (df.status == "ok").sum() < 6
    assert (df[df.status == "skipped"].reason == "not timed: budget_s reached").all()


def test_successive_halving_retimes_only_the_survivors():
    bench = FakeBench(lambda c: 1.0 + abs(c["BLOCK"] - 96) / 32)
    k = tune(double, {"BLOCK": [16, 32, 48, 64, 80, 96, 112, 128, 144]}, bench, strategy="halving")
    k(*xy())
    assert k.best_config == {"BLOCK": 96}
    counts = {}
    for c in bench.calls:
        counts[c["BLOCK"]] = counts.get(c["BLOCK"], 0) + 1
    assert counts[96] == 3 and sum(counts.values()) == 9 + 3 + 1
    assert k.autotune_results.iloc[0].scale == 1.0


def test_register_and_spill_pruning_after_ptxas(monkeypatch):
    import tessera.tune.sweep as sweep
    fake = {32: {"registers": 40, "spill_bytes": 0}, 64: {"registers": 40, "spill_bytes": 32},
            1024: {"registers": 96, "spill_bytes": 0}}
    blocks = iter([])

    def run_job(job):
        return dict(fake[next(blocks)])
    monkeypatch.setattr(sweep, "run_job", run_job)
    monkeypatch.setattr(sweep.Sweep, "_job", lambda self, c, use_pool: {"target": "sm_90", "c": c})
    blocks = iter([32, 64, 1024])
    k = tune(double, {"BLOCK": [32, 64, 1024]}, FakeBench(by_block), workers=0)
    k(*xy())
    df = k.autotune_results.set_index("BLOCK")
    assert df.loc[64, "reason"] == "spills: 32 B spilled to local memory"
    assert df.loc[1024, "reason"] == "registers: 96 registers x 1024 threads = 98304 > 65536 in the register file"
    assert df.loc[32, "status"] == "ok" and df.loc[32, "registers"] == 40 and df.loc[32, "occupancy"] == 0.5


WORKER = """
import sys, time
import numpy as np, tessera as ts

def slow_bench(fn, *, config, warmup_ms, rep_ms):
    time.sleep(0.05)
    return {32: 3.0, 64: 1.0, 128: 2.0}.get(config["BLOCK"], 5.0)

def double(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    B = ts.autotune.get_param("BLOCK")
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = 2.0 * x[i]

k = ts.kernel.autotune(space={"BLOCK": [8, 16, 32, 64, 128, 256]}, key=["N"], bench=slow_bench,
                       progress=False, resources=False, backend="sim")(double)
x = np.arange(64, dtype=np.float32); y = np.zeros_like(x)
k(x, y)
assert (y == 2 * x).all()
print(k.best_config["BLOCK"])
"""


def test_two_processes_tuning_the_same_kernel_at_once(tmp_path):
    script = tmp_path / "tune_worker.py"
    script.write_text(textwrap.dedent(WORKER))
    env = {**__import__("os").environ, "TESSERA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONWARNINGS": "error::UserWarning"}
    procs = [subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [o.strip() for o, _ in outs] == ["64", "64"]
    records = [json.loads(f.read_text()) for f in (tmp_path / "cache" / "autotune").rglob("*.json")]
    assert sorted(r["config"]["BLOCK"] for r in records) == [8, 16, 32, 64, 128, 256]
    assert not list((tmp_path / "cache" / "autotune").rglob(".tmp-*"))


def test_in_a_notebook_a_sweep_shows_a_live_autotune_view(monkeypatch):
    import IPython.display
    from tessera.tune import sweep
    shown = []
    monkeypatch.setattr(sweep, "in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    k = tune(double, {"BLOCK": [32, 64, 4096]}, FakeBench(by_block), progress=None)
    k(*xy())
    [view] = shown
    assert type(view).__name__ == "AutotuneView" and view.done
    assert "best BLOCK=64" in repr(view)
    assert view.widget is not None and '"BLOCK": 64' in view.pinned_decorator()   # the tuned kernel's view
