"""ts.Tensor, creation functions, ts.device, manual management, streams: no kernels run.

These hold with and without a GPU: on a machine without one, "cuda:0"
tensors are simulated in host memory; on a GPU they are real device tensors.
"""

import gc
import warnings

import numpy as np
import pytest

import tessera as ts
from tessera.errors import DeviceMemoryError, ShapeError, TesseraError
from tessera.lang.tensor import TensorSpec
from tessera.runtime import dlpack, memory
from tessera.runtime import creation as creation_mod

GPU = memory.gpu_available()


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ts.TesseraWarning)
        yield


# ------------------------------------------------------------------ the class is also the annotation

def test_annotation_and_runtime_class_are_one():
    spec = ts.Tensor["M", 4, ts.f32]
    assert isinstance(spec, TensorSpec) and spec.dims == ("M", 4) and spec.dtype == ts.f32
    import tessera.lang
    import tessera.lang.tensor
    assert tessera.lang.tensor.Tensor is ts.Tensor is tessera.lang.Tensor
    assert isinstance(ts.zeros(2), ts.Tensor)
    with pytest.raises(TypeError, match="needs a dtype last"):
        ts.Tensor["N"]


def test_tensor_is_not_called_directly():
    with pytest.raises(TesseraError, match=r"ts.Tensor\(...\) is not a constructor(.|\n)*ts.from_numpy"):
        ts.Tensor(np.zeros(3))


# ------------------------------------------------------------------ creation

def test_creation_shapes_dtypes_devices():
    assert ts.empty(3, 4).shape == (3, 4) == ts.empty((3, 4)).shape == ts.empty([3, 4]).shape
    assert ts.zeros(5).dtype == ts.f32
    assert ts.zeros(5).device == "cuda:0"
    assert ts.zeros(5).simulated is (not GPU)
    assert ts.ones(2, dtype=ts.i64).numpy().tolist() == [1, 1]
    assert ts.ones(2, dtype="float64").dtype == ts.f64
    np.testing.assert_array_equal(ts.full((2, 3), 2.5).numpy(), np.full((2, 3), 2.5, np.float32))
    np.testing.assert_array_equal(ts.full(2, True, dtype=ts.bool).numpy(), [True, True])
    assert ts.empty(0).size == 0 and ts.zeros(0, 3).numpy().shape == (0, 3)
    cpu = ts.zeros(2, device="cpu")
    assert cpu.device == "cpu" and not cpu.simulated
    assert ts.empty(2, device=0).device == "cuda:0" and ts.empty(2, device="cuda").device == "cuda:0"


def test_like_functions():
    base = ts.full((2, 3), 4, dtype=ts.i32, device="cpu")
    z = ts.zeros_like(base)
    assert (z.shape, z.dtype, z.device) == ((2, 3), ts.i32, "cpu")
    assert ts.ones_like(base, dtype=ts.f32).numpy().dtype == np.float32
    assert ts.empty_like(base, device="cuda:0").device == "cuda:0"
    from_np = ts.zeros_like(np.ones((4,), np.float64))
    assert (from_np.dtype, from_np.device) == (ts.f64, "cuda:0")
    with pytest.raises(TesseraError, match="ts.zeros_like takes a tensor or an array, got list"):
        ts.zeros_like([1, 2])


def test_from_numpy_round_trip_and_cpu_sharing():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    t = ts.from_numpy(a)
    np.testing.assert_array_equal(t.numpy(), a)
    a[0, 0] = 99  # a copy was transferred: the tensor does not see later host writes
    assert t.numpy()[0, 0] == 0
    c = ts.from_numpy(a, device="cpu")  # on the host the memory is shared, as torch.from_numpy does
    a[0, 1] = 42
    assert c.numpy()[0, 1] == 42 and c.numpy() is a
    s = ts.from_numpy(np.float32(3.5))
    assert s.shape == () and s.ndim == 0 and s.size == 1 and s[()] == 3.5
    with pytest.raises(TesseraError, match="ts.from_numpy takes a NumPy array, got list"):
        ts.from_numpy([1.0, 2.0])
    with pytest.raises(TesseraError, match=r"ts.from_numpy: NumPy's complex128 has no Tessera dtype(.|\n)*a.astype\(np.float32\)"):
        ts.from_numpy(np.zeros(2, np.complex128))


def test_random_and_arange():
    r = ts.randn(3, 4, seed=1)
    assert r.shape == (3, 4) and r.dtype == ts.f32
    np.testing.assert_array_equal(r.numpy(), ts.randn((3, 4), seed=1).numpy())
    u = ts.rand(1000, dtype=ts.f64, seed=2).numpy()
    assert u.dtype == np.float64 and 0 <= u.min() and u.max() < 1
    assert ts.randn(4, dtype=ts.f16).dtype == ts.f16
    with pytest.raises(TesseraError, match="ts.randn draws floats; ts.i32 is not a float dtype"):
        ts.randn(3, dtype=ts.i32)
    np.testing.assert_array_equal(ts.arange(5).numpy(), np.arange(5, dtype=np.int32))
    np.testing.assert_array_equal(ts.arange(1, 7, 2).numpy(), [1, 3, 5])
    assert ts.arange(0.0, 1.0, 0.25).dtype == ts.f32
    assert ts.arange(3, dtype=ts.f64).numpy().dtype == np.float64
    with pytest.raises(TesseraError, match=r"ts.arange: non-integer bounds \(0, 1.5, 1\) for ts.i32"):
        ts.arange(0, 1.5, dtype=ts.i32)


def test_creation_errors():
    with pytest.raises(TesseraError, match=r"ts.empty: a shape is non-negative ints, got \(3, -1\)"):
        ts.empty(3, -1)
    with pytest.raises(TesseraError, match="ts.zeros: a shape is non-negative ints"):
        ts.zeros(2.5)
    with pytest.raises(TesseraError, match="unsupported tensor dtype ts.bf16: NumPy has no bf16"):
        ts.empty(3, dtype=ts.bf16)
    with pytest.raises(TesseraError, match=r"ts.full: the value 1.5 is not a ts.i32; Tessera never converts"):
        ts.full(3, 1.5, dtype=ts.i32)
    with pytest.raises(TesseraError, match="ts.full: 300 does not fit in ts.u8"):
        ts.full(3, 300, dtype=ts.u8)


def test_unknown_device():
    with pytest.raises(TesseraError, match="unknown device 'tpu:0'(.|\n)*Write instead: .*\"cuda:0\""):
        ts.empty(3, device="tpu:0")
    with pytest.raises(TesseraError, match="unknown device 'gpu'"):
        ts.device("gpu")
    with pytest.raises(TesseraError, match="unknown device -1"):
        ts.zeros(2, device=-1)
    with pytest.raises(TesseraError, match="unknown device 'cuda:0x'"):
        ts.zeros(2).to("cuda:0x")


def test_out_of_memory_is_a_device_memory_error():
    where = r"cuda:0" if GPU else r"cuda:0 \(simulated in host memory\)"
    with pytest.raises(DeviceMemoryError, match=rf"out of memory on {where}: requested 1000000000000000 bytes"):
        ts.empty(10**15, dtype=ts.u8)
    with pytest.raises(DeviceMemoryError, match=r"out of memory on cpu: requested 4000000000000000 bytes"):
        ts.zeros(10**15, device="cpu")


# ------------------------------------------------------------------ attributes, views, repr

def test_attributes():
    t = ts.zeros(2, 3, 4, dtype=ts.f64)
    assert (t.ndim, t.size, t.nbytes, len(t), t.itemsize) == (3, 24, 192, 2, 8)
    assert t.strides == (12, 4, 1)  # elements, not bytes
    assert t.is_contiguous()
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ts.from_numpy(np.float32(1)))


@pytest.mark.parametrize("device", ["cuda:0", "cpu"])
def test_views(device):
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    t = ts.from_numpy(a.copy(), device=device)
    v = t[1:3, 2:5]
    assert v.shape == (2, 3) and v.strides == (6, 1) and not v.is_contiguous()
    np.testing.assert_array_equal(v.numpy(), a[1:3, 2:5])
    np.testing.assert_array_equal(t[-1].numpy(), a[-1])
    np.testing.assert_array_equal(t[..., 0].numpy(), a[:, 0])
    np.testing.assert_array_equal(t[1:3].numpy(), a[1:3])
    assert t[1:3].is_contiguous()
    assert t[2, 3] == a[2, 3] and t[-1, -1] == 23
    # a view shares its base's memory
    t[1:3].copy_from(np.zeros((2, 6), np.float32))
    assert t.numpy()[1].sum() == 0 and v.numpy().sum() == 0
    assert t[0:0].shape == (0, 6)


def test_view_errors():
    t = ts.zeros(4, 4)
    with pytest.raises(TesseraError, match="step-1 slices only, got step 2 on axis 0(.|\n)*t.numpy\\(\\)\\[::2\\]"):
        t[::2]
    with pytest.raises(TesseraError, match="cannot index a tensor with list"):
        t[[0, 1]]
    with pytest.raises(TesseraError, match="cannot index a tensor with NoneType"):
        t[None]
    with pytest.raises(IndexError, match="index 4 is out of range for axis 1 of size 4"):
        t[0, 4]
    with pytest.raises(IndexError, match="too many indices for a tensor of 2 dimensions: 3"):
        t[0, 0, 0]


def test_repr_shows_shape_dtype_device_and_first_values():
    t = ts.arange(4, dtype=ts.f32)
    assert repr(t) == "ts.Tensor([0., 1., 2., 3.], shape=(4,), dtype=ts.f32, device='cuda:0')"
    big = ts.arange(10**6, dtype=ts.i32)
    assert repr(big) == "ts.Tensor([0, 1, 2, 3, 4, 5, ...], shape=(1000000,), dtype=ts.i32, device='cuda:0')"
    strided = ts.from_numpy(np.arange(100, dtype=np.float32).reshape(10, 10))[2:, 1:]
    assert repr(strided).startswith("ts.Tensor([21., 22., 23., 24., 25., 26., ...], shape=(8, 9)")
    assert repr(ts.empty(0, device="cpu")) == "ts.Tensor([], shape=(0,), dtype=ts.f32, device='cpu')"
    assert repr(ts.from_numpy(np.int32(7))).startswith("ts.Tensor([7], shape=()")


# ------------------------------------------------------------------ numpy() caching

def test_numpy_is_cached_until_written():
    t = ts.from_numpy(np.arange(4, dtype=np.float32))
    h = t.numpy()
    assert t.numpy() is h  # no second transfer
    assert not h.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        h[0] = 1
    t.copy_from(np.full(4, 7, np.float32))
    h2 = t.numpy()
    assert h2 is not h and h2.tolist() == [7, 7, 7, 7] and h.tolist() == [0, 1, 2, 3]
    assert np.array(t).flags.writeable  # np.array copies: a writable array


def test_mark_written_invalidates_the_base_and_every_view():
    t = ts.zeros(6)
    v = t[2:4]
    hv, ht = v.numpy(), t.numpy()
    if t.simulated:
        t._host[2] = 5.0  # what a kernel on the sim backend does, then the launch path marks it
    else:
        t._devarray[2:3].copy_to_device(np.array([5.0], np.float32))
    assert v.numpy() is hv and t.numpy() is ht  # nobody said it was written
    v._mark_written()
    assert v.numpy()[0] == 5.0 and t.numpy()[2] == 5.0


def test_cpu_numpy_is_the_tensor_itself():
    t = ts.zeros(3, device="cpu")
    t.numpy()[1] = 2.0
    assert t.numpy()[1] == 2.0 and t.numpy().flags.writeable


def test_launch_path_attributes():
    t = ts.zeros(4)
    c = ts.zeros(4, device="cpu")
    assert isinstance(t._ptr, int) and t._ptr == t._ptr
    assert c._devarray is None and isinstance(c._host, np.ndarray)
    if GPU:
        assert t._host is None and t._devarray.shape == (4,)
    else:
        assert t._devarray is None and t._host.shape == (4,) and t._host.flags.writeable
        assert t._ptr == t._host.ctypes.data


# ------------------------------------------------------------------ copy_from and to()

def test_copy_from_every_direction():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    dev = ts.empty(2, 3)
    assert dev.copy_from(a) is dev
    host = ts.empty(2, 3, device="cpu").copy_from(dev)  # device -> host
    np.testing.assert_array_equal(host.numpy(), a)
    dev2 = ts.zeros(2, 3).copy_from(dev)  # device -> device
    np.testing.assert_array_equal(dev2.numpy(), a)
    back = ts.zeros(2, 3).copy_from(host)  # host tensor -> device
    np.testing.assert_array_equal(back.numpy(), a)
    np.testing.assert_array_equal(ts.zeros(3).copy_from(dev[1]).numpy(), a[1])  # from a view

    class ArrayLike:  # e.g. a PyTorch CPU tensor
        def __array__(self, dtype=None, copy=None):
            return a
    np.testing.assert_array_equal(ts.zeros(2, 3).copy_from(ArrayLike()).numpy(), a)


def test_copy_from_errors():
    t = ts.zeros(2, 3)
    with pytest.raises(TesseraError, match=r"copy_from: the tensor holds f32 \(float32\) but the source holds "
                                           r"float64(.|\n)*x.astype\(np.float32\)"):
        t.copy_from(np.zeros((2, 3)))
    with pytest.raises(ShapeError, match=r"copy_from: the tensor has shape \(2, 3\) but the source has shape "
                                         r"\(3, 2\)"):
        t.copy_from(np.zeros((3, 2), np.float32))
    with pytest.raises(TesseraError, match="copy_from takes a NumPy array, a ts.Tensor or a GPU array, got list"):
        t.copy_from([[0.0] * 3] * 2)
    with pytest.raises(TesseraError, match="copy_from: the tensor holds f32"):
        t.copy_from(ts.zeros(2, 3, dtype=ts.i32))


def test_to():
    t = ts.arange(3, dtype=ts.f32)
    assert t.to("cuda:0") is t and t.to(0) is t
    c = t.to("cpu")
    assert c.device == "cpu" and c.numpy().tolist() == [0, 1, 2]
    g = c.to("cuda:0")
    assert g.device == "cuda:0" and g.numpy().tolist() == [0, 1, 2]


# ------------------------------------------------------------------ free

def test_freed_tensor_use_is_an_error():
    t = ts.zeros(8)
    v = t[2:]
    t.free()
    msg = r"tensor of shape \(8,\) \(f32, cuda:0\) was freed(.|\n)*Write instead: allocate a new tensor"
    for use in (t.numpy, lambda: t.copy_from(np.zeros(8, np.float32)), lambda: t[0], lambda: t.to("cpu"),
                lambda: t._ptr, lambda: t._host, lambda: t._devarray, lambda: t.strides):
        with pytest.raises(DeviceMemoryError, match=msg):
            use()
    with pytest.raises(DeviceMemoryError, match=r"tensor of shape \(6,\) \(f32, cuda:0\) was freed"):
        v.numpy()  # views of freed memory are unusable too
    with pytest.raises(DeviceMemoryError, match="was freed"):
        ts.zeros(8).copy_from(t)
    assert repr(t) == "ts.Tensor(<freed>, shape=(8,), dtype=ts.f32, device='cuda:0')"
    t.free()  # twice is harmless


# ------------------------------------------------------------------ devices and manual management

def test_device_context():
    assert memory.default_device() == "cuda:0"
    with ts.device("cpu") as d:
        assert d == "cpu" and d.type == "cpu" and d.index is None
        assert ts.zeros(2).device == "cpu" and ts.from_numpy(np.zeros(2)).device == "cpu"
        with ts.device(0):
            assert ts.zeros(2).device == "cuda:0"
        assert ts.empty(2).device == "cpu"
    assert ts.zeros(2).device == "cuda:0"
    assert repr(ts.device("cuda:0")) == "ts.device('cuda:0')" and ts.device(0) == ts.device("cuda:0")


def test_manual_management():
    seen = []

    @ts.memory.manual_management
    def f(t):
        seen.append(ts.memory.host_arrays_allowed())
        with pytest.raises(TesseraError, match="implicit transfer of a cuda:0 tensor to NumPy inside "
                                               "@ts.memory.manual_management(.|\n)*t.numpy\\(\\)"):
            np.asarray(t)
        np.asarray(ts.zeros(2, device="cpu"))  # host tensors need no transfer
        return t.numpy()  # explicit transfers are fine

    assert f(ts.ones(2)).tolist() == [1, 1] and seen == [False]
    assert ts.memory.host_arrays_allowed() and np.asarray(ts.ones(2)).tolist() == [1, 1]
    assert f.__name__ == "f"
    with pytest.raises(TesseraError, match="@ts.memory.manual_management decorates a function"):
        ts.memory.manual_management(3)


def test_guide_manual_control_flow():
    """The guide's compute_with_manual_control, with a host stand-in for the kernel launch."""
    def vector_add(a, b, c):
        c.copy_from(a.numpy() + b.numpy())

    @ts.memory.manual_management
    def compute_with_manual_control(a_host, b_host):
        with ts.device(0):
            a_device = ts.empty(a_host.shape, dtype=ts.f32, device="cuda:0")
            b_device = ts.empty(b_host.shape, dtype=ts.f32, device="cuda:0")
            c_device = ts.empty(a_host.shape, dtype=ts.f32, device="cuda:0")
            a_device.copy_from(a_host)
            b_device.copy_from(b_host)
            vector_add(a_device, b_device, c_device)
            c_host = ts.empty(a_host.shape, dtype=ts.f32, device="cpu")
            c_host.copy_from(c_device)
            return c_host

    a, b = np.arange(5, dtype=np.float32), np.ones(5, np.float32)
    c = compute_with_manual_control(a, b)
    assert c.device == "cpu"
    np.testing.assert_array_equal(c.numpy(), a + b)


@pytest.mark.skipif(GPU, reason="the warning is for machines without a GPU")
def test_simulated_tensors_warn_once(monkeypatch):
    monkeypatch.setattr(creation_mod, "_warned_simulated", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ts.zeros(2, device="cpu")  # host tensors asked for deliberately: no warning
        ts.zeros(2)
        ts.zeros(2)
    msgs = [str(w.message) for w in caught if issubclass(w.category, ts.TesseraWarning)]
    assert len(msgs) == 1, msgs
    assert msgs[0].startswith("no NVIDIA GPU here: cuda:0 tensors are simulated in host memory and kernels run")
    assert caught[0].filename == __file__  # points at the user's line


# ------------------------------------------------------------------ interop protocols

def test_host_tensors_export_dlpack_as_host_memory():
    c = ts.arange(4, dtype=ts.f32, device="cpu")
    n = np.from_dlpack(c)
    n[0] = 9  # zero-copy
    assert c.numpy()[0] == 9 and c.__dlpack_device__() == (1, 0)
    assert not hasattr(c, "__cuda_array_interface__")
    if not GPU:
        s = ts.arange(4, dtype=ts.f32)
        before = s.numpy()
        assert not hasattr(s, "__cuda_array_interface__") and s.__dlpack_device__() == (1, 0)
        np.from_dlpack(s)[1] = 7
        assert s.numpy() is not before and s.numpy()[1] == 7  # once exported, nothing is cached


def test_dlpack_capsule_lifetime():
    a = np.arange(3, dtype=np.int64)

    class Producer:
        def __dlpack_device__(self):
            return (dlpack.KDL_CPU, 0)

        def __dlpack__(self, **kw):
            return dlpack.make_capsule(a.ctypes.data, a.shape, (1,), a.dtype, dlpack.KDL_CPU, 0, owner=a)

    n0 = len(dlpack._LIVE)
    b = np.from_dlpack(Producer())
    assert b.tolist() == [0, 1, 2] and len(dlpack._LIVE) == n0 + 1
    del b
    gc.collect()
    assert len(dlpack._LIVE) == n0  # the consumer called the deleter
    cap = Producer().__dlpack__()
    del cap  # never consumed: the capsule's destructor releases it
    assert len(dlpack._LIVE) == n0


# ------------------------------------------------------------------ streams and events

def test_streams_and_events():
    s = ts.Stream()
    assert ts.runtime.stream.current_stream() is None
    with s as entered:
        assert entered is s and ts.runtime.stream.current_stream() is s
        start = ts.Event().record()
        ts.ones(1000)
        end = ts.Event().record(s)
    s.synchronize()
    ts.synchronize()
    assert end.query() and start.elapsed_time(end) >= 0.0
    with pytest.raises(TesseraError, match="elapsed_time needs both events recorded"):
        ts.Event().elapsed_time(end)
    with pytest.raises(TesseraError, match="enable_timing=True"):
        ts.Event(enable_timing=False).record().elapsed_time(end)
    if not GPU:
        assert memory.memory_info() is None and repr(s) == "<ts.Stream (host, no GPU)>"
