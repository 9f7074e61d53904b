"""Results tables, the pinned decorator text, the text progress bar, and the compile worker pool."""

import io
import math

import pytest

import tessera as ts
from tessera.tune.results import Progress, Result, TextProgress, best_of, pinned_source, to_frame
from tessera.tune.workers import WorkerPool


def test_best_prefers_the_most_carefully_timed_then_the_fastest():
    rs = [Result({"T": 1}, "ok", median_ms=0.5, scale=1 / 3), Result({"T": 2}, "ok", median_ms=0.9),
          Result({"T": 3}, "ok", median_ms=0.8), Result({"T": 4}, "incorrect", median_ms=0.1),
          Result({"T": 5}, "failed", reason="run: boom")]
    assert best_of(rs).config == {"T": 3}
    assert best_of(rs[3:]) is None


def test_frame_orders_ok_then_incorrect_failed_pruned_skipped():
    rs = [Result({"T": 1}, "skipped"), Result({"T": 2}, "pruned", reason="threads: 2048 > 1024"),
          Result({"T": 3}, "failed"), Result({"T": 4}, "ok", median_ms=2.0, registers=32),
          Result({"T": 5}, "incorrect"), Result({"T": 6}, "ok", median_ms=1.0)]
    df = to_frame(rs)
    assert df["T"].tolist() == [6, 4, 5, 3, 2, 1]
    assert str(df.registers.dtype) == "Int64" and df.registers.iloc[1] == 32
    assert math.isnan(df.median_ms.iloc[-1])


def test_record_round_trip():
    r = Result({"T": 1}, "ok", median_ms=1.5, reps=10, registers=40, checked=True)
    back = Result.from_record({"T": 1}, r.to_record())
    assert back == r and back.cached and "config" not in r.to_record()


def kern(x: ts.Tensor["N", ts.f32]):
    B = ts.autotune.get_param("B")
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = 0.0


decorated = ts.kernel.autotune(space={"B": [32, 64]}, key=["N"])(kern)


def test_pinned_source_replaces_the_decorators():
    src = pinned_source(decorated.kernel.fn, "kern", {"B": 64, "num_warps": 4}, ["N"])
    assert src.splitlines()[:5] == ["@ts.kernel.autotune(", '    configs=[{"B": 64, "num_warps": 4}],',
                                    '    key=["N"],', ")", 'def kern(x: ts.Tensor["N", ts.f32]):']
    assert decorated.pinned_decorator({"B": 32}).count("@ts.kernel") == 1
    with pytest.raises(ts.TesseraError, match="kern has not been tuned yet"):
        decorated.pinned_decorator()


def test_text_progress_redraws_one_line():
    out = io.StringIO()
    bar = TextProgress("mm", stream=out, width=10)
    bar(Progress(1, 4, None, None, 0.0, "prune"))
    bar(Progress(4, 4, None, Result({"T": 1}, "ok", median_ms=0.25), 1.5, "done"))
    text = out.getvalue()
    assert text == ("\rautotune mm [##........] 1/4 0.0s"
                    "\rautotune mm [##########] 4/4 best 0.25 ms 1.5s\n")


def test_worker_pool_runs_jobs_and_replaces_dead_workers():
    with WorkerPool(2) as pool:
        assert pool.map([{"echo": i} for i in range(5)]) == [{"echo": i} for i in range(5)]
        for p in pool._procs:
            p.kill()
            p.wait()
        assert pool.map([{"echo": "again"}]) == [{"echo": "again"}]
