"""`kernel.inspect(...)`: one specialization of a kernel at every stage, its resources and line map.

Stages, in pipeline order (`STAGES`):

| stage | what | needs |
|---|---|---|
| `source` | the kernel as written | |
| `ir` | Tessera IR (the printer), before specialization | |
| `typed` | typed, specialized Tessera IR | |
| `numba` | the generated numba-cuda source | |
| `numba_ir` | numba's typed IR of that source | numba-cuda (no GPU) |
| `llvm` | LLVM IR handed to NVVM | numba-cuda (no GPU) |
| `ptx` | PTX for the target | numba-cuda (no GPU) |
| `sass` | SASS, from ptxas and nvdisasm | NVIDIA's PyPI wheels (no GPU) |

Stages are computed when first asked for, so `insp["typed"]` never runs
NVVM and `insp["ptx"]` never needs ptxas. `insp.lines_for(stage, n)` gives
the lines of a stage (1-based) that came from line `n` of the user's file
(the numbers in `# L<n>` markers and error messages).

Example::

    >>> import tessera as ts
    >>> @ts.kernel
    ... def scale(x: ts.Tensor["N", ts.f32], s: ts.f32):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = x[i] * s
    >>> insp = scale.inspect("f32[4096]", "f32", target="sm_80")
    >>> insp
    <ts.Inspection scale sm_80 block=(256, 1, 1)>
    >>> print(insp["typed"].splitlines()[1].split("#")[0].rstrip())
        i: i32 = program_id(0) * block_size(0) + thread_id(0)
    >>> store_line = scale.fn.__code__.co_firstlineno + 4
    >>> lines = [insp["numba"].splitlines()[n - 1].strip() for n in insp.lines_for("numba", store_line)]
    >>> sum("store_vec" in l for l in lines), lines[-1]    # 128-bit stores, then the scalar tail
    (2, 'x[i] = (x[i] * s)  # L5')
"""

from __future__ import annotations

import inspect as _pyinspect
import weakref
from dataclasses import dataclass, fields

from ..compiler import lower, spec_key
from ..errors import LaunchError, TesseraError
from ..frontend.printer import format_kernel
from ..runtime.args import bind_args
from . import linemap
from .argspec import parse_arg
from .occupancy import Occupancy, max_threads_per_block, occupancy, parse_target

STAGES = ("source", "ir", "typed", "numba", "numba_ir", "llvm", "ptx", "sass")

_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Resources:
    """What one thread block of the kernel uses, from `ptxas -v`, and the occupancy that follows."""

    registers: int               # per thread
    shared_static_bytes: int     # per block, cuda.shared.array / ts.shared.alloc
    shared_dynamic_bytes: int    # per block, given at launch (0: Tessera allocates statically)
    local_bytes: int             # per thread: stack frame (local arrays and spills)
    spill_store_bytes: int
    spill_load_bytes: int
    constant_bytes: int          # kernel parameters and constants (cmem[0])
    barriers: int
    threads_per_block: int       # the launch's block
    max_threads_per_block: int   # the largest block these resources allow
    occupancy: Occupancy

    def as_dict(self) -> dict:
        """Every number, flat (occupancy as percent and blocks per SM)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "occupancy"}
        out["occupancy_percent"] = self.occupancy.percent
        out["blocks_per_sm"] = self.occupancy.blocks_per_sm
        return out

    def __str__(self) -> str:
        return "\n".join([
            f"registers per thread   {self.registers}",
            f"shared memory / block  {self.shared_static_bytes} B static, {self.shared_dynamic_bytes} B dynamic",
            f"local memory / thread  {self.local_bytes} B (spills: {self.spill_store_bytes} B stored, "
            f"{self.spill_load_bytes} B loaded)",
            f"block                  {self.threads_per_block} threads (at most {self.max_threads_per_block})",
            f"occupancy              {self.occupancy}",
        ])


class Inspection:
    """One specialization of a kernel for one target: every stage as text, resources, line maps.

    Made by `kernel.inspect(...)`; index it by stage name (`insp["sass"]`)."""

    def __init__(self, kernel, lowered, numba_types: list, target, config: dict, key: str):
        self.kernel = kernel.name
        self.target = target.name
        self.arch = target
        self.config = dict(config)      # compile-time values: constexpr arguments and `config`
        self.lowered = lowered
        self.plan = lowered.plan
        self.key = key
        self._numba_types = numba_types
        self._kernel_fn = kernel.fn
        self._source = kernel.source
        self._ir = kernel.ir
        self._text: dict = {}
        self._maps: dict = {}
        self._cross = None
        self._ptxas_log = None
        self._cubin = None

    # ------------------------------------------------------------ stages

    @property
    def stages(self) -> tuple:
        return STAGES

    def __getitem__(self, stage: str) -> str:
        return self.text(stage)

    def text(self, stage: str) -> str:
        """The stage's text (see STAGES)."""
        _check_stage(stage, self.kernel)
        if stage not in self._text:
            self._text[stage] = getattr(self, "_make_" + stage)()
        return self._text[stage]

    def _make_source(self):
        return self._source

    def _make_ir(self):
        return format_kernel(self._ir)

    def _make_typed(self):
        return format_kernel(self.lowered.typed)

    def _make_numba(self):
        return self.lowered.module.source

    def _compiled(self):
        if self._cross is None:
            from .crosscompile import cross_compile
            self._cross = cross_compile(self.lowered.module, self._numba_types, self.arch.cc, self.key,
                                        self.kernel)
        return self._cross

    def _make_numba_ir(self):
        return self._compiled().numba_ir

    def _make_llvm(self):
        return self._compiled().llvm

    def _make_ptx(self):
        return self._compiled().ptx

    def _assembled(self):
        if self._cubin is None:
            from .toolchain import assemble
            self._cubin, self._ptxas_log = assemble(self.text("ptx"), self.target)
        return self._cubin

    def _make_sass(self):
        from .toolchain import disassemble
        raw = disassemble(self._assembled())
        self._maps["sass"] = linemap.to_user(linemap.sass_lines(raw, self._compiled().filename),
                                             self.lowered.module)
        return linemap.label_sass(raw, self._compiled().filename, self.lowered.module)

    @property
    def ptxas_log(self) -> str:
        """What `ptxas -v` printed."""
        self._assembled()
        return self._ptxas_log

    @property
    def cubin(self) -> bytes:
        return self._assembled()

    # ------------------------------------------------------------ resources

    @property
    def resources(self) -> Resources:
        """Registers, shared/local memory, spills and occupancy (runs ptxas)."""
        if "resources" not in self._maps:
            from .toolchain import parse_ptxas_info
            self._assembled()
            r = parse_ptxas_info(self._ptxas_log, self._compiled().entry)
            bx, by, bz = self.plan.launch_block
            threads = bx * by * bz
            smem = r["shared_bytes"]
            occ = occupancy(self.arch, threads=threads, registers=r["registers"], shared_bytes=smem,
                            barriers=r["barriers"])
            self._maps["resources"] = Resources(
                r["registers"], smem, 0, max(r["stack_bytes"], r["local_bytes"]), r["spill_store_bytes"],
                r["spill_load_bytes"], r["constant_bytes"], r["barriers"], threads,
                max_threads_per_block(self.arch, registers=r["registers"], shared_bytes=smem), occ)
        return self._maps["resources"]

    # ------------------------------------------------------------ line mapping

    def line_map(self, stage: str) -> dict:
        """{line of the stage (1-based): (user lines...)} for the lines that came from the user's code."""
        _check_stage(stage, self.kernel)
        if stage == "sass":
            self.text("sass")  # its map is made from nvdisasm's own headers, before they are relabelled
        if stage not in self._maps:
            self._maps[stage] = self._make_map(stage)
        return self._maps[stage]

    def _make_map(self, stage: str) -> dict:
        text, module = self.text(stage), self.lowered.module
        if stage == "source":
            first = _pyinspect.getsourcelines(self._kernel_fn)[1]
            return {i: (first + i - 1,) for i, l in enumerate(text.splitlines(), start=1) if l.strip()}
        if stage in ("ir", "typed"):
            return linemap.marker_lines(text)
        if stage == "numba":
            return {n: (loc.line,) for n, loc in module.line_map.items()}
        gen = {"numba_ir": lambda: linemap.numba_ir_lines(text),
               "llvm": lambda: linemap.llvm_lines(text),
               "ptx": lambda: linemap.ptx_lines(text, self._compiled().filename)}[stage]()
        return linemap.to_user(gen, module)

    def lines_for(self, stage: str, user_line: int) -> list:
        """The lines of `stage` (1-based) that came from line `user_line` of the user's file."""
        return sorted(n for n, users in self.line_map(stage).items() if user_line in users)

    # ------------------------------------------------------------ display

    def __repr__(self) -> str:
        return f"<ts.Inspection {self.kernel} {self.target} block={self.plan.block}>"

    def summary(self) -> str:
        """The launch and the resources, as text."""
        cfg = ", ".join(f"{k}={v}" for k, v in self.config.items())
        return (f"kernel {self.kernel} for {self.target}" + (f" ({cfg})" if cfg else "") + "\n"
                f"launch                 {self.plan.describe()}\n{self.resources}")


def user_loc():
    """Where the user's code called into Tessera: the innermost frame outside the tessera package and
    Python's own library (None from the command line, where there is no user frame)."""
    import os
    import sys
    import sysconfig
    from ..errors import SourceLoc
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    stdlib = sysconfig.get_paths().get("stdlib", "\0")
    f = sys._getframe(1)
    while f is not None:
        name = f.f_code.co_filename
        path = os.path.abspath(name) if not name.startswith("<") else name
        if not (path.startswith(pkg) or path.startswith(stdlib) or name.startswith("<frozen")):
            col = 0
            try:
                col = list(f.f_code.co_positions())[f.f_lasti // 2][2] or 0
            except (AttributeError, IndexError, TypeError):
                pass
            return SourceLoc(name, f.f_lineno, col)
        f = f.f_back
    return None


def _check_stage(stage, kernel: str | None = None):
    if stage not in STAGES:
        import difflib
        close = difflib.get_close_matches(str(stage), STAGES, n=1)
        raise TesseraError(f"unknown stage {stage!r}", kernel=kernel, loc=user_loc(),
                           hint=(f'"{close[0]}"; ' if close else "") + f"one of: {', '.join(STAGES)}")


def default_target() -> str:
    """The local GPU's compute capability where there is one, else sm_90 (an H100)."""
    from ..runtime.memory import gpu_available
    if gpu_available():
        from numba import cuda
        major, minor = cuda.get_current_device().compute_capability
        return f"sm_{major}{minor}"
    return "sm_90"


def inspect_kernel(kernel, args, *, target=None, config=None, block=None) -> Inspection:
    """What `Kernel.inspect` does: bind `args` (arrays, tensors or type strings), lower, and wrap."""
    try:
        arch = parse_target(target if target is not None else default_target())
    except TesseraError as e:
        raise TesseraError(e.message, kernel=kernel.name, loc=user_loc(), hint=e.hint) from None
    config = dict(config or {})
    args = tuple(parse_arg(a) for a in args)
    try:
        binding = bind_args(kernel.ir, args)
        consts = {**binding.consts, **config}
        # The form a plain call runs where the grid is inferable (128-bit elementwise accesses
        # need it); a kernel launched as kernel[grid, block] inspects too, in that launch's form.
        try:
            lowered = lower(kernel.ir, binding.arg_types, consts, binding.index, block=block,
                            resolve_func=kernel.resolve_func)
        except LaunchError:
            lowered = lower(kernel.ir, binding.arg_types, consts, binding.index, block=block,
                            resolve_func=kernel.resolve_func, explicit_grid=True)
        blk = lowered.plan.block
        key_parts = (sorted((k, v.name) for k, v in binding.arg_types.items()), sorted(binding.layouts.items()),
                     sorted(consts.items()), binding.index.name, blk)
        key = spec_key(kernel.source + kernel._func_sources(), arch.name, key_parts)
        types = binding.numba_types(kernel.ir)
    except TesseraError as e:
        raise e.with_traceback(None) from None
    per_kernel = _cache.setdefault(kernel, {})
    if key not in per_kernel:
        per_kernel[key] = Inspection(kernel, lowered, types, arch, consts, key)
    return per_kernel[key]
