"""Handing a tensor's data to another library without a copy, through DLPack (tested with NumPy)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


def test_numpy_takes_the_data_zero_copy():
    x = tg.tensor([1.0, 2.0, 3.0], dtype=np.float32)
    array = np.from_dlpack(x)
    assert array.dtype == np.float32 and np.shares_memory(array, x.data)
    array[0] = 7.0
    assert x.tolist() == [7.0, 2.0, 3.0]


def test_the_device_is_the_cpu():
    assert tg.ones(1).__dlpack_device__() == (1, 0)  # kDLCPU, device 0


def test_a_tensor_that_requires_grad_is_refused_like_pytorch():
    x = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        np.from_dlpack(x)
    assert np.shares_memory(np.from_dlpack(x.detach()), x.data)


def test_from_dlpack_shares_float_data_and_copies_integers():
    a = np.arange(4.0).reshape(2, 2)
    t = tg.from_dlpack(a)
    assert t.shape == (2, 2) and np.shares_memory(t.data, a)
    ints = tg.from_dlpack(np.arange(3))
    assert ints.dtype == np.float64 and ints.tolist() == [0.0, 1.0, 2.0]
    round_trip = tg.from_dlpack(tg.tensor([1.0, 2.0]))
    assert round_trip.tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match="DLPack"):
        tg.from_dlpack([1.0, 2.0])
