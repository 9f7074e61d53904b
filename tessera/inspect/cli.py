"""`python -m tessera inspect FILE.py:KERNEL`: print one stage of a kernel, for any target, without a GPU.

Example::

    >>> from tessera.inspect.cli import build_parser
    >>> ns = build_parser().parse_args(["k.py:add", "--stage", "ptx", "--args", "f32[8],f32[8]"])
    >>> ns.target, ns.stage, ns.args
    (None, 'ptx', 'f32[8],f32[8]')
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from ..errors import TesseraError
from .argspec import parse_arg, parse_arg_list
from .inspection import STAGES

DESCRIPTION = """\
Print a stage of a Tessera kernel (down to SASS), for any compute capability,
without a GPU: numba-cuda writes PTX, ptxas and nvdisasm (NVIDIA's PyPI
wheels) give SASS and resource usage.

Argument types (--args) say what the kernel is specialized for, without arrays:
  f32[1024]      a contiguous 1-D f32 tensor of 1024 elements (f16[64,64]: 2-D, ...)
  i32, f32       a scalar of that type
  16, 0.5, true  a constexpr value
separated by commas, one per kernel parameter, in order. Without --args every
tensor gets 1024 elements per symbolic dimension (fixed sizes as annotated)
and every scalar its type; kernels with constexpr parameters need --args.
Dtypes: f16 bf16 f32 f64 i8 i16 i32 i64 u8 u32 bool.
"""

EPILOG = """\
examples:
  python -m tessera inspect kernels.py:vector_add --stage sass --target sm_90
  python -m tessera inspect kernels.py:matmul --args "f32[512,512],f32[512,512],f32[512,512],32" --stage ptx
  python -m tessera inspect kernels.py:matmul --args "f32[64,64],f32[64,64],f32[64,64]" --config TILE=32 --resources
  python -m tessera inspect kernels.py:vector_add --stage sass --line 12   (only what line 12 became)
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tessera inspect", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kernel", metavar="FILE.py:KERNEL", help="the file defining the kernel, and its name")
    p.add_argument("--stage", default="sass", choices=STAGES, help="what to print (default: sass)")
    p.add_argument("--target", default=None, help="compute capability: sm_75, sm_80, sm_86, sm_87, sm_89, sm_90, "
                                                   "sm_100, sm_120 (default: this machine's GPU, else sm_90)")
    p.add_argument("--args", default=None, help='argument types, e.g. "f32[1024],f32[1024],f32[1024]"')
    p.add_argument("--config", action="append", default=[], metavar="NAME=VALUE",
                   help="a compile-time value (constexpr or ts.autotune.get_param), repeatable")
    p.add_argument("--block", default=None, metavar="X[,Y[,Z]]",
                   help="threads per block, for kernels whose block cannot be inferred (e.g. 16,16)")
    p.add_argument("--resources", action="store_true", help="also print registers, shared memory, occupancy")
    p.add_argument("--line", type=int, default=None,
                   help="print only the lines of the stage that came from this line of FILE")
    return p


def load_kernel(spec: str):
    """`path/to/file.py:name` -> the ts.kernel object `name` defined in that file."""
    path, sep, name = spec.rpartition(":")
    if not sep or not path or not name:
        raise TesseraError(f"cannot read {spec!r} as FILE.py:KERNEL", hint="python -m tessera inspect kernels.py:vector_add")
    file = Path(path)
    if not file.is_file():
        raise TesseraError(f"no such file: {path}", hint="give the path of the .py file that defines the kernel")
    sys.path.insert(0, str(file.resolve().parent))
    mod_name = f"_tessera_cli_{file.stem}"
    mod_spec = importlib.util.spec_from_file_location(mod_name, file)
    module = importlib.util.module_from_spec(mod_spec)
    sys.modules[mod_name] = module
    mod_spec.loader.exec_module(module)
    k = getattr(module, name, None)
    if not getattr(k, "__tessera_kernel__", False):
        kernels = [n for n, v in vars(module).items() if getattr(v, "__tessera_kernel__", False)]
        raise TesseraError(f"{path} defines no kernel named {name!r}",
                           hint=f"one of: {', '.join(kernels)}" if kernels else "decorate it with @ts.kernel")
    return k


def default_args(kernel) -> list:
    """One placeholder per parameter: 1024 per symbolic dimension; a constexpr is an error."""
    out = []
    for p in kernel.ir.params:
        if p.kind == "tensor":
            dims = ",".join(str(d) if isinstance(d, int) else "1024" for d in p.dims)
            out.append(parse_arg(f"{p.dtype.name}[{dims}]"))
        elif p.kind == "scalar":
            out.append(parse_arg(p.dtype.name))
        else:
            names = ", ".join(q.name for q in kernel.ir.params)
            raise TesseraError(f"{kernel.name} has a constexpr parameter '{p.name}': its value must be given",
                               hint=f'--args "..." with one entry per parameter ({names}), e.g. 16 for {p.name}')
    return out


def _config(items: list) -> dict:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise TesseraError(f"cannot read --config {item!r}", hint="--config TILE=32")
        out[name.strip()] = parse_arg(value)
    return out


def _block(text):
    if text is None:
        return None
    try:
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        raise TesseraError(f"cannot read --block {text!r}", hint="--block 256 or --block 16,16") from None


def main(argv=None) -> int:
    ns = build_parser().parse_args(argv)
    try:
        k = load_kernel(ns.kernel)
        args = parse_arg_list(ns.args) if ns.args is not None else default_args(k)
        insp = k.inspect(*args, target=ns.target, config=_config(ns.config), block=_block(ns.block))
        text = insp[ns.stage]
        if ns.line is not None:
            lines = text.splitlines()
            keep = insp.lines_for(ns.stage, ns.line)
            text = "\n".join(f"{n:>6}  {lines[n - 1]}" for n in keep)
            if not keep:
                text = f"(no line of the {ns.stage} stage came from line {ns.line})"
        print(text.rstrip("\n"))
        if ns.resources:
            print()
            print(insp.summary())
    except TesseraError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `... | head`: the reader has what it wanted; quietly stop (and keep Python from printing at exit)
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0
