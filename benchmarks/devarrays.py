"""Device arrays from whichever library the machine has (torch, cupy, numba).

Benchmarks hand these to every implementation so that no host copy is timed.
All three export ``__cuda_array_interface__``, which is how Tessera takes them
zero-copy and how the CUDA C launcher gets raw pointers.
"""

from __future__ import annotations

import importlib.util

import numpy as np

KINDS = ("torch", "cupy", "numba")


def default_kind() -> str:
    for kind in ("torch", "cupy"):
        if importlib.util.find_spec(kind) is not None:
            return kind
    return "numba"


class DeviceArrays:
    """to_device / empty_like / to_host / zero for one array library."""

    def __init__(self, kind: str):
        if kind not in KINDS:
            raise ValueError(f"unknown array library {kind!r}; choose one of {KINDS}")
        self.kind = kind
        if kind == "torch":
            import torch

            self._lib = torch
        elif kind == "cupy":
            import cupy

            self._lib = cupy
        else:
            from numba import cuda

            self._lib = cuda

    def to_device(self, x: np.ndarray):
        if self.kind == "torch":
            return self._lib.from_numpy(x).to("cuda")
        if self.kind == "cupy":
            return self._lib.asarray(x)
        return self._lib.to_device(x)

    def empty_like(self, x):
        if self.kind == "numba":
            return self._lib.device_array_like(x)
        return self._lib.empty_like(x)

    def to_host(self, x) -> np.ndarray:
        if self.kind == "torch":
            return x.cpu().numpy()
        if self.kind == "cupy":
            return self._lib.asnumpy(x)
        return x.copy_to_host()

    def zero(self, x) -> None:
        if self.kind == "torch":
            x.zero_()
        elif self.kind == "cupy":
            x.fill(0)
        else:
            from numba.cuda.cudadrv.driver import device_memset

            device_memset(x, 0, x.nbytes)


def device_pointer(x) -> int:
    return int(x.__cuda_array_interface__["data"][0])
