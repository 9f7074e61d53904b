"""Peak bandwidth and compute of the GPUs a roofline is drawn against.

Datasheet values (dense, no sparsity). A measured peak, where one has been
registered with `set_measured` (or measured on this GPU with
`measure_bandwidth`), is preferred over the datasheet: a roofline drawn
against what the memory system really delivers says more.

Example::

    >>> from tessera.profile.peaks import peaks_for
    >>> p = peaks_for("H200")
    >>> p["bandwidth_gbs"], p["fp32_gflops"]
    (4800.0, 67000.0)
    >>> peaks_for("H100-SXM", {"bandwidth_gbs": 3000.0})["bandwidth_gbs"]
    3000.0
"""

from __future__ import annotations

from ..errors import TesseraError

PEAKS = {
    "H100-SXM":  {"bandwidth_gbs": 3350.0, "fp32_gflops": 67000.0, "fp16_tensor_gflops": 989400.0},
    "H100-PCIe": {"bandwidth_gbs": 2000.0, "fp32_gflops": 51000.0, "fp16_tensor_gflops": 756000.0},
    "H100-NVL":  {"bandwidth_gbs": 3900.0, "fp32_gflops": 60000.0, "fp16_tensor_gflops": 835000.0},
    "H200":      {"bandwidth_gbs": 4800.0, "fp32_gflops": 67000.0, "fp16_tensor_gflops": 989400.0},
    "A100-SXM":  {"bandwidth_gbs": 2039.0, "fp32_gflops": 19500.0, "fp16_tensor_gflops": 312000.0},
}
DEFAULT_DEVICE = "H100-SXM"
_measured: dict = {}


def device_key(gpu_name: str) -> str | None:
    """The PEAKS entry for a GPU's marketing name ("NVIDIA H100 80GB HBM3" -> "H100-SXM")."""
    n = gpu_name.upper()
    if "H200" in n:
        return "H200"
    if "H100" in n:
        return "H100-PCIe" if "PCIE" in n else "H100-NVL" if "NVL" in n else "H100-SXM"
    if "A100" in n:
        return "A100-SXM"
    return None


def local_device() -> str | None:
    """The PEAKS entry of this machine's GPU, or None (no GPU, or one not in the table)."""
    from ..runtime.memory import gpu_available
    if not gpu_available():
        return None
    from numba import cuda
    name = cuda.get_current_device().name
    return device_key(name.decode() if isinstance(name, bytes) else str(name))


def set_measured(device: str, **values) -> None:
    """Register measured peaks for `device` (e.g. bandwidth_gbs=3010.0); rooflines prefer them."""
    _measured.setdefault(device, {}).update({k: float(v) for k, v in values.items()})


def peaks_for(device: str, overrides: dict | None = None) -> dict:
    """Datasheet peaks of `device`, then measured ones, then `overrides` (each wins over the previous)."""
    if device not in PEAKS and not (overrides and "bandwidth_gbs" in overrides and "fp32_gflops" in overrides):
        raise TesseraError(f"no peak numbers for device {device!r}",
                           hint=f"one of: {', '.join(PEAKS)}, or pass peaks={{'bandwidth_gbs': ..., "
                                f"'fp32_gflops': ...}}")
    out = dict(PEAKS.get(device, {}))
    out.update(_measured.get(device, {}))
    out.update({k: float(v) for k, v in (overrides or {}).items()})
    return out


def measure_bandwidth(nbytes: int = 1 << 30, reps: int = 10) -> float:
    """Device-to-device copy bandwidth of this GPU in GB/s (bytes read + written), registered as measured."""
    import numpy as np
    from numba import cuda
    a = cuda.device_array(nbytes // 4, np.float32)
    b = cuda.device_array(nbytes // 4, np.float32)
    b.copy_to_device(a)
    start, end = cuda.event(), cuda.event()
    start.record()
    for _ in range(reps):
        b.copy_to_device(a)
    end.record()
    end.synchronize()
    gbs = 2.0 * nbytes * reps / (cuda.event_elapsed_time(start, end) / 1e3) / 1e9
    dev = local_device()
    if dev is not None:
        set_measured(dev, bandwidth_gbs=gbs)
    return gbs
