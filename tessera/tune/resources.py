"""Compile jobs for candidate configs: registers and spills from ptxas, and warm compile caches.

A job is plain data (the generated module, numba argument types, the
specialization key), so any process can run it without the user's code:
`run_job` is what the worker processes (workers.py) execute.

- resources: PTX for the target GPU (numba-cuda compiles PTX without a GPU),
  then `ptxas -v` for registers, spills and static shared memory. Where
  `tessera.inspect` is present its cross-compiler and ptxas driver do this (one
  implementation in Tessera); the fallback here calls numba-cuda and ptxas directly.
- backend build: for backends whose build goes through numba's on-disk cache
  (`cuda`, `cpu`), building in a worker leaves the compiled code in the cache
  under TESSERA_CACHE_DIR, and the tuning process later loads it instead of
  compiling. The `sim` backend compiles nothing, so it has no build job.

Example::

    >>> parse_ptxas("ptxas info    : Used 40 registers, used 1 barriers, 2048 bytes smem\\n"
    ...             "    0 bytes stack frame, 8 bytes spill stores, 8 bytes spill loads")
    {'registers': 40, 'spill_bytes': 16, 'ptxas_shared_bytes': 2048}
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

#: backends whose build leaves numba's compiled code in the on-disk cache
DISK_CACHED_BACKENDS = ("cuda", "cpu")


def find_ptxas() -> str | None:
    """ptxas from NVIDIA's PyPI wheels in this environment, else from PATH."""
    pattern = os.path.join(sys.prefix, "lib", "python*", "site-packages", "nvidia", "*", "bin", "ptxas")
    found = sorted(glob.glob(pattern)) + sorted(glob.glob(os.path.join(
        sys.prefix, "lib", "python*", "site-packages", "nvidia", "cuda_nvcc", "bin", "ptxas")))
    return found[-1] if found else shutil.which("ptxas")


def parse_ptxas(text: str) -> dict:
    out = {}
    m = re.search(r"Used (\d+) registers", text)
    if m:
        out["registers"] = int(m.group(1))
    st = re.search(r"(\d+) bytes spill stores", text)
    ld = re.search(r"(\d+) bytes spill loads", text)
    if st or ld:
        out["spill_bytes"] = (int(st.group(1)) if st else 0) + (int(ld.group(1)) if ld else 0)
    m = re.search(r"(\d+) bytes smem", text)
    if m:
        out["ptxas_shared_bytes"] = int(m.group(1))
    return out


def _inspect_resources(module, arg_types, target, key):
    """Resources through tessera.inspect (cross-compile + ptxas), or None where it is absent."""
    try:
        from ..inspect.crosscompile import cross_compile
        from ..inspect.toolchain import ToolchainError, assemble, parse_ptxas_info
    except ImportError:
        return None
    from .targets import parse_target
    cross = cross_compile(module, arg_types, parse_target(target), key, module.entry)
    try:
        _, log = assemble(cross.ptx, target)
    except ToolchainError as e:  # ptxas refused the code for this target: the config cannot run there
        return {"ptxas_error": e.message}
    r = parse_ptxas_info(log, cross.entry)
    return {"registers": r["registers"], "spill_bytes": r["spill_store_bytes"] + r["spill_load_bytes"],
            "ptxas_shared_bytes": r["shared_bytes"]}


def resources_available() -> bool:
    """Whether PTX can be compiled and assembled here (numba-cuda not in simulator mode, and ptxas)."""
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        return False
    try:
        from ..inspect.toolchain import find_tool
        find_tool("ptxas")
        return True
    except ImportError:
        return find_ptxas() is not None
    except Exception:
        return False


def _cache_path(module, arg_types: list, target: str):
    import hashlib
    from .. import settings
    from .._version import __version__
    # Comments (the header naming the file, the "# L<line>" tags) do not change the machine code: the
    # same kernel defined in a notebook and in a module shares its results.
    code = re.sub(r"[ \t]*#.*$", "", module.source, flags=re.M)
    h = hashlib.sha256("\0".join([__version__, code, ",".join(arg_types), target,
                                   str(getattr(module, "launch_bounds", None))]).encode()).hexdigest()[:32]
    return settings.cache_dir() / "ptxas" / f"{h}.json"


def ptx_resources(module, arg_types: list, target: str, key: str) -> dict:
    """Registers, spills and shared memory of the module's kernel compiled for `target` ("sm_90").

    `key`: the specialization's key; the generated file is the one the backend build uses.
    Results are kept on disk by generated source and target: compiling a big kernel to PTX takes
    seconds, and sweeps of other kernels' configs, or the same sweep tomorrow, meet the same code."""
    import json
    path = _cache_path(module, arg_types, target)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    got = _measure(module, arg_types, target, key)
    if got and "ptxas_error" not in got:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps(got))
            os.replace(tmp, path)
        except OSError:   # a read-only cache loses only the reuse
            pass
    return got


def _measure(module, arg_types: list, target: str, key: str) -> dict:
    got = _inspect_resources(module, arg_types, target, key)
    if got is not None:
        return got
    from numba import cuda
    from ..backends.base import load_module
    from .targets import parse_target
    ptxas = find_ptxas()
    if ptxas is None:
        return {}
    ns, _ = load_module(module, key)
    for f in module.device_funcs:
        ns[f] = cuda.jit(device=True)(ns[f])
    cc = parse_target(target)
    ptx, _ = cuda.compile_ptx(ns[module.entry], f"void({', '.join(arg_types)})", cc=cc,
                              launch_bounds=getattr(module, "launch_bounds", None))
    with tempfile.TemporaryDirectory(prefix="tessera-ptxas-") as d:
        src = os.path.join(d, "k.ptx")
        with open(src, "w") as f:
            f.write(ptx)
        r = subprocess.run([ptxas, "-v", "--gpu-name", target, src, "-o", os.path.join(d, "k.cubin")],
                           capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        lines = [line for line in (r.stderr or r.stdout).splitlines() if "error" in line] or ["ptxas failed"]
        return {"ptxas_error": re.sub(r"^ptxas\s*", "", lines[0]).strip()}
    return parse_ptxas(r.stdout + r.stderr)


def run_job(job: dict) -> dict:
    """Do one compile job; never raises (a job's failure only loses its information).

    Keys: `target`, `cuda_module`, `cuda_key`: resources for that GPU; `backend`,
    `module`, `key`: build with that backend (filling numba's on-disk cache);
    `arg_types`, `name`: numba argument types and the kernel's name."""
    out: dict = {}
    if job.get("target"):
        try:
            out.update(ptx_resources(job["cuda_module"], job["arg_types"], job["target"], job["cuda_key"]))
        except Exception as e:
            out["resources_error"] = f"{type(e).__name__}: {e}"
    if job.get("backend"):
        try:
            from ..backends import get_backend
            get_backend(job["backend"]).build(job["module"], job["arg_types"], job["name"], job["key"])
            out["built"] = True
        except Exception as e:
            out["build_error"] = f"{type(e).__name__}: {e}"
    return out
