"""Correctness per config: argument snapshots, NaN-filled outputs, comparison with a reference.

Before each config runs, the arguments the kernel writes get their original
values back (an in-place kernel sees the same input every time); outputs the
kernel only writes are filled with NaN, so a config that leaves part of an
output unwritten cannot pass as correct; `reset_to_zero` arguments (kernels
that accumulate) are zeroed. After the sweep every written argument holds its
original value again, and the chosen config runs on it for real.

Works on NumPy arrays, ts.Tensors and GPU arrays (__cuda_array_interface__:
PyTorch, CuPy, numba); device buffers are filled with a memset (all-ones bytes
are a NaN in every float format), not through the host.

Example::

    >>> import numpy as np
    >>> out = np.zeros(4, np.float32)
    >>> fill(out, "nan"); out
    array([nan, nan, nan, nan], dtype=float32)
    >>> compare("out", np.array([1, 2, np.nan, 4], np.float32), np.arange(1, 5, dtype=np.float32), 1e-5, 1e-5)
    'out: 1 of 4 elements still NaN (never written), first at (2,)'
"""

from __future__ import annotations

import numpy as np

from ..frontend import ir
from ..runtime.tensor import Tensor

TOLERANCE = {"f16": (1e-2, 1e-2), "bf16": (2e-2, 2e-2), "f32": (1e-3, 1e-3), "f64": (1e-9, 1e-9)}


def read_tensors(kernel: ir.Kernel) -> set:
    """Names of tensor parameters the kernel reads (loads, async copies, atomics)."""
    out = set()
    for n in ir.walk(kernel.body):
        if isinstance(n, ir.Load):
            out.add(n.tensor)
        elif isinstance(n, ir.CopyAsync):
            out.add(n.src)
        elif isinstance(n, ir.Intrinsic) and n.name.startswith("atomic_"):
            out.add(n.args[0].tensor)  # an atomic reads what it updates
    return out


def _device_view(x):
    """A numba device array over `x`'s GPU memory, or None for host memory."""
    if isinstance(x, np.ndarray) or isinstance(x, Tensor) and x._kind != 0:
        return None
    if hasattr(x, "__cuda_array_interface__"):
        from numba import cuda
        return cuda.as_cuda_array(x)
    return None


def _host_array(x):
    """The writable host array behind `x`, or None for device memory."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, Tensor) and x._kind != 0:
        return x._host  # cpu and simulated tensors: the storage kernels write in place
    return None


def to_host(x) -> np.ndarray:
    """A host copy of `x`'s values."""
    h = _host_array(x)
    if h is not None:
        return np.array(h, copy=True)
    return np.ascontiguousarray(_device_view(x).copy_to_host())


def _mark(x):
    if isinstance(x, Tensor):
        x._mark_written()  # its cached host copy is stale now


def restore(x, values: np.ndarray) -> None:
    """Write `values` (a host array of x's shape) back into `x`."""
    h = _host_array(x)
    if h is not None:
        h[...] = values
    else:
        dv = _device_view(x)
        dv.copy_to_device(np.ascontiguousarray(values).reshape(dv.shape))
    _mark(x)


def fill(x, what: str) -> None:
    """Fill `x` with NaN (what="nan", float arrays) or zeros (what="zero")."""
    h = _host_array(x)
    if h is not None:
        h[...] = np.nan if what == "nan" else 0
        _mark(x)
        return
    dv = _device_view(x)
    if dv.is_c_contiguous():
        from numba.cuda.cudadrv.driver import device_memset
        device_memset(dv, 0xFF if what == "nan" else 0, dv.nbytes)
        from numba import cuda
        cuda.synchronize()
    else:
        dv.copy_to_device(np.full(dv.shape, np.nan if what == "nan" else 0, dv.dtype))
    _mark(x)


def zero_filler(x):
    """A cheap callable that zeroes `x`, for every benchmark rep of an accumulating kernel.

    On the GPU it is an asynchronous memset on the legacy default stream, ordered
    before the kernel without blocking the host (a sync would be timed)."""
    h = _host_array(x)
    if h is not None:
        return lambda: h.fill(0)
    dv = _device_view(x)
    if not dv.is_c_contiguous():
        return lambda: fill(x, "zero")
    from numba import cuda
    from numba.cuda.cudadrv.driver import device_memset
    stream = cuda.legacy_default_stream()
    return lambda: device_memset(dv, 0, dv.nbytes, stream=stream)


def unwritten(name: str, got: np.ndarray) -> str | None:
    """What is wrong with an output still holding NaN where no reference says what it should hold."""
    miss = np.isnan(got)
    if not miss.any():
        return None
    first = tuple(int(i) for i in np.argwhere(miss)[0])
    return f"{name}: {int(miss.sum())} of {got.size} elements still NaN (never written), first at {first}"


def to_device_copy(x):
    """A numba device array holding a copy of host array `x` (the cuda backend times device memory)."""
    from numba import cuda
    return cuda.to_device(np.ascontiguousarray(x))


def as_numpy(x) -> np.ndarray:
    """A host array of a reference's result: NumPy, ts.Tensor, PyTorch (CPU or GPU), any GPU array."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, Tensor) or _device_view(x) is not None:
        return to_host(x)
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        return x.detach().cpu().numpy()  # a CPU torch tensor (no __cuda_array_interface__)
    return np.asarray(x)


def compare(name: str, got: np.ndarray, want, rtol: float, atol: float) -> str | None:
    """None when `got` matches `want` to the tolerance, else what is wrong (for the results table)."""
    want = as_numpy(want)
    if want.shape != got.shape:
        return f"{name}: the reference gave shape {want.shape}, the kernel writes {got.shape}"
    if got.dtype.kind in "fc":
        g, w = got.astype(np.float64, copy=False), want.astype(np.float64, copy=False)
        unwritten = np.isnan(g) & ~np.isnan(w)
        if unwritten.any():
            first = tuple(int(i) for i in np.argwhere(unwritten)[0])
            return (f"{name}: {int(unwritten.sum())} of {g.size} elements still NaN (never written), "
                    f"first at {first}")
        bad = ~(np.abs(g - w) <= atol + rtol * np.abs(w)) & ~(np.isnan(g) & np.isnan(w))
    else:
        g, w = got, want
        bad = g != w
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        err = float(np.max(np.abs(g[bad].astype(np.float64) - w[bad].astype(np.float64))))
        return (f"{name}: {int(bad.sum())} of {g.size} elements differ from the reference "
                f"(max abs error {err:.3g}), first at {first}")
    return None


def expected_outputs(reference, host_args: list, written: list) -> dict:
    """Run the user's reference on host copies of the original arguments.

    It may return the expected output (one written tensor), a tuple in the order
    of the written tensors, a dict by name, or None after writing its outputs
    into the arrays it was given, as the kernel does."""
    got = reference(*host_args)
    names = [n for n, _ in written]
    if got is None:
        return {n: host_args[i] for n, i in written}
    if isinstance(got, dict):
        return {n: got[n] for n in names if n in got}
    if isinstance(got, (tuple, list)) and len(names) != 1:
        return dict(zip(names, got))
    return {names[0]: got}
