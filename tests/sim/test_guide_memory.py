"""The guide's compute_vector_add and compute_with_manual_control, verbatim, without a GPU."""

import warnings

import numpy as np
import pytest

import tessera as ts
from tests.guide_examples import compute_vector_add, compute_with_manual_control, vector_add


@pytest.fixture
def ab():
    rng = np.random.default_rng(3)
    return rng.standard_normal(1000).astype(np.float32), rng.standard_normal(1000).astype(np.float32)


def test_compute_vector_add(ab):
    a, b = ab
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ts.TesseraWarning)
        np.testing.assert_array_equal(compute_vector_add(a, b), a + b)


def test_compute_with_manual_control(ab):
    a, b = ab
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ts.TesseraWarning)
        c = compute_with_manual_control(a, b)
    assert c.device == "cpu"
    np.testing.assert_array_equal(c.numpy(), a + b)


def test_manual_management_refuses_numpy_arguments(ab, user_error):
    a, _ = ab

    @ts.memory.manual_management
    def implicit(a):
        vector_add(a, a, np.zeros_like(a))

    with pytest.raises(ts.KernelTypeError, match=r"argument 'a' is a NumPy array, but inside "
                                                 r"@ts.memory.manual_management every transfer is explicit") as e:
        implicit(a)
    assert "copy_from" in str(e.value)


def test_written_tensor_invalidates_numpy_cache(ab):
    a, b = ab
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ts.TesseraWarning)
        ta, tb, tc = ts.from_numpy(a), ts.from_numpy(b), ts.zeros(1000)
        assert not tc.numpy().any()
        vector_add(ta, tb, tc)          # the kernel writes c: its cached host copy is stale
        np.testing.assert_array_equal(tc.numpy(), a + b)
        vector_add(ta, ta, tc)          # the cached launch path marks it written too
        np.testing.assert_array_equal(tc.numpy(), a + a)
