"""CUDA C cells: compiled with NVRTC for any `sm_XX`, inspected without a GPU, launched with one.

`compile_cuda(source)` (and the `%%cuda` magic) compiles every `__global__`
function of the source with NVRTC, the nvidia-cuda-nvrtc wheel reached
through cuda-bindings: one call gives the PTX, the cubin and ptxas's resource
report, with no GPU and no driver. nvdisasm turns the cubin into SASS. Where
a GPU is present the cubin is loaded and launched through cuda.core.
(cuda.core's `Program` asks the driver which PTX it may emit, so it cannot
compile on a machine without one; NVRTC itself can.)

Arguments are typed from the kernel's C signature: NumPy arrays are copied to
the device and, unless the parameter is a pointer to const, back; objects with
`__cuda_array_interface__` (PyTorch, CuPy, numba) and GPU `ts.Tensor`s are
passed in place; scalars are converted to the parameter's C type.

Example::

    >>> from tessera.notebook.cuda_cell import compile_cuda
    >>> k = compile_cuda('''
    ... __global__ void scale(float* x, float s, int n) {
    ...     int i = blockIdx.x * blockDim.x + threadIdx.x;
    ...     if (i < n) x[i] *= s;
    ... }''', arch="sm_90")
    >>> k
    <ts.cuda scale(float* x, float s, int n) sm_90>
    >>> ".entry" in k.ptx, k.resources["registers"] > 0, k.resources["spill_bytes"]
    (True, True, 0)
"""

from __future__ import annotations

import hashlib
import importlib
import linecache
import re
import time
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from ..errors import BackendError, CompileError, KernelTypeError, LaunchError, SourceLoc, TesseraError
from ..inspect.inspection import user_loc

__all__ = ["CudaKernel", "CudaCompileError", "compile_cuda", "detect_arch", "parse_signatures"]


class CudaCompileError(CompileError):
    """NVRTC rejected the CUDA C; reported at the cell's line. `log` holds NVRTC's whole log."""

    log: str = ""


# ---------------------------------------------------------------------------- cuda.core


def cuda_core():
    """The cuda.core module (launching needs it; compiling does not)."""
    # cuda-core moved its API out of `experimental` in 0.x releases; accept both so
    # that whatever numba-cuda pulled in on a GPU image works.
    for name in ("cuda.core", "cuda.core.experimental"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(mod, "ObjectCode") and hasattr(mod, "launch"):
            return mod
    raise ImportError("cuda-core (the `cuda.core` package) is not installed")


def cuda_core_version() -> str | None:
    try:
        return importlib.import_module("cuda.core").__version__
    except (ImportError, AttributeError):
        return None


# ---------------------------------------------------------------------------- C signatures

_CTYPES = {
    "float": "float32", "double": "float64", "int": "int32", "signed": "int32", "unsigned": "uint32",
    "unsigned int": "uint32", "short": "int16", "short int": "int16", "unsigned short": "uint16",
    "unsigned short int": "uint16", "char": "int8", "signed char": "int8", "unsigned char": "uint8",
    "long": "int64", "long int": "int64", "long long": "int64", "long long int": "int64",
    "unsigned long": "uint64", "unsigned long int": "uint64", "unsigned long long": "uint64",
    "unsigned long long int": "uint64", "size_t": "uint64", "ptrdiff_t": "int64", "bool": "bool",
    "half": "float16", "__half": "float16", "int8_t": "int8", "int16_t": "int16", "int32_t": "int32",
    "int64_t": "int64", "uint8_t": "uint8", "uint16_t": "uint16", "uint32_t": "uint32", "uint64_t": "uint64",
}
_QUALIFIERS = {"const", "volatile", "__restrict__", "__restrict", "restrict", "struct", "__grid_constant__"}


@dataclass(frozen=True)
class CParam:
    """One kernel parameter as the C signature declares it."""

    name: str
    ctype: str                  # as written, e.g. "const float* __restrict__"
    pointer: bool
    const: bool                 # a pointer to const: the kernel only reads through it
    dtype: np.dtype | None      # pointee of a pointer, type of a scalar; None for void* and structs
    line: int                   # 1-based, in the source
    col: int


@dataclass(frozen=True)
class CSignature:
    """A `__global__` function: its name, parameters, and where it sits in the source."""

    name: str
    params: tuple
    line: int
    col: int
    end_line: int
    template: bool

    def __str__(self) -> str:
        return f"{self.name}({', '.join(f'{p.ctype} {p.name}' for p in self.params)})"


_HIDE = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
_GLOBAL = re.compile(r"\b__global__\b")
_DECL = re.compile(r"\s*(?:(?:__launch_bounds__\s*\([^()]*\)|static|inline|__inline__|__forceinline__|"
                   r"__noinline__|extern)\s*)*void\s+(?:__launch_bounds__\s*\([^()]*\)\s*)?([A-Za-z_]\w*)\s*\(")


def _blank(source: str) -> str:
    # Comments and literals become spaces: positions stay, and a "__global__" inside them is not a kernel.
    return _HIDE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), source)


def _close(text: str, start: int, open_: str, close: str) -> int:
    """Offset of the bracket that closes the one at `start`, or -1."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == open_:
            depth += 1
        elif text[i] == close:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _line_col(text: str, offset: int) -> tuple:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1)


def _split_params(text: str, base: int) -> list:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "(<[":
            depth += 1
        elif ch in ")>]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((text[start:i], base + start))
            start = i + 1
    parts.append((text[start:], base + start))
    return [(p, off) for p, off in parts if p.strip() and p.strip() != "void"]


def _param(text: str, offset: int, clean: str) -> CParam:
    decl = text.split("=")[0]
    tokens = re.findall(r"[A-Za-z_]\w*|\*|&|\[", decl)
    array = "[" in tokens
    if array:
        tokens = tokens[:tokens.index("[")]
    idents = [i for i, t in enumerate(tokens) if t not in _QUALIFIERS and t not in "*&"]
    name_at = idents[-1] if len(idents) > 1 else len(tokens)
    name = tokens[name_at] if name_at < len(tokens) else "?"
    type_tokens = tokens[:name_at]
    stars = [i for i, t in enumerate(type_tokens) if t == "*"]
    pointer = bool(stars) or array
    const = pointer and "const" in type_tokens[:stars[-1] if stars else len(type_tokens)]
    base = [t for t in type_tokens if t not in _QUALIFIERS and t != "*"]
    if len(base) > 1 and base[0] == "signed":
        base = base[1:]
    dtype = _CTYPES.get(" ".join(base))
    if len(stars) > 1:
        dtype = "uint64"  # a pointer to pointers holds device addresses
    ctype = re.sub(r"\s+\*", "*", " ".join(type_tokens)) + ("*" if array else "")
    at = offset + (re.search(rf"\b{re.escape(name)}\b", decl).start() if name != "?" else 0)
    line, col = _line_col(clean, at)
    return CParam(name, ctype, pointer, const, np.dtype(dtype) if dtype else None, line, col)


def parse_signatures(source: str) -> list:
    """The `__global__` functions defined in `source`, in order (declarations without a body are left out).

    >>> [str(s) for s in parse_signatures('__global__ void f(const float* __restrict__ a, int n) {}')]
    ['f(const float* __restrict__ a, int n)']
    """
    clean = _blank(source)
    out, seen = [], set()
    for m in _GLOBAL.finditer(clean):
        d = _DECL.match(clean, m.end())
        if d is None:
            continue
        open_ = d.end() - 1
        close = _close(clean, open_, "(", ")")
        if close < 0:
            continue
        body = re.match(r"[^;{]*\{", clean[close + 1:])
        if body is None:
            continue  # a declaration; its definition comes later
        end = _close(clean, close + 1 + body.end() - 1, "{", "}")
        before = clean[:m.start()]
        stmt_start = max(before.rfind(";"), before.rfind("}"), before.rfind("#"))
        template = re.search(r"\btemplate\b", before[stmt_start + 1:]) is not None
        name = d.group(1)
        if name in seen:
            continue
        seen.add(name)
        params = tuple(_param(t, off, clean) for t, off in _split_params(clean[open_ + 1:close], open_ + 1))
        line, col = _line_col(clean, d.start(1))
        out.append(CSignature(name, params, line, col, _line_col(clean, end if end >= 0 else len(clean))[0],
                              template))
    return out


# ---------------------------------------------------------------------------- NVRTC


def detect_arch() -> str:
    """The local GPU's `sm_XX`, or the inspection default (sm_90, an H100) without one."""
    from ..inspect import default_target
    return default_target()


def _normalize_arch(arch) -> str:
    if isinstance(arch, tuple) and len(arch) == 2:
        return f"sm_{arch[0]}{arch[1]}"
    m = re.fullmatch(r"(?:sm_?|compute_?)?(\d{2,3})([af]?)", str(arch).strip().lower())
    if not m:
        raise TesseraError(f"unknown GPU architecture {arch!r}", loc=user_loc(),
                           hint='arch="sm_90" (H100), "sm_80" (A100), "sm_89" (L4), or leave it out for this GPU')
    return f"sm_{m.group(1)}{m.group(2)}"


def _nvrtc():
    try:
        from cuda.bindings import nvrtc
    except ImportError:
        raise BackendError("CUDA C cells need NVRTC, through the cuda-bindings package, which is not installed",
                           hint="pip install 'numba-cuda[cu13]' (it brings cuda-bindings and the NVRTC wheel)") \
            from None
    return nvrtc


@lru_cache(maxsize=1)
def _include_dirs() -> tuple:
    # NVRTC knows no include path of its own; the wheels' CUDA headers make cuda_fp16.h,
    # cooperative_groups.h and cuda/std/... work in a cell, as they do under nvcc.
    dirs = []
    try:
        from cuda.pathfinder import find_nvidia_header_directory
        for lib in ("cudart", "cccl"):
            try:
                d = find_nvidia_header_directory(lib)
            except Exception:
                d = None
            if d:
                dirs.append(d)
    except ImportError:
        pass
    return tuple(dirs)


def _read(size_fn, get_fn, prog) -> bytes:
    err, size = size_fn(prog)
    # A mutable buffer: NVRTC writes into it, and `b" " * 1` would be CPython's shared b" ".
    buf = bytearray(size)
    get_fn(prog, buf)
    return bytes(buf)


def _compile_nvrtc(text: str, program: str, arch: str, names: list) -> tuple:
    """(ptx, cubin, log, {name: lowered name}); ptx is None when NVRTC rejected the source."""
    nvrtc = _nvrtc()
    try:
        err, prog = nvrtc.nvrtcCreateProgram(text.encode(), program.encode(), 0, [], [])
    except Exception as e:  # the NVRTC library itself could not be loaded
        raise BackendError(f"NVRTC could not be loaded: {e}",
                           hint="pip install nvidia-cuda-nvrtc (a dependency of numba-cuda[cu13])") from None
    try:
        for n in names:
            nvrtc.nvrtcAddNameExpression(prog, f"&{n}".encode())
        opts = [f"--gpu-architecture={arch}", "-lineinfo", "--std=c++17", "--ptxas-options=-v",
                *(f"-I{d}" for d in _include_dirs())]
        (err,) = nvrtc.nvrtcCompileProgram(prog, len(opts), [o.encode() for o in opts])
        log = _read(nvrtc.nvrtcGetProgramLogSize, nvrtc.nvrtcGetProgramLog, prog).rstrip(b"\0").decode(
            errors="replace")
        if err != nvrtc.nvrtcResult.NVRTC_SUCCESS:
            return None, None, log, {}
        ptx = _read(nvrtc.nvrtcGetPTXSize, nvrtc.nvrtcGetPTX, prog).rstrip(b"\0").decode()
        cubin = _read(nvrtc.nvrtcGetCUBINSize, nvrtc.nvrtcGetCUBIN, prog)
        lowered = {n: nvrtc.nvrtcGetLoweredName(prog, f"&{n}".encode())[1].decode() for n in names}
        return ptx, cubin, log, lowered
    finally:
        nvrtc.nvrtcDestroyProgram(prog)


_ERROR = re.compile(r"^(.*)\((\d+)\): (?:catastrophic )?error: (.*)$")
_HINTS = (
    (re.compile(r'identifier "(\w+)" is undefined'),
     lambda m: f"declare {m.group(1)} before this line, or pass it to the kernel as a parameter"),
    (re.compile(r'expected a "([^"]+)"'),
     lambda m: f'add the missing "{m.group(1)}" at the caret, or at the end of the line before it'),
    (re.compile(r"(?:could not|cannot) open source file"),
     lambda m: "include CUDA's own headers (cuda_fp16.h, cooperative_groups.h, cuda/std/...): NVRTC has no "
               "C++ standard library, so <cstdint> becomes <cuda/std/cstdint>"),
)


def _compile_error(log: str, program: str, source: str, first_line: int, sigs: list) -> CudaCompileError:
    lines = log.splitlines()
    errors = [(i, _ERROR.match(l)) for i, l in enumerate(lines)]
    errors = [(i, m) for i, m in errors if m]
    ours = [(i, m) for i, m in errors if m.group(1) == program]
    if not ours:
        first = next((l for l in lines if "error" in l), lines[0] if lines else "unknown error")
        err = CudaCompileError(f"NVRTC could not compile the source: {first.strip()}",
                               hint="valid CUDA C; NVRTC's full log is in this error's .log")
        err.log = log
        return err
    i, m = ours[0]
    line = int(m.group(2))
    src_lines = source.splitlines()
    text = src_lines[line - first_line] if 0 <= line - first_line < len(src_lines) else None
    col = 0
    if text is not None and i + 2 < len(lines) and "^" in lines[i + 2]:
        echo = lines[i + 1]
        indent = len(echo) - len(text) if echo.endswith(text) else 2
        col = max(0, min(len(text), lines[i + 2].index("^") - indent))
    message = m.group(3).strip()
    if len(errors) > 1:
        message += f" (NVRTC reports {len(errors) - 1} more: see this error's .log)"
    hint = next((h(hm) for rx, h in _HINTS if (hm := rx.search(m.group(3)))), None)
    kernel = next((s.name for s in sigs if s.line <= line - first_line + 1 <= s.end_line), None)
    err = CudaCompileError(message, kernel=kernel, loc=SourceLoc(program, line, col, text),
                           hint=hint or "valid CUDA C at the caret")
    err.log = log
    return err


def _entries_from_ptx(ptx: str, names: list) -> dict:
    """{name: entry} matched by mangled name, for kernels NVRTC could not look up by name (namespaces)."""
    entries = re.findall(r"\.entry\s+([\w$]+)", ptx)
    out = {}
    for n in names:
        hit = [e for e in entries if e == n or re.search(rf"(?<!\d){len(n)}{re.escape(n)}", e)]
        if hit:
            out[n] = hit[0]
    return out


# ---------------------------------------------------------------------------- the compiled module


class _Module:
    """What one compilation of a source gives: shared by the kernels defined in it."""

    def __init__(self, ptx: str, cubin: bytes, log: str, arch: str, compile_s: float):
        self.ptx, self.cubin, self.log, self.arch, self.compile_s = ptx, cubin, log, arch, compile_s
        self._loaded = {}

    @cached_property
    def sass(self) -> str | None:
        from ..inspect.toolchain import ToolchainError, disassemble, find_tool
        try:
            find_tool("nvdisasm")
        except ToolchainError:
            return None
        return disassemble(self.cubin)

    def function(self, entry: str, device_id: int):
        if device_id not in self._loaded:
            self._loaded[device_id] = cuda_core().ObjectCode.from_cubin(self.cubin)
        return self._loaded[device_id].get_kernel(entry)


_MODULES: dict = {}   # (source, arch, filename, first line) -> (module, entries)
_MODULE_LIMIT = 128


def _register_source(source: str, filename: str | None) -> str:
    if filename is None:
        filename = f"<cuda-source-{hashlib.sha1(source.encode()).hexdigest()[:12]}>"
    if not linecache.getlines(filename):
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return filename


def compile_cuda(source: str, name: str | None = None, arch=None, filename: str | None = None, *,
                 first_line: int = 1):
    """Compile the `__global__` functions of CUDA C `source` for `arch` (default: this GPU, else sm_90).

    Returns the CudaKernel called `name`; without a name, the only kernel, or a list when the
    source defines several. No GPU is needed: PTX, SASS and resources come from NVRTC and
    nvdisasm. `filename` names the source in errors and line info (registered with linecache
    when it is not a file); `first_line` is the line of `filename` that `source` starts on.

    >>> k = compile_cuda('__global__ void fill(float* x, float v) { x[threadIdx.x] = v; }', arch="sm_80")
    >>> k.name, k.arch, [p.name for p in k.params]
    ('fill', 'sm_80', ['x', 'v'])
    """
    arch = _normalize_arch(arch) if arch is not None else detect_arch()
    filename = _register_source(source, filename)
    sigs = parse_signatures(source)
    kernels = [s for s in sigs if not s.template]
    if not kernels:
        what = "only templated __global__ functions" if sigs else "no __global__ function"
        raise TesseraError(f"the CUDA C source defines {what}", loc=SourceLoc(filename, first_line),
                           hint='a kernel such as: extern "C" __global__ void add(const float* a, float* b, int n)'
                                + (" (or an explicit instantiation of the template)" if sigs else ""))
    if name is not None and name not in [s.name for s in kernels]:
        raise TesseraError(f"the CUDA C source defines no kernel named {name!r}",
                           loc=SourceLoc(filename, first_line),
                           hint=f"one of: {', '.join(s.name for s in kernels)}")
    key = (source, arch, filename, first_line)
    module, entries = _MODULES.get(key, (None, None))
    if module is None:
        # #line makes NVRTC's errors, and the line info in the PTX and SASS, point at the cell.
        escaped = filename.replace("\\", "\\\\").replace('"', '\\"')
        text = f'#line {first_line} "{escaped}"\n{source}'
        names = [s.name for s in kernels]
        t0 = time.perf_counter()
        ptx, cubin, log, entries = _compile_nvrtc(text, filename, arch, names)
        if ptx is None and "__nv_name_map" in log:
            ptx, cubin, log, entries = _compile_nvrtc(text, filename, arch, [])
            if ptx is not None:
                entries = _entries_from_ptx(ptx, names)
        if ptx is None:
            if "--gpu-architecture" in log:
                raise TesseraError(f"NVRTC cannot compile for {arch}", loc=user_loc(),
                                   hint='an architecture this NVRTC knows, e.g. arch="sm_90"; '
                                        "pip install -U nvidia-cuda-nvrtc for newer GPUs")
            raise _compile_error(log, filename, source, first_line, sigs).with_traceback(None)
        module = _Module(ptx, cubin, log, arch, time.perf_counter() - t0)
        if len(_MODULES) >= _MODULE_LIMIT:
            del _MODULES[next(iter(_MODULES))]  # the oldest: an edited cell leaves its old source behind
        _MODULES[key] = (module, entries)
    out = [CudaKernel(s, entries.get(s.name, s.name), module, source, filename, first_line) for s in kernels]
    if name is not None:
        return next(k for k in out if k.name == name)
    return out[0] if len(out) == 1 else out


# ---------------------------------------------------------------------------- the kernel object


def _dims(x, what: str, kernel: str) -> tuple:
    if isinstance(x, (int, np.integer)):
        x = (int(x),)
    if not isinstance(x, tuple) or not 1 <= len(x) <= 3 or not all(isinstance(v, (int, np.integer)) and v > 0
                                                                   for v in x):
        raise LaunchError(f"{what} must be a positive int or a tuple of 1 to 3 positive ints, got {x!r}",
                          kernel=kernel, loc=user_loc(), hint=f"{kernel}(..., grid=(n + 255) // 256, block=256)")
    return tuple(int(v) for v in x) + (1,) * (3 - len(x))


class CudaKernel:
    """One `__global__` function of a CUDA C source, compiled for `arch`.

    Attributes: `name`, `source` (the cell), `filename` (its linecache name), `first_line`
    (where `source` starts in that file), `arch`, `ptx`, `sass` (None without nvdisasm),
    `resources`, `signature`, `params`, `compile_s`, `can_launch`. Call it as
    `k(*args, grid=..., block=..., shared_mem=0, stream=None)`.

    >>> k = compile_cuda('__global__ void inc(int* x, const int* d) { x[threadIdx.x] += d[0]; }', arch="sm_90")
    >>> k.signature, [(p.name, p.const, str(p.dtype)) for p in k.params]
    ('inc(int* x, const int* d)', [('x', False, 'int32'), ('d', True, 'int32')])
    """

    def __init__(self, sig: CSignature, entry: str, module: _Module, source: str, filename: str,
                 first_line: int):
        self.name = sig.name
        self.entry = entry            # the name in the PTX and cubin (mangled unless extern "C")
        self.params = sig.params
        self.source = source
        self.filename = filename
        self.first_line = first_line
        self.arch = module.arch
        self.ptx = module.ptx
        self.compile_s = module.compile_s
        self._sig = sig
        self._module = module

    @property
    def signature(self) -> str:
        return str(self._sig)

    @property
    def line(self) -> int:
        """The line of `filename` where the kernel's name is."""
        return self._sig.line + self.first_line - 1

    @cached_property
    def resources(self) -> dict:
        """registers (per thread), shared_bytes (static, per block), local_bytes (per thread: stack and
        local arrays), spill_bytes (stored by spills), and the rest of what ptxas reported."""
        from ..inspect.toolchain import parse_ptxas_info
        r = parse_ptxas_info(self._module.log, self.entry)
        return {"registers": r["registers"], "shared_bytes": r["shared_bytes"],
                "local_bytes": max(r["stack_bytes"], r["local_bytes"]), "spill_bytes": r["spill_store_bytes"],
                "spill_load_bytes": r["spill_load_bytes"], "constant_bytes": r["constant_bytes"],
                "barriers": r["barriers"]}

    @cached_property
    def sass(self) -> str | None:
        text = self._module.sass
        if text is None:
            return None
        # nvdisasm prints one section per kernel: keep this kernel's.
        m = re.search(rf"^\s*//-+ \.text\.{re.escape(self.entry)}\s.*$", text, re.M)
        if m is None:
            return text
        nxt = re.search(r"^\s*//-+ ", text[m.end():], re.M)
        return text[m.start():m.end() + (nxt.start() if nxt else len(text) - m.end())]

    def occupancy(self, block, shared_mem: int = 0):
        """Theoretical occupancy of a launch with `block` threads and `shared_mem` dynamic shared bytes."""
        from ..inspect import occupancy
        threads = int(np.prod(_dims(block, "block", self.name)))
        r = self.resources
        return occupancy(self.arch, threads=threads, registers=r["registers"],
                         shared_bytes=r["shared_bytes"] + shared_mem, barriers=r["barriers"])

    # ------------------------------------------------------------ launching

    @property
    def can_launch(self) -> bool:
        """A GPU is present and runs this kernel's cubin (same major architecture, minor not newer)."""
        return self._launch_problem() is None

    def _launch_problem(self) -> str | None:
        from ..runtime.memory import gpu_available
        if not gpu_available():
            return "no GPU"
        here = detect_arch()
        mine, gpu = re.match(r"sm_(\d+?)(\d)", self.arch), re.match(r"sm_(\d+?)(\d)", here)
        if mine.group(1) != gpu.group(1) or mine.group(2) > gpu.group(2):
            return f"the GPU here is {here}"
        return None

    def _check_launch(self):
        problem = self._launch_problem()
        if problem == "no GPU":
            raise BackendError(f"'{self.name}' was compiled for inspection only ({self.arch}): there is no GPU "
                               "here to launch it on", kernel=self.name, loc=user_loc(),
                               hint="run this notebook on a machine with an NVIDIA GPU to launch it; its PTX, "
                                    "SASS and resources need none")
        if problem is not None:
            raise BackendError(f"'{self.name}' was compiled for {self.arch}, and {problem}", kernel=self.name,
                               loc=user_loc(), hint="leave out --arch (or arch=) to compile for this GPU")

    def _arg_error(self, p: CParam, message: str, hint: str, cls=KernelTypeError):
        loc = SourceLoc(self.filename, p.line + self.first_line - 1, p.col,
                        self.source.splitlines()[p.line - 1] if p.line <= len(self.source.splitlines()) else None)
        return cls(f"argument '{p.name}' ({p.ctype}) {message}", kernel=self.name, loc=loc, hint=hint)

    def _pointer(self, p: CParam, a, host: list, written: list):
        from ..runtime.tensor import Tensor
        if isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)):
            return int(a)  # a raw device address
        if isinstance(a, Tensor) and a._kind != 0:
            a = a._host  # a cpu tensor: its NumPy storage travels like an array
        if isinstance(a, Tensor):
            dtype, ptr = a.dtype.numpy, a._ptr
            if not p.const:
                written.append(a)
        elif isinstance(a, np.ndarray):
            dtype = a.dtype
        elif hasattr(a, "__cuda_array_interface__"):
            cai = a.__cuda_array_interface__
            dtype, ptr = np.dtype(cai["typestr"]), cai["data"][0]
            strides, shape = cai.get("strides"), tuple(cai["shape"])
            if strides is not None and tuple(strides) != tuple(
                    dtype.itemsize * int(np.prod(shape[i + 1:])) for i in range(len(shape))):
                raise self._arg_error(p, "is a strided view; the kernel indexes it as contiguous memory",
                                      f"pass a contiguous copy: {p.name}.contiguous() (PyTorch) or "
                                      f"cupy.ascontiguousarray({p.name})")
        else:
            raise self._arg_error(p, f"needs an array, got {type(a).__name__}",
                                  f"pass a NumPy array, a ts.Tensor or a GPU array for {p.name}")
        if p.dtype is not None and dtype != p.dtype:
            raise self._arg_error(p, f"points to {p.dtype} but the array holds {dtype}",
                                  f"convert it explicitly: {p.name}.astype(np.{p.dtype})")
        if isinstance(a, np.ndarray):
            from numba import cuda
            dev = cuda.to_device(np.ascontiguousarray(a))
            host.append((dev, a, not p.const))
            return dev.device_ctypes_pointer.value or 0
        return ptr

    def _scalar(self, p: CParam, a):
        if isinstance(a, np.ndarray) and a.ndim == 0:
            a = a[()]
        if p.dtype is None:
            if isinstance(a, np.generic):
                return a
            raise self._arg_error(p, f"has a type Tessera cannot convert to, got {type(a).__name__}",
                                  f"pass a NumPy scalar of the parameter's exact type for {p.name}")
        kind = p.dtype.kind
        ok = isinstance(a, (bool, np.bool_)) if kind == "b" else (
            isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)) if kind in "iu" else
            isinstance(a, (int, float, np.integer, np.floating)) and not isinstance(a, (bool, np.bool_)))
        if not ok:
            conv = {"b": f"bool({p.name})", "f": f"float({p.name})"}.get(kind, f"int({p.name})")
            want = {"b": "a bool", "f": "a number"}.get(kind, "an int")
            raise self._arg_error(p, f"needs {want}, got {type(a).__name__} {a!r}", f"pass {conv}")
        if kind in "iu" and not np.iinfo(p.dtype).min <= int(a) <= np.iinfo(p.dtype).max:
            raise self._arg_error(p, f"cannot hold {a}", f"declare the parameter wider (long long {p.name})")
        return p.dtype.type(a)

    def _bind(self, args, host: list, written: list) -> list:
        if len(args) != len(self.params):
            raise LaunchError(f"{self.name} takes {len(self.params)} argument{'s' if len(self.params) != 1 else ''}"
                              f", got {len(args)}", kernel=self.name, loc=user_loc(),
                              hint=f"{self.name}({', '.join(p.name for p in self.params)}, grid=..., block=...)")
        return [self._pointer(p, a, host, written) if p.pointer else self._scalar(p, a)
                for p, a in zip(self.params, args)]

    def _stream(self, core, device, stream):
        from ..runtime.stream import Stream, current_stream
        stream = stream if stream is not None else current_stream()
        if stream is None:
            return device.default_stream  # the legacy default stream, as numba and Tessera's copies use
        if isinstance(stream, core.Stream):
            return stream
        if hasattr(stream, "__cuda_stream__"):
            return device.create_stream(stream)
        if isinstance(stream, Stream):
            return core.Stream.from_handle(stream.handle)
        handle = getattr(stream, "cuda_stream", None)  # torch.cuda.Stream
        if handle is None:
            handle = getattr(stream, "handle", stream)  # a numba stream, or a raw CUstream
        return core.Stream.from_handle(int(getattr(handle, "value", handle) or 0))

    def _prepare(self, args, grid, block, shared_mem, stream, host, written):
        from ..runtime.memory import _current_gpu
        core = cuda_core()
        device = core.Device(_current_gpu())
        device.set_current()
        values = self._bind(args, host, written)
        grid, block = _dims(grid, "grid", self.name), _dims(block, "block", self.name)
        try:
            config = core.LaunchConfig(grid=grid, block=block, shmem_size=int(shared_mem))
        except Exception as e:  # cuda.core checks the block against the device's limits
            raise LaunchError(f"cannot launch {self.name} with grid={grid}, block={block}, shared_mem={shared_mem}: "
                              f"{e}", kernel=self.name, loc=user_loc(),
                              hint="at most 1024 threads per block, and the shared memory the GPU has") from None
        return core, self._module.function(self.entry, device.device_id), config, \
            self._stream(core, device, stream), values

    def __call__(self, *args, grid, block, shared_mem: int = 0, stream=None):
        """Launch on the GPU: `grid` blocks of `block` threads (ints or tuples of up to 3)."""
        try:
            self._launch(args, grid, block, shared_mem, stream)
        except TesseraError as e:
            raise e.with_traceback(None) from None  # the user's frame is the useful one

    def _launch(self, args, grid, block, shared_mem, stream):
        self._check_launch()
        host, written = [], []
        core, fn, config, s, values = self._prepare(args, grid, block, shared_mem, stream, host, written)
        try:
            core.launch(s, config, fn, *values)
        except Exception as e:
            raise LaunchError(f"the launch of {self.name} failed: {e}", kernel=self.name, loc=user_loc(),
                              hint="check grid, block and shared_mem against the GPU's limits "
                                   "(at most 1024 threads per block)") from None
        if host:
            s.sync()
            for dev, a, back in host:
                if back:
                    if a.flags.c_contiguous:
                        dev.copy_to_host(a)
                    else:
                        a[...] = dev.copy_to_host()
        for t in written:
            t._mark_written()

    def launcher(self, *args, grid, block, shared_mem: int = 0, stream=None):
        """A zero-argument callable that launches with these arguments, converted once: for timing loops.

        Arguments must already be on the device (GPU arrays, GPU ts.Tensors, device addresses) or scalars."""
        try:
            self._check_launch()
            host, written = [], []
            core, fn, config, s, values = self._prepare(args, grid, block, shared_mem, stream, host, written)
            if host:
                raise KernelTypeError(f"{self.name}.launcher(...) got a NumPy array; a timed launch copies nothing",
                                      kernel=self.name, loc=user_loc(),
                                      hint="move the arrays first: ts.from_numpy(a), or "
                                           "torch.as_tensor(a, device='cuda')")
        except TesseraError as e:
            raise e.with_traceback(None) from None

        def run() -> None:
            core.launch(s, config, fn, *values)
            for t in written:  # a ts.Tensor's cached host copy is stale after each launch
                t._mark_written()
        return run

    def __repr__(self) -> str:
        return f"<ts.cuda {self.signature} {self.arch}>"
