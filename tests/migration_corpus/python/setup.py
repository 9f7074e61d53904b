# Analyzer corpus: a CUDA extension built by setuptools.
# expect cuda_extensions: CUDAExtension@10 BuildExtension@11
# expect imports: setuptools torch
from setuptools import setup
from torch.utils.cpp_extension import BuildExtension, CUDAExtension

setup(
    name="relu_ext",
    ext_modules=[
        CUDAExtension("relu_ext", ["relu.cpp", "relu_kernel.cu"]),
    ], cmdclass={"build_ext": BuildExtension},
)
