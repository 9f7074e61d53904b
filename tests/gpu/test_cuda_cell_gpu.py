"""CUDA C cells on a real GPU: compiled for the local architecture, launched through cuda.core on NumPy
arrays (copied in and out), ts.Tensors, numba and PyTorch arrays (in place), with scalars typed from the
C signature; the %%cuda magic binding a callable, and a %%tessera cell on the cuda backend."""

import numpy as np
import pytest

import tessera as ts
from tessera.errors import KernelTypeError, LaunchError
from tessera.notebook.cuda_cell import compile_cuda

pytestmark = pytest.mark.gpu

SAXPY = '''
extern "C" __global__ void saxpy(const float* x, float* y, float a, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * x[i] + y[i];
}
'''

REVERSE = '''
__global__ void reverse(double* x, int n) {
    extern __shared__ double tile[];
    int t = threadIdx.x;
    tile[t] = x[t];
    __syncthreads();
    if (t < n) x[t] = tile[n - 1 - t];
}
'''


def local_arch():
    from numba import cuda
    major, minor = cuda.get_current_device().compute_capability
    return f"sm_{major}{minor}"


def test_compiles_for_this_gpu_and_launches_on_numpy_arrays():
    k = compile_cuda(SAXPY)
    assert k.arch == local_arch() and k.can_launch
    n = 1000
    x = np.arange(n, dtype=np.float32)
    y = np.ones(n, np.float32)
    k(x, y, 2.0, n, grid=(n + 255) // 256, block=256)
    np.testing.assert_array_equal(y, 2 * np.arange(n, dtype=np.float32) + 1)
    np.testing.assert_array_equal(x, np.arange(n, dtype=np.float32))


def test_device_arrays_are_used_in_place():
    from numba import cuda
    k = compile_cuda(SAXPY)
    n = 4096
    x = ts.from_numpy(np.full(n, 3.0, np.float32))
    y = ts.from_numpy(np.ones(n, np.float32))
    before = y.numpy().copy()  # a cached host copy, which the launch must invalidate
    k(x, y, 0.5, n, grid=n // 128, block=128)
    np.testing.assert_array_equal(before, 1.0)
    np.testing.assert_array_equal(y.numpy(), 2.5)
    d = cuda.to_device(np.ones(n, np.float32))
    k(x, d, 1.0, n, grid=n // 128, block=128)
    np.testing.assert_array_equal(d.copy_to_host(), 4.0)


def test_torch_tensors_and_streams():
    torch = pytest.importorskip("torch")
    k = compile_cuda(SAXPY)
    x = torch.arange(100, dtype=torch.float32, device="cuda")
    y = torch.zeros(100, dtype=torch.float32, device="cuda")
    s = torch.cuda.Stream()
    k(x, y, 3.0, 100, grid=1, block=128, stream=s)
    s.synchronize()
    assert torch.equal(y, 3 * x)
    with pytest.raises(KernelTypeError, match="strided view"):
        k(x[::2], y[:50], 1.0, 50, grid=1, block=64)


def test_dynamic_shared_memory_and_a_ts_stream():
    k = compile_cuda(REVERSE)
    assert k.entry.startswith("_Z")
    x = np.arange(64, dtype=np.float64)
    s = ts.Stream()
    k(x, 64, grid=1, block=64, shared_mem=64 * 8, stream=s)
    np.testing.assert_array_equal(x, np.arange(64, dtype=np.float64)[::-1])


def test_arguments_are_checked_against_the_c_signature():
    k = compile_cuda(SAXPY)
    x = np.zeros(8, np.float32)
    with pytest.raises(KernelTypeError,
                       match=r"argument 'y' \(float\*\) points to float32 but the array holds float64"):
        k(x, np.zeros(8), 1.0, 8, grid=1, block=8)
    with pytest.raises(KernelTypeError, match=r"argument 'n' \(int\) needs an int, got float 8.0") as err:
        k(x, x, 1.0, 8.0, grid=1, block=8)
    assert "Write instead: pass int(n)" in str(err.value)
    with pytest.raises(LaunchError, match="saxpy takes 4 arguments, got 3"):
        k(x, x, 1.0, grid=1, block=8)
    with pytest.raises(LaunchError, match=r"(cannot launch|the launch of) saxpy"):
        k(x, x, 1.0, 8, grid=1, block=2048)


def test_launcher_for_timing_loops():
    k = compile_cuda(SAXPY)
    x = ts.from_numpy(np.ones(256, np.float32))
    y = ts.zeros(256)
    run = k.launcher(x, y, 1.0, 256, grid=2, block=128)
    np.testing.assert_array_equal(y.numpy(), 0.0)   # caches a host copy, which the launches make stale
    for _ in range(3):
        run()
    ts.synchronize()
    np.testing.assert_array_equal(y.numpy(), 3.0)
    with pytest.raises(KernelTypeError, match="a timed launch copies nothing"):
        k.launcher(np.ones(256, np.float32), y, 1.0, 256, grid=2, block=128)


def test_older_arch_of_another_major_cannot_launch():
    k = compile_cuda(SAXPY, arch="sm_75")
    assert not k.can_launch
    with pytest.raises(ts.BackendError, match="compiled for sm_75"):
        k(np.zeros(1, np.float32), np.zeros(1, np.float32), 1.0, 1, grid=1, block=1)


def test_cuda_magic_binds_a_launchable_kernel():
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "tessera")
    with capture_output() as out:
        shell.run_cell_magic("cuda", "--name gpu_saxpy", SAXPY)
    k = shell.user_ns["gpu_saxpy"]
    assert k.arch == local_arch() and k.can_launch
    assert "launch: kernel(*args, grid=..., block=...)" in out.outputs[0].data["text/plain"]
    with capture_output():
        result = shell.run_cell("import numpy as np\nyy = np.zeros(10, np.float32)\n"
                                "gpu_saxpy(np.ones(10, np.float32), yy, 4.0, 10, grid=1, block=32)\n")
    assert result.error_in_exec is None
    np.testing.assert_array_equal(shell.user_ns["yy"], 4.0)


def test_tessera_magic_compiles_and_runs_on_the_cuda_backend():
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "tessera")
    cell = '''import numpy as np
import tessera as ts

def gpu_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < a.shape[0]:
        c[i] = a[i] + b[i]

a = np.arange(5000, dtype=np.float32)
c = np.zeros_like(a)
gpu_add(a, a, c)
c[:3]
'''
    with capture_output() as out:
        value = shell.run_cell_magic("tessera", "--backend cuda", cell)
    np.testing.assert_array_equal(value, [0.0, 2.0, 4.0])
    assert [s[0] for s in shell.user_ns["gpu_add"].specializations] == ["cuda"]
    text = out.outputs[0].data["text/plain"]
    assert f"(registers on {local_arch()})" in text and " cuda " in text
