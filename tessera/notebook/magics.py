"""IPython magics: `%%tessera`, a cell of kernels, and `%%cuda`, a cell of CUDA C.

`%load_ext tessera` registers both; `%%tessera?` and `%%cuda?` list their options.

In a `%%tessera` cell every top-level function with a `ts.Tensor` parameter
becomes a kernel (an explicit `@ts.kernel` or `@ts.kernel.autotune` is kept as
written) and is bound in the notebook's namespace. Kernels whose annotations
fix a specialization are compiled when the cell runs; a summary lists each
one's signature, backend, compile time and the registers it needs on the
target GPU (cross-compiled: no GPU needed). Lines are counted in the cell as
written, the `%%tessera` line being line 1, and errors point at them.
Re-running an unchanged cell binds the kernels compiled by its previous run.

A `%%cuda` cell is CUDA C: each `__global__` function is compiled with NVRTC
and bound as a `CudaKernel` (tessera.notebook.cuda_cell), callable where there
is a GPU and inspectable everywhere.

Example::

    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> shell = InteractiveShell.instance()
    >>> shell.run_line_magic("load_ext", "tessera")
    >>> shell.run_cell_magic("tessera", "--backend sim --target sm_90", '''
    ... import tessera as ts
    ... def negate(x: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < x.shape[0]:
    ...         x[i] = -x[i]
    ... ''')  # doctest: +ELLIPSIS
    %%tessera: 1 kernel (registers on sm_90)
    kernel  signature          backend  compile  registers
    negate  negate(x: f32[N])  sim      ... s ...
    >>> shell.user_ns["negate"]
    <ts.kernel negate>
"""

from __future__ import annotations

import ast
import html
import re
import sys
import types
from collections import OrderedDict
from contextlib import ExitStack

import numpy as np
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from ..errors import BackendError, LaunchError, SourceLoc, TesseraError
from ..inspect import STAGES
from ..lang.dtypes import DType
from ..lang.tensor import TensorSpec

__all__ = ["TesseraMagics", "load_ipython_extension", "unload_ipython_extension"]

_ADOPT = "__tessera_cell__"   # the decorator the cell's functions get while the cell runs
_EXAMPLE_SIZE = 16            # each shape symbol's size in the arrays a kernel is compiled for up front
_REUSE_LIMIT = 256


# ---------------------------------------------------------------------------- display


class Table:
    """A small table with a plain-text and an HTML form (saved notebooks and nbval read the text)."""

    def __init__(self, title: str, columns: list, rows: list, notes: list = ()):
        self.title, self.columns, self.rows, self.notes = title, columns, rows, list(notes)

    def __repr__(self) -> str:
        cells = [self.columns] + [[str(c) for c in r] for r in self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]
        lines = [self.title] + ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
        return "\n".join(lines + self.notes)

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td style='text-align:left'><code>{html.escape(str(c))}</code></td>"
                                        for c in r) + "</tr>" for r in self.rows)
        notes = "".join(f"<div>{html.escape(n)}</div>" for n in self.notes)
        return (f"<div class='tessera-summary'><b>{html.escape(self.title)}</b>"
                f"<table><tr>{head}</tr>{body}</table>{notes}</div>")


class Text:
    """A titled block of text (an IR stage, a note), shown preformatted."""

    def __init__(self, title: str, text: str):
        self.title, self.text = title, text

    def __repr__(self) -> str:
        return f"{self.title}\n{self.text}"

    def _repr_html_(self) -> str:
        return (f"<details open><summary><b>{html.escape(self.title)}</b></summary>"
                f"<pre>{html.escape(self.text)}</pre></details>")


# ---------------------------------------------------------------------------- cells and errors


def _cell_number(shell) -> int:
    """The In[N] of the cell being run: the number IPython gave the frame running the magic's caller."""
    fmt = getattr(shell.compile, "format_code_name", None)
    f = sys._getframe(2)
    while f is not None and fmt is not None:
        label = fmt(f.f_code.co_filename)
        m = re.search(r"\d+", label[1]) if label else None
        if m:
            return int(m.group())
        f = f.f_back
    return shell.execution_count


def register_cell(shell, header: str, cell: str) -> str:
    """Register the cell as written (`header`, the %% line, is line 1) with linecache, as IPython does for
    its own cells; returns the filename. Tessera shows such a file as "notebook cell" in messages."""
    text = f"{header}\n{cell}"
    return shell.compile.cache(text, _cell_number(shell), raw_code=text)


def _clean(e: TesseraError) -> TesseraError:
    # IPython prints what _render_traceback_ returns instead of a traceback: the user sees
    # the message pointing at the cell's line, not the magic's and the compiler's frames.
    e._render_traceback_ = lambda: [f"{type(e).__name__}: {e}"]
    return e.with_traceback(None)


def _from_cell(tb, filename: str):
    """The traceback from the first frame in the cell (the magic's own frames are noise)."""
    start = tb
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    return tb or start


def _python(shell, cell: str) -> tuple:
    """(source, first line): the cell as Python, with IPython syntax (%line magics, !shell) expanded where
    the cell has any and the expansion keeps every line where it was (errors must name the right line)."""
    if not re.search(r"^\s*[%!]", cell, re.M):
        return cell, 2
    blank = 0
    for line in cell.splitlines():
        if line.strip():
            break
        blank += 1
    out = shell.transform_cell(cell)  # drops leading blank lines
    if out.rstrip("\n").count("\n") != "\n".join(cell.splitlines()[blank:]).rstrip("\n").count("\n"):
        return cell, 2
    return out, 2 + blank


def _parse_cell(source: str, first_line: int, filename: str, flags: int = 0) -> tuple:
    """Code for the cell's statements and, if it ends with an expression, for that expression (its value
    is the cell's result). Every top-level function gets the adopting decorator, outermost, on the line
    of its first decorator so that its source lines stay those of the cell."""
    tree = ast.parse("\n" * (first_line - 1) + source, filename)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            deco = ast.copy_location(ast.Name(_ADOPT, ast.Load()),
                                     node.decorator_list[0] if node.decorator_list else node)
            node.decorator_list.insert(0, deco)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    ast.fix_missing_locations(tree)
    # dont_inherit: this module's `from __future__ import annotations` would turn the cell's
    # annotations into strings; `flags` carries the notebook's own __future__ imports instead.
    return (compile(tree, filename, "exec", flags=flags, dont_inherit=True),
            compile(last, filename, "eval", flags=flags, dont_inherit=True) if last is not None else None)


# ---------------------------------------------------------------------------- kernels of a cell


def _kernel_types():
    from ..runtime.kernel import Kernel
    from ..tune.autotuner import AutotunedKernel
    return Kernel, AutotunedKernel


def _fn_of(obj):
    Kernel, AutotunedKernel = _kernel_types()
    if isinstance(obj, AutotunedKernel):
        return obj.kernel.fn
    return getattr(obj, "fn", obj)


def _defined_in(obj, filename: str) -> bool:
    code = getattr(_fn_of(obj), "__code__", None)
    return code is not None and code.co_filename == filename


def _is_kernel_def(fn) -> bool:
    if not isinstance(fn, types.FunctionType):
        return False
    ann = getattr(fn, "__annotations__", {})
    return any(isinstance(v, TensorSpec) for k, v in ann.items() if k != "return")


def _token(value, filename: str):
    """What a global a kernel reads contributes to the reuse key: values for constants, identity otherwise."""
    if isinstance(value, types.ModuleType):
        return ("module", value.__name__)
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, np.generic, DType, TensorSpec)):
        return ("value", repr(value))
    if _defined_in(value, filename):
        return ("cell",)  # redefined by this very cell: the cell's text covers it
    return ("id", id(value))


class _CellRun:
    """One run of a %%tessera cell: adopts the kernels the cell defines, reusing unchanged ones."""

    def __init__(self, magics: TesseraMagics, filename: str, cell: str, backend: str | None):
        # The reuse key holds the cell's body and backend, not its other flags: showing another
        # IR stage of an unchanged cell compiles nothing.
        self.magics, self.filename, self.cell, self.backend = magics, filename, cell, backend
        self.kernels: dict = {}   # id -> [kernel, reused]

    def adopt(self, obj):
        Kernel, AutotunedKernel = _kernel_types()
        if not isinstance(obj, (Kernel, AutotunedKernel)):
            if not _is_kernel_def(obj):
                return obj
            obj = Kernel(obj)
        inner = obj.kernel if isinstance(obj, AutotunedKernel) else obj
        if self.backend and inner.backend is None:
            inner.backend = self.backend  # a backend named in the decorator stays: it is more specific
        fn = _fn_of(obj)
        names = sorted(set(fn.__code__.co_names))
        key = (self.cell, fn.__qualname__, fn.__code__.co_firstlineno, type(obj).__name__, self.backend,
               tuple((n, _token(fn.__globals__[n], self.filename)) for n in names if n in fn.__globals__))
        cache = self.magics._reuse
        reused = key in cache
        if reused:
            cache.move_to_end(key)
            obj = cache[key]
            self.magics.cache_info["hits"] += 1
        else:
            cache[key] = obj
            self.magics.cache_info["misses"] += 1
            while len(cache) > _REUSE_LIMIT:
                cache.popitem(last=False)
        self.kernels[id(obj)] = [obj, reused]
        return obj

    def collect(self, ns: dict) -> list:
        """The cell's kernels in source order, with those it made without a `def` (k = ts.kernel(f))."""
        Kernel, AutotunedKernel = _kernel_types()
        for v in list(ns.values()):
            if isinstance(v, (Kernel, AutotunedKernel)) and id(v) not in self.kernels and \
                    _defined_in(v, self.filename):
                inner = v.kernel if isinstance(v, AutotunedKernel) else v
                if self.backend and inner.backend is None:
                    inner.backend = self.backend
                self.kernels[id(v)] = [v, False]
        return sorted(self.kernels.values(), key=lambda kv: _fn_of(kv[0]).__code__.co_firstlineno)


def _signature(ir) -> str:
    parts = []
    for p in ir.params:
        if p.kind == "tensor":
            parts.append(f"{p.name}: {p.dtype.name}[{','.join(str(d) for d in p.dims)}]")
        elif p.kind == "scalar":
            parts.append(f"{p.name}: {p.dtype.name}")
        else:
            parts.append(f"{p.name}: constexpr")
    return f"{ir.name}({', '.join(parts)})"


def _example_args(ir) -> tuple:
    """(arguments that fix the specialization the annotations describe, None) or (None, why there is none)."""
    args = []
    for p in ir.params:
        if p.kind == "constexpr":
            return None, f"constexpr {p.name}"
        if p.dtype.numpy_name is None:
            return None, f"{p.name} is {p.dtype.name}"
        if p.kind == "tensor":
            args.append(np.empty(tuple(d if isinstance(d, int) else _EXAMPLE_SIZE for d in p.dims), p.dtype.numpy))
        else:
            args.append(np.bool_(True) if p.dtype.kind == "b" else p.dtype.numpy.type(1))
    return args, None


class _Spec:
    """A kernel of the cell, compiled up front where its annotations allow: the summary's row."""

    def __init__(self, obj, reused: bool, target: str):
        Kernel, AutotunedKernel = _kernel_types()
        self.obj, self.reused, self.target = obj, reused, target
        self.kernel = obj.kernel if isinstance(obj, AutotunedKernel) else obj
        self.ir = self.kernel.ir  # parses: a mistake in the kernel surfaces now, at its line
        self.config, self.args, self.why = {}, None, None
        if isinstance(obj, AutotunedKernel) and len(obj.configs) != 1:
            self.why = f"tunes on first call: {len(obj.configs)} configs"
        else:
            if isinstance(obj, AutotunedKernel):
                self.config = dict(obj.configs[0])
            missing = [n for n in self.ir.const_params if n not in self.config]
            if missing:
                self.why = f"reads get_param({missing[0]!r}): pass config="
            else:
                self.args, why = _example_args(self.ir)
                self.why = why and f"compiled on first call ({why})"
        self.backend, self.compiled, self.grid_at_launch = None, None, False

    def compile(self):
        from ..backends import resolve_backend
        from ..runtime.args import bind_args
        k = self.kernel
        b = resolve_backend(k.backend)
        self.backend = b.name
        if self.args is None:
            return
        binding = bind_args(self.ir, tuple(self.args), device_ok=b.device_arrays)
        consts = {**binding.consts, **self.config}
        try:
            self.compiled = k._get_compiled(b, binding, k._block(), consts, explicit_grid=k.grid is not None)
        except LaunchError:
            # The grid cannot be inferred: the kernel is meant for kernel[grid, block](...).
            self.compiled = k._get_compiled(b, binding, k._block(), consts, explicit_grid=True)
            self.grid_at_launch = True

    def inspection(self):
        return self.kernel.inspect(*self.args, target=self.target, config=self.config or None)

    def registers(self) -> str:
        if self.args is None:
            return "-"
        try:
            return str(self.inspection().resources.registers)
        except TesseraError as e:  # no ptxas, or numba-cuda replaced by its simulator: compiling still worked
            return f"- ({e.message[:60]})"

    def row(self) -> list:
        if self.compiled is None:
            status = self.why or "compiled on first call"
        elif self.reused:
            status = "cached"
        else:
            status = f"{self.compiled.compile_s:.2f} s"
        if self.grid_at_launch:
            status += " (grid at launch)"
        return [self.kernel.name, _signature(self.ir), self.backend or "-", status, self.registers()]

    def stage(self, stage: str) -> str:
        from ..frontend.printer import format_kernel
        if stage == "source":
            return self.kernel.source
        if stage == "ir":
            return format_kernel(self.ir)
        if self.args is None:
            return (f"({self.why or 'no specialization yet'}; after a call, "
                    f"{self.kernel.name}.inspect(*args)[{stage!r}] shows this stage)")
        return self.inspection()[stage]


# ---------------------------------------------------------------------------- the magics


@magics_class
class TesseraMagics(Magics):
    """`%%tessera` and `%%cuda`. `cache_info` counts kernels reused from an unchanged cell's earlier run."""

    def __init__(self, shell=None):
        super().__init__(shell)
        self._reuse: OrderedDict = OrderedDict()
        self.cache_info = {"hits": 0, "misses": 0}

    @magic_arguments()
    @argument("--backend", choices=("cpu", "sim", "cuda"),
              help="run the cell, and the kernels it defines, on this backend (default: cuda where there is a GPU, "
                   "else cpu)")
    @argument("--ir", metavar="STAGE", choices=STAGES,
              help=f"show this stage of each kernel: {', '.join(STAGES)}")
    @argument("--autotune", action="store_true",
              help="after the cell, show each autotuned kernel's sweep: the best config and every config's result")
    @argument("--profile", nargs="?", const="prof", metavar="NAME",
              help="profile what the cell runs, show the per-kernel table, and bind the ts.profile to NAME "
                   "(default: prof)")
    @argument("--target", metavar="sm_XX",
              help="the GPU that registers and the ptx/sass stages are for (default: this GPU, else sm_90)")
    @cell_magic
    def tessera(self, line, cell):
        """Run a cell that defines Tessera kernels: compile them, bind them, and summarize them.

        Every top-level function with a ts.Tensor parameter becomes a kernel (@ts.kernel is optional).
        The summary lists each kernel's signature, backend, compile time and registers; a kernel
        whose annotations leave its specialization open (a constexpr parameter, an autotune space)
        is compiled on its first call. The cell's last expression, if any, is its result."""
        from ..backends import get_backend
        from ..inspect import default_target, parse_target
        args = parse_argstring(self.tessera, line)
        try:
            if args.backend and not get_backend(args.backend).is_available():
                raise BackendError(f"the '{args.backend}' backend is not available here: "
                                   f"{get_backend(args.backend).why_unavailable()}",
                                   hint="%%tessera --backend cpu (or sim) on a machine without a GPU")
            target = parse_target(args.target or default_target()).name
        except TesseraError as e:
            raise _clean(e) from None
        filename = register_cell(self.shell, f"%%tessera {line}".rstrip(), cell)
        code, last = _parse_cell(*_python(self.shell, cell), filename, self.shell.compile.flags)
        run = _CellRun(self, filename, cell, args.backend)
        value, prof = self._run(code, last, filename, run, args)
        try:
            specs = [_Spec(k, reused, target) for k, reused in run.collect(self.shell.user_ns)]
            for s in specs:
                s.compile()
            self._show(specs, target, args, prof)
        except TesseraError as e:
            raise _clean(e) from None
        return value

    def _run(self, code, last, filename: str, run: _CellRun, args) -> tuple:
        import tessera as ts
        ns = self.shell.user_ns
        missing = object()
        saved = ns.get(_ADOPT, missing)
        ns[_ADOPT] = run.adopt
        prof = None
        try:
            with ExitStack() as stack:
                if args.backend:
                    stack.enter_context(ts.use_backend(args.backend))
                if args.profile:
                    prof = stack.enter_context(ts.profile())
                exec(code, ns)
                value = eval(last, ns) if last is not None else None
        except TesseraError as e:
            raise _clean(e) from None
        except Exception as e:
            raise e.with_traceback(_from_cell(e.__traceback__, filename))
        finally:
            if saved is missing:
                ns.pop(_ADOPT, None)
            else:
                ns[_ADOPT] = saved
        if args.profile:
            ns[args.profile] = prof
        return value, prof

    def _show(self, specs: list, target: str, args, prof):
        _, AutotunedKernel = _kernel_types()
        n = len(specs)
        if n:
            display(Table(f"%%tessera: {n} kernel{'s' if n != 1 else ''} (registers on {target})",
                          ["kernel", "signature", "backend", "compile", "registers"], [s.row() for s in specs]))
        elif prof is None:  # a cell that only profiles needs no reminder of what a kernel is
            display(Text("%%tessera: no kernels in this cell",
                         "a kernel is a function with a ts.Tensor parameter, e.g.\n"
                         'def scale(x: ts.Tensor["N", ts.f32], s: ts.f32): ...'))
        from . import views
        if args.ir:
            for s in specs:
                if s.args is None:   # compiled on first call: no specialization to show yet
                    display(Text(f"{s.kernel.name}: {args.ir}", s.stage(args.ir)))
                else:
                    display(views.ir_view(s.inspection()).show(stage=args.ir))
        if args.autotune:
            for s in specs:
                if not isinstance(s.obj, AutotunedKernel):
                    continue
                if s.obj.autotune_results is None:
                    display(Text(f"{s.kernel.name}: not tuned yet",
                                 f"{len(s.obj.configs)} configs, key {list(s.obj.options.key)}: "
                                 f"the first call for new key values runs the sweep"))
                else:
                    display(views.autotune_view(s.obj))
        if prof is not None:
            if prof.kernels:
                display(views.profile_view(prof))
            else:
                display(Text(f"profile ({args.profile}): no kernel ran in this cell", repr(prof)))

    @magic_arguments()
    @argument("--name", metavar="NAME",
              help="bind only the __global__ function NAME; with one kernel in the cell, bind it as NAME")
    @argument("--arch", metavar="sm_XX", help="compile for this GPU (default: this GPU, else sm_90)")
    @cell_magic
    def cuda(self, line, cell):
        """Compile a cell of CUDA C with NVRTC and bind each __global__ function as a Python callable.

        kernel(*args, grid=..., block=..., shared_mem=0, stream=None) launches where there is a GPU
        (NumPy arrays are copied in and out, GPU arrays are used in place); everywhere, kernel.ptx,
        kernel.sass and kernel.resources show what it compiled to."""
        from .cuda_cell import compile_cuda
        args = parse_argstring(self.cuda, line)
        header = f"%%cuda {line}".rstrip()
        filename = register_cell(self.shell, header, cell)
        try:
            kernels = compile_cuda(cell, arch=args.arch, filename=filename, first_line=2)
            kernels = kernels if isinstance(kernels, list) else [kernels]
            bound = self._pick(kernels, args.name, filename, header)
        except TesseraError as e:
            raise _clean(e) from None
        for name, k in bound:
            self.shell.user_ns[name] = k
        gpu = bound[0][1].can_launch
        rows = [[name, k.signature, k.arch, k.resources["registers"], k.resources["shared_bytes"],
                 k.resources["local_bytes"], k.resources["spill_bytes"]] for name, k in bound]
        note = "launch: kernel(*args, grid=..., block=...)" if gpu else \
            "no GPU here: compiled for inspection (.ptx, .sass, .resources); calling needs a GPU"
        display(Table(f"%%cuda: {len(bound)} kernel{'s' if len(bound) != 1 else ''} for {bound[0][1].arch}, "
                      f"NVRTC {bound[0][1].compile_s:.2f} s",
                      ["name", "signature", "arch", "registers", "shared B", "local B", "spill B"], rows, [note]))

    @staticmethod
    def _pick(kernels: list, name: str | None, filename: str, header: str) -> list:
        if name is None:
            return [(k.name, k) for k in kernels]
        picked = [(k.name, k) for k in kernels if k.name == name]
        if picked:
            return picked
        if len(kernels) == 1:
            return [(name, kernels[0])]
        names = ", ".join(k.name for k in kernels)
        raise TesseraError(f"--name {name}: the cell defines {len(kernels)} kernels ({names}), none called {name}",
                           loc=SourceLoc(filename, 1, header.find(name), header),
                           hint=f"--name with one of {names} to bind only that one, or leave --name out")


# magic_arguments writes the usage as a line magic's ("%tessera [...]"); these are cell magics.
for _m in (TesseraMagics.tessera, TesseraMagics.cuda):
    _m.__doc__ = _m.__doc__.replace("::\n\n  %", "::\n\n  %%", 1)


def load_ipython_extension(ipython) -> None:
    """`%load_ext tessera`: register %%tessera and %%cuda."""
    ipython.register_magics(TesseraMagics)


def unload_ipython_extension(ipython) -> None:
    """`%unload_ext tessera`: remove them again."""
    manager = ipython.magics_manager
    for name in ("tessera", "cuda"):
        manager.magics["cell"].pop(name, None)
    manager.registry.pop("TesseraMagics", None)
