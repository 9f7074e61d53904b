"""Run a notebook in JupyterLab through the page's own commands, then check what rendered.

`run_notebook(page, lab, path, expect, ...)` opens `path` (relative to the server's root) with
Lab's `docmanager:open` command, waits for its kernel, runs Lab's `notebook:run-all-cells`
command (what Run > Run All Cells does), waits until it returns and the kernel is idle, fails
on any error output, then checks each `Expect` and saves a PNG of each widget it found.
Every wait has a timeout; every failure says what was not found and leaves a screenshot.

Lab is reached through `window.jupyterapp`, which the server exposes with
`--LabApp.expose_app_in_browser=True` (see conftest.py).
"""

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

# What a tab is: Lumino's tab bars (ipywidgets' Tab) and any widget following ARIA give role="tab".
TAB_SELECTOR = '[role="tab"], .lm-TabBar-tab'
# The output that holds an element: screenshots show that output, not the whole notebook.
_OUTPUT_OF = "xpath=ancestor-or-self::div[contains(concat(' ', normalize-space(@class), ' '), ' jp-OutputArea-child ')][1]"


@dataclass(frozen=True)
class Expect:
    """A widget (or any output) that must have rendered once the notebook has run.

    name: used in messages and screenshot file names.
    selector: CSS for its root element (e.g. ".tessera-ir-view").
    min_count: how many roots there must be at least.
    contains: (CSS, what it is) pairs, each present inside every root, e.g. (".js-plotly-plot", "a plotly plot").
    min_tabs: tabs (TAB_SELECTOR) with a non-empty label inside the first root.
    tab_labels: labels that must be among those tabs.
    texts: strings that must appear in the first root's text.
    """

    name: str
    selector: str
    min_count: int = 1
    contains: tuple = ()
    min_tabs: int = 0
    tab_labels: tuple = ()
    texts: tuple = ()


@dataclass
class RunResult:
    path: str
    kernel: str
    cells_run: int
    run_s: float
    screenshots: list


_OPEN_JS = """
async ({path, timeoutMs}) => {
  const app = window.jupyterapp;
  const within = (p, what) => Promise.race([p, new Promise((_, reject) => setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs / 1000} s: ${what}`)), timeoutMs))]);
  await within(app.started, 'JupyterLab starting');
  await within(app.restored, 'JupyterLab restoring its layout');
  let panel = await within(app.commands.execute('docmanager:open', {path, factory: 'Notebook'}),
                           `opening ${path}`);
  panel = panel || app.shell.currentWidget;
  await within(panel.context.ready, `loading ${path}`);
  await within(panel.sessionContext.ready, `starting the kernel of ${path}`);
  app.shell.collapseLeft();  // the notebook gets the window's width, in screenshots too
  app.shell.activateById(panel.id);
  window.__tessera = {panel, run: null};
  return panel.sessionContext.kernelDisplayName;
}
"""

_KERNEL_IDLE_JS = "() => window.__tessera.panel.sessionContext.session?.kernel?.status === 'idle'"

_RUN_ALL_JS = """
() => {
  const t = window.__tessera, app = window.jupyterapp;
  app.shell.activateById(t.panel.id);
  t.run = null;
  app.commands.execute('notebook:run-all-cells').then(
      ok => { t.run = {ok: ok !== false}; },
      err => { t.run = {ok: false, error: String(err)}; });
}
"""

_CELLS_JS = """
() => window.__tessera.panel.content.widgets.map((cell, index) => {
  const m = cell.model;
  if (m.type !== 'code') return null;
  const outs = m.outputs.toJSON();
  const err = outs.find(o => o.output_type === 'error');
  return {index, source: m.sharedModel.getSource(), count: m.executionCount,
          error: err ? `${err.ename}: ${err.evalue}` : null};
}).filter(c => c !== null)
"""

_PROMPTS_JS = "() => Array.from(document.querySelectorAll('.jp-Notebook .jp-InputArea-prompt'), e => e.textContent.trim())"


def _within(wait):
    """Run a Playwright wait; False where it timed out (the caller then fails with its own message)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        wait()
    except PlaywrightTimeout:
        return False
    return True


def _fail(page, shot, message):
    try:
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
        where = f"\nscreenshot: {shot}"
    except Exception as err:  # the page may be gone; the message matters more than the picture
        where = f"\n(no screenshot: {err})"
    pytest.fail(message + where, pytrace=False)


def run_notebook(page, lab, path, expect, *, screenshot_dir, failure_dir, prefix=None,
                 open_timeout_s=120, run_timeout_s=300, render_timeout_s=30):
    """Open, run and check `path` in `lab` (see the module docstring); returns a RunResult."""
    prefix = prefix or Path(path).stem
    failure_shot = Path(failure_dir) / f"{prefix}-failure.png"
    page.set_default_timeout(render_timeout_s * 1000)

    page.goto(lab.url("lab"), wait_until="domcontentloaded", timeout=open_timeout_s * 1000)
    if not _within(lambda: page.wait_for_function("() => !!window.jupyterapp", timeout=open_timeout_s * 1000)):
        _fail(page, failure_shot, f"JupyterLab's page did not expose window.jupyterapp within {open_timeout_s} s "
                                  f"(is --LabApp.expose_app_in_browser set?); server log:\n{lab.log_tail()}")
    try:
        kernel = page.evaluate(_OPEN_JS, {"path": path, "timeoutMs": open_timeout_s * 1000})
        page.wait_for_function(_KERNEL_IDLE_JS, timeout=open_timeout_s * 1000, polling=250)
        problem = None
    except Exception as err:  # a JS error (Lab's own message) or a timeout
        problem = str(err).splitlines()[0]
    if problem:
        _fail(page, failure_shot, f"could not open {path} with a ready kernel: {problem}\n"
                                  f"server log:\n{lab.log_tail()}")

    start = time.monotonic()
    page.evaluate(_RUN_ALL_JS)
    if not _within(lambda: (
            page.wait_for_function("() => window.__tessera.run !== null", timeout=run_timeout_s * 1000, polling=500),
            page.wait_for_function(_KERNEL_IDLE_JS, timeout=run_timeout_s * 1000, polling=250))):
        prompts = page.evaluate(_PROMPTS_JS)
        busy = [i for i, p in enumerate(prompts) if "*" in p]
        _fail(page, failure_shot, f"Run All Cells on {path} did not finish within {run_timeout_s} s; "
                                  f"cells still queued or running (by position): {busy}")
    run_s = time.monotonic() - start

    run = page.evaluate("() => window.__tessera.run")
    cells = page.evaluate(_CELLS_JS)
    errors = [f"cell {c['index']} (0-based): {c['error']}" for c in cells if c["error"]]
    not_run = [c["index"] for c in cells if c["count"] is None and c["source"].strip()]
    if errors or not run["ok"] or not_run:
        _fail(page, failure_shot, f"running {path} in JupyterLab failed: "
                                  f"{'; '.join(errors) or run.get('error') or 'run-all-cells reported a failure'}"
                                  + (f"; code cells not run: {not_run}" if not_run else ""))

    shots = []
    screenshot_dir = Path(screenshot_dir)
    screenshot_dir.mkdir(parents=True, exist_ok=True)
    for exp in expect:
        shots += _check(page, exp, screenshot_dir, prefix, failure_shot, render_timeout_s)
    if expect:
        page.locator(expect[0].selector).first.scroll_into_view_if_needed()
    whole = screenshot_dir / f"{prefix}-lab.png"
    page.screenshot(path=str(whole))
    shots.append(whole)
    return RunResult(path, kernel, sum(1 for c in cells if c["count"] is not None), run_s, shots)


def _check(page, exp, screenshot_dir, prefix, failure_shot, timeout_s):
    roots = page.locator(exp.selector)
    if not _within(lambda: roots.nth(exp.min_count - 1).wait_for(state="attached", timeout=timeout_s * 1000)):
        _fail(page, failure_shot, f"{exp.name}: expected at least {exp.min_count} element(s) matching "
                                  f"{exp.selector!r} after the run; found {roots.count()} within {timeout_s} s")
    shots = []
    for i in range(exp.min_count):
        root = roots.nth(i)
        label = f"{exp.name} ({exp.selector!r} #{i + 1})"
        root.scroll_into_view_if_needed()
        for css, what in exp.contains:
            if not _within(lambda: root.locator(css).first.wait_for(state="attached", timeout=timeout_s * 1000)):
                _fail(page, failure_shot, f"{label}: no {what} ({css!r}) inside it within {timeout_s} s")
        box = root.bounding_box()
        if not box or box["width"] < 10 or box["height"] < 10:
            _fail(page, failure_shot, f"{label}: rendered with no visible size ({box})")
        if i == 0:
            _check_text(page, root, exp, label, failure_shot)
        output = root.locator(_OUTPUT_OF)
        target = output if output.count() else root
        suffix = f"-{i + 1}" if exp.min_count > 1 else ""
        shot = screenshot_dir / f"{prefix}-{exp.name}{suffix}.png"
        target.screenshot(path=str(shot))
        shots.append(shot)
    return shots


def _check_text(page, root, exp, label, failure_shot):
    if exp.min_tabs or exp.tab_labels:
        labels = [re.sub(r"\s+", " ", t).strip() for t in root.locator(TAB_SELECTOR).all_inner_texts()]
        labels = [t for t in labels if t]
        if len(labels) < exp.min_tabs:
            _fail(page, failure_shot, f"{label}: expected at least {exp.min_tabs} labelled tabs "
                                      f"({TAB_SELECTOR!r}), found {labels}")
        missing = [t for t in exp.tab_labels if t not in labels]
        if missing:
            _fail(page, failure_shot, f"{label}: tabs {missing} missing; its tabs are {labels}")
    if exp.texts:
        text = root.inner_text()
        missing = [t for t in exp.texts if t not in text]
        if missing:
            _fail(page, failure_shot, f"{label}: text {missing} not shown; it shows:\n{text[:2000]}")
