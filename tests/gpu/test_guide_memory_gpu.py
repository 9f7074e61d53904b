"""The guide's memory examples on the GPU, and the cached launch path with every array kind."""

import numpy as np
import pytest

import tessera as ts
from tests.guide_examples import compute_vector_add, compute_with_manual_control, vector_add

pytestmark = pytest.mark.gpu


def test_guide_memory_examples_on_gpu():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(1 << 20).astype(np.float32), rng.standard_normal(1 << 20).astype(np.float32)
    np.testing.assert_array_equal(compute_vector_add(a, b), a + b)
    c = compute_with_manual_control(a, b)
    np.testing.assert_array_equal(c.numpy(), a + b)


@pytest.mark.parametrize("kind", ["ts", "torch", "numba"])
def test_cached_launch_rechecks_shapes_and_writes(kind):
    n = 4096
    host = np.arange(n, dtype=np.float32)
    if kind == "ts":
        mk = ts.from_numpy
        get = lambda t: t.numpy()  # noqa: E731
    elif kind == "torch":
        torch = pytest.importorskip("torch")
        mk = lambda h: torch.as_tensor(h, device="cuda")  # noqa: E731
        get = lambda t: t.cpu().numpy()  # noqa: E731
    else:
        from numba import cuda
        mk = cuda.to_device
        get = lambda t: t.copy_to_host()  # noqa: E731
    a, c = mk(host), mk(np.zeros_like(host))
    for i in range(3):  # the 2nd and 3rd calls take the cached path
        vector_add(a, a, c)
        np.testing.assert_array_equal(get(c), 2 * host)
    with pytest.raises(ts.ShapeError, match="shape symbol N"):
        vector_add(a, mk(host[:100]), c)  # same kinds, new sizes: the cached path must re-check
