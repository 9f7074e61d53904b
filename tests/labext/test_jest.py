"""The extension's TypeScript unit tests (extension/src/__tests__, jest), run as part of `./dev test`.

Skips without Node.js or jlpm (JupyterLab's yarn, installed with the lab extra); CI sets
TESSERA_REQUIRE_BROWSER=1, which turns that skip into a failure, as for the browser tier.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parents[2] / "extension"


def _missing(reason):
    if os.environ.get("TESSERA_REQUIRE_BROWSER", "") not in ("", "0"):
        pytest.fail(f"{reason} (TESSERA_REQUIRE_BROWSER is set: the extension's tests must run)", pytrace=False)
    pytest.skip(reason)


def _jlpm():
    here = Path(sys.executable).parent / "jlpm"   # the venv's, whatever PATH says
    return str(here) if here.exists() else shutil.which("jlpm")


def test_extension_jest_suite():
    if shutil.which("node") is None:
        _missing("Node.js is not installed (it builds and tests the lab extension)")
    jlpm = _jlpm()
    if jlpm is None:
        _missing("jlpm is not installed (pip install -e '.[lab]')")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if not (EXTENSION / "node_modules" / ".bin" / "jest").exists():
        # the build hook installs node_modules; a tree installed some other way may lack them
        install = subprocess.run([jlpm, "install"], cwd=EXTENSION, env=env, capture_output=True, text=True,
                                 timeout=600)
        if install.returncode:
            pytest.fail(f"jlpm install in extension/ failed:\n{install.stdout[-3000:]}{install.stderr[-3000:]}",
                        pytrace=False)
    run = subprocess.run([jlpm, "test", "--ci"], cwd=EXTENSION, env=env, capture_output=True, text=True,
                         timeout=600)
    if run.returncode:
        pytest.fail(f"jest failed in extension/ (jlpm test):\n{run.stdout[-6000:]}{run.stderr[-6000:]}",
                    pytrace=False)
    assert "Tests:" in run.stderr + run.stdout
