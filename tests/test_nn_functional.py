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
    (np.eye(3, dtype=int)[:2], "class probabilities and must be floating point"),  # PyTorch refuses these too
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
    # PyTorch's loss modules show no options in their repr (cross-checked against torch 2.13)
    assert repr(nn.L1Loss(reduction="sum")) == "L1Loss()"
    assert repr(nn.CrossEntropyLoss(label_smoothing=0.1)) == "CrossEntropyLoss()"


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


# ---------------------------------------------------------------- audit: PyTorch's cross_entropy options
# Expected values below were computed with torch 2.13 (torch.nn.functional.cross_entropy, float64).
CE_LOGITS = [[1.0, -0.5, 2.0], [0.3, 0.8, -1.2], [-2.0, 0.1, 0.4], [0.0, 3.0, -1.0]]
CE_TARGETS = [2, -100, 0, 1]  # -100 is PyTorch's default ignore_index
CE_WEIGHT = [0.5, 2.0, 1.5]
CE_EXPECTED = {  # options -> (mean, sum, none, gradient of the mean)
    "plain": (1.1475259965532614, 3.442577989659784,
              [0.37153903185268283, 0.0, 3.0051550540496716, 0.06588390375742911],
              [[0.0845720605450084, 0.018870577413490425, -0.1034426379584988], [0.0, 0.0, 0.0],
               [-0.3168229754201873, 0.1348263880360565, 0.18199658738413074],
               [0.01553754085932463, -0.021253482707831412, 0.005715941848506796]]),
    "weight": (0.5479134705796795, 2.191653882318718,
               [0.5573085477790243, 0.0, 1.5025775270248358, 0.13176780751485823],
               [[0.09514356811313446, 0.02122939959017673, -0.11637296770331115], [0.0, 0.0, 0.0],
                [-0.11880861578257024, 0.05055989551352119, 0.06824872026904903],
                [0.023306311288986945, -0.03188022406174712, 0.008573912772760194]]),
    "smoothing": (1.2808593298865947, 3.842577989659784,
                  [0.6048723651860162, 0.0, 2.705155054049672, 0.5325505704240958],
                  [[0.062349838322786184, -0.0033516448087317977, -0.058998193514054345], [0.0, 0.0, 0.0],
                   [-0.2723785309757428, 0.11260416581383426, 0.1597743651619085],
                   [-0.006684681362897596, 0.02319096173661299, -0.01650628037371543]]),
    "weight+smoothing": (0.7545026424410626, 3.0180105697642503,
                         [0.9115905800506017, 0.0, 1.4834367026997812, 0.6229832870138676],
                         [[0.08469593326617594, -0.012575698178493858, -0.07212023508768202], [0.0, 0.0, 0.0],
                          [-0.1000781543767603, 0.034079860684694915, 0.06599829369206536],
                          [0.013419223869721152, 0.0035784575423693987, -0.016997681412090487]]),
}
CE_OPTIONS = {"plain": {}, "weight": {"weight": CE_WEIGHT}, "smoothing": {"label_smoothing": 0.2},
              "weight+smoothing": {"weight": CE_WEIGHT, "label_smoothing": 0.2}}


@pytest.mark.parametrize("options", list(CE_OPTIONS))
def test_cross_entropy_weight_ignore_index_and_label_smoothing_match_pytorch(options):
    mean, total, per_sample, grad = CE_EXPECTED[options]
    kwargs = CE_OPTIONS[options]
    logits = tg.Tensor(CE_LOGITS, requires_grad=True)
    loss = F.cross_entropy(logits, CE_TARGETS, **kwargs)
    loss.backward()
    np.testing.assert_allclose(loss.item(), mean, rtol=1e-12)
    np.testing.assert_allclose(logits.grad, grad, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(F.cross_entropy(tg.Tensor(CE_LOGITS), CE_TARGETS, reduction="sum", **kwargs).item(),
                               total, rtol=1e-12)
    module = nn.CrossEntropyLoss(kwargs.get("weight"), reduction="none", label_smoothing=kwargs.get("label_smoothing", 0.0))
    np.testing.assert_allclose(module(tg.Tensor(CE_LOGITS), CE_TARGETS).data, per_sample, rtol=1e-12, atol=1e-15)


def test_cross_entropy_ignore_index_choice_and_all_ignored():
    value = F.cross_entropy(tg.Tensor(CE_LOGITS), [2, 1, 0, 1], ignore_index=1).item()
    np.testing.assert_allclose(value, 1.6883470429511773, rtol=1e-12)  # torch 2.13
    with np.errstate(invalid="ignore"):
        assert np.isnan(F.cross_entropy(tg.Tensor(CE_LOGITS), [-100] * 4).item())  # 0/0, as in PyTorch
    assert F.cross_entropy(tg.Tensor(CE_LOGITS), [-100] * 4, reduction="sum").item() == 0.0
    with pytest.raises(IndexError, match="out of bounds"):  # only ignore_index itself is skipped
        F.cross_entropy(tg.Tensor(CE_LOGITS), [2, -99, 0, 1])


def test_cross_entropy_with_class_probabilities_matches_pytorch():
    probabilities = [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.1, 0.1, 0.8]]
    logits = tg.Tensor(CE_LOGITS, requires_grad=True)
    loss = F.cross_entropy(logits, tg.Tensor(probabilities))
    loss.backward()
    np.testing.assert_allclose(loss.item(), 1.6743837273254436, rtol=1e-12)  # torch 2.13
    np.testing.assert_allclose(logits.grad[0], [0.013429045408756307, -0.06084706693988218, 0.0474180215311259],
                               rtol=1e-9)
    per_sample = F.cross_entropy(tg.Tensor(CE_LOGITS), np.array(probabilities), CE_WEIGHT, reduction="none",
                                 label_smoothing=0.1)
    np.testing.assert_allclose(per_sample.data, [2.1577303074814425, 0.6570582031244945, 1.3638065506681891,
                                                 4.7997630149044355], rtol=1e-12)


def test_cross_entropy_one_sample_target_of_shape_one():
    logits = tg.Tensor(CE_LOGITS[0])
    for target in (2, [2], np.array([2])):  # PyTorch accepts () and (1,) for unbatched logits
        np.testing.assert_allclose(F.cross_entropy(logits, target).item(), 0.37153903185268283, rtol=1e-12)
    with pytest.raises(ValueError, match="target shape"):
        F.cross_entropy(logits, [2, 0])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"weight": [1.0, 2.0]}, ValueError, r"one value per class, shape \(3,\)"),
    ({"weight": "abc"}, TypeError, "weight"),
    ({"label_smoothing": 1.5}, ValueError, "between 0.0 and 1.0"),
    ({"label_smoothing": "0.1"}, TypeError, "label_smoothing"),
    ({"ignore_index": 1.5}, TypeError, "ignore_index"),
])
def test_cross_entropy_bad_options(kwargs, error, message):
    with pytest.raises(error, match=message):
        F.cross_entropy(tg.Tensor(CE_LOGITS), [0, 1, 2, 0], **kwargs)


def test_cross_entropy_options_keep_float32():
    logits = tg.Tensor(np.array(CE_LOGITS, dtype=np.float32))
    assert F.cross_entropy(logits, CE_TARGETS, CE_WEIGHT, label_smoothing=0.1).dtype == np.float32
    assert F.cross_entropy(logits, np.eye(3)[[0, 1, 2, 0]]).dtype == np.float32


def test_linear_with_a_bias_of_the_wrong_length_names_it():
    with pytest.raises(ValueError, match=r"bias of shape \(3,\).*expected shape \(4,\)"):
        F.linear(tg.ones(2, 3), tg.ones(4, 3), tg.zeros(3))


def test_cross_entropy_loss_first_argument_is_the_weight_like_pytorch():
    with pytest.raises(TypeError, match="reduction='sum' by keyword"):
        nn.CrossEntropyLoss("sum")
    loss = nn.CrossEntropyLoss(CE_WEIGHT, reduction="sum")
    np.testing.assert_allclose(loss(tg.Tensor(CE_LOGITS), CE_TARGETS).item(), 2.191653882318718, rtol=1e-12)
