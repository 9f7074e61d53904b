"""The notebook workbench: IPython magics, CUDA C cells, and the views that draw kernels.

| module | what |
|---|---|
| magics.py | `%%tessera` and `%%cuda`, registered by `%load_ext tessera` |
| cuda_cell.py | `compile_cuda`, `CudaKernel`: CUDA C through NVRTC, inspected anywhere, launched on a GPU |
| views/ | widgets: IR, autotune, profile, CUDA C side by side with Tessera |

Nothing is imported here until asked for, so that `import tessera` never pulls in IPython.

Example::

    >>> from tessera.notebook import compile_cuda
    >>> compile_cuda('__global__ void zero(float* x) { x[threadIdx.x] = 0.0f; }', arch="sm_90")
    <ts.cuda zero(float* x) sm_90>
"""

_LAZY = {"compile_cuda": "cuda_cell", "CudaKernel": "cuda_cell", "TesseraMagics": "magics",
         "load_ipython_extension": "magics"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
