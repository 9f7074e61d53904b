"""The autotuner's on-disk cache: one JSON file per (tuning context, config) record.

Layout under TESSERA_CACHE_DIR::

    autotune/v1/<kernel>-<hash of the context>/<hash of the config>.json

The context is the Tessera version, a hash of the kernel's source (and of the
@ts.func sources it calls), the device (GPU name and compute capability, or
"cpu"), the backend, the pruning target, the key values and the argument
dtypes. A record holds one config's status, reason, timings and resources.
Keying each record by its own config (never by the whole config list) is what
makes adding a config to a space time only that config.

Concurrency: a record is written to a temporary file in the same directory and
moved into place with os.replace, which is atomic, so readers see a whole
record or none. Two processes tuning the same kernel at once each write
whole records; when both time the same config the later write wins, and both
records are valid. No lock is needed, and a process that dies mid-write
leaves only a temporary file (ignored, and removed once it is an hour old).
A file that does not parse is reported with a warning naming it, ignored, and
replaced when that config is timed again. Bumping FORMAT invalidates all
records cleanly (a new directory).

Example::

    >>> import tempfile
    >>> cache = TuneCache(tempfile.mkdtemp())
    >>> ctx = {"kernel": "k", "key": [1024]}
    >>> cache.store(ctx, {"T": 32}, {"status": "ok", "median_ms": 1.5})
    >>> cache.load(ctx)
    {'{"T":32}': {'median_ms': 1.5, 'status': 'ok'}}
    >>> [(e["kernel"], e["best_config"], e["best_ms"]) for e in cache.entries()]
    [('k', {'T': 32}, 1.5)]
    >>> cache.delete(cache.entries()[0]["id"])
    1
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
import warnings
from pathlib import Path

from .. import settings
from ..runtime.tensor import TesseraWarning
from .space import config_key

FORMAT = 1
STATUSES = ("ok", "pruned", "failed", "incorrect")
_STALE_TMP_S = 3600


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:20]


def _canon(obj):
    """JSON's view of an object (tuples become lists), so a context compares equal after a round trip."""
    return json.loads(json.dumps(obj, sort_keys=True))


class TuneCache:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else settings.cache_dir() / "autotune"

    def directory(self, context: dict) -> Path:
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(context.get("kernel", "kernel")))[:60]
        return self.root / f"v{FORMAT}" / f"{name}-{_digest(context)}"

    def load(self, context: dict) -> dict:
        """{config key: result dict} for every readable record of this context."""
        d = self.directory(context)
        if not d.is_dir():
            return {}
        want = _canon(context)
        out = {}
        now = time.time()
        for path in sorted(d.iterdir()):
            if path.name.startswith(".tmp-"):
                try:
                    if now - path.stat().st_mtime > _STALE_TMP_S:
                        path.unlink()  # left by a process that died mid-write
                except OSError:
                    pass
                continue
            if path.suffix != ".json":
                continue
            try:
                rec = json.loads(path.read_text())
                if not isinstance(rec, dict) or rec.get("format") != FORMAT:
                    raise ValueError(f"not a format-{FORMAT} record")
                config, result = rec["config"], rec["result"]
                if not isinstance(config, dict) or not isinstance(result, dict):
                    raise ValueError("config and result must be objects")
                if result.get("status") not in STATUSES:
                    raise ValueError(f"unknown status {result.get('status')!r}")
                if rec.get("context") != want or path.stem != _digest(config):
                    raise ValueError("the record does not belong at this path")
            except (OSError, ValueError, KeyError, TypeError) as e:
                warnings.warn(f"ignoring corrupt autotune cache record {path}: {e}", TesseraWarning, stacklevel=2)
                continue
            out[config_key(config)] = result
        return out

    def store(self, context: dict, config: dict, result: dict) -> None:
        """Write one record atomically (temporary file + os.replace)."""
        d = self.directory(context)
        d.mkdir(parents=True, exist_ok=True)
        rec = {"format": FORMAT, "context": _canon(context), "config": _canon(config),
               "result": _canon(result), "written": time.strftime("%Y-%m-%dT%H:%M:%S")}
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(rec, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())  # whole on disk before it becomes visible under its name
            os.replace(tmp, d / f"{_digest(_canon(config))}.json")
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def clear(self, context: dict | None = None) -> int:
        """Delete the records of one context (or all of them); returns how many files went."""
        dirs = [self.directory(context)] if context is not None else list((self.root / f"v{FORMAT}").glob("*"))
        n = 0
        for d in dirs:
            if not d.is_dir():
                continue
            for p in d.iterdir():
                p.unlink()
                n += 1
            d.rmdir()
        return n

    def entries(self) -> list:
        """One summary per tuning context on disk (what the lab's side panel lists), newest first:
        `id` (the context's directory name, the handle `delete` takes), `kernel`, `context`, `key`,
        `configs` (records), `best_config` and `best_ms` (the fastest correct config, or None),
        `written` (the newest record's time)."""
        from .results import Result, best_of
        base = self.root / f"v{FORMAT}"
        if not base.is_dir():
            return []
        out = []
        for d in sorted(base.iterdir()):
            context = self._context_of(d)
            if context is None:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", TesseraWarning)  # listing is not the place to nag
                records = self.load(context)
            results = [Result.from_record(json.loads(k), r) for k, r in records.items()]
            best = best_of(results)
            written = max((p.stat().st_mtime for p in d.glob("*.json")), default=0.0)
            out.append({"id": d.name, "kernel": context.get("kernel", d.name), "context": context,
                        "key": context.get("key"), "configs": len(records),
                        "best_config": best.config if best else None, "best_ms": best.median_ms if best else None,
                        "written": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(written))})
        return sorted(out, key=lambda e: e["written"], reverse=True)

    def delete(self, entry_id: str) -> int:
        """Delete the context whose `id` an `entries()` listing gave; returns how many files went.

        Only ids found in a fresh listing are accepted: the id is matched, never used as a path."""
        for e in self.entries():
            if e["id"] == entry_id:
                return self.clear(e["context"])
        raise KeyError(entry_id)

    @staticmethod
    def _context_of(d: Path) -> dict | None:
        """The context a directory's records were written for, if one of them says it and it hashes there."""
        if not d.is_dir():
            return None
        for p in sorted(d.glob("*.json")):
            try:
                context = json.loads(p.read_text()).get("context")
            except (OSError, ValueError, AttributeError):
                continue
            if isinstance(context, dict) and d.name.endswith(f"-{_digest(context)}"):
                return context
        return None
