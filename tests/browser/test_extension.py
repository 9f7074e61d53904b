"""The lab extension (extension/, tessera/labext) in a real JupyterLab in chromium (fixtures: conftest.py).

One notebook, written by the test into the server's root: a `%%tessera` cell that the test
runs (it compiles a kernel on the cpu backend) and a `%%cuda` cell that it does not run. The
test checks that the `%%cuda` cell is highlighted as C++ (CodeMirror's C++ tokens, not
Python's), that the `%%tessera` cell marks Tessera's intrinsics, that editing the first line
switches the language, and that the Tessera side panel lists the CPU backend (no GPU in CI)
and the kernel the cell compiled.
"""

import json

import pytest

from tests.browser.labdriver import _OPEN_JS, _KERNEL_IDLE_JS, _fail, _within

pytestmark = pytest.mark.browser

NOTEBOOK = "extension-check/extension.ipynb"
TESSERA_CELL = '''%%tessera --backend cpu
import tessera as ts

def ext_scale(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = x[i] * 2.0
'''
CUDA_CELL = '''%%cuda
#include <cstdio>
__global__ void fill(float* x) { x[threadIdx.x] = 1.0f; }
'''
CELLS = ["%load_ext tessera", TESSERA_CELL, CUDA_CELL]


def _write_notebook(root):
    def code(src):
        return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                "source": src.splitlines(keepends=True)}
    nb = {"nbformat": 4, "nbformat_minor": 5, "cells": [code(c) for c in CELLS],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                       "language_info": {"name": "python"}}}
    path = root / NOTEBOOK
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


_MIME_JS = "i => window.__tessera.panel.content.widgets[i].model.mimeType"

# The text of each syntax-token span in a cell's editor (CodeMirror wraps each highlighted token in a span).
_TOKENS_JS = """
i => Array.from(window.__tessera.panel.content.widgets[i].node.querySelectorAll('.cm-content .cm-line span'),
                s => s.textContent)
"""

_RUN_CELL_JS = """
async i => {
  const t = window.__tessera, app = window.jupyterapp;
  app.shell.activateById(t.panel.id);
  t.panel.content.activeCellIndex = i;
  await app.commands.execute('notebook:run-cell');
}
"""

_COUNT_JS = "i => window.__tessera.panel.content.widgets[i].model.executionCount"
_OUTPUT_ERRORS_JS = """
() => window.__tessera.panel.content.widgets.flatMap(c => c.model.type === 'code' ?
        c.model.outputs.toJSON().filter(o => o.output_type === 'error').map(o => `${o.ename}: ${o.evalue}`) : [])
"""


def _open(page, lab, failure_shot, timeout_s=120):
    page.goto(lab.url("lab"), wait_until="domcontentloaded", timeout=timeout_s * 1000)
    if not _within(lambda: page.wait_for_function("() => !!window.jupyterapp", timeout=timeout_s * 1000)):
        _fail(page, failure_shot, f"JupyterLab did not start within {timeout_s} s; server log:\n{lab.log_tail()}")
    try:
        page.evaluate(_OPEN_JS, {"path": NOTEBOOK, "timeoutMs": timeout_s * 1000})
        page.wait_for_function(_KERNEL_IDLE_JS, timeout=timeout_s * 1000, polling=250)
    except Exception as err:
        _fail(page, failure_shot, f"could not open {NOTEBOOK} with a ready kernel: {str(err).splitlines()[0]}")


def _wait_mime(page, index, mime, what, failure_shot):
    if not _within(lambda: page.wait_for_function(f"() => ({_MIME_JS})({index}) === {json.dumps(mime)}",
                                                  timeout=15000, polling=100)):
        _fail(page, failure_shot, f"{what}: cell {index} has MIME type {page.evaluate(_MIME_JS, index)!r}, "
                                  f"expected {mime!r} (is the tessera lab extension installed? "
                                  f"`jupyter labextension list`)")


def test_extension_highlights_magics_and_shows_the_panel(page, lab, tmp_path):
    failure_shot = tmp_path / "extension-failure.png"
    _write_notebook(lab.root)
    _open(page, lab, failure_shot)

    # %%cuda: C++ tokens. Python would make `#include <cstdio>` one comment token and split `1.0f` in two.
    _wait_mime(page, 2, "text/x-cuda", "%%cuda cell", failure_shot)
    if not _within(lambda: page.wait_for_function(f"() => ({_TOKENS_JS})(2).includes('#include')", timeout=15000)):
        _fail(page, failure_shot, f"%%cuda cell: no C++ preprocessor token '#include'; its tokens: "
                                  f"{page.evaluate(_TOKENS_JS, 2)}")
    tokens = page.evaluate(_TOKENS_JS, 2)
    assert "#include <cstdio>" not in tokens, f"the %%cuda cell is highlighted as Python: {tokens}"
    assert {"<cstdio>", "1.0f"} <= set(tokens), f"no C++ include or float-literal tokens in the %%cuda cell: {tokens}"

    # %%tessera: Python, with the intrinsics marked.
    _wait_mime(page, 1, "text/x-tessera", "%%tessera cell", failure_shot)
    marked_js = ("() => Array.from(window.__tessera.panel.content.widgets[1].node"
                 ".querySelectorAll('.tessera-intrinsic'), s => s.textContent)")
    if not _within(lambda: page.wait_for_function(f"() => ({marked_js})().length >= 3", timeout=15000)):
        _fail(page, failure_shot, f"%%tessera cell: intrinsics not marked; marked: {page.evaluate(marked_js)}")
    assert page.evaluate(marked_js) == ["ts.program_id", "ts.block_size", "ts.thread_id"]
    assert page.evaluate(_MIME_JS, 0) not in ("text/x-cuda", "text/x-tessera")

    # Editing the first line switches the language, both ways.
    set_first = ("([i, src]) => window.__tessera.panel.content.widgets[i].model.sharedModel"
                 ".setSource(src)")
    page.evaluate(set_first, [2, CUDA_CELL.replace("%%cuda", "%%tessera", 1)])
    _wait_mime(page, 2, "text/x-tessera", "%%cuda cell edited to %%tessera", failure_shot)
    page.evaluate(set_first, [2, CUDA_CELL])
    _wait_mime(page, 2, "text/x-cuda", "the cell edited back to %%cuda", failure_shot)
    page.locator(".jp-Notebook .jp-Cell").nth(2).screenshot(path=str(tmp_path / "extension-cuda-cell.png"))

    # Run %load_ext and the %%tessera cell (it compiles ext_scale on the cpu backend).
    for i in (0, 1):
        page.evaluate(_RUN_CELL_JS, i)
        if not _within(lambda: (page.wait_for_function(f"() => ({_COUNT_JS})({i}) !== null", timeout=180000,
                                                       polling=250),
                                page.wait_for_function(_KERNEL_IDLE_JS, timeout=180000, polling=250))):
            _fail(page, failure_shot, f"cell {i} did not finish running within 180 s")
    errors = page.evaluate(_OUTPUT_ERRORS_JS)
    if errors:
        _fail(page, failure_shot, f"running the cells failed: {errors}")

    # The side panel: the CPU backend (no GPU here) and the compiled kernel.
    page.evaluate("() => window.jupyterapp.commands.execute('tessera:open-panel')")
    panel = page.locator("#tessera-panel")
    if not _within(lambda: panel.wait_for(state="visible", timeout=15000)):
        _fail(page, failure_shot, "the Tessera side panel did not open (command tessera:open-panel)")
    devices = panel.locator(".tessera-devices")
    if not _within(lambda: devices.get_by_text("no GPU: CPU backend").wait_for(timeout=15000)):
        _fail(page, failure_shot, f"the panel's devices do not say 'no GPU: CPU backend': {devices.inner_text()!r}")
    kernel = panel.locator('.tessera-kernel[data-kernel="ext_scale"]')
    if not _within(lambda: kernel.wait_for(timeout=30000)):
        _fail(page, failure_shot, f"the panel does not list ext_scale: "
                                  f"{panel.locator('.tessera-kernels').inner_text()!r}")
    text = kernel.inner_text()
    assert "1 specialization on cpu" in text, text
    assert panel.locator(".tessera-cache").is_visible()
    panel.screenshot(path=str(tmp_path / "extension-panel.png"))

    # The palette command opens the IR view of the kernel in the active cell, in a tab of its own.
    page.evaluate("() => { const t = window.__tessera; t.panel.content.activeCellIndex = 1; "
                  "window.jupyterapp.shell.activateById(t.panel.id); }")
    page.evaluate("() => window.jupyterapp.commands.execute('tessera:open-ir-view')")
    ir = page.locator(".tessera-ir-tab .tessera-ir-view").first
    if not _within(lambda: ir.wait_for(state="visible", timeout=60000)):
        _fail(page, failure_shot, "tessera:open-ir-view showed no IR view of ext_scale")
    assert "ext_scale" in ir.inner_text()
    page.screenshot(path=str(tmp_path / "extension-ir-view.png"))
    print(f"extension panel: {text}; screenshots in {tmp_path}")
