"""ptxas and nvdisasm: PTX to a cubin with resource usage, and a cubin to SASS with line info.

The tools come from NVIDIA's PyPI wheels (`nvidia-cuda-nvcc` ships ptxas,
`nvidia-cuda-nvdisasm` nvdisasm), which are Tessera dependencies, so SASS needs
no CUDA install and no GPU. They are looked up in the wheels first (their
version matches the NVVM that writes the PTX), then under $CUDA_HOME, then on
$PATH.

Example::

    >>> from tessera.inspect.toolchain import parse_ptxas_info
    >>> r = parse_ptxas_info('''ptxas info    : Compiling entry function 'k' for 'sm_90'
    ... ptxas info    : Function properties for k
    ...     8 bytes stack frame, 4 bytes spill stores, 4 bytes spill loads
    ... ptxas info    : Used 40 registers, used 1 barriers, 2048 bytes smem, 400 bytes cmem[0]''')
    >>> r["registers"], r["shared_bytes"], r["stack_bytes"], r["spill_store_bytes"], r["barriers"]
    (40, 2048, 8, 4, 1)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import TesseraError

_WHEEL_BINS = ("nvidia/cu13/bin", "nvidia/cuda_nvcc/bin", "nvidia/cuda_nvdisasm/bin", "nvidia/cu12/bin")
_PACKAGE = {"ptxas": "nvidia-cuda-nvcc", "nvdisasm": "nvidia-cuda-nvdisasm"}


class ToolchainError(TesseraError):
    """ptxas or nvdisasm is missing, or refused the code."""


def find_tool(name: str) -> str:
    """The path of `name` ("ptxas" or "nvdisasm"), or a ToolchainError saying what to install."""
    for base in sys.path:
        for sub in _WHEEL_BINS:
            p = Path(base or ".") / sub / name
            if p.is_file() and os.access(p, os.X_OK):
                return str(p)
    for var in ("CUDA_HOME", "CUDA_PATH"):
        home = os.environ.get(var)
        if home and (Path(home) / "bin" / name).is_file():
            return str(Path(home) / "bin" / name)
    found = shutil.which(name)
    if found:
        return found
    raise ToolchainError(f"{name} was not found: SASS and resource usage need NVIDIA's {name}",
                         hint=f"pip install {_PACKAGE[name]} (a Tessera dependency), or put a CUDA "
                              f"toolkit's bin/ on PATH; stages up to \"ptx\" work without it")


def _run(cmd: list, what: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        msg = (proc.stderr or proc.stdout).strip().splitlines()
        first = next((l for l in msg if "error" in l.lower() or "fatal" in l.lower()), msg[0] if msg else "")
        hint = "please report this with the kernel"
        if "Unsupported .version" in first or "not defined for target" in first:
            hint = ("the PTX is newer than this ptxas: pip install -U nvidia-cuda-nvcc so that it matches "
                    "numba-cuda's NVVM")
        raise ToolchainError(f"{what} failed: {first.strip()}", hint=hint)
    return proc


def assemble(ptx: str, arch: str) -> tuple[bytes, str]:
    """PTX -> (cubin bytes, ptxas -v text) for `arch` ("sm_90"), with line info kept."""
    ptxas = find_tool("ptxas")
    with tempfile.TemporaryDirectory(prefix="tessera-ptxas-") as d:
        src, out = Path(d) / "k.ptx", Path(d) / "k.cubin"
        src.write_text(ptx)
        proc = _run([ptxas, f"-arch={arch}", "-v", "-lineinfo", str(src), "-o", str(out)], "ptxas")
        return out.read_bytes(), proc.stdout + proc.stderr


def disassemble(cubin: bytes) -> str:
    """cubin -> SASS text, each run of instructions headed by the source file and line it came from."""
    nvdisasm = find_tool("nvdisasm")
    with tempfile.TemporaryDirectory(prefix="tessera-nvdisasm-") as d:
        path = Path(d) / "k.cubin"
        path.write_bytes(cubin)
        return _run([nvdisasm, "-g", "-c", str(path)], "nvdisasm").stdout


_INFO = {
    "registers": re.compile(r"Used (\d+) registers"),
    "barriers": re.compile(r"used (\d+) barriers"),
    "shared_bytes": re.compile(r"(\d+) bytes smem"),
    "constant_bytes": re.compile(r"(\d+) bytes cmem\[0\]"),
    "local_bytes": re.compile(r"(\d+) bytes lmem"),
    "stack_bytes": re.compile(r"(\d+) bytes stack frame"),
    "spill_store_bytes": re.compile(r"(\d+) bytes spill stores"),
    "spill_load_bytes": re.compile(r"(\d+) bytes spill loads"),
}


def parse_ptxas_info(text: str, entry: str | None = None) -> dict:
    """Resource usage from `ptxas -v` output: the entry function's block (the first one if not named).

    Missing fields are 0 (ptxas leaves out what a kernel does not use)."""
    blocks, cur = {}, None
    for line in text.splitlines():
        m = re.search(r"(?:Compiling entry function|Function properties for) '?([^' ]+)'?", line)
        if m:
            cur = m.group(1)
            blocks.setdefault(cur, [])
        if cur is not None:
            blocks[cur].append(line)
    if not blocks:
        body = text
    else:
        body = "\n".join(blocks.get(entry) or next(iter(blocks.values())))
    out = {}
    for key, rx in _INFO.items():
        m = rx.search(body)
        out[key] = int(m.group(1)) if m else 0
    return out
