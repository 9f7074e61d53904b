"""The browser tier: a real JupyterLab on a loopback port, driven in Debian's chromium by Playwright.

Fixtures:

- `lab`: a JupyterLab server (this interpreter's, so its kernel sees the package under test) on a free
  127.0.0.1 port with a random token, serving a temp copy of notebooks/ whose saved outputs and widget
  state are stripped, so that whatever the browser shows came from this run. Its config, data, runtime,
  IPython, user-settings and workspaces directories are temp dirs: the user's own are never read or
  written. Stopped through the server's shutdown API (kernels included) at the end of the session.
- `page`: a fresh page of one headless chromium, launched from Debian's binary (`/usr/bin/chromium`,
  or `TESSERA_CHROMIUM`) through Playwright's `executable_path`; Playwright's own browsers are never
  downloaded.

Without chromium, Playwright or JupyterLab the tests here skip, saying which is missing. CI
(.ci/run) installs chromium and sets TESSERA_REQUIRE_BROWSER=1, which turns those skips into
failures, so that CI cannot pass without running this tier.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TESSERA_CHROMIUM", "/usr/bin/chromium")
SERVER_START_TIMEOUT_S = 90

# JupyterLab user settings for the test server: render every cell (the default windowing mode
# virtualizes cells scrolled out of view, so their outputs would not be in the DOM), no autosave,
# and no news or update toasts over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False,
    },
}


def _missing(reason):
    """Skip with `reason`, or fail where CI asked for this tier to run."""
    if os.environ.get("TESSERA_REQUIRE_BROWSER", "") not in ("", "0"):
        pytest.fail(f"{reason} (TESSERA_REQUIRE_BROWSER is set: the browser tier must run)", pytrace=False)
    pytest.skip(reason)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _strip_outputs(path):
    """Clear outputs, execution counts and saved widget state, so nothing renders before the run."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


class LabServer:
    """A running JupyterLab: `url(path)` adds the token; `root` is the directory it serves."""

    def __init__(self, proc, port, token, root, log_path):
        self.proc, self.port, self.token, self.root, self.log_path = proc, port, token, root, log_path
        self.base = f"http://127.0.0.1:{port}/"

    def url(self, path=""):
        return f"{self.base}{path.lstrip('/')}?token={self.token}"

    def log_tail(self, n=40):
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "\n".join(lines[-n:])

    def _request(self, path, method="GET", timeout=5):
        req = urllib.request.Request(self.base + path.lstrip("/"), method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status

    def wait_ready(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with status {self.proc.returncode} before it "
                                   f"answered; its log:\n{self.log_tail()}")
            try:
                if self._request("api/status", timeout=2) == 200:
                    return
            except (urllib.error.URLError, OSError) as err:
                last = err
            time.sleep(0.25)
        raise RuntimeError(f"jupyter lab did not answer on {self.base}api/status within {timeout_s} s "
                           f"(last error: {last}); its log:\n{self.log_tail()}")

    def stop(self):
        if self.proc.poll() is None:
            try:
                self._request("api/shutdown", method="POST")  # stops the kernels too
            except (urllib.error.URLError, OSError):
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            # the server's own process group (start_new_session): the server and the kernels it started
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        _missing("JupyterLab is not installed (pip install -e '.[dev]')")
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for nb in (root / "notebooks").rglob("*.ipynb"):
        _strip_outputs(nb)
    settings = base / "user-settings"
    for rel, values in LAB_SETTINGS.items():
        f = settings / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(values), encoding="utf-8")
    env = dict(os.environ)
    for var, name in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
        (base / name).mkdir()
        env[var] = str(base / name)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    port, token = _free_port(), secrets.token_hex(24)
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=False",
        # exposes window.jupyterapp, through which the test runs Lab's own commands
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={base / 'workspaces'}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI runs as root; the server is on loopback with a token
    log_path = base / "jupyter-lab.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    server = LabServer(proc, port, token, root, log_path)
    try:
        try:
            server.wait_ready(SERVER_START_TIMEOUT_S)
        except RuntimeError as err:
            pytest.fail(str(err), pytrace=False)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _missing(f"no chromium at {CHROMIUM} (apt-get install chromium, or set TESSERA_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[dev]')")
    pw = sync_playwright().start()
    try:
        # Playwright passes --no-sandbox itself (chromium_sandbox=False), which running as root needs.
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--disable-gpu", "--disable-dev-shm-usage"])
    except Exception:
        pw.stop()
        raise
    try:
        yield browser
    finally:
        browser.close()
        pw.stop()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
