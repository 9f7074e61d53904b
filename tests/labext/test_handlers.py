"""The side panel's endpoints (tessera/labext/handlers.py) in a real Jupyter server: what they
answer with the server's token, and that without it each one answers 403 with no data."""

import json

import pytest
from tornado.httpclient import HTTPClientError

from tessera.tune.cache import TuneCache

ENDPOINTS = [("GET", ("tessera", "devices")), ("GET", ("tessera", "autotune")),
             ("DELETE", ("tessera", "autotune", "ENTRY"))]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "tessera-cache"
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(d))
    return d


def _tuned(cache_dir, kernel="matmul", key=1024, times=(2.0, 1.0)):
    """Records as a sweep writes them: one context, a config per time."""
    cache = TuneCache(cache_dir / "autotune")
    ctx = {"kernel": kernel, "key": {"N": key}, "backend": "cpu", "device": "cpu"}
    for tile, ms in zip((16, 32, 64), times):
        cache.store(ctx, {"TILE": tile}, {"status": "ok", "median_ms": ms})
    cache.store(ctx, {"TILE": 128}, {"status": "pruned", "reason": "too many threads"})
    return cache.directory(ctx)


def _body(response):
    return json.loads(response.body)


async def test_devices_without_a_gpu_report_the_cpu_backend(jp_fetch, monkeypatch):
    from tessera.labext import nvml
    monkeypatch.setattr(nvml, "devices", lambda: nvml._none("test: no driver"))
    r = await jp_fetch("tessera", "devices")
    assert r.code == 200
    assert _body(r) == {"devices": [], "backend": "cpu", "message": "no GPU: CPU backend",
                        "nvml_error": "test: no driver"}


async def test_devices_list_what_nvml_sees(jp_fetch, monkeypatch):
    from tessera.labext import nvml
    gpu = {"index": 0, "name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0",
           "memory_total_bytes": 85520809984, "memory_used_bytes": 1 << 20, "driver": "580.65.06"}
    monkeypatch.setattr(nvml, "devices", lambda: {"devices": [gpu], "backend": "cuda", "message": None,
                                                 "nvml_error": None})
    assert _body(await jp_fetch("tessera", "devices"))["devices"] == [gpu]


async def test_autotune_lists_one_entry_per_context_with_its_best_config(jp_fetch, cache_dir):
    _tuned(cache_dir)
    r = await jp_fetch("tessera", "autotune")
    assert r.code == 200
    body = _body(r)
    assert body["directory"] == str(cache_dir / "autotune")
    [e] = body["entries"]
    assert (e["kernel"], e["key"], e["configs"], e["best_config"], e["best_ms"]) == \
        ("matmul", {"N": 1024}, 3, {"TILE": 32}, 1.0)
    assert (e["backend"], e["device"]) == ("cpu", "cpu")
    assert "context" not in e


async def test_autotune_is_empty_without_a_cache(jp_fetch, cache_dir):
    assert _body(await jp_fetch("tessera", "autotune"))["entries"] == []


async def test_delete_removes_exactly_the_listed_entry(jp_fetch, cache_dir):
    gone = _tuned(cache_dir, key=1024)
    kept = _tuned(cache_dir, key=2048)
    entries = _body(await jp_fetch("tessera", "autotune"))["entries"]
    [target] = [e for e in entries if e["key"] == {"N": 1024}]
    r = await jp_fetch("tessera", "autotune", target["id"], method="DELETE")
    assert r.code == 200
    assert _body(r) == {"deleted": target["id"], "files": 3}
    assert not gone.exists() and kept.is_dir()
    assert [e["key"] for e in _body(await jp_fetch("tessera", "autotune"))["entries"]] == [{"N": 2048}]


@pytest.mark.parametrize("entry_id", ["no-such-entry", "..", "v1", "autotune", "matmul"])
async def test_delete_takes_only_ids_from_the_listing(jp_fetch, cache_dir, entry_id):
    d = _tuned(cache_dir)
    outside = cache_dir / "keep.json"
    outside.write_text("{}")
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch("tessera", "autotune", entry_id, method="DELETE")
    assert e.value.code == 404
    assert "no autotune cache entry" in _body(e.value.response)["message"]
    assert d.is_dir() and len(list(d.glob("*.json"))) == 3 and outside.exists()


async def test_a_path_in_the_id_does_not_reach_a_handler(jp_fetch, cache_dir):
    d = _tuned(cache_dir)
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch("tessera", "autotune", f"..%2F..%2F{d.name}", method="DELETE")
    assert e.value.code == 404
    assert d.is_dir()


@pytest.mark.parametrize("headers", [{"Authorization": ""}, {"Authorization": "token not-the-token"}],
                         ids=["no-token", "wrong-token"])
@pytest.mark.parametrize("method,parts", ENDPOINTS, ids=[" ".join((m,) + p) for m, p in ENDPOINTS])
async def test_every_endpoint_refuses_unauthenticated_requests(jp_fetch, cache_dir, method, parts, headers):
    d = _tuned(cache_dir)
    entry = TuneCache(cache_dir / "autotune").entries()[0]["id"]
    parts = tuple(entry if p == "ENTRY" else p for p in parts)
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch(*parts, method=method, headers=dict(headers))
    assert e.value.code == 403
    body = e.value.response.body.decode()
    assert "matmul" not in body and "devices" not in body and "TILE" not in body
    assert d.is_dir() and len(list(d.glob("*.json"))) == 3   # a refused DELETE deletes nothing
