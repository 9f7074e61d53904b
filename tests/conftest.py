"""Shared test setup: a private compile cache, and GPU tests skipped where there is no GPU.

The markers `gpu` and `slow` are registered in pyproject.toml.
"""

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _tessera_cache_dir(tmp_path_factory):
    """Keep generated sources and numba's cache out of the user's cache dir (and tests independent of it)."""
    old = os.environ.get("TESSERA_CACHE_DIR")
    os.environ["TESSERA_CACHE_DIR"] = str(tmp_path_factory.mktemp("tessera-cache"))
    yield
    if old is None:
        os.environ.pop("TESSERA_CACHE_DIR", None)
    else:
        os.environ["TESSERA_CACHE_DIR"] = old


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if item.get_closest_marker("gpu") is not None]
    if not gpu_items:
        return  # importing numba.cuda costs a second; only ask when a GPU test was collected
    from numba import cuda
    if cuda.is_available():
        return
    skip = pytest.mark.skip(reason="no GPU")
    for item in gpu_items:
        item.add_marker(skip)


def _check_user_error(err, fn, line_snippet, at=None):
    """Assert that `err` renders like every user-facing Tessera error should.

    It names `fn`'s file and the line of `fn`'s body holding `line_snippet` (its
    `def` line when the snippet starts with "def "), shows that
    line with a caret (under the first `at` in it when given), and ends with
    "Write instead:". Returns the rendered text.
    """
    import inspect
    import re

    fn = getattr(fn, "fn", fn)  # a ts.kernel / ts.func wraps the Python function
    lines, first = inspect.getsourcelines(fn)
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("def "))
    body = range(header if line_snippet.startswith("def ") else header + 1, len(lines))
    hits = [i for i in body if line_snippet in lines[i]]
    assert len(hits) == 1, f"snippet {line_snippet!r} must occur once in {fn.__name__}, found {len(hits)}"
    lineno = first + hits[0]
    src = lines[hits[0]].rstrip("\n")
    text = str(err)
    assert f"{fn.__code__.co_filename}:{lineno}" in text, text
    shown = text.splitlines()
    num = f"    {lineno} | "
    idx = [i for i, line in enumerate(shown) if line == num + src]
    assert idx, f"the source line is not shown:\n{text}"
    caret = shown[idx[0] + 1]
    assert re.fullmatch(r" +\| *\^", caret), f"no caret line under the source line:\n{text}"
    if at is not None:
        assert at in src, f"{at!r} is not on the line {src!r}"
        assert caret.index("^") - len(num) == src.index(at), f"the caret is not under {at!r}:\n{text}"
    assert "Write instead: " in text, text
    return text


@pytest.fixture
def user_error():
    """`user_error(err, fn, line_snippet, at=None)`: check the file:line, caret and hint of an error."""
    return _check_user_error
