"""Bad input of every kind raises an error of the right type whose message names the problem."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


def leaf(values):
    return tg.Tensor(values, requires_grad=True)


# ---------------------------------------------------------------- making a tensor
@pytest.mark.parametrize(
    "data, error, words",
    [
        ("abc", TypeError, "str"),
        (b"abc", TypeError, "bytes"),
        (["a", "b"], TypeError, "string"),
        ([1.0, "a"], TypeError, "string"),
        ([[1.0, 2.0], [3.0]], ValueError, "ragged"),
        ([[1.0, 2.0], 3.0], ValueError, "ragged"),
        (1 + 2j, TypeError, "complex"),
        ([1 + 2j], TypeError, "complex"),
        (np.array([1 + 2j]), TypeError, "complex"),
        (np.array([1.0, None], dtype=object), TypeError, "object"),
        (np.array(["x"]), TypeError, "<U1"),
        ({"a": 1}, TypeError, "dict"),
        ({1, 2}, TypeError, "set"),
        (None, TypeError, "NoneType"),
        (object(), TypeError, "object"),
    ],
    ids=repr,
)
def test_tensor_from_bad_data_names_the_problem(data, error, words):
    with pytest.raises(error, match=words):
        tg.Tensor(data)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_, np.complex128, "object", "not a dtype"])
def test_non_float_dtype_is_refused(dtype):
    with pytest.raises(TypeError, match="dtype"):
        tg.Tensor([1.0, 2.0], dtype=dtype)


@pytest.mark.parametrize("data", [[1, 2], np.arange(3), np.array([True, False]), 3])
def test_integer_and_bool_data_with_requires_grad_becomes_float(data):
    t = tg.Tensor(data, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad
    t.sum().backward()
    assert t.grad.dtype == np.float64


def test_name_must_be_a_string():
    with pytest.raises(TypeError, match="name"):
        tg.Tensor([1.0], name=3)


def test_factories_refuse_bad_shapes():
    with pytest.raises(ValueError, match="negative"):
        tg.zeros(-1)
    with pytest.raises(TypeError, match="integers"):
        tg.ones(2.5)
    with pytest.raises(TypeError, match="Generator"):
        tg.randn(2, rng=3)


# ---------------------------------------------------------------- shapes: both shapes shown as Python tuples
@pytest.mark.parametrize(
    "a, b, message",
    [
        ((2, 3), (4, 5), "matmul: (2, 3) @ (4, 5): inner dimensions 3 and 4 differ"),
        ((3,), (4,), "matmul: (3,) @ (4,): inner dimensions 3 and 4 differ"),
        ((2, 3), (2,), "matmul: (2, 3) @ (2,): inner dimensions 3 and 2 differ"),
        ((2, 2, 3), (3, 3, 4), "matmul: (2, 2, 3) @ (3, 3, 4): batch dimensions (2,) and (3,)"),
        ((2, 3), (), "matmul: (2, 3) @ ()"),
    ],
)
def test_matmul_shape_errors_show_both_shapes(a, b, message):
    with pytest.raises(ValueError) as info:
        tg.Tensor(np.ones(a)) @ tg.Tensor(np.ones(b))
    assert message in str(info.value)


@pytest.mark.parametrize(
    "op, name",
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a - b, "sub"),
        (lambda a, b: a * b, "mul"),
        (lambda a, b: a / b, "div"),
        (lambda a, b: a**b, "pow"),
        (tg.maximum, "maximum"),
        (tg.minimum, "minimum"),
        (lambda a, b: a * b.numpy(), "mul"),
        (lambda a, b: a.numpy() * b, "mul"),
    ],
)
def test_broadcast_errors_name_the_op_and_both_shapes(op, name):
    a, b = tg.Tensor(np.ones((2, 3))), tg.Tensor(np.ones((4,)))
    with pytest.raises(ValueError) as info:
        op(a, b)
    message = str(info.value)
    assert name in message and "(2, 3)" in message and "(4,)" in message


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda t: t.reshape(4, 2), ["(2, 3)", "(4, 2)"]),
        (lambda t: t.sum(axis=3), ["axis 3", "(2, 3)"]),
        (lambda t: t.max(axis=(0, 0)), ["repeated axis"]),
        (lambda t: t.transpose(0, 0), ["permutation", "(2, 3)"]),
        (lambda t: t.expand(3, 3), ["(2, 3)", "(3, 3)"]),
        (lambda t: t.broadcast_to((4, 3)), ["(2, 3)", "(4, 3)"]),
        (lambda t: tg.cat([t, tg.ones(4, 5)]), ["(2, 3)", "(4, 5)"]),
        (lambda t: tg.stack([t, tg.ones(3, 2)]), ["(2, 3)", "(3, 2)"]),
        (lambda t: tg.where(np.ones(4, bool), t, t), ["(4,)", "(2, 3)"]),
        (lambda t: t.squeeze(5), ["axis 5", "(2, 3)"]),
        (lambda t: t.unsqueeze(4), ["axis 4", "(2, 3)"]),
        (lambda t: t.swapaxes(0, 3), ["(2, 3)"]),
        (lambda t: t.flatten(1, 0), ["start_dim"]),
        (lambda t: t.var(axis=0, ddof=2), ["ddof=2"]),
        (lambda t: t.softmax(axis=2), ["axis 2"]),
    ],
)
def test_shape_and_axis_errors_are_value_errors_naming_the_shapes(call, words):
    with pytest.raises(ValueError) as info:
        call(tg.Tensor(np.ones((2, 3))))
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("axis", [1.0, "a", (0.5,)])
def test_non_integer_axis_is_a_type_error(axis):
    with pytest.raises(TypeError, match="axis"):
        tg.ones(2, 3).sum(axis=axis)


@pytest.mark.parametrize("index, error", [(5, IndexError), (1.5, IndexError), (np.array([0.5]), IndexError), ("a", IndexError)])
def test_bad_indices(index, error):
    with pytest.raises(error):
        tg.ones(2, 3)[index]


@pytest.mark.parametrize("other", ["x", None, {"a": 1}, 1 + 2j, np.array([1 + 2j, 0, 0])])
def test_bad_operands_are_type_errors(other):
    with pytest.raises(TypeError):
        tg.ones(3) + other


# ---------------------------------------------------------------- backward misuse
def test_backward_on_a_non_scalar_needs_a_gradient():
    with pytest.raises(RuntimeError, match="scalar outputs.*\\(2,\\)"):
        (leaf([1.0, 2.0]) * 2).backward()


@pytest.mark.parametrize("gradient", [np.ones(3), np.ones((2, 1)), np.ones(())])
def test_backward_gradient_of_the_wrong_shape(gradient):
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises((ValueError, RuntimeError)) as info:
        y.backward(gradient=gradient)
    assert str(tuple(gradient.shape)) in str(info.value) and "(2,)" in str(info.value)


def test_backward_on_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.ones(2).sum().backward()


def test_backward_twice_through_a_released_graph():
    y = (leaf([1.0, 2.0]) ** 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_grad_of_an_input_that_does_not_require_grad():
    x = tg.ones(2)
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.grad((leaf([1.0, 1.0]) * x).sum(), x)


def test_grad_with_a_non_tensor_input():
    with pytest.raises(TypeError, match="Tensors"):
        tg.grad(leaf([1.0]).sum(), [np.ones(1)])


def test_assigning_data_or_grad_of_the_wrong_shape():
    x = leaf([1.0, 2.0])
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        x.data = np.ones(3)
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        x.grad = np.ones(3)


def test_in_place_assignment_to_a_tensor_that_requires_grad_is_refused():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="no_grad"):
        x[0] = 5.0
    with tg.no_grad():
        x[0] = 5.0
    assert x.data[0] == 5.0


def test_item_and_bool_of_several_elements():
    with pytest.raises(ValueError, match=r"\(2,\)"):
        tg.ones(2).item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tg.ones(2))
    with pytest.raises(TypeError, match="0-d"):
        len(tg.Tensor(1.0))


# ---------------------------------------------------------------- NumPy functions without a counterpart
@pytest.mark.parametrize(
    "call, name",
    [
        (np.sin, "np.sin"),
        (np.cos, "np.cos"),
        (np.cumsum, "np.cumsum"),
        (np.sort, "np.sort"),
        (np.linalg.norm, "norm"),
        (np.add.reduce, "np.add.reduce"),
        (lambda t: np.add.accumulate(t), "np.add.accumulate"),
        (lambda t: np.exp(t, out=np.empty(3)), "out="),
    ],
)
def test_numpy_function_without_a_differentiable_counterpart_is_a_type_error_naming_it(call, name):
    with pytest.raises(TypeError) as info:
        call(leaf([1.0, 2.0, 3.0]))
    assert name in str(info.value)
