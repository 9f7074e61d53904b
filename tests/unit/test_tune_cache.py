"""The autotune disk cache: records, corrupt files, and two processes writing at once."""

import json
import multiprocessing as mp
import os
import time

import pytest

from tessera.runtime.tensor import TesseraWarning
from tessera.tune.cache import FORMAT, TuneCache
from tessera.tune.space import config_key

CTX = {"tessera": "0", "kernel": "k", "source": "abc", "device": "cpu", "key": {"N": 1024}}


def test_store_and_load_round_trip(tmp_path):
    cache = TuneCache(tmp_path)
    cache.store(CTX, {"T": 32}, {"status": "ok", "median_ms": 1.5})
    cache.store(CTX, {"T": 64}, {"status": "pruned", "reason": "threads: x"})
    got = cache.load(CTX)
    assert got == {config_key({"T": 32}): {"status": "ok", "median_ms": 1.5},
                   config_key({"T": 64}): {"status": "pruned", "reason": "threads: x"}}
    assert not [p for p in cache.directory(CTX).iterdir() if p.name.startswith(".tmp-")]


def test_one_record_per_config_and_context(tmp_path):
    cache = TuneCache(tmp_path)
    cache.store(CTX, {"T": 32}, {"status": "ok", "median_ms": 1.0})
    cache.store(CTX, {"T": 32}, {"status": "ok", "median_ms": 2.0})   # a re-time replaces the record
    cache.store({**CTX, "key": {"N": 2048}}, {"T": 32}, {"status": "ok", "median_ms": 3.0})
    assert list(cache.load(CTX).values()) == [{"status": "ok", "median_ms": 2.0}]
    assert cache.directory(CTX) != cache.directory({**CTX, "key": {"N": 2048}})
    assert cache.directory(CTX).parent.name == f"v{FORMAT}"


@pytest.mark.parametrize("content", ["{not json", json.dumps({"format": FORMAT}), "[]",
                                     json.dumps({"format": 99, "config": {}, "result": {}})])
def test_a_corrupt_record_is_reported_and_ignored(tmp_path, content):
    cache = TuneCache(tmp_path)
    cache.store(CTX, {"T": 32}, {"status": "ok", "median_ms": 1.0})
    bad = cache.directory(CTX) / "0123456789abcdef0123.json"
    bad.write_text(content)
    with pytest.warns(TesseraWarning, match=r"ignoring corrupt autotune cache record .*0123456789abcdef0123\.json"):
        got = cache.load(CTX)
    assert list(got) == [config_key({"T": 32})]


def test_a_record_under_the_wrong_name_or_with_an_unknown_status_is_ignored(tmp_path):
    cache = TuneCache(tmp_path)
    cache.store(CTX, {"T": 32}, {"status": "ok"})
    path = next(cache.directory(CTX).glob("*.json"))
    rec = json.loads(path.read_text())
    rec["result"]["status"] = "great"
    path.write_text(json.dumps(rec))
    with pytest.warns(TesseraWarning, match="unknown status 'great'"):
        assert cache.load(CTX) == {}


def test_stale_temporary_files_are_removed(tmp_path):
    cache = TuneCache(tmp_path)
    cache.store(CTX, {"T": 32}, {"status": "ok"})
    tmp = cache.directory(CTX) / ".tmp-dead.json"
    tmp.write_text("{")
    old = time.time() - 7200
    os.utime(tmp, (old, old))
    assert len(cache.load(CTX)) == 1 and not tmp.exists()


def test_clear(tmp_path):
    cache = TuneCache(tmp_path)
    cache.store(CTX, {"T": 32}, {"status": "ok"})
    assert cache.clear(CTX) == 1 and cache.load(CTX) == {}


def _writer(root, which, n):
    import warnings
    warnings.simplefilter("error")  # a corrupt record seen by the reader fails this process
    cache = TuneCache(root)
    for i in range(n):
        # Both processes write the same configs (a race on each file) and their own ones.
        cache.store(CTX, {"T": i % 10}, {"status": "ok", "median_ms": float(i), "writer": which})
        cache.store(CTX, {"T": 100 + which * 1000 + i}, {"status": "failed", "reason": "run: x"})
        cache.load(CTX)  # reading while the other process writes must never see a partial record


def test_two_processes_writing_at_once(tmp_path, recwarn):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, 60)) for w in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    cache = TuneCache(tmp_path)
    got = cache.load(CTX)
    assert len(got) == 10 + 2 * 60
    assert not [w for w in recwarn.list if "corrupt" in str(w.message)]
    assert not [p for p in cache.directory(CTX).iterdir() if p.name.startswith(".tmp-")]
