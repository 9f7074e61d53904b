"""The generated check-and-launch function (backends/cuda_hotpath.py) on a real GPU: every kind of
argument it serves, results checked, and the cases it must hand back to the checked path."""

import numpy as np
import pytest

import tessera as ts

pytestmark = pytest.mark.gpu


@ts.kernel
def axpy(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32], alpha: ts.f32):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < a.shape[0]:
        c[i] = alpha * a[i] + b[i]


def check(c, a, b, alpha):
    np.testing.assert_allclose(np.asarray(c), alpha * a + b, rtol=1e-6)


def test_ts_tensors_through_the_generated_launcher_and_host_copies_refreshed():
    a, b = np.arange(5000, dtype=np.float32), np.ones(5000, np.float32)
    ta, tb, tc = ts.from_numpy(a), ts.from_numpy(b), ts.zeros(5000)
    axpy(ta, tb, tc, 2.0)
    assert axpy._hot is not None
    check(tc.numpy(), a, b, 2.0)
    for alpha in (3.0, -1.5):
        axpy(ta, tb, tc, alpha)      # served by the generated function
        check(tc.numpy(), a, b, alpha)   # the cached host copy was invalidated
    small = [ts.from_numpy(x[:77]) for x in (a, b)] + [ts.zeros(77)]
    axpy(*small, 4.0)
    check(small[2].numpy(), a[:77], b[:77], 4.0)


def test_torch_and_numba_device_arrays_and_a_stream():
    torch = pytest.importorskip("torch")
    from numba import cuda
    a = torch.arange(3000, dtype=torch.float32, device="cuda")
    b = torch.ones(3000, device="cuda")
    c = torch.empty(3000, device="cuda")
    for alpha in (1.0, 2.0):
        axpy(a, b, c, alpha)
        torch.cuda.synchronize()
        check(c.cpu(), a.cpu().numpy(), b.cpu().numpy(), alpha)
    da, db, dc = cuda.to_device(a.cpu().numpy()), cuda.to_device(b.cpu().numpy()), cuda.device_array(3000, np.float32)
    s = ts.Stream()
    for alpha in (5.0, 6.0):
        axpy(da, db, dc, alpha, stream=s)
        s.synchronize()
        check(dc.copy_to_host(), a.cpu().numpy(), b.cpu().numpy(), alpha)


def test_unusual_calls_get_the_checked_paths_errors():
    ta, tb, tc = ts.zeros(64), ts.zeros(64), ts.zeros(64)
    axpy(ta, tb, tc, 1.0)
    with pytest.raises(ts.ShapeError):
        axpy(ta, ts.zeros(63), tc, 1.0)
    with pytest.raises(ts.KernelTypeError):
        axpy(ta, tb, ts.zeros(64, dtype=ts.f64), 1.0)
    tc.free()
    with pytest.raises(ts.TesseraError, match="freed"):
        axpy(ta, tb, tc, 1.0)


def test_a_profile_records_the_generated_launchers_launches():
    ta, tb, tc = ts.ones(256), ts.ones(256), ts.zeros(256)
    axpy(ta, tb, tc, 1.0)
    with ts.profile() as prof:
        for _ in range(3):
            axpy(ta, tb, tc, 2.0)
    kernels = prof.kernels
    assert len(kernels) == 3 and all(e.clock in ("cupti", "cuda events") for e in kernels)
    assert all(0 < e.duration_ms < 1 for e in kernels)
    check(tc.numpy(), np.ones(256), np.ones(256), 2.0)
