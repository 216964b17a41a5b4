"""NumPy and Tensors together: dispatch of NumPy functions, mixed operands, dtype rules."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


def leaf(values, dtype=np.float64):
    return tg.Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


X = [[0.5, 1.5, 2.0], [1.0, 0.25, 3.0]]

# (name, NumPy call on a Tensor, the same computation with Tensor methods)
NUMPY_CALLS = [
    ("np.add", lambda t: np.add(t, 2.0), lambda t: t + 2.0),
    ("np.subtract", lambda t: np.subtract(1.0, t), lambda t: 1.0 - t),
    ("np.multiply", lambda t: np.multiply(t, t), lambda t: t * t),
    ("np.divide", lambda t: np.divide(1.0, t), lambda t: 1.0 / t),
    ("np.power", lambda t: np.power(t, 3), lambda t: t**3),
    ("np.negative", np.negative, lambda t: -t),
    ("np.exp", np.exp, lambda t: t.exp()),
    ("np.log", np.log, lambda t: t.log()),
    ("np.sqrt", np.sqrt, lambda t: t.sqrt()),
    ("np.tanh", np.tanh, lambda t: t.tanh()),
    ("np.abs", np.abs, lambda t: t.abs()),
    ("np.square", np.square, lambda t: t * t),
    ("np.maximum", lambda t: np.maximum(t, 1.0), lambda t: tg.maximum(t, 1.0)),
    ("np.minimum", lambda t: np.minimum(t, 1.0), lambda t: tg.minimum(t, 1.0)),
    ("np.matmul", lambda t: np.matmul(t, t.T), lambda t: t @ t.T),
    ("np.dot", lambda t: np.dot(t, t.T), lambda t: t @ t.T),
    ("np.sum", lambda t: np.sum(t, axis=0), lambda t: t.sum(axis=0)),
    ("np.mean", lambda t: np.mean(t, axis=1, keepdims=True), lambda t: t.mean(axis=1, keepdims=True)),
    ("np.max", np.max, lambda t: t.max()),
    ("np.min", lambda t: np.min(t, axis=1), lambda t: t.amin(axis=1)),
    ("np.var", lambda t: np.var(t, ddof=1), lambda t: t.var(ddof=1)),
    ("np.reshape", lambda t: np.reshape(t, (3, 2)), lambda t: t.reshape(3, 2)),
    ("np.transpose", np.transpose, lambda t: t.T),
    ("np.swapaxes", lambda t: np.swapaxes(t, 0, 1), lambda t: t.swapaxes(0, 1)),
    ("np.expand_dims", lambda t: np.expand_dims(t, 1), lambda t: t.unsqueeze(1)),
    ("np.squeeze", lambda t: np.squeeze(t[None]), lambda t: t),
    ("np.ravel", np.ravel, lambda t: t.flatten()),
    ("np.broadcast_to", lambda t: np.broadcast_to(t, (4, 2, 3)), lambda t: t.expand(4, 2, 3)),
    ("np.concatenate", lambda t: np.concatenate([t, t * 2], axis=1), lambda t: tg.cat([t, t * 2], axis=1)),
    ("np.stack", lambda t: np.stack([t, t * 2]), lambda t: tg.stack([t, t * 2])),
    ("np.where", lambda t: np.where(t > 1, t, 0.0), lambda t: tg.where(t > 1, t, 0.0)),
    ("np.clip", lambda t: np.clip(t, 0.6, 2.5), lambda t: t.clip(0.6, 2.5)),
]


@pytest.mark.parametrize("name, numpy_call, method_call", NUMPY_CALLS, ids=[c[0] for c in NUMPY_CALLS])
def test_numpy_functions_on_tensors_are_differentiable_ops(name, numpy_call, method_call):
    x, y = leaf(X), leaf(X)
    out, expected = numpy_call(x), method_call(y)
    assert isinstance(out, tg.Tensor) and out.requires_grad, name
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)
    seed = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(seed)
    expected.backward(seed)
    np.testing.assert_allclose(x.grad, y.grad, rtol=1e-12)


def test_a_learners_numpy_code_gains_gradients_unchanged():
    def mse(w, x, y):
        return np.mean((np.tanh(x @ w) - y) ** 2)

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    w = leaf(rng.standard_normal((3, 1)))
    mse(w, x, y).backward()
    hidden = np.tanh(x @ w.numpy())
    expected = x.T @ (2 * (hidden - y) * (1 - hidden**2) / 5)
    np.testing.assert_allclose(w.grad, expected, rtol=1e-12)


def test_np_asarray_gives_the_data_and_leaves_the_graph():
    t = leaf([1.0, 2.0])
    array = np.asarray(t)
    assert type(array) is np.ndarray
    assert np.shares_memory(array, t.data)
    assert np.asarray(t, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize(
    "op",
    [
        lambda a, t: a + t,
        lambda a, t: a - t,
        lambda a, t: a * t,
        lambda a, t: a / t,
        lambda a, t: a**t,
        lambda a, t: a @ t,
    ],
)
def test_ndarray_on_the_left_gives_a_tensor_not_an_object_array(op):
    t = leaf([1.0, 2.0, 3.0])
    out = op(np.array([0.5, 1.5, 2.5]), t)
    assert isinstance(out, tg.Tensor) and out.requires_grad
    assert out.dtype == np.float64
    out.sum().backward()
    assert t.grad.shape == (3,)


def test_comparisons_give_bool_arrays_without_gradient():
    t = leaf([1.0, 2.0, 3.0])
    for result in (t > 1.5, t <= 2, t == t, t != 2.0, np.array([2.0, 2.0, 2.0]) < t, np.greater(t, 2)):
        assert type(result) is np.ndarray and result.dtype == np.bool_


@pytest.mark.parametrize(
    "op",
    [
        lambda t: t * 2.5,
        lambda t: 2.5 * t,
        lambda t: t + 1,
        lambda t: 1 - t,
        lambda t: t / 3.0,
        lambda t: 3.0 / t,
        lambda t: t**2.0,
        lambda t: 2.0**t,
        lambda t: t * np.float64(2.0),
        lambda t: np.float64(2.0) * t,
        lambda t: np.float64(1.0) - t,
        lambda t: t + np.int64(3),
        lambda t: np.arange(3) * t,
        lambda t: t * [1, 2, 3],
        lambda t: tg.maximum(t, 1.0),
        lambda t: tg.where(t > 0, t, 0.0),
        lambda t: t.clip(0.0, 1.5),
        lambda t: np.exp(t),
    ],
)
def test_python_and_numpy_scalars_never_promote_float32_to_float64(op):
    t = leaf([1.0, 2.0, 3.0], dtype=np.float32)
    out = op(t)
    assert out.dtype == np.float32
    out.sum().backward()
    assert t.grad.dtype == np.float32


def test_float64_array_with_float32_tensor_follows_numpy_promotion():
    t = leaf([1.0, 2.0], dtype=np.float32)
    out = np.array([1.0, 2.0]) * t
    assert out.dtype == np.float64
    out.sum().backward()
    assert t.grad.dtype == np.float32  # a gradient always has its tensor's dtype


def test_value_queries_work_on_tensors():
    t = tg.Tensor(np.ones((2, 3)))
    assert np.shape(t) == (2, 3) and np.ndim(t) == 2 and np.size(t) == 6
    assert np.allclose(t, 1.0)
    assert np.isfinite(t).all()


# ---------------------------------------------------------------- audit 2: NumPy's signatures, copies, names
@pytest.mark.parametrize(
    "call, method_call",
    [
        (lambda t: np.sum(t, 0, None, None, True), lambda t: t.sum(axis=0, keepdims=True)),
        (lambda t: np.mean(t, 1, None, None, True), lambda t: t.mean(axis=1, keepdims=True)),
        (lambda t: np.max(t, 0, None, True), lambda t: t.amax(axis=0, keepdims=True)),
        (lambda t: np.min(t, 1, None, True), lambda t: t.amin(axis=1, keepdims=True)),
        (lambda t: np.var(t, 0, None, None, 1), lambda t: t.var(axis=0, ddof=1)),
        (lambda t: np.var(t, 0, None, None, 1, True), lambda t: t.var(axis=0, ddof=1, keepdims=True)),
        (lambda t: np.var(t, correction=1), lambda t: t.var(ddof=1)),
        (lambda t: np.clip(t, min=0.6, max=2.5), lambda t: t.clip(0.6, 2.5)),
        (lambda t: np.concatenate([t, t * 2], axis=None), lambda t: tg.cat([t.reshape(-1), (t * 2).reshape(-1)])),
    ],
)
def test_numpy_positional_arguments_mean_what_they_mean_in_numpy(call, method_call):
    # np.sum(a, axis, dtype, out, keepdims): the fifth argument is keepdims, not the third.
    x, y = leaf(X), leaf(X)
    out, expected = call(x), method_call(y)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(x.grad, y.grad, rtol=1e-12)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda t: np.sum(t, 0, np.float32), "dtype"),  # was taken as keepdims=True
        (lambda t: np.max(t, 0, np.empty(3)), "out"),  # was taken as keepdims=True
        (lambda t: np.clip(t, 0.0, 1.0, out=np.empty((2, 3))), "out"),  # was ignored
        (lambda t: np.clip(t, 0.0, 1.0, np.empty((2, 3))), "out"),
        (lambda t: np.dot(t, t.T, out=np.empty((2, 2))), "out"),
        (lambda t: np.concatenate([t, t], 0, np.empty((4, 3))), "out"),
    ],
)
def test_numpy_out_and_dtype_given_positionally_are_refused(call, words):
    with pytest.raises(TypeError, match=words):
        call(leaf(X))


def test_np_array_copies_the_data_and_np_asarray_shares_it():
    t = tg.Tensor([1.0, 2.0])
    copied = np.array(t)
    copied[0] = 5.0  # must not change the tensor (NumPy asks __array__ for a copy here)
    assert t.data[0] == 1.0
    assert np.asarray(t) is t.data
    with pytest.raises(ValueError, match="copy"):
        np.array(t, dtype=np.float32, copy=False)


def test_unsupported_numpy_function_is_named_with_its_submodule():
    with pytest.raises(TypeError, match=r"np\.linalg\.norm"):
        np.linalg.norm(leaf([3.0, 4.0]))
