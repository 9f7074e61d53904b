"""Real device tensors: round trips, zero-copy interop with PyTorch and CuPy, streams, events, OOM."""

import gc

import numpy as np
import pytest

import tessera as ts
from tessera.errors import DeviceMemoryError
from tessera.runtime import memory

pytestmark = pytest.mark.gpu


def test_device_tensors_are_real():
    t = ts.zeros(4)
    assert not t.simulated and t.device == "cuda:0"
    assert t._host is None and t._devarray is not None
    assert t._ptr == t.__cuda_array_interface__["data"][0] != 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int32, np.int64, np.uint8, np.bool_])
def test_round_trip(dtype):
    a = (np.arange(1 << 16) % 7).astype(dtype).reshape(256, 256)
    t = ts.from_numpy(a)
    np.testing.assert_array_equal(t.numpy(), a)
    np.testing.assert_array_equal(t[3:10, 5:].numpy(), a[3:10, 5:])  # strided view, device to host
    np.testing.assert_array_equal(ts.empty_like(a, device="cpu").copy_from(t).numpy(), a)


def test_repr_of_a_large_device_tensor_transfers_a_few_values():
    t = ts.arange(1 << 26, dtype=ts.f32)
    assert repr(t) == ("ts.Tensor([0., 1., 2., 3., 4., 5., ...], shape=(67108864,), dtype=ts.f32, "
                       "device='cuda:0')")
    assert repr(t.to("cpu")[1:3]) == "ts.Tensor([1., 2.], shape=(2,), dtype=ts.f32, device='cpu')"


def test_numba_kernel_writes_then_mark_written():
    from numba import cuda

    @cuda.jit
    def fill(x):
        i = cuda.grid(1)
        if i < x.shape[0]:
            x[i] = 3.0

    t = ts.zeros(100)
    assert t.numpy().sum() == 0
    fill[1, 128](t._devarray)
    t._mark_written()  # what the launch path does for arguments a kernel writes
    assert t.numpy().sum() == 300


def test_cuda_array_interface_into_torch_and_cupy_zero_copy():
    torch = pytest.importorskip("torch")
    t = ts.arange(8, dtype=ts.f32)
    tt = torch.as_tensor(t, device="cuda")
    assert tt.data_ptr() == t._ptr
    tt.mul_(2)
    torch.cuda.synchronize()
    assert t.numpy().tolist() == [0, 2, 4, 6, 8, 10, 12, 14]  # exported: numpy() is not cached
    cupy = pytest.importorskip("cupy")
    c = cupy.asarray(t)
    assert c.data.ptr == t._ptr
    assert cupy.asnumpy(c).tolist() == [0, 2, 4, 6, 8, 10, 12, 14]


def test_dlpack_into_torch():
    torch = pytest.importorskip("torch")
    t = ts.arange(12, dtype=ts.f32).to("cuda:0")
    x = torch.from_dlpack(t)
    assert x.device.type == "cuda" and x.data_ptr() == t._ptr and x.dtype == torch.float32
    assert x.cpu().tolist() == list(range(12))
    m = ts.from_numpy(np.arange(20, dtype=np.int64).reshape(4, 5))
    v = torch.from_dlpack(m[1:3, 2:])  # a strided view keeps its strides
    assert v.stride() == (5, 1) and v.cpu().tolist() == [[7, 8, 9], [12, 13, 14]]
    del t, m
    gc.collect()
    ts.zeros(1 << 20)  # the memory torch holds must not have been reused
    assert x.cpu().tolist() == list(range(12)) and v.cpu().tolist() == [[7, 8, 9], [12, 13, 14]]


def test_copy_from_torch_and_cupy_gpu_arrays():
    torch = pytest.importorskip("torch")
    src = torch.arange(6, dtype=torch.float32, device="cuda").reshape(2, 3)
    t = ts.empty(2, 3).copy_from(src)
    assert t.numpy().tolist() == [[0, 1, 2], [3, 4, 5]]
    assert ts.empty(2, 3, device="cpu").copy_from(src).numpy().tolist() == [[0, 1, 2], [3, 4, 5]]
    assert ts.empty(3, 2).copy_from(src.t()).numpy().tolist() == [[0, 3], [1, 4], [2, 5]]  # strided source
    with pytest.raises(Exception, match="the tensor holds f32 \\(float32\\) but the source holds float64"):
        t.copy_from(src.double())
    cupy = pytest.importorskip("cupy")
    assert ts.empty(4, dtype=ts.i32).copy_from(cupy.arange(4, dtype=cupy.int32)).numpy().tolist() == [0, 1, 2, 3]


def test_streams_and_events_time_device_work():
    a = ts.zeros(1 << 26)
    b = ts.empty(1 << 26)
    s = ts.Stream()
    start, end = ts.Event(), ts.Event()
    with s:
        start.record()
        for _ in range(10):
            b._devarray.copy_to_device(a._devarray, stream=s._stream)
        end.record()
    ms = start.elapsed_time(end)
    assert 0.0 < ms < 1000.0
    s.synchronize()
    ts.synchronize()


def test_free_returns_memory_now():
    free0, _ = memory.memory_info()
    t = ts.empty(1 << 30, dtype=ts.u8)
    free1, _ = memory.memory_info()
    assert free0 - free1 >= 1 << 30
    t.free()
    free2, _ = memory.memory_info()
    assert free2 - free1 >= 1 << 30
    with pytest.raises(DeviceMemoryError, match="was freed"):
        t.numpy()


def test_out_of_memory_names_requested_and_free_bytes():
    with pytest.raises(DeviceMemoryError, match=r"out of memory on cuda:0: requested 1000000000000000 bytes "
                                                r"\(909.5 TiB\); \d+ bytes \(.*GiB\) free of .*GiB"):
        ts.empty(10**15, dtype=ts.u8)
    ts.zeros(16)  # the device is still usable
