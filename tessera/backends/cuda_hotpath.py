"""One straight-line Python function per cached specialization: check, pack and launch.

The general cached path (runtime/fastpath.py) walks lists of checks and calls
a handful of small functions per launch; on an H100 host that was about 4 us
of the 11 us a launch cost. This module writes, for one specialization and
one kind of arguments (the fingerprint), a function that does only what that
case needs, with every loop unrolled and every constant inlined:

- the arguments are of the same kinds as when the entry was made (ts.Tensor,
  torch tensor, numba device array; scalar types), and the backend context,
  manual memory management and profiler state are unchanged;
- shape symbols agree, fixed sizes match, sizes fit 32-bit indexing;
- constexpr arguments have their specialized values;

then it computes the grid, packs numba's argument ABI into the kernel's
parameter block and calls cuLaunchKernel. Anything else returns False and the
caller takes the general path, which raises the proper error.

Example::

    >>> from tessera.backends.cuda_hotpath import scalar_type_ok
    >>> scalar_type_ok("i", int), scalar_type_ok("i", float)
    (True, False)
"""

from __future__ import annotations

import ctypes

import numpy as np

from ..frontend import ir
from ..runtime import memory, stream as _stream
from ..runtime.tensor import Tensor
from .. import settings
from .codegen import _host_expr

_I32_LIMIT = 2**31 - 1
_INT_RANGE = {"int8": (-2**7, 2**7 - 1), "int16": (-2**15, 2**15 - 1), "int32": (-2**31, 2**31 - 1),
              "int64": (-2**63, 2**63 - 1), "uint8": (0, 2**8 - 1), "uint32": (0, 2**32 - 1)}


def scalar_type_ok(kind: str, t: type) -> bool:
    """Whether a scalar of Python/NumPy type `t` passes to a parameter of dtype kind `kind` unchanged in meaning."""
    if kind == "b":
        return t is bool or t is np.bool_
    if t is bool or t is np.bool_:
        return False
    if kind in "iu":
        return t is int or issubclass(t, np.integer)
    return t in (int, float) or issubclass(t, (np.integer, np.floating))


def _numba_key(a):
    return (type(a), a.dtype.num, a.ndim, a.is_c_contiguous())


def make_hot_launcher(typed: ir.Kernel, plan, fp: tuple, consts: dict, block: tuple, written: tuple, fast,
                      backend_ctx, profiled=None, cupti_record=None):
    """The specialized launcher `hot(args, stream) -> bool`, or None where this case is not covered.

    `fast` is the specialization's FastLaunch (parameter block, lock, function
    handle); `written` the positions (among value arguments) the kernel writes;
    `backend_ctx` the (use_backend context, TESSERA_BACKEND) the entry was made under, or None
    where the kernel names its own backend. `profiled(grid, args, stream, launch, values)`, where
    given, runs `launch(grid, block, values, stream)` and records it while a profile records;
    `cupti_record(t0, t1, args, stream, grid)`, where given, files a launch CUPTI times (the
    launcher then launches inline between two host clock reads).
    """
    from . import cuda_launch, _current
    g = {"Tensor": Tensor, "np": np, "NULL": ctypes.c_void_p(0), "FUNC": ctypes.c_void_p(fast._func),
         "LAUNCH": fast._launch_raw, "LOCK": fast._lock, "PACK": fast._fmt.pack_into, "BUF": fast._buf,
         "PTRS": fast._ptrs, "ctx_get": _current.get,
         "settings": settings, "manual_get": memory._manual.get, "MANUAL": memory._manual.get(),
         "stream_get": _stream.current_stream, "stream_ptr": _stream_handle, "fail": cuda_launch.launch_failed,
         "PROFILING": _profile_hooks(), "PROFILED": profiled, "RECORD": cupti_record,
         "NOW": __import__("time").perf_counter, "ENTRY": getattr(fast, "entry_name", None),
         "numba_key": _numba_key, "abi_params": cuda_launch.abi_params}
    params = typed.params
    n = len(params)
    if len(fp) != n:
        return None
    pos = {p.name: i for i, p in enumerate(params)}
    body = [f"    if len(args) != {n}:", "        return False"]
    body.append(f"    {', '.join(f'x{i}' for i in range(n))}{',' if n == 1 else ''} = args")
    if backend_ctx is not None:
        g["CTX"], g["SB"] = backend_ctx
        body += ["    if ctx_get() != CTX or settings._backend != SB:", "        return False"]
    body += ["    if manual_get() is not MANUAL:", "        return False"]
    packed = []
    for i, (p, key) in enumerate(zip(params, fp)):
        if p.kind == "tensor":
            if isinstance(key, tuple) and key and key[0] == "ts.Tensor":
                if key[3] != 0:
                    return None  # a cpu tensor: host memory to move
                g[f"K{i}"] = key
                body += [f"    if x{i}.__class__ is not Tensor:", "        return False",
                         f"    i{i} = x{i}._launch_cache",
                         f"    if i{i} is None:",
                         f"        i{i} = x{i}._launch_info()",
                         f"    if i{i} is None or i{i}[0] is not K{i} or x{i}._storage.freed:",
                         "        return False", f"    q{i} = i{i}[1]"]
            elif isinstance(key, tuple) and getattr(key[0], "__module__", "").startswith("torch"):
                T, dtype, nd, contiguous, device = key
                if device != "cuda":
                    return None
                # torch's accessors are C calls; its __cuda_array_interface__ is built in Python per access.
                g[f"T{i}"], g[f"D{i}"] = T, dtype
                size = dtype.itemsize
                cond = f"x{i}.dim() != {nd} or not x{i}.is_cuda or x{i}.is_contiguous() is not {contiguous}"
                body += [f"    if x{i}.__class__ is not T{i} or x{i}.dtype is not D{i} or {cond}:",
                         "        return False",
                         f"    s{i} = x{i}.shape", f"    t{i} = x{i}.stride()",
                         f"    q{i} = (0, 0, x{i}.numel(), {size}, x{i}.data_ptr(), "
                         + "".join(f"s{i}[{a}], " for a in range(nd))
                         + "".join(f"t{i}[{a}] * {size}, " for a in range(nd)) + ")"]
            elif isinstance(key, tuple) and hasattr(key[0], "device_ctypes_pointer"):
                g[f"K{i}"], g[f"T{i}"] = key, key[0]
                body += [f"    if x{i}.__class__ is not T{i} or numba_key(x{i}) != K{i}:", "        return False",
                         f"    q{i} = abi_params(x{i})"]
            else:
                return None  # NumPy arrays are copied in and out: the general path does that
            packed.append(f"*q{i}")
        elif p.kind == "scalar":
            if not isinstance(key, type) or not scalar_type_ok(p.dtype.kind, key):
                return None
            g[f"T{i}"] = key
            body += [f"    if x{i}.__class__ is not T{i}:", "        return False"]
            name = p.dtype.numpy.name
            if name in _INT_RANGE:
                lo, hi = _INT_RANGE[name]
                body += [f"    if not {lo} <= x{i} <= {hi}:", "        return False"]
                packed.append(f"x{i}")
            elif name in ("float32", "float16"):
                # struct refuses a float32 slot for a value past its range; NumPy's cast gives inf as numba would.
                g[f"C{i}"] = p.dtype.numpy.type
                packed.append(f"C{i}(x{i})")
            else:
                packed.append(f"x{i}")
        else:
            g[f"V{i}"] = consts[p.name]
            body += [f"    if x{i} != V{i}:", "        return False"]
    # Shape checks, in the order the general path makes them.
    seen = {}
    for i, p in enumerate(params):
        if p.kind != "tensor":
            continue
        for ax, d in enumerate(p.dims):
            v = f"q{i}[{5 + ax}]"
            body += [f"    if {v} > {_I32_LIMIT}:", "        return False"]
            if isinstance(d, int):
                body += [f"    if {v} != {d}:", "        return False"]
            elif d in seen:
                body += [f"    if {v} != {seen[d]}:", "        return False"]
            else:
                seen[d] = v
    if any(x is None for x in plan.grid):
        return None
    grid = [_host_expr(x, typed, shape=lambda t, ax: f"q{pos[t]}[{5 + ax}]", name=lambda s: f"x{pos[s]}")
            for x in plan.grid]
    body += [f"    g{k} = {e}" for k, e in enumerate(grid)]
    body += ["    if g0 == 0 or g1 == 0 or g2 == 0:", "        return True"]
    body += ["    if stream is None:", "        stream = stream_get()"]
    launch = ["    s = NULL if stream is None else stream_ptr(stream)",
              "    with LOCK:",
              f"        PACK(BUF, 0, {', '.join(packed)})",
              f"        err = LAUNCH(FUNC, g0, g1, g2, {block[0]}, {block[1]}, {block[2]}, 0, s, PTRS, None)",
              "    if err:", "        fail(err)"]
    if profiled is not None:
        # The profiler times the launch between its events: hand it the same packing as a function.
        # With CUPTI there are no events: launch here and file the record (the common profiled case).
        cupti = ["        t0 = NOW()"] + ["    " + line for line in launch] + [
            "        RECORD(t0, NOW(), args, stream, (g0, g1, g2))"] if cupti_record is not None else []
        body += ["    if PROFILING.active:"]
        if cupti:
            body += ["      if PROFILING._tracer is not None and PROFILING._nvtx is None and ENTRY is not None:"]
            body += ["  " + line for line in cupti]
            body += ["      else:"]
            body += [f"          PROFILED((g0, g1, g2), args, stream, go, "
                     f"({', '.join(x.lstrip('*') for x in packed)},))"]
        else:
            body += [f"        PROFILED((g0, g1, g2), args, stream, go, "
                     f"({', '.join(x.lstrip('*') for x in packed)},))"]
        body += ["    else:"] + ["    " + line for line in launch]
    else:
        body += launch
    value_pos = [i for i, p in enumerate(params) if p.kind != "constexpr"]
    for w in written:
        i = value_pos[w]
        if isinstance(fp[i], tuple) and fp[i][0] == "ts.Tensor":
            # Tensor._mark_written: the host copies of this memory are stale now.
            body.append(f"    x{i}._storage.version += 1")
    body.append("    return True")
    src = "def hot(args, stream):\n" + "\n".join(body) + "\n"
    if profiled is not None:
        # go(grid, block, values, stream): values are what hot packs, in order (tensors as ABI tuples).
        unpack = ", ".join(f"*v[{k}]" if p.startswith("*") else f"v[{k}]" for k, p in enumerate(packed))
        src += "\n\ndef go(g, blk, v, stream):\n" + "\n".join(launch).replace(
            "g0, g1, g2", "g[0], g[1], g[2]").replace(", ".join(packed), unpack) + "\n"
    exec(compile(src, f"<tessera launch {typed.name}>", "exec"), g)
    hot = g["hot"]
    hot.source = src
    return hot


def _profile_hooks():
    from ..profile import hooks
    return hooks


def _stream_handle(stream) -> ctypes.c_void_p:
    return ctypes.c_void_p(_stream.cu_stream(stream))
