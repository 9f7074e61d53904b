"""The side panel's REST endpoints, all under `<base_url>/tessera/` and all behind Jupyter's auth.

| method and path | answer |
|---|---|
| `GET tessera/devices` | `tessera.labext.nvml.devices()` |
| `GET tessera/autotune` | `{"directory": ..., "entries": [...]}`: one entry per tuning context in the autotune cache |
| `DELETE tessera/autotune/<id>` | deletes the entry with that id from a fresh listing: 200 `{"deleted": id, "files": n}`, 404 otherwise |

Every method is `@tornado.web.authenticated` on a jupyter_server `APIHandler`: a
request without the server's token (or cookie) gets 403 and no data, and a
DELETE from a browser also needs the XSRF token, as every Jupyter API does. The
id in a DELETE is only compared with the ids of the listing; it never becomes
a path. The cache is `TESSERA_CACHE_DIR`/autotune as the server process sees it
(the same as a kernel's when both run with the same environment).

Example (the routes, relative to the server's base URL)::

    >>> from tessera.labext.handlers import routes
    >>> [pattern for pattern, _ in routes("/")]
    ['/tessera/devices', '/tessera/autotune', '/tessera/autotune/(?P<entry_id>[A-Za-z0-9_.-]+)']
"""

from __future__ import annotations

import json

import tornado
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from . import nvml


def _cache():
    from ..tune.cache import TuneCache
    return TuneCache()


class DevicesHandler(APIHandler):
    @tornado.web.authenticated
    def get(self):
        self.finish(json.dumps(nvml.devices()))


class AutotuneHandler(APIHandler):
    @tornado.web.authenticated
    def get(self):
        cache = _cache()
        entries = [{k: v for k, v in e.items() if k != "context"} | {"backend": e["context"].get("backend"),
                                                                      "device": e["context"].get("device")}
                   for e in cache.entries()]
        self.finish(json.dumps({"directory": str(cache.root), "entries": entries}))


class AutotuneEntryHandler(APIHandler):
    @tornado.web.authenticated
    def delete(self, entry_id: str):
        try:
            n = _cache().delete(entry_id)
        except KeyError:
            raise tornado.web.HTTPError(404, f"no autotune cache entry {entry_id!r} (list them: GET tessera/autotune)")
        self.finish(json.dumps({"deleted": entry_id, "files": n}))


def routes(base_url: str) -> list:
    """(URL pattern, handler class) for each endpoint under `base_url`."""
    return [(url_path_join(base_url, "tessera", "devices"), DevicesHandler),
            (url_path_join(base_url, "tessera", "autotune"), AutotuneHandler),
            (url_path_join(base_url, "tessera", "autotune", r"(?P<entry_id>[A-Za-z0-9_.-]+)"), AutotuneEntryHandler)]


def setup_handlers(web_app) -> None:
    """Add the endpoints to a Jupyter server's tornado application."""
    web_app.add_handlers(".*$", routes(web_app.settings["base_url"]))
