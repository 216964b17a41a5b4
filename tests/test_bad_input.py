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
        (lambda t: t.sum(axis=3), ["axis) 3", "(2, 3)"]),
        (lambda t: t.amax(axis=(0, 0)), ["repeated dim"]),
        (lambda t: t.permute(0, 0), ["permutation", "(2, 3)"]),
        (lambda t: t.expand(3, 3), ["(2, 3)", "(3, 3)"]),
        (lambda t: t.broadcast_to((4, 3)), ["(2, 3)", "(4, 3)"]),
        (lambda t: tg.cat([t, tg.ones(4, 5)]), ["(2, 3)", "(4, 5)"]),
        (lambda t: tg.stack([t, tg.ones(3, 2)]), ["(2, 3)", "(3, 2)"]),
        (lambda t: tg.where(np.ones(4, bool), t, t), ["(4,)", "(2, 3)"]),
        (lambda t: t.squeeze(5), ["axis) 5", "(2, 3)"]),
        (lambda t: t.unsqueeze(4), ["axis) 4", "(2, 3)"]),
        (lambda t: t.swapaxes(0, 3), ["(2, 3)"]),
        (lambda t: t.flatten(1, 0), ["start_dim"]),
        (lambda t: t.var(axis=0, ddof=2), ["ddof=2"]),
        (lambda t: t.softmax(axis=2), ["axis) 2"]),
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
        (np.arcsin, "np.arcsin"),
        (np.cosh, "np.cosh"),
        (np.cumprod, "np.cumprod"),
        (lambda t: np.partition(t, 1), "np.partition"),
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


# ---------------------------------------------------------------- audit: silent wrong answers that now raise
@pytest.mark.parametrize(
    "call, words",
    [
        (lambda t: np.sum(t, initial=5.0), "initial"),
        (lambda t: np.max(t, initial=5.0), "initial"),
        (lambda t: np.mean(t, where=np.zeros((2, 3), bool)), "where"),
        (lambda t: np.sum(t, out=np.empty(())), "out"),
        (lambda t: np.sum(t, dtype=np.int64), "dtype"),
        (lambda t: np.reshape(t, 6, order="F"), "order"),
        (lambda t: np.ravel(t, order="F"), "order"),
        (lambda t: np.stack([t, t], out=np.empty((2, 2, 3))), "out"),
    ],
)
def test_numpy_keywords_that_would_be_ignored_are_refused(call, words):
    with pytest.raises(TypeError, match=words):
        call(leaf(np.ones((2, 3))))


def test_numpy_keywords_at_their_default_are_accepted():
    t = leaf(np.ones((2, 3)))
    assert np.sum(t, out=None, where=True).item() == 6.0
    assert np.reshape(t, 6, order="C").shape == (6,)


def test_numpy_where_with_one_argument_names_the_problem():
    with pytest.raises(TypeError, match="np.where"):
        np.where(leaf([1.0, 0.0]))


def test_setitem_with_none_is_refused_instead_of_writing_nan():
    t = tg.ones(3)
    with pytest.raises(TypeError, match="NoneType"):
        t[0] = None
    assert t.tolist() == [1.0, 1.0, 1.0]


def test_setitem_errors_name_the_shapes():
    t = tg.ones(2, 3)
    with pytest.raises(ValueError, match=r"\(4,\).*\(2, 3\)"):
        t[0] = np.ones(4)
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        t[5] = 1.0
    with pytest.raises(TypeError):
        t[0] = "a"


@pytest.mark.parametrize("shape", [(-2, 3), (3, -3)])
def test_reshape_refuses_negative_sizes_other_than_minus_one(shape):
    with pytest.raises(ValueError, match="only -1"):
        tg.ones(2, 3).reshape(*shape)


@pytest.mark.parametrize("start, end", [(5, -1), (0, 2), (-3, -1)])
def test_flatten_axes_out_of_range(start, end):
    with pytest.raises(ValueError, match=r"out of range for shape \(2, 3\)"):
        tg.ones(2, 3).flatten(start, end)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.flatten("a"),
        lambda t: t.flatten(0.0),
        lambda t: t.swapaxes(0, "a"),
        lambda t: t.swapaxes(0, 1.0),
        lambda t: t.squeeze("a"),
        lambda t: t.squeeze(1.0),
        lambda t: t.unsqueeze(1.0),
        lambda t: t.unsqueeze(),
        lambda t: tg.cat([t, t], axis=1.0),
        lambda t: tg.cat([t, t], axis="a"),
        lambda t: tg.cat(None),
        lambda t: tg.cat(t),
        lambda t: t[1.0:2],
        lambda t: t["a":2],
    ],
)
def test_non_integer_axes_and_sequences_are_type_errors_naming_the_argument(call):
    with pytest.raises(TypeError) as info:
        call(tg.ones(2, 3))
    message = str(info.value)
    assert any(word in message for word in ("axis", "sequence", "slice", "unsqueeze"))
    assert "list indices" not in message and "not supported between" not in message


def test_transpose_with_an_axis_out_of_range_names_the_shape():
    with pytest.raises(ValueError, match=r"5 is out of range for shape \(2, 3\)"):
        tg.ones(2, 3).transpose(0, 5)
    with pytest.raises(IndexError, match=r"5 is out of range for shape \(2, 3\)"):  # PyTorch's exception type
        tg.ones(2, 3).transpose(0, 5)


def test_ragged_index_list_is_an_index_error():
    with pytest.raises(IndexError, match="ragged"):
        tg.ones(2, 3)[[[0], [1, 2]]]


@pytest.mark.parametrize("condition", ["abc", None, np.array([object()] * 3)])
def test_where_refuses_a_non_numeric_condition(condition):
    with pytest.raises(TypeError, match="condition"):
        tg.where(condition, tg.ones(3), tg.zeros(3))


@pytest.mark.parametrize("dtype", [np.int32, "foo", bool])
def test_astype_to_a_non_float_dtype_is_refused(dtype):
    with pytest.raises(TypeError, match="dtype"):
        tg.ones(2).astype(dtype)


def test_comparisons_name_the_shapes_or_the_type():
    t = tg.ones(2, 3)
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        _ = t < np.ones(4)
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        _ = t == tg.ones(4)
    with pytest.raises(TypeError, match="str"):
        _ = t < "s"


def test_clip_bounds_are_checked_and_tensors_accepted():
    t = tg.Tensor([-1.0, 0.5, 2.0])
    assert t.clip(tg.Tensor(0.0), tg.Tensor(1.0)).tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(TypeError, match="min"):
        t.clip("a", "b")
    with pytest.raises(ValueError, match=r"\(4,\).*\(3,\)"):
        t.clip(np.ones(4), None)


@pytest.mark.parametrize("slope", ["a", None, 1j])
def test_leaky_relu_slope_must_be_a_number(slope):
    with pytest.raises(TypeError, match="slope"):
        tg.ones(2).leaky_relu(slope)


def test_var_ddof_must_be_a_number():
    with pytest.raises(TypeError, match="ddof"):
        tg.ones(3).var(ddof="a")


@pytest.mark.parametrize("flag", ["yes", None, 1])
def test_requires_grad_must_be_a_bool(flag):
    with pytest.raises(TypeError, match="requires_grad"):
        tg.Tensor([1.0], requires_grad=flag)
    with pytest.raises(TypeError, match="requires_grad"):
        tg.zeros(2, requires_grad=flag)


def test_size_with_a_dimension_out_of_range():
    with pytest.raises(IndexError, match=r"dimension 5.*\(2, 3\)"):
        tg.ones(2, 3).size(5)


def test_set_default_dtype_none_is_refused():
    with pytest.raises(TypeError, match="None"):
        tg.set_default_dtype(None)
    assert tg.get_default_dtype() == np.float64


@pytest.mark.parametrize("like", [None, "ab", {"a": 1}])
def test_like_factories_need_a_tensor_or_numbers(like):
    with pytest.raises(TypeError, match=type(like).__name__):
        tg.zeros_like(like)
    with pytest.raises(TypeError, match=type(like).__name__):
        tg.ones_like(like)


@pytest.mark.parametrize("start, end, name", [("a", 1, "start"), (None, 1, "start"), (0, 1j, "end")])
def test_linspace_endpoints_must_be_real_numbers(start, end, name):
    with pytest.raises(TypeError, match=f"linspace: {name}"):
        tg.linspace(start, end, 3)


def test_linspace_accepts_one_element_tensors():
    assert tg.linspace(tg.Tensor(0.0), 1, 3).tolist() == [0.0, 0.5, 1.0]


# ---------------------------------------------------------------- audit: custom Functions and grad()
def _op(forward, backward):
    return type("Op", (tg.Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})


def test_forward_returning_a_tuple_is_refused_not_stacked():
    op = _op(lambda ctx, a, b: (a, b), lambda ctx, g: (g, g))
    with pytest.raises(TypeError, match="Op.forward returned a tuple"):
        op.apply(leaf([1.0, 2.0]), leaf([1.0, 2.0]))


@pytest.mark.parametrize("bad", ["a", object()])
def test_backward_returning_a_non_array_names_the_op_and_input(bad):
    op = _op(lambda ctx, a, b: a * b, lambda ctx, g: (bad, g))
    with pytest.raises(TypeError, match="Op.backward returned .* for input 0"):
        op.apply(leaf([1.0, 2.0]), leaf([1.0, 2.0])).sum().backward()


@pytest.mark.parametrize("value", [None, 3, "ab"])
def test_grad_with_outputs_or_inputs_that_are_not_tensors(value):
    x = leaf([1.0, 2.0])
    with pytest.raises(TypeError, match="grad\\(\\): inputs"):
        tg.grad((x * x).sum(), value)
    with pytest.raises(TypeError, match="grad\\(\\): outputs"):
        tg.grad(value, x)


def test_grad_with_no_inputs_and_with_a_generator():
    x = leaf([1.0, 2.0])
    with pytest.raises(ValueError, match="empty"):
        tg.grad((x * x).sum(), [])
    (g,) = tg.grad((x * x).sum(), (t for t in [x]))
    assert g.tolist() == [2.0, 4.0]


def test_requires_grad_in_place_must_be_a_bool():
    with pytest.raises(TypeError, match="requires_grad_"):
        tg.ones(2).requires_grad_("x")
    assert tg.ones(2).requires_grad_().requires_grad


# ---------------------------------------------------------------- audit 2: wrong-typed flags, names in messages
@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.sum(keepdims="yes"),
        lambda t: t.mean(axis=0, keepdims=np.ones(2)),
        lambda t: t.max(dim=0, keepdim="no"),
        lambda t: t.logsumexp(axis=1, keepdims=1),
        lambda t: t.var(keepdims="x"),
    ],
)
def test_keepdims_must_be_a_bool_not_anything_truthy(call):
    with pytest.raises(TypeError, match="keepdims"):
        call(tg.ones(2, 3))


def test_keepdims_accepts_numpy_bools():
    assert tg.ones(2, 3).sum(axis=0, keepdims=np.True_).shape == (1, 3)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda t: t.softmax(axis=2), ["softmax", "axis) 2", "(2, 3)"]),
        (lambda t: t.log_softmax(axis=-3), ["log_softmax", "axis) -3", "(2, 3)"]),
        (lambda t: t.softmax(axis="a"), ["softmax", "axis"]),
        (lambda t: t.var(axis=5), ["var", "axis) 5", "(2, 3)"]),
    ],
)
def test_composed_ops_name_themselves_in_axis_errors(call, words):
    with pytest.raises((TypeError, ValueError)) as info:
        call(tg.ones(2, 3))
    for word in words:
        assert word in str(info.value)


def test_clip_without_bounds_says_so():
    # The message used to be "bounds of shapes {} cannot be broadcast".
    with pytest.raises(ValueError, match="at least one of min and max"):
        tg.ones(3).clip()


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.reshape(4, 2),
        lambda t: t.permute(0, 0),
        lambda t: t.broadcast_to((3, 3)),
        lambda t: tg.cat([t, tg.ones(2, 4)]),
        lambda t: tg.stack([t, tg.ones(3, 2)]),
        lambda t: t[5],
    ],
)
def test_shape_op_errors_are_not_prefixed_twice(call):
    with pytest.raises((ValueError, IndexError)) as info:
        call(tg.ones(2, 3))
    message = str(info.value)
    for doubled in ("Reshape:", "Permute:", "BroadcastTo:", "Concatenate:", "Stack:", "GetItem:", "input shapes"):
        assert doubled not in message


def test_slice_step_zero_names_the_index_and_shape():
    with pytest.raises(ValueError, match=r"slice\(None, None, 0\).*\(2, 3\).*step"):
        tg.ones(2, 3)[::0]


def test_bad_gradient_and_grad_outputs_name_the_argument():
    x = leaf([1.0, 2.0])
    with pytest.raises(TypeError, match="gradient: cannot make a tensor from str"):
        (x * 2).backward("ab")
    with pytest.raises(TypeError, match="grad_outputs: cannot make a tensor from str"):
        tg.grad(x * 2, x, grad_outputs=["ab"])
    with pytest.raises(ValueError, match=r"grad_outputs has shape \(3,\)"):
        tg.grad(x * 2, x, grad_outputs=[np.ones(3)])


def test_backward_returning_a_list_is_told_to_return_a_tuple():
    op = _op(lambda ctx, a, b: a * b, lambda ctx, g: [g, g])
    with pytest.raises(RuntimeError, match="list of 2 gradients: return a tuple"):
        op.apply(leaf([1.0, 2.0]), leaf([1.0, 2.0])).sum().backward()


def test_clip_bound_that_requires_grad_is_refused_not_silently_constant():
    x, lo = tg.Tensor([-1.0, 0.5, 2.0], requires_grad=True), tg.Tensor(0.0, requires_grad=True)
    with pytest.raises(TypeError, match="min is a Tensor that requires grad"):
        x.clip(lo, 1.0)
    with pytest.raises(TypeError, match="max is a Tensor that requires grad"):
        x.clamp(max=tg.Tensor(1.0, requires_grad=True))
    assert x.clip(lo.detach(), 1.0).tolist() == [0.0, 0.5, 1.0]
    with tg.no_grad():
        assert x.clip(lo, 1.0).tolist() == [0.0, 0.5, 1.0]


def test_leaky_relu_slope_that_requires_grad_is_refused():
    with pytest.raises(TypeError, match="slope is a Tensor that requires grad"):
        tg.ones(2).leaky_relu(tg.Tensor(0.1, requires_grad=True))
    assert tg.Tensor([-1.0]).leaky_relu(tg.Tensor(0.5)).tolist() == [-0.5]
    assert tg.Tensor([-1.0]).leaky_relu(np.float32(0.5)).tolist() == [-0.5]
