"""nn.functional and the loss modules: values, gradients (checked against PyTorch), errors."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F


def test_functional_is_importable_both_ways():
    from tinygrad_edu.nn import functional

    assert functional is tg.nn.functional is F


def test_activations_and_linear():
    x = tg.Tensor([[-1.0, 0.5]])
    assert F.relu(x).tolist() == [[0.0, 0.5]]
    assert F.leaky_relu(x, 0.1).tolist() == [[-0.1, 0.5]]
    np.testing.assert_allclose(F.sigmoid(x).data, 1 / (1 + np.exp([[1.0, -0.5]])))
    np.testing.assert_allclose(F.tanh(x).data, np.tanh([[-1.0, 0.5]]))
    w, b = tg.Tensor([[1.0, 2.0], [3.0, 4.0], [0.0, 1.0]]), tg.Tensor([1.0, 1.0, 1.0])
    assert F.linear(x, w, b).tolist() == [[1.0, 0.0, 1.5]]
    assert F.linear(x, w).tolist() == [[0.0, -1.0, 0.5]]
    with pytest.raises(ValueError, match=r"\(1, 2\).*\(2, 3\)"):
        F.linear(x, w.T)


def test_softmax_and_log_softmax_along_dim_or_axis():
    x = tg.Tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 1000.0]])
    expected = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    np.testing.assert_allclose(F.softmax(x, dim=1).data[0], expected)
    np.testing.assert_allclose(F.softmax(x, axis=-1).data[1], [0.0, 0.0, 1.0])
    np.testing.assert_allclose(F.log_softmax(x, 1).data[0], np.log(expected))
    assert np.isfinite(F.log_softmax(x, dim=1).data).all()
    np.testing.assert_allclose(F.softmax(x, dim=0).data.sum(axis=0), [1.0, 1.0, 1.0])
    with pytest.raises(TypeError):
        F.softmax(x, dim=0, axis=1)


@pytest.mark.parametrize("reduction, expected", [("mean", 7.0 / 3), ("sum", 7.0), ("none", [1.0, 0.0, 6.0])])
def test_mse_and_l1_reductions(reduction, expected):
    x, y = tg.Tensor([1.0, 2.0, 3.0]), tg.Tensor([2.0, 2.0, 3.0 - 6.0**0.5])
    np.testing.assert_allclose(F.mse_loss(x, y, reduction=reduction).data, expected)
    l1 = F.l1_loss(tg.Tensor([1.0, 2.0, 3.0]), [2.0, 2.0, -3.0], reduction=reduction).data
    np.testing.assert_allclose(l1, {"mean": 7.0 / 3, "sum": 7.0, "none": [1.0, 0.0, 6.0]}[reduction])


def test_mse_gradient_is_two_times_error_over_n():
    x = tg.Tensor([1.0, 2.0, 4.0], requires_grad=True)
    F.mse_loss(x, np.array([0.0, 2.0, 1.0])).backward()
    np.testing.assert_allclose(x.grad, 2 * np.array([1.0, 0.0, 3.0]) / 3)


def test_loss_shape_mismatch_is_an_error_naming_both_shapes():
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        F.mse_loss(tg.zeros(4, 1), tg.zeros(4))
    with pytest.raises(ValueError, match=r"\(3,\).*\(1, 3\)"):
        F.l1_loss(tg.zeros(3), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(tg.zeros(3), tg.zeros(3), reduction="average")
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(TypeError):
        F.mse_loss(tg.zeros(2), ["a", "b"])


def test_float32_loss_stays_float32_with_float64_target():
    loss = F.mse_loss(tg.ones(3, dtype=np.float32), np.zeros(3))
    assert loss.dtype == np.float32


# torch.nn.functional.cross_entropy on this machine (torch 2.13, float64):
LOGITS = [[2.0, -1.0, 0.5], [0.1, 0.2, 0.3], [-3.0, 5.0, 1.0], [1000.0, 0.0, -1000.0]]
TARGETS = [0, 2, 1, 1]
TORCH_LOSS = 250.31543336187028
TORCH_PER_SAMPLE = [0.24131129665715703, 1.001942848229244, 0.018479302594657417, 1000.0]
TORCH_GRAD = [
    [-0.05360074135268103, 0.009778143317671862, 0.04382259803500917],
    [0.07515240133893183, 0.08305624838333683, -0.1582086497222686],
    [8.233010974097319e-05, -0.004577401793623842, 0.0044950716838828885],
    [0.25, -0.25, 0.0],
]


@pytest.mark.parametrize("targets", [TARGETS, np.array(TARGETS), np.array(TARGETS, dtype=np.uint8),
                                     tg.Tensor(TARGETS)])
def test_cross_entropy_matches_pytorch(targets):
    logits = tg.Tensor(LOGITS, requires_grad=True)
    loss = F.cross_entropy(logits, targets)
    loss.backward()
    np.testing.assert_allclose(loss.item(), TORCH_LOSS, rtol=1e-12)
    np.testing.assert_allclose(logits.grad, TORCH_GRAD, rtol=1e-9, atol=1e-15)
    per_sample = nn.CrossEntropyLoss(reduction="none")(tg.Tensor(LOGITS), targets)
    np.testing.assert_allclose(per_sample.data, TORCH_PER_SAMPLE, rtol=1e-12)
    total = F.cross_entropy(tg.Tensor(LOGITS), targets, reduction="sum").item()
    np.testing.assert_allclose(total, sum(TORCH_PER_SAMPLE), rtol=1e-12)


def test_cross_entropy_unbatched_and_spatial():
    np.testing.assert_allclose(F.cross_entropy(tg.Tensor([0.0, 0.0, 0.0, 0.0]), 3).item(), np.log(4))
    logits = tg.Tensor(np.sin(np.arange(24.0)).reshape(2, 3, 4))
    value = F.cross_entropy(logits, [[0, 1, 2, 1], [2, 2, 0, 1]]).item()
    np.testing.assert_allclose(value, 1.1070728779410623, rtol=1e-12)  # torch's value


def test_cross_entropy_second_derivative_exists():
    logits = tg.Tensor([[0.3, -0.2, 0.1]], requires_grad=True)
    (g,) = tg.grad(F.cross_entropy(logits, [1]), logits, create_graph=True)
    (h,) = tg.grad(g.sum() * 0 + (g * g).sum(), logits)
    assert np.isfinite(h.data).all() and np.abs(h.data).sum() > 0


@pytest.mark.parametrize("targets, message", [
    ([0, 3], "out of bounds"),
    ([-1, 0], "out of bounds"),
    ([0.5, 1.0], "whole numbers"),
    ([0, 1, 1], "target shape"),
    ([[0, 1]], "target shape"),
    (np.array([True, False]), "integer class indices"),
    (np.eye(3)[:2], "one-hot"),
])
def test_cross_entropy_bad_targets(targets, message):
    with pytest.raises(ValueError, match=message):
        F.cross_entropy(tg.zeros(2, 3), targets)


def test_cross_entropy_out_of_range_is_also_an_index_error():
    with pytest.raises(IndexError):
        F.cross_entropy(tg.zeros(1, 2), [2])
    with pytest.raises(ValueError, match="class dimension"):
        F.cross_entropy(tg.Tensor(1.0), 0)


def test_loss_modules_keep_their_reduction():
    x, y = tg.Tensor([1.0, 3.0]), tg.Tensor([0.0, 0.0])
    assert nn.MSELoss()(x, y).item() == 5.0
    assert nn.MSELoss(reduction="sum")(x, y).item() == 10.0
    assert nn.L1Loss(reduction="none")(x, y).tolist() == [1.0, 3.0]
    assert repr(nn.L1Loss(reduction="sum")) == "L1Loss(reduction='sum')"


# ---------------------------------------------------------------- audit: bad input
@pytest.mark.parametrize("weight", [None, "abc"])
def test_linear_with_a_weight_that_is_not_numbers(weight):
    with pytest.raises(TypeError, match="weight"):
        F.linear(tg.ones(2, 3), weight)


def test_linear_accepts_array_weight_and_bias():
    out = F.linear(tg.ones(2, 3), np.ones((4, 3)), np.zeros(4))
    assert out.shape == (2, 4) and out.tolist() == [[3.0] * 4] * 2


def test_cross_entropy_ragged_targets():
    with pytest.raises(ValueError, match="ragged"):
        F.cross_entropy(tg.zeros(3, 4), [0, [1], 1])


@pytest.mark.parametrize("target", [1e30, -1e30, 4.0])
def test_cross_entropy_huge_float_target_is_reported_as_it_is(target):
    with pytest.raises(IndexError, match="out of bounds for 4 classes"):
        F.cross_entropy(tg.zeros(3, 4), np.array([0.0, 1.0, target]))
