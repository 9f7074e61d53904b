# Analyzer corpus: custom autograd functions, and a CUDA extension built at import time.
# expect modules: ScaledReLU@32
# expect autograd_functions: MyReLU@13 Scale@25
# expect cuda_extensions: cpp_extension.load@10 cpp_extension.load_inline@41
# expect imports: torch
import torch
from torch.autograd import Function
from torch.utils.cpp_extension import load, load_inline

_ext = load(name="relu_ext", sources=["relu.cpp", "relu_kernel.cu"], verbose=False)


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _ext.forward(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return _ext.backward(grad, x)


class Scale(Function):
    @staticmethod
    def forward(ctx, x, s):
        ctx.s = s
        return x * s


class ScaledReLU(torch.nn.Module):
    def forward(self, x):
        return Scale.apply(MyReLU.apply(x), 2.0)


CUDA_SRC = "__global__ void k(float* a) { a[threadIdx.x] = 0; }"


def inline_ext():
    return load_inline(name="inline_ext", cpp_sources="", cuda_sources=CUDA_SRC)
