"""The Tensor object itself: construction, dtypes, properties, conversions, factories."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import tinygrad_edu as tg
from tinygrad_edu.testing import strategies as tgst


@pytest.mark.parametrize(
    "data, dtype",
    [
        (1.5, np.float64),
        (3, np.float64),
        (True, np.float64),
        ([1, 2, 3], np.float64),
        (range(3), np.float64),
        ([[1.0, 2.0], [3.0, 4.0]], np.float64),
        (np.arange(3), np.float64),
        (np.array([True, False]), np.float64),
        (np.ones(2, dtype=np.float16), np.float16),
        (np.ones(2, dtype=np.float32), np.float32),
        (np.ones(2, dtype=np.float64), np.float64),
        (np.float32(2.0), np.float32),
    ],
)
def test_data_kinds_and_their_dtypes(data, dtype):
    t = tg.Tensor(data)
    assert isinstance(t.data, np.ndarray)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=dtype))


def test_default_dtype_applies_to_numbers_lists_and_integers_but_not_float_arrays():
    tg.set_default_dtype(np.float32)
    assert tg.get_default_dtype() == np.float32
    assert tg.Tensor([1, 2]).dtype == np.float32
    assert tg.Tensor(1.0).dtype == np.float32
    assert tg.zeros(2).dtype == np.float32
    assert tg.Tensor(np.ones(2)).dtype == np.float64
    tg.set_default_dtype(np.float64)
    with pytest.raises(TypeError):
        tg.set_default_dtype(np.int32)


def test_explicit_dtype_overrides():
    assert tg.Tensor(np.ones(2), dtype=np.float32).dtype == np.float32
    assert tg.Tensor([1, 2], dtype="float16").dtype == np.float16


def test_tensor_from_a_tensor_copies_the_values_without_the_graph():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    copy = tg.Tensor(y)
    assert copy.is_leaf and not copy.requires_grad
    assert not np.shares_memory(copy.data, y.data)
    np.testing.assert_array_equal(copy.data, y.data)


def test_tensor_from_an_array_copies_it():
    array = np.ones(3)
    t = tg.Tensor(array)
    array[0] = 5.0
    assert t.data[0] == 1.0


@given(tgst.arrays(shape=tgst.shapes(max_dims=4)))
def test_properties_mirror_numpy(array):
    t = tg.Tensor(array)
    assert t.shape == array.shape and t.ndim == array.ndim and t.size == array.size
    assert t.numel() == array.size and t.dim() == array.ndim and t.size() == array.shape
    assert t.tolist() == array.tolist()
    np.testing.assert_array_equal(t.numpy(), array)
    np.testing.assert_array_equal(t.T.numpy(), array.T)
    if array.ndim:
        assert len(t) == len(array)
        assert [row.tolist() for row in t] == [row.tolist() for row in array]


def test_leaf_and_graph_attributes():
    x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    y = x * 2
    assert x.is_leaf and x.grad_fn is None and x.name == "x"
    assert not y.is_leaf and y.requires_grad
    assert y.grad_fn.name == "Mul" and y.grad_fn.inputs[0] is x
    assert x.grad is None


def test_matmul_node_is_named_matmul_and_lists_both_parents_in_order():
    a, b = tg.ones(2, 3, requires_grad=True), tg.ones(3, requires_grad=True)
    out = a @ b
    assert out.grad_fn.name == "MatMul"
    assert [p is q for p, q in zip(out.grad_fn.inputs, (a, b))] == [True, True]


def test_same_operand_twice_is_recorded_twice():
    a = tg.ones(2, requires_grad=True)
    out = a + a
    assert len(out.grad_fn.inputs) == 2 and out.grad_fn.inputs[0] is out.grad_fn.inputs[1] is a


def test_repr_in_pytorch_style():
    assert repr(tg.Tensor([1.0, 2.0], requires_grad=True)) == "Tensor([1., 2.], requires_grad=True)"
    assert repr(tg.Tensor([1.0, 2.0], requires_grad=True) * 2) == "Tensor([2., 4.], grad_fn=<Mul>)"
    assert "dtype=float32" in repr(tg.Tensor(np.ones(1, dtype=np.float32)))
    assert "name='w'" in repr(tg.Tensor([1.0], name="w"))


def test_item_and_float_of_one_element():
    t = tg.Tensor([[2.5]])
    assert t.item() == 2.5 and isinstance(t.item(), float) and float(t) == 2.5


def test_astype_float_and_double_are_differentiable_and_cast_gradients_back():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x.float()
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad, [2.0, 4.0])
    assert y.double().dtype == np.float64


def test_data_assignment_keeps_dtype_and_shape():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    x.data = np.array([3, 4])
    assert x.dtype == np.float64 and x.tolist() == [3.0, 4.0]
    x.grad = [1, 1]
    assert x.grad.dtype == np.float64


def test_requires_grad_underscore_and_zero_grad():
    x = tg.ones(2).requires_grad_()
    assert x.requires_grad
    (x * 3).sum().backward()
    x.zero_grad()
    assert x.grad is None
    with pytest.raises(RuntimeError):
        (x * 2).requires_grad_(False)


# ---------------------------------------------------------------- factories
@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda **k: tg.zeros(2, 3, **k), np.zeros((2, 3))),
        (lambda **k: tg.ones((2,), **k), np.ones(2)),
        (lambda **k: tg.full((2, 2), 7.0, **k), np.full((2, 2), 7.0)),
        (lambda **k: tg.zeros_like(tg.ones(3), **k), np.zeros(3)),
        (lambda **k: tg.ones_like(np.zeros((1, 2)), **k), np.ones((1, 2))),
        (lambda **k: tg.arange(1, 2, 0.25, **k), np.arange(1, 2, 0.25)),
        (lambda **k: tg.linspace(0, 1, 5, **k), np.linspace(0, 1, 5)),
        (lambda **k: tg.eye(2, 3, **k), np.eye(2, 3)),
    ],
)
def test_factories_take_dtype_and_requires_grad(make, expected):
    t = make()
    assert t.dtype == np.float64 and not t.requires_grad and t.is_leaf
    np.testing.assert_allclose(t.numpy(), expected)
    t32 = make(dtype=np.float32, requires_grad=True)
    assert t32.dtype == np.float32 and t32.requires_grad


@pytest.mark.parametrize("factory", [tg.randn, tg.rand])
def test_random_factories_are_reproducible(factory):
    a = factory(3, rng=np.random.default_rng(1))
    b = factory(3, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    tg.manual_seed(5)
    c = factory(2, 2)
    tg.manual_seed(5)
    d = factory(2, 2)
    np.testing.assert_array_equal(c.numpy(), d.numpy())
    assert factory(2, dtype=np.float32, requires_grad=True).dtype == np.float32


# ---------------------------------------------------------------- PyTorch parity regressions


def test_lists_of_python_floats_take_the_default_dtype():
    tg.set_default_dtype(np.float32)
    try:
        assert tg.Tensor([1.5, 2.0]).dtype == np.float32
        assert tg.Tensor([[1.5], [2.0]]).dtype == np.float32
        assert tg.Tensor((0.5,)).dtype == np.float32
        assert tg.Tensor(np.array([1.5])).dtype == np.float64  # a float array keeps its dtype
        assert tg.Tensor([1.5], dtype=np.float64).dtype == np.float64
    finally:
        tg.set_default_dtype(np.float64)
    # a list of float32 NumPy scalars keeps their dtype (PyTorch infers it from the elements)
    assert tg.Tensor([np.float32(1.0), np.float32(2.0)]).dtype == np.float32


def test_arange_with_a_float_step_has_pytorch_length_and_values():
    # torch.arange: ceil((end - start) / step) values, each start + i·step.
    assert len(tg.arange(0, 1, 0.1)) == 10
    assert len(tg.arange(1, 2.2, 0.4)) == 4
    assert len(tg.arange(0, 10, 3)) == 4
    assert len(tg.arange(10, 0, -3)) == 4
    assert len(tg.arange(1, 1, 0.5)) == 0
    values = tg.arange(-5.5, 5.5, 0.001).numpy()
    assert len(values) == 11000
    # np.arange drifts by ~3.7e-12 at the end of this range; PyTorch's values are start + i·step.
    np.testing.assert_allclose(values[[0, 1000, 9999, 10999]], [-5.5, -4.5, 4.4990000000000006, 5.4990000000000006], rtol=0, atol=1e-15)
    assert tg.arange(0, 1, 0.25, dtype=np.float32).tolist() == [0.0, 0.25, 0.5, 0.75]


def test_arange_rejects_a_step_pointing_away_from_the_end():
    with pytest.raises(ValueError, match="step"):
        tg.arange(10, 0, 3)
    with pytest.raises(ValueError, match="step"):
        tg.arange(0, 1, 0)
    with pytest.raises(ValueError, match="finite"):
        tg.arange(0, float("inf"))
    with pytest.raises(TypeError, match="real number"):
        tg.arange("5")


def test_clamp_takes_pytorch_keywords():
    x = tg.Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = x.clamp(min=0.0)
    assert y.tolist() == [0.0, 0.5, 2.0]
    assert x.clamp(max=1.0).tolist() == [-1.0, 0.5, 1.0]
    assert x.clamp(0.0, 1.0).tolist() == [0.0, 0.5, 1.0]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0])


def test_unsqueeze_takes_pytorch_dim_keyword():
    t = tg.ones(2, 3)
    assert t.unsqueeze(dim=0).shape == (1, 2, 3)
    assert t.unsqueeze(dim=-1).shape == (2, 3, 1)
    assert t.unsqueeze(1).shape == (2, 1, 3)
    with pytest.raises(TypeError):
        t.unsqueeze(0, dim=0)


def test_int_of_a_one_element_tensor_truncates_like_pytorch():
    assert int(tg.Tensor(2.7)) == 2
    assert int(tg.Tensor([[-2.7]])) == -2
    with pytest.raises(ValueError, match="one element"):
        int(tg.Tensor([1.0, 2.0]))
