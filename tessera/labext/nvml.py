"""The GPUs the Jupyter server sees, read through NVML (nvidia-ml-py), for the side panel.

`devices()` returns `{"devices": [...], "backend": ..., "message": ...}`: one dict
per GPU (index, name, compute capability, total and used memory in bytes, driver
version), the backend kernels get by default ("cuda" with a GPU, else "cpu"),
and, without a GPU, a message saying so. NVML being absent (no driver, no
library) is the ordinary no-GPU case, not an error; its reason is kept in
`nvml_error` for the curious.

Example::

    >>> from tessera.labext.nvml import devices
    >>> info = devices()
    >>> info["backend"] in ("cuda", "cpu")
    True
    >>> info["message"] if not info["devices"] else "no GPU: CPU backend"
    'no GPU: CPU backend'
"""

from __future__ import annotations

NO_GPU = "no GPU: CPU backend"


def _text(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def devices() -> dict:
    """What NVML reports about each GPU, or the no-GPU answer (see the module doc)."""
    try:
        import pynvml
    except ImportError as e:
        return _none(f"nvidia-ml-py is not installed ({e})")
    try:
        pynvml.nvmlInit()
    except Exception as e:  # pynvml.NVMLError and its many subclasses: no driver, no library
        return _none(f"NVML did not start: {e}")
    try:
        driver = _text(pynvml.nvmlSystemGetDriverVersion())
        out = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            major, minor = pynvml.nvmlDeviceGetCudaComputeCapability(h)
            mem = pynvml.nvmlDeviceGetMemoryInfo(h)
            out.append({"index": i, "name": _text(pynvml.nvmlDeviceGetName(h)),
                        "compute_capability": f"{major}.{minor}", "memory_total_bytes": int(mem.total),
                        "memory_used_bytes": int(mem.used), "driver": driver})
    except Exception as e:
        return _none(f"NVML failed while listing devices: {e}")
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass
    if not out:
        return _none("NVML sees no devices")
    return {"devices": out, "backend": "cuda", "message": None, "nvml_error": None}


def _none(why: str) -> dict:
    return {"devices": [], "backend": "cpu", "message": NO_GPU, "nvml_error": why}
