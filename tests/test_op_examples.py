"""Example tests beside the op table's property tests, for cases that luck might not draw.

The property tests in ``test_ops.py`` draw random shapes and values, keeping away from kinks.
A few behaviours live exactly where random draws rarely go: the gradient of ``clip`` AT its
bounds, a float64 bias added to a float32 layer, a permutation whose inverse differs from
itself on a tensor whose axes all have the same length. Each test here pins one of them with
values worked out by hand (or by NumPy index arithmetic on the data, never by our own ops).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F


def gradient_of_sum(fn, values, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """(fn(x), d sum(fn(x)) / dx) at ``values``."""
    x = tg.Tensor(np.array(values, dtype=dtype), requires_grad=True)
    out = fn(x)
    out.sum().backward()
    return out.numpy(), x.grad


# ---------------------------------------------------------------- clip / clamp at the bounds
X = [-1.0, 0.0, 0.5, 1.0, 2.0]  # holds both bounds, 0 and 1, exactly

CLIP_CASES = [
    # (name, fn, expected values, expected gradient): PyTorch's convention, d/dx = 1 on [lo, hi] ends included
    ("clip(None, hi)", lambda x: x.clip(None, 1.0), [-1.0, 0.0, 0.5, 1.0, 1.0], [1, 1, 1, 1, 0]),
    ("clamp(max=hi)", lambda x: x.clamp(max=1.0), [-1.0, 0.0, 0.5, 1.0, 1.0], [1, 1, 1, 1, 0]),
    ("np.clip(x, None, hi)", lambda x: np.clip(x, None, 1.0), [-1.0, 0.0, 0.5, 1.0, 1.0], [1, 1, 1, 1, 0]),
    ("clip(lo, None)", lambda x: x.clip(0.0, None), [0.0, 0.0, 0.5, 1.0, 2.0], [0, 1, 1, 1, 1]),
    ("clamp(min=lo)", lambda x: x.clamp(min=0.0), [0.0, 0.0, 0.5, 1.0, 2.0], [0, 1, 1, 1, 1]),
    ("clip(lo, hi)", lambda x: x.clip(0.0, 1.0), [0.0, 0.0, 0.5, 1.0, 1.0], [0, 1, 1, 1, 0]),
    ("clamp(lo, hi)", lambda x: x.clamp(0.0, 1.0), [0.0, 0.0, 0.5, 1.0, 1.0], [0, 1, 1, 1, 0]),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, fn, values, gradient", CLIP_CASES, ids=[case[0] for case in CLIP_CASES])
def test_clip_passes_the_gradient_at_its_bounds(name, fn, values, gradient, dtype):
    out, grad = gradient_of_sum(fn, X, dtype)
    np.testing.assert_array_equal(out, values)
    np.testing.assert_array_equal(grad, gradient)
    assert grad.dtype == dtype


def test_clip_at_an_upper_bound_that_is_an_array():
    out, grad = gradient_of_sum(lambda x: x.clip(None, np.array([0.0, 1.0, 1.0])), [0.0, 1.0, 1.5])
    np.testing.assert_array_equal(out, [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(grad, [1.0, 1.0, 0.0])


# ---------------------------------------------------------------- linear with a bias of another dtype
# x (2 samples, 2 features), W (3 outputs, 2 inputs), b (3,): small numbers, so every value is exact.
X_LINEAR = [[1.0, 2.0], [3.0, -1.0]]
W_LINEAR = [[1.0, 0.0], [0.5, 2.0], [-1.0, 1.0]]
B_LINEAR = [0.25, -0.5, 0.1]
# x Wᵀ = [[1, 4.5, 1], [3, -0.5, -4]], plus b:
Y_LINEAR = [[1.0 + 0.25, 4.5 - 0.5, 1.0 + 0.1], [3.0 + 0.25, -0.5 - 0.5, -4.0 + 0.1]]
# Loss = Σ y ⊙ G. Then dL/db = Σ_rows G, dL/dx = G W, dL/dW = Gᵀ x (worked out by hand):
G_LINEAR = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
GRAD_B = [5.0, 7.0, 9.0]
GRAD_X = [[1 + 2 * 0.5 - 3, 2 * 2 + 3], [4 + 5 * 0.5 - 6, 5 * 2 + 6]]  # [[-1, 7], [0.5, 16]]
GRAD_W = [[1 + 4 * 3, 2 - 4], [2 + 5 * 3, 4 - 5], [3 + 6 * 3, 6 - 6]]  # [[13, -2], [17, -1], [21, 0]]


def check_linear(y, x, weight, bias) -> None:
    """Values and gradients of a linear layer on the data above."""
    np.testing.assert_allclose(y.numpy(), Y_LINEAR, rtol=1e-7, atol=0)
    (y * tg.Tensor(G_LINEAR)).sum().backward()
    np.testing.assert_array_equal(x.grad, GRAD_X)
    np.testing.assert_array_equal(weight.grad, GRAD_W)
    np.testing.assert_array_equal(bias.grad, GRAD_B)
    for tensor in (x, weight, bias):
        assert tensor.grad.dtype == tensor.dtype  # each gradient in its own tensor's dtype


def test_functional_linear_with_a_float64_bias_on_float32_input():
    x = tg.Tensor(np.array(X_LINEAR, dtype=np.float32), requires_grad=True)
    weight = tg.Tensor(np.array(W_LINEAR, dtype=np.float32), requires_grad=True)
    bias = tg.Tensor(np.array(B_LINEAR, dtype=np.float64), requires_grad=True)
    y = F.linear(x, weight, bias)
    assert y.dtype == np.float64  # promoted, as x @ W.T + b would be
    np.testing.assert_array_equal(y.numpy()[:, 2], [1.0 + 0.1, -4.0 + 0.1])  # the float64 0.1 kept exactly
    check_linear(y, x, weight, bias)


def test_functional_linear_mixed_dtypes_equals_the_unfused_formula():
    x = tg.Tensor(np.array(X_LINEAR, dtype=np.float32))
    weight = tg.Tensor(np.array(W_LINEAR, dtype=np.float32))
    bias = tg.Tensor(np.array(B_LINEAR, dtype=np.float64))
    np.testing.assert_array_equal(F.linear(x, weight, bias).numpy(), (x @ weight.T + bias).numpy())


def test_linear_layer_with_a_float64_bias_on_float32_input():
    layer = nn.Linear(2, 3, dtype=np.float32)
    layer.weight = nn.Parameter(np.array(W_LINEAR, dtype=np.float32))
    layer.bias = nn.Parameter(np.array(B_LINEAR, dtype=np.float64))
    x = tg.Tensor(np.array(X_LINEAR, dtype=np.float32), requires_grad=True)
    check_linear(layer(x), x, layer.weight, layer.bias)


def test_float32_linear_layer_on_float64_input():
    # The other mix: x Wᵀ is float64 and the float32 bias is added to it.
    layer = nn.Linear(2, 3, dtype=np.float32)
    layer.weight = nn.Parameter(np.array(W_LINEAR, dtype=np.float32))
    layer.bias = nn.Parameter(np.array([0.25, -0.5, 0.125], dtype=np.float32))
    x = tg.Tensor(np.array(X_LINEAR), requires_grad=True)
    y = layer(x)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.numpy(), [[1.25, 4.0, 1.125], [3.25, -1.0, -3.875]])
    (y * tg.Tensor(G_LINEAR)).sum().backward()
    np.testing.assert_array_equal(layer.bias.grad, GRAD_B)
    assert layer.bias.grad.dtype == np.float32


# ---------------------------------------------------------------- permutations and their inverse
def permuted_by_index(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """y with y[j] = x[i] where j[k] = i[axes[k]]: the definition of a permutation, element by element."""
    axes = tuple(a % x.ndim for a in axes)
    y = np.empty(tuple(x.shape[a] for a in axes))
    for i in np.ndindex(*x.shape):
        y[tuple(i[a] for a in axes)] = x[i]
    return y


def gradient_by_index(g: np.ndarray, shape: tuple[int, ...], axes: tuple[int, ...]) -> np.ndarray:
    """d Σ(permute(x) ⊙ g) / dx: element i of x went to position j (j[k] = i[axes[k]]), so it gets g[j]."""
    axes = tuple(a % len(shape) for a in axes)
    grad = np.empty(shape)
    for i in np.ndindex(*shape):
        grad[i] = g[tuple(i[a] for a in axes)]
    return grad


def is_its_own_inverse(axes: tuple[int, ...]) -> bool:
    return all(axes[axes[k]] == k for k in range(len(axes)))


PERMUTATIONS = [
    ((3, 3, 3), (1, 2, 0)),  # equal sides: applying the permutation instead of its inverse keeps the shape
    ((3, 3, 3), (2, 0, 1)),
    ((2, 3, 4), (1, 2, 0)),
    ((2, 3, 4), (-1, 0, 1)),  # negative axes
    ((2, 2, 2, 2), (2, 0, 3, 1)),
    ((2, 2, 2, 2), (3, 2, 0, 1)),
    ((2, 3, 4, 5), (1, 3, 0, 2)),
]
APPLY = {
    "permute(*axes)": lambda x, axes: x.permute(*axes),
    "permute(axes)": lambda x, axes: x.permute(axes),
    "np.transpose": lambda x, axes: np.transpose(x, axes),
}


def test_the_example_permutations_are_not_their_own_inverse():
    assert not any(is_its_own_inverse(tuple(a % len(s) for a in axes)) for s, axes in PERMUTATIONS)


@pytest.mark.parametrize("how", APPLY)
@pytest.mark.parametrize("shape, axes", PERMUTATIONS, ids=[f"{s}-{a}" for s, a in PERMUTATIONS])
def test_permutation_values_and_gradient(shape, axes, how):
    data = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)  # every element distinct
    x = tg.Tensor(data, requires_grad=True)
    y = APPLY[how](x, axes)
    expected = permuted_by_index(data, axes)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y.numpy(), expected)
    g = 1000.0 + np.arange(expected.size, dtype=np.float64).reshape(expected.shape)  # distinct weights
    (y * tg.Tensor(g)).sum().backward()
    np.testing.assert_array_equal(x.grad, gradient_by_index(g, shape, axes))


def test_every_permutation_of_four_equal_axes_has_the_right_gradient():
    shape = (2, 2, 2, 2)
    data = np.arange(16.0).reshape(shape)
    for axes in itertools.permutations(range(4)):
        x = tg.Tensor(data, requires_grad=True)
        g = np.arange(16.0).reshape(shape) * 10 + 1
        (x.permute(*axes) * tg.Tensor(g)).sum().backward()
        np.testing.assert_array_equal(x.grad, gradient_by_index(g, shape, axes), err_msg=str(axes))


def test_a_permutation_followed_by_its_inverse_is_the_identity_with_gradient_one():
    shape, axes = (2, 3, 4, 5), (1, 3, 0, 2)
    inverse = tuple(axes.index(k) for k in range(4))  # where each original axis went
    data = np.arange(120.0).reshape(shape)
    x = tg.Tensor(data, requires_grad=True)
    y = x.permute(*axes).permute(*inverse)
    np.testing.assert_array_equal(y.numpy(), data)
    (y * tg.Tensor(data)).sum().backward()
    np.testing.assert_array_equal(x.grad, data)
