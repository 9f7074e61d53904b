"""binder/ builds an environment in which the tour runs: what repo2docker does, in a fresh venv.

repo2docker installs binder/requirements.txt with pip from the repository's root, then runs
binder/postBuild there, with the environment's bin/ first on PATH. This module does the same in a
new `python -m venv` (no dev extras: only what Binder gets), then runs notebooks headless with
nbclient on that venv's own kernel, from a temp copy of notebooks/ so that neither the checkout nor
the test's interpreter can stand in for the install.

A full install of Tessera and its dependencies: slow the first time (pip's own cache makes repeats
quicker). Marked `binder` and `slow`; `-m "not binder"` leaves it out.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.binder, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
TOUR = "notebooks/00-tour.ipynb"
# Runs today, so that the environment is proven before the tour exists.
PROOF = "notebooks/05-profile.ipynb"
INSTALL_TIMEOUT_S = 1800
NOTEBOOK_TIMEOUT_S = 900

# Executes one notebook with the venv's nbclient and kernel; appends a cell that reports where the
# kernel's Python and Tessera live. Prints that report's JSON as the last line.
_RUNNER = r"""
import json, sys
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

path, out = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import json, sys, tessera\n"
    "print(json.dumps({'executable': sys.executable, 'prefix': sys.prefix, 'tessera': tessera.__file__}))"))
client = NotebookClient(nb, timeout=int(sys.argv[3]), kernel_name="python3",
                        resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}})
try:
    client.execute()
except CellExecutionError as err:
    nbformat.write(nb, out)
    print(str(err)[-4000:], file=sys.stderr)
    sys.exit(1)
nbformat.write(nb, out)
print(nb.cells[-1].outputs[0]["text"].strip())
"""


def _run(cmd, *, env, cwd, timeout, what):
    try:
        proc = subprocess.run(cmd, env=env, cwd=cwd, timeout=timeout, capture_output=True, text=True)
    except subprocess.TimeoutExpired as err:
        out = (err.stdout or b"")[-3000:] if isinstance(err.stdout, bytes) else (err.stdout or "")[-3000:]
        pytest.fail(f"{what}: timed out after {timeout} s\n{out}", pytrace=False)
    if proc.returncode:
        pytest.fail(f"{what}: exit status {proc.returncode}\n$ {' '.join(map(str, cmd))}\n"
                    f"{(proc.stdout + proc.stderr)[-5000:]}", pytrace=False)
    return proc.stdout


class BinderEnv:
    def __init__(self, venv, env, base):
        self.venv, self.env, self.base = venv, env, base
        self.python = venv / "bin" / "python"

    def run_notebook(self, rel, tmp_path):
        """Run `rel` (a path under the repo) from a copy of notebooks/; returns the kernel's report."""
        copy = tmp_path / "notebooks"
        shutil.copytree(REPO / "notebooks", copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "src"))
        nb = copy / Path(rel).relative_to("notebooks")
        out = tmp_path / ("executed-" + nb.name)
        stdout = _run([self.python, "-c", _RUNNER, nb, out, str(NOTEBOOK_TIMEOUT_S)], env=self.env,
                      cwd=tmp_path, timeout=NOTEBOOK_TIMEOUT_S + 120, what=f"running {rel} in binder's venv")
        return json.loads(stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory):
    base = tmp_path_factory.mktemp("binder")
    venv = base / "venv"
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               PYTHONNOUSERSITE="1", JUPYTER_PLATFORM_DIRS="1", PYDEVD_DISABLE_FILE_VALIDATION="1",
               TESSERA_CACHE_DIR=str(base / "tessera-cache"))
    for var, name in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
        (base / name).mkdir()
        env[var] = str(base / name)
    _run([sys.executable, "-m", "venv", venv], env=env, cwd=base, timeout=300, what="python -m venv")
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
          "-r", "binder/requirements.txt"],
         env=env, cwd=REPO, timeout=INSTALL_TIMEOUT_S, what="pip install -r binder/requirements.txt")
    _run(["bash", "binder/postBuild"], env=env, cwd=REPO, timeout=600, what="binder/postBuild")
    return BinderEnv(venv, env, base)


def test_binder_installs_tessera_and_lab_4(binder_env):
    out = _run([binder_env.python, "-c",
                "import json, tessera, jupyterlab; print(json.dumps([tessera.__file__, jupyterlab.__version__]))"],
               env=binder_env.env, cwd=binder_env.base, timeout=120, what="importing tessera in binder's venv")
    tessera_file, lab_version = json.loads(out.strip().splitlines()[-1])
    assert Path(tessera_file).is_relative_to(binder_env.venv), f"tessera imported from {tessera_file}, not the venv"
    assert lab_version.split(".")[0] == "4", f"binder's JupyterLab is {lab_version}, not 4"


def test_binder_postbuild_opens_the_tour(binder_env):
    out = _run([binder_env.venv / "bin" / "jupyter", "lab", "workspaces", "export", "default"],
               env=binder_env.env, cwd=binder_env.base, timeout=120, what="exporting the default workspace")
    layout = json.loads(out)["data"]["layout-restorer:data"]["main"]
    assert layout["current"] == f"notebook:{TOUR}", layout


def test_binder_runs_a_notebook(binder_env, tmp_path):
    report = binder_env.run_notebook(PROOF, tmp_path)
    assert Path(report["prefix"]).resolve() == binder_env.venv.resolve(), report
    assert Path(report["tessera"]).is_relative_to(binder_env.venv), report


@pytest.mark.skipif(not (REPO / TOUR).exists(), reason=f"{TOUR} does not exist yet (issue 7: the tour is being written)")
def test_binder_runs_the_tour(binder_env, tmp_path):
    report = binder_env.run_notebook(TOUR, tmp_path)
    assert Path(report["prefix"]).resolve() == binder_env.venv.resolve(), report
