"""A Jupyter server with Tessera's server extension enabled (pytest-jupyter's fixtures).

The fixtures (`jp_fetch`, `jp_serverapp`, ...) and pytest-jupyter's async test runner are
brought in here rather than through `pytest_plugins` in tests/conftest.py, so that its
autouse environment fixture (a temp HOME and Jupyter paths) applies to these tests only.
"""

import pytest

pytest.importorskip("jupyter_server", reason="the lab extension's server tests need jupyter_server")
pytest.importorskip("pytest_jupyter", reason="pip install -e '.[dev]' (pytest-jupyter[server])")

from pytest_jupyter.jupyter_server import *  # noqa: E402,F401,F403


@pytest.fixture
def jp_server_config():  # noqa: F811 (replaces pytest-jupyter's)
    return {
        "ServerApp": {
            "jpserver_extensions": {"tessera.labext": True},
            # every endpoint must demand auth even where a deployment would allow anonymous access
            "allow_unauthenticated_access": False,
        }
    }


def pytest_collection_modifyitems(config, items):
    """Run these tests before the browser tier: Playwright's sync API (tests/browser) keeps an event
    loop marked as the thread's running loop for the rest of the session, and pytest-jupyter's
    server fixtures cannot run their own loop after that."""
    here = {id(item) for item in items if "tests/labext/" in item.nodeid.replace("\\", "/")}
    if here:
        items[:] = [i for i in items if id(i) in here] + [i for i in items if id(i) not in here]
