"""PyTorch's constructors at the top level: ``tg.tensor``, ``from_numpy``, ``as_tensor``, ``is_tensor``,
``empty``, ``randint``, ``randperm``, ``normal``, and the ``device=`` every factory accepts."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


def test_tensor_is_the_function_and_the_module_still_imports():
    from tinygrad_edu.tensor import Tensor  # the submodule keeps its name

    assert Tensor is tg.Tensor
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    assert isinstance(t, tg.Tensor) and t.requires_grad and t.is_leaf
    assert tg.tensor([1, 2], dtype=tg.float32).dtype == np.float32
    assert tg.tensor(3.0).shape == ()


def test_tensor_copies_its_data():
    a = np.ones(2)
    t = tg.tensor(a)
    a[0] = 5.0
    assert t.tolist() == [1.0, 1.0]
    u = tg.tensor(t)
    assert u is not t and u.data is not t.data


def test_tensor_of_a_comparison_is_the_idiom_for_a_float_mask():
    x = tg.tensor([-1.0, 2.0])
    assert tg.tensor(x > 0).tolist() == [0.0, 1.0]


def test_from_numpy_shares_float_memory_both_ways():
    for dtype in (np.float16, np.float32, np.float64):
        a = np.zeros(3, dtype=dtype)
        t = tg.from_numpy(a)
        assert t.dtype == dtype and np.shares_memory(t.data, a)
        a[0] = 1.0
        t.data[1] = 2.0
        assert t.tolist() == [1.0, 2.0, 0.0] and a.tolist() == [1.0, 2.0, 0.0]


def test_from_numpy_copies_integer_arrays_into_the_default_dtype():
    a = np.arange(3)
    t = tg.from_numpy(a)
    assert t.dtype == np.float64 and not np.shares_memory(t.data, a)
    with pytest.raises(TypeError, match="expected np.ndarray"):
        tg.from_numpy([1.0, 2.0])


def test_as_tensor_shares_when_it_can():
    a = np.ones(2, dtype=np.float32)
    assert tg.as_tensor(a).data is a
    assert tg.as_tensor(a, dtype=np.float64).data is not a
    t = tg.ones(2)
    assert tg.as_tensor(t) is t and tg.as_tensor(t, dtype=np.float64) is t
    assert tg.as_tensor(t, dtype=np.float32).dtype == np.float32
    assert tg.as_tensor([1, 2]).tolist() == [1.0, 2.0]


def test_is_tensor():
    assert tg.is_tensor(tg.ones(1)) and tg.is_tensor(tg.nn.Parameter([1.0]))
    assert not tg.is_tensor(np.ones(1)) and not tg.is_tensor([1.0])


def test_empty_has_the_shape_dtype_and_flag():
    t = tg.empty(2, 3, dtype=np.float32, requires_grad=True)
    assert t.shape == (2, 3) and t.dtype == np.float32 and t.requires_grad
    assert tg.empty((4,)).shape == (4,)


def test_randint_gives_int64_indices_in_range_and_follows_the_generator():
    labels = tg.randint(3, 7, (1000,), rng=np.random.default_rng(0))
    assert isinstance(labels, np.ndarray) and labels.dtype == np.int64 and labels.shape == (1000,)
    assert labels.min() == 3 and labels.max() == 6
    again = tg.randint(3, 7, (1000,), rng=np.random.default_rng(0))
    assert (labels == again).all()
    assert tg.randint(5, (2, 2)).shape == (2, 2)  # randint(high, size)
    assert tg.randint(5, size=(3,)).shape == (3,)
    as_floats = tg.randint(0, 2, (3,), dtype=np.float32)
    assert isinstance(as_floats, tg.Tensor) and as_floats.dtype == np.float32


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: tg.randint(5, 5, (2,)), ValueError, "low must be less than high"),
        (lambda: tg.randint(5), TypeError, "needs a size"),
        (lambda: tg.randint(0.5, 3, (2,)), TypeError, "integer"),
        (lambda: tg.randint(3, (2,), requires_grad=True), RuntimeError, "floating point"),
        (lambda: tg.randperm(-1), ValueError, "non-negative"),
        (lambda: tg.normal(0.0, 1.0), TypeError, "needs a size"),
        (lambda: tg.normal(0.0, -1.0, (2,)), ValueError, "non-negative"),
    ],
)
def test_random_factories_refuse_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_randperm_is_a_permutation():
    perm = tg.randperm(10, rng=np.random.default_rng(1))
    assert perm.dtype == np.int64 and sorted(perm.tolist()) == list(range(10))
    assert tg.randperm(3, dtype=np.float64).dtype == np.float64


def test_normal_with_numbers_or_tensors():
    samples = tg.normal(2.0, 0.5, (20000,), rng=np.random.default_rng(0))
    assert abs(samples.data.mean() - 2.0) < 0.02 and abs(samples.data.std() - 0.5) < 0.02
    mean = tg.tensor([[0.0], [100.0]], dtype=np.float32)
    out = tg.normal(mean, tg.zeros(3, dtype=np.float32), rng=np.random.default_rng(0))
    assert out.shape == (2, 3) and out.dtype == np.float32 and out.tolist() == [[0.0] * 3, [100.0] * 3]
    assert tg.normal(0.0, tg.ones(4)).shape == (4,)


def test_every_factory_accepts_the_cpu_device():
    for make in (lambda d: tg.zeros(2, device=d), lambda d: tg.ones(2, device=d), lambda d: tg.full((2,), 1.0, device=d),
                 lambda d: tg.arange(3, device=d), lambda d: tg.linspace(0, 1, 3, device=d), lambda d: tg.eye(2, device=d),
                 lambda d: tg.randn(2, device=d), lambda d: tg.rand(2, device=d), lambda d: tg.empty(2, device=d),
                 lambda d: tg.tensor([1.0], device=d), lambda d: tg.zeros_like(tg.ones(2), device=d),
                 lambda d: tg.ones_like(tg.ones(2), device=d), lambda d: tg.as_tensor([1.0], device=d)):
        assert isinstance(make("cpu"), tg.Tensor)
        with pytest.raises(RuntimeError, match="CPU"):
            make("cuda")


def test_pytorch_dtype_names():
    assert (tg.float32, tg.float, tg.float64, tg.double, tg.float16, tg.half) == (
        np.float32, np.float32, np.float64, np.float64, np.float16, np.float16)
    assert tg.zeros(2, dtype=tg.float32).dtype == np.float32
    assert tg.int64 == tg.long == np.int64
