"""Graph semantics of backward() and grad(), and PyTorch's conventions at kinks and ties.

Expected values at kinks and ties were read off torch 2.13 on this machine and are
written here as numbers (the tests do not import torch).
"""

from __future__ import annotations

import gc
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.testing import gradgradcheck


def leaf(values, dtype=np.float64):
    return tg.Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ---------------------------------------------------------------- accumulation and retain_graph
def test_gradients_accumulate_across_backward_calls_until_cleared():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [4.0, 8.0])
    x.grad = None
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 3.0])


def test_retain_graph_allows_a_second_backward_and_accumulates():
    x = leaf(2.0)
    y = x * x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad == pytest.approx(24.0)


def test_second_backward_through_a_released_graph_raises_runtime_error():
    x = leaf(2.0)
    y = (x * x).exp()
    y.backward()
    with pytest.raises(RuntimeError, match="second time|retain_graph"):
        y.backward()


def test_backward_through_a_released_subgraph_shared_by_a_new_output_raises():
    x = leaf([1.0, 2.0])
    hidden = x.tanh()
    hidden.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        (hidden * 2).sum().backward()


# ---------------------------------------------------------------- grad mode
def test_no_grad_context_records_nothing():
    x = leaf([1.0])
    with tg.no_grad():
        y = x * 2
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_no_grad_as_decorator_with_and_without_parentheses():
    x = leaf([1.0])

    @tg.no_grad()
    def called():
        return x * 2

    @tg.no_grad
    def bare():
        return x * 2

    assert not called().requires_grad
    assert not bare().requires_grad
    assert bare.__name__ == "bare"
    assert tg.is_grad_enabled()


def test_no_grad_decorator_on_a_recursive_function_restores_grad_mode():
    @tg.no_grad()
    def countdown(n):
        assert not tg.is_grad_enabled()
        return 0 if n == 0 else countdown(n - 1)

    countdown(3)
    assert tg.is_grad_enabled()


def test_enable_grad_inside_no_grad_records_again():
    x = leaf([1.0])
    with tg.no_grad():
        with tg.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad

    @tg.enable_grad
    def recorded():
        return x * 3

    with tg.no_grad():
        assert recorded().requires_grad


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(KeyError), tg.no_grad():
        raise KeyError("inside no_grad")
    assert tg.is_grad_enabled()


# ---------------------------------------------------------------- detach, retain_grad, leaves
def test_detach_shares_data_and_stops_the_gradient():
    x = leaf([1.0, 2.0])
    y = x * 3
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), y.numpy())
    (x * d).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 6.0])  # d is a constant


def test_retain_grad_keeps_the_gradient_of_a_non_leaf():
    x = leaf([1.0, 2.0])
    hidden = x * 2
    kept = x * 3
    kept.retain_grad()
    (hidden * kept).sum().backward()
    assert hidden.grad is None  # non-leaves keep no .grad unless asked
    np.testing.assert_allclose(kept.grad, [2.0, 4.0])
    np.testing.assert_allclose(x.grad, [12.0, 24.0])


def test_retain_grad_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.Tensor([1.0]).retain_grad()


def test_diamond_reuse_sums_every_path():
    a = leaf(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0


def test_same_tensor_on_both_sides_of_mul():
    x = leaf([3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [6.0])


def test_leaf_grads_are_distinct_writable_arrays_when_an_op_passes_one_gradient_to_two_inputs():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    for grad in (a.grad, b.grad):
        assert isinstance(grad, np.ndarray) and grad.flags.writeable
    assert not np.shares_memory(a.grad, b.grad)
    a.grad[0] = 100.0
    assert b.grad[0] == 1.0


def test_leaf_grad_of_a_broadcast_or_reduced_tensor_is_a_writable_array_of_its_shape():
    x = leaf(np.ones((2, 3)))
    x.sum().backward()  # the backward of sum is a read-only broadcast view
    assert x.grad.flags.writeable and x.grad.shape == (2, 3)
    x.grad += 1
    np.testing.assert_allclose(x.grad, np.full((2, 3), 2.0))


def test_backward_with_gradient_for_a_non_scalar_output():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(gradient=np.array([1.0, 0.5, -1.0]))
    np.testing.assert_allclose(x.grad, [2.0, 2.0, -6.0])


def test_backward_of_a_non_scalar_without_gradient_raises():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        y.backward()


def test_backward_with_a_gradient_of_the_wrong_shape_names_both_shapes():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises((ValueError, RuntimeError), match=r"\(3,\).*\(2,\)"):
        y.backward(gradient=np.ones(3))


def test_broadcast_operand_gradient_is_summed_back_to_its_shape():
    a, b = leaf(np.ones((2, 3))), leaf([[1.0], [2.0]])
    (a * b).sum().backward()
    np.testing.assert_allclose(b.grad, [[3.0], [3.0]])
    np.testing.assert_allclose(a.grad, [[1.0] * 3, [2.0] * 3])


# ---------------------------------------------------------------- functional grad()
def test_grad_does_not_touch_dot_grad():
    x = leaf([1.0, 2.0])
    (g,) = tg.grad((x * x).sum(), x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])
    assert x.grad is None and not g.requires_grad


def test_grad_with_create_graph_gives_second_derivatives():
    x = leaf([0.5, -1.0])
    (g,) = tg.grad((x**3).sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = tg.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.numpy())


def test_grad_allow_unused():
    x, unused = leaf([1.0]), leaf([2.0])
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused"):
        tg.grad(y, [x, unused], retain_graph=True)
    gx, gu = tg.grad(y, [x, unused], allow_unused=True)
    np.testing.assert_allclose(gx.numpy(), [2.0])
    assert gu is None


def test_grad_with_grad_outputs_for_a_non_scalar_output():
    x = leaf([1.0, 2.0])
    (g,) = tg.grad(x * x, x, grad_outputs=np.array([1.0, -1.0]))
    np.testing.assert_allclose(g.numpy(), [2.0, -4.0])


def test_grad_with_respect_to_a_non_leaf_input():
    x = leaf([1.0, 2.0])
    hidden = x * 3
    (g,) = tg.grad((hidden * hidden).sum(), hidden)
    np.testing.assert_allclose(g.numpy(), 2 * hidden.numpy())


def test_grad_of_several_outputs_adds_them():
    x = leaf([1.0, 2.0])
    (g,) = tg.grad([(x * x).sum(), (3 * x).sum()], x)
    np.testing.assert_allclose(g.numpy(), [5.0, 7.0])


def test_hessian_vector_product_by_double_backward():
    x = leaf([1.0, 2.0])
    (g,) = tg.grad((x[0] ** 2 * x[1] ** 3), x, create_graph=True)
    v = np.array([1.0, -1.0])
    (hv,) = tg.grad((g * v).sum(), x)
    # Hessian of x0² x1³ at (1, 2): [[2 x1³, 6 x0 x1²], [6 x0 x1², 6 x0² x1]] = [[16, 24], [24, 12]]
    np.testing.assert_allclose(hv.numpy(), [16.0 - 24.0, 24.0 - 12.0])


@pytest.mark.parametrize(
    "name, fn, third",
    [
        ("tanh", lambda x: x.tanh(), lambda x: -2 * (1 - np.tanh(x) ** 2) * (1 - 3 * np.tanh(x) ** 2)),
        ("exp", lambda x: x.exp(), np.exp),
        ("log", lambda x: x.log(), lambda x: 2 / x**3),
        ("x**4", lambda x: x**4, lambda x: 24 * x),
        ("sigmoid", lambda x: x.sigmoid(), lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s) * (1 - 6 * s + 6 * s * s)),
    ],
)
def test_third_derivatives(name, fn, third):
    x = leaf([0.3, 0.8, 1.7])
    (d1,) = tg.grad(fn(x).sum(), x, create_graph=True)
    (d2,) = tg.grad(d1.sum(), x, create_graph=True)
    (d3,) = tg.grad(d2.sum(), x)
    np.testing.assert_allclose(d3.numpy(), third(x.numpy()), rtol=1e-10)


def test_third_derivative_of_matmul_softmax_by_gradgradcheck_of_the_first_derivative():
    rng = np.random.default_rng(0)
    w = tg.Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    x = tg.Tensor(rng.standard_normal((2, 3)), requires_grad=True)

    def first_derivative(x, w):
        loss = ((x @ w).softmax(axis=-1) * np.array([1.0, -2.0])).sum()
        return tg.grad(loss, [x, w], create_graph=True)

    assert gradgradcheck(first_derivative, [x, w])


# ---------------------------------------------------------------- PyTorch's conventions at kinks and ties
CONVENTIONS = [
    # (description, function, input, expected gradient of the sum) — values from torch 2.13
    ("relu'(0) = 0", lambda x: x.relu(), [0.0, 1.0, -1.0], [0.0, 1.0, 0.0]),
    ("abs'(0) = 0", lambda x: x.abs(), [0.0, 1.0, -1.0], [0.0, 1.0, -1.0]),
    ("leaky_relu'(0) = slope", lambda x: x.leaky_relu(0.01), [-1.0, 0.0, 1.0, 2.0], [0.01, 0.01, 1.0, 1.0]),
    ("clip ends pass the gradient", lambda x: x.clip(-1.0, 1.0), [-1.0, 0.0, 1.0], [1.0, 1.0, 1.0]),
    ("clip low only", lambda x: x.clip(0.0, None), [-1.0, 0.0, 1.0, 2.0], [0.0, 1.0, 1.0, 1.0]),
    ("max ties share equally", lambda x: x.max(), [1.0, 3.0, 3.0, 2.0], [0.0, 0.5, 0.5, 0.0]),
    ("min ties share equally", lambda x: x.min(), [2.0, 1.0, 1.0, 1.0], [0.0, 1 / 3, 1 / 3, 1 / 3]),
    ("max over an axis with ties", lambda x: x.amax(axis=1), [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]],
     [[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]]),
    ("min over axis 0 with ties", lambda x: x.amin(axis=0), [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]],
     [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]),
    ("x**0 has slope 0 at 0", lambda x: x**0.0, [0.0, 2.0], [0.0, 0.0]),
    ("x**2 at 0", lambda x: x**2, [0.0], [0.0]),
    ("0**x has slope 0", lambda x: 0.0**x, [0.0, 1.0], [0.0, 0.0]),
]


@pytest.mark.parametrize("description, fn, values, expected", CONVENTIONS, ids=[c[0] for c in CONVENTIONS])
def test_pytorch_conventions_at_kinks_and_ties(description, fn, values, expected):
    x = leaf(values)
    fn(x).sum().backward()
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)


@pytest.mark.parametrize("op", [tg.maximum, tg.minimum])
def test_elementwise_maximum_and_minimum_split_ties_equally(op):
    a, b = leaf([1.0, 2.0, 0.0]), leaf([1.0, 1.0, 1.0])
    op(a, b).sum().backward()
    a_wins = [0.5, 1.0, 0.0] if op is tg.maximum else [0.5, 0.0, 1.0]
    np.testing.assert_allclose(a.grad, a_wins)
    np.testing.assert_allclose(b.grad, 1 - np.array(a_wins))


def test_pow_gradient_with_respect_to_the_exponent_is_zero_where_the_base_is_zero():
    base, exponent = leaf([0.0, 0.0, 2.0]), leaf([0.0, 2.0, 0.0])
    (base**exponent).sum().backward()
    np.testing.assert_allclose(base.grad, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(exponent.grad, [0.0, 0.0, np.log(2.0)])


def test_sqrt_at_zero_has_infinite_slope_like_pytorch():
    x = leaf([0.0])
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert np.isposinf(x.grad[0])


# ---------------------------------------------------------------- deep graphs and memory
def test_backward_through_a_100000_node_chain_needs_no_recursion():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # iterative traversal must not depend on the limit
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert x.grad == 1.0


def _train_step(x, w):
    loss = ((x @ w).tanh().softmax(axis=-1) * x.sum(axis=1, keepdims=True)).sum() + (w * w).mean()
    loss.backward()
    (g,) = tg.grad((w**3).sum(), w, create_graph=True)
    tg.grad(g.sum(), w)


def test_forward_and_backward_leave_no_reference_cycles():
    rng = np.random.default_rng(0)
    x, w = tg.Tensor(rng.standard_normal((4, 3))), leaf(rng.standard_normal((3, 3)))
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            _train_step(x, w)
        assert gc.collect() == 0  # nothing was left for the cycle collector
    finally:
        gc.enable()


def _count_graph_objects() -> int:
    return sum(isinstance(o, (tg.Tensor, tg.Context)) for o in gc.get_objects())


def test_memory_stays_flat_over_repeated_steps():
    rng = np.random.default_rng(0)
    x, w = tg.Tensor(rng.standard_normal((4, 3))), leaf(rng.standard_normal((3, 3)))
    _train_step(x, w)
    gc.collect()
    before = _count_graph_objects()
    for _ in range(20):
        _train_step(x, w)
    gc.collect()
    assert _count_graph_objects() == before


# ---------------------------------------------------------------- PyTorch parity regressions


def test_set_grad_enabled_works_as_a_call_a_context_manager_and_a_decorator_like_pytorch():
    w = tg.Tensor([1.0], requires_grad=True)
    tg.set_grad_enabled(False)  # a plain call switches the mode at once (torch.set_grad_enabled does)
    assert not tg.is_grad_enabled() and not (w * 2).requires_grad
    tg.set_grad_enabled(True)
    assert tg.is_grad_enabled() and (w * 2).requires_grad
    with tg.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    with tg.no_grad():
        with tg.set_grad_enabled(True):
            assert tg.is_grad_enabled()
        assert not tg.is_grad_enabled()

    @tg.set_grad_enabled(False)
    def evaluate(x):
        return x * 2

    assert tg.is_grad_enabled()  # decorating does not switch the mode
    assert not evaluate(w).requires_grad and not evaluate(w).requires_grad
    assert tg.is_grad_enabled()


def test_accumulated_gradient_of_a_0d_leaf_stays_an_ndarray():
    x = tg.Tensor(3.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert type(x.grad) is np.ndarray
    assert x.grad.shape == ()
    assert float(x.grad) == 12.0
