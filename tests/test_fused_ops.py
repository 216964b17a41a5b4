"""The fused ops (ops/fused.py): same values and gradients as the unfused compositions,
first and second derivatives checked against finite differences, dtype kept, bad shapes refused."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.ops.fused import Linear, MSELoss
from tinygrad_edu.testing import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def leaf(*shape, dtype=np.float64):
    return tg.Tensor(rng.normal(size=shape).astype(dtype), requires_grad=True)


# --------------------------------------------------------------------------- Linear
@pytest.mark.parametrize("x_shape", [(4, 3), (3,), (2, 4, 3)], ids=["batch", "one-sample", "two-batch-axes"])
@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no-bias"])
def test_linear_first_and_second_derivatives(x_shape, with_bias):
    inputs = [leaf(*x_shape), leaf(2, 3)] + ([leaf(2)] if with_bias else [])
    assert gradcheck(lambda *t: Linear.apply(*t), inputs)
    assert gradgradcheck(lambda *t: Linear.apply(*t), inputs)


def test_linear_second_derivative_through_a_nonlinearity():
    # d²/dW² of sum(tanh(x Wᵀ + b)²) is not zero, so gradgradcheck really exercises Linear's backward on Tensors.
    inputs = [leaf(5, 3), leaf(4, 3), leaf(4)]
    assert gradgradcheck(lambda x, w, b: (Linear.apply(x, w, b).tanh() ** 2).sum(), inputs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_matches_the_composition_and_keeps_dtype(dtype):
    x_values, w_values, b_values = rng.normal(size=(6, 3)), rng.normal(size=(4, 3)), rng.normal(size=4)
    fused = [tg.Tensor(v.astype(dtype), requires_grad=True) for v in (x_values, w_values, b_values)]
    plain = [tg.Tensor(v.astype(dtype), requires_grad=True) for v in (x_values, w_values, b_values)]
    out_fused = Linear.apply(*fused)
    out_plain = plain[0] @ plain[1].T + plain[2]
    assert out_fused.dtype == dtype and out_fused.grad_fn.name == "Linear"
    np.testing.assert_allclose(out_fused.data, out_plain.data, rtol=1e-6)
    weights = rng.normal(size=(6, 4)).astype(dtype)
    (out_fused * weights).sum().backward()
    (out_plain * weights).sum().backward()
    for a, b in zip(fused, plain):
        assert a.grad.dtype == dtype
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-5, atol=1e-6)


def test_linear_skips_gradients_nobody_needs():
    x = tg.Tensor(rng.normal(size=(3, 2)))  # data: no gradient wanted
    w, b = leaf(4, 2), leaf(4)
    Linear.apply(x, w, b).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad, np.tile(x.data.sum(axis=0), (4, 1)))
    np.testing.assert_allclose(b.grad, np.full(4, 3.0))


def test_linear_without_grad_records_nothing():
    with tg.no_grad():
        out = Linear.apply(leaf(3, 2), leaf(4, 2), leaf(4))
    assert out.grad_fn is None and not out.requires_grad


@pytest.mark.parametrize(
    "shapes, message",
    [
        (((3, 2), (4,), None), "weight must be 2-D"),
        (((3, 5), (4, 2), None), r"last dimension must equal in_features"),
        (((3, 2), (4, 2), (3,)), r"expected shape \(4,\)"),
        (((), (4, 2), None), "does not fit weight"),
    ],
)
def test_linear_refuses_mismatched_shapes(shapes, message):
    tensors = [None if s is None else tg.Tensor(np.ones(s)) for s in shapes]
    with pytest.raises(ValueError, match=message):
        Linear.apply(*[t for t in tensors if t is not None])


# --------------------------------------------------------------------------- MSELoss
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_first_and_second_derivatives(reduction):
    inputs = [leaf(3, 2), leaf(3, 2)]  # the target requires grad too: both sides are checked
    assert gradcheck(lambda a, b: MSELoss.apply(a, b, reduction=reduction), inputs)
    assert gradgradcheck(lambda a, b: MSELoss.apply(a, b, reduction=reduction), inputs)


def test_mse_second_derivative_through_a_layer():
    inputs = [leaf(4, 3), leaf(2, 3), leaf(2)]
    target = tg.Tensor(rng.normal(size=(4, 2)))
    assert gradgradcheck(lambda x, w, b: MSELoss.apply(Linear.apply(x, w, b).tanh(), target), inputs)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mse_matches_the_composition_and_keeps_dtype(reduction, dtype):
    a_values, b_values = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    fused = [tg.Tensor(v.astype(dtype), requires_grad=True) for v in (a_values, b_values)]
    plain = [tg.Tensor(v.astype(dtype), requires_grad=True) for v in (a_values, b_values)]
    loss_fused = MSELoss.apply(*fused, reduction=reduction)
    squares = (plain[0] - plain[1]) ** 2
    loss_plain = {"mean": squares.mean(), "sum": squares.sum(), "none": squares}[reduction]
    assert loss_fused.dtype == dtype and loss_fused.shape == loss_plain.shape
    np.testing.assert_allclose(loss_fused.data, loss_plain.data, rtol=1e-5)
    upstream = rng.normal(size=loss_fused.shape).astype(dtype)
    loss_fused.backward(upstream)
    loss_plain.backward(upstream)
    for a, b in zip(fused, plain):
        assert a.grad.dtype == dtype
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-5, atol=1e-6)


def test_mse_value_and_gradient_by_hand():
    y = tg.Tensor([1.0, 2.0, 4.0], requires_grad=True)
    loss = MSELoss.apply(y, tg.Tensor([1.0, 1.0, 1.0]))
    assert loss.item() == pytest.approx(10 / 3)
    loss.backward()
    np.testing.assert_allclose(y.grad, [0.0, 2 / 3, 2.0])


def test_mse_refuses_broadcasting_and_unknown_reductions():
    with pytest.raises(ValueError, match=r"input shape \(3, 1\) and target shape \(3,\) differ"):
        MSELoss.apply(tg.Tensor(np.ones((3, 1))), tg.Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="reduction must be one of"):
        MSELoss.apply(tg.Tensor(np.ones(3)), tg.Tensor(np.ones(3)), reduction="avg")


def test_hessian_vector_product_through_fused_ops_matches_the_composition():
    # The use the analysis tools make of double backward: H v for an MLP's loss.
    x = tg.Tensor(rng.normal(size=(6, 2)))
    target = tg.Tensor(rng.normal(size=(6, 1)))
    values = [rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=(1, 3)), rng.normal(size=1)]
    vector = [rng.normal(size=v.shape) for v in values]

    def hvp(fused):
        w1, b1, w2, b2 = params = [tg.Tensor(v, requires_grad=True) for v in values]
        if fused:
            loss = MSELoss.apply(Linear.apply(Linear.apply(x, w1, b1).tanh(), w2, b2), target)
        else:
            loss = (((x @ w1.T + b1).tanh() @ w2.T + b2 - target) ** 2).mean()
        grads = tg.grad(loss, params, create_graph=True)
        dot = sum((g * tg.Tensor(v)).sum() for g, v in zip(grads, vector))
        return [h.data for h in tg.grad(dot, params)]

    for a, b in zip(hvp(True), hvp(False)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
