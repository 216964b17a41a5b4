"""analysis.relu: elbows, slopes and dead units of ReLU networks on 1-D input."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import analysis, nn


def net_with(w1, b1, w2=None):
    w1 = np.asarray(w1, dtype=np.float64).reshape(-1, 1)
    net = nn.Sequential(nn.Linear(1, len(w1)), nn.ReLU(), nn.Linear(len(w1), 1))
    net[0].weight.data = w1
    net[0].bias.data = np.asarray(b1, dtype=np.float64)
    if w2 is not None:
        net[2].weight.data = np.asarray(w2, dtype=np.float64).reshape(1, -1)
    return net


def test_elbows_and_slopes_of_a_hand_built_net():
    net = net_with([2.0, -0.5, 4.0], [-1.0, 0.25, 2.0])
    result = analysis.relu_elbows(net)
    np.testing.assert_allclose(result.elbows, [0.5, 0.5, -0.5], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(result.slopes, [2.0, -0.5, 4.0])
    elbows, slopes = result  # a named tuple unpacks
    assert elbows is result.elbows and slopes is result.slopes


def test_each_elbow_is_where_its_unit_starts_to_fire():
    rng = np.random.default_rng(3)
    w, b = rng.normal(size=6), rng.normal(size=6)
    elbows = analysis.relu_elbows(net_with(w, b)).elbows
    np.testing.assert_allclose(w * elbows + b, 0.0, atol=1e-12)


def test_zero_weight_has_no_elbow():
    result = analysis.relu_elbows(net_with([0.0, 1.0, 0.0], [1.0, -0.3, 0.0]))
    assert np.isnan(result.elbows[0]) and np.isnan(result.elbows[2])
    assert result.elbows[1] == pytest.approx(0.3)


def test_works_on_a_bare_linear_layer_an_mlp_and_without_bias():
    layer = nn.Linear(1, 4)
    expected = -layer.bias.numpy() / layer.weight.numpy()[:, 0]
    np.testing.assert_allclose(analysis.relu_elbows(layer).elbows, expected)
    mlp = nn.MLP(1, [5, 3], 1)
    assert analysis.relu_elbows(mlp).elbows.shape == (5,)
    np.testing.assert_array_equal(analysis.relu_elbows(nn.Linear(1, 3, bias=False)).elbows, 0.0)


def test_relu_elbows_rejects_bad_models():
    with pytest.raises(ValueError, match="in_features=2"):
        analysis.relu_elbows(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))
    with pytest.raises(ValueError, match="no nn.Linear"):
        analysis.relu_elbows(nn.Sequential(nn.ReLU()))
    with pytest.raises(TypeError, match="nn.Module"):
        analysis.relu_elbows(np.ones((3, 1)))


def test_standard_normal_init_gives_cauchy_elbows():
    rng = np.random.default_rng(0)
    layer = nn.Linear(1, 200_000)
    nn.init.normal_(layer.weight, 0.0, 1.0, rng=rng)
    nn.init.normal_(layer.bias, 0.0, 1.0, rng=rng)
    elbows = analysis.relu_elbows(layer).elbows
    # |standard Cauchy| has median 1; the sample median's standard error here is π/(2√n) ≈ 0.0035.
    assert np.median(np.abs(elbows)) == pytest.approx(1.0, abs=0.02)
    # P(0 ≤ elbow ≤ 1) = arctan(1)/π = 1/4, and P(|elbow| > 10) = 1 − 2·arctan(10)/π ≈ 0.0635.
    assert np.mean((elbows >= 0) & (elbows <= 1)) == pytest.approx(0.25, abs=0.005)
    assert np.mean(np.abs(elbows) > 10) == pytest.approx(1 - 2 / np.pi * np.arctan(10), abs=0.003)
    # Dead on data in [0, 1] iff b ≤ 0 and w + b ≤ 0: a 135° wedge of the plane, 3/8.
    assert analysis.dead_relus(layer, np.linspace(0, 1, 21)).mean() == pytest.approx(0.375, abs=0.005)


def test_dead_relus_flags_units_zero_on_every_sample():
    # elbows at 0.5 (rising: alive), 5 (rising: dead on [0, 1]), -1 (falling: dead), 2 (falling: alive).
    net = net_with([1.0, 1.0, -1.0, -1.0], [-0.5, -5.0, -1.0, 2.0])
    x = np.linspace(0, 1, 11)
    np.testing.assert_array_equal(analysis.dead_relus(net, x), [False, True, True, False])
    np.testing.assert_array_equal(analysis.dead_relus(net, x[:, None]), [False, True, True, False])
    np.testing.assert_array_equal(analysis.dead_relus(net, tg.Tensor(x[:, None])), [False, True, True, False])
    # on data right of 0.5 only the first unit's region changes nothing; left of 0.5 it is dead too
    np.testing.assert_array_equal(analysis.dead_relus(net, [0.1, 0.2, 0.5]), [True, True, True, False])


def test_pre_activation_exactly_zero_counts_as_dead():
    net = net_with([0.0, 0.0], [0.0, 1e-300])
    np.testing.assert_array_equal(analysis.dead_relus(net, [0.0, 1.0]), [True, False])


def test_dead_units_get_exactly_zero_gradient():
    rng = np.random.default_rng(1)
    net = net_with(rng.normal(size=12), rng.normal(size=12), rng.normal(size=12))
    x = np.linspace(0, 1, 30)[:, None]
    dead = analysis.dead_relus(net, x)
    assert dead.any() and not dead.all()
    nn.functional.mse_loss(net(tg.Tensor(x)), tg.Tensor(np.sin(6 * x))).backward()
    gradient = np.abs(net[0].weight.grad[:, 0]) + np.abs(net[0].bias.grad)
    assert np.all(gradient[dead] == 0.0)
    assert np.all(gradient[~dead] > 0.0)


def test_dead_relus_of_a_deeper_layer():
    mlp = nn.MLP(1, [4, 3], 1)
    first, second = [m for m in mlp.modules() if isinstance(m, nn.Linear)][:2]
    second.weight.data = np.zeros((3, 4))
    second.bias.data = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(analysis.dead_relus(mlp, np.linspace(0, 1, 5), layer=1), [True, True, False])
    assert analysis.dead_relus(mlp, np.linspace(0, 1, 5), layer=0).shape == (4,)


def test_dead_relus_rejects_bad_input():
    net = net_with([1.0, 2.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="in_features=1"):
        analysis.dead_relus(net, np.ones((4, 2)))
    with pytest.raises(ValueError, match="empty"):
        analysis.dead_relus(net, np.ones((0, 1)))
    with pytest.raises(ValueError, match="only 2 Linear"):
        analysis.dead_relus(net, np.ones(3), layer=2)
    with pytest.raises(ValueError, match="layer must be"):
        analysis.dead_relus(net, np.ones(3), layer=-1)
    with pytest.raises(TypeError, match="x must be numbers"):
        analysis.dead_relus(net, ["a", "b"])
    with pytest.raises(TypeError, match="nn.Module"):
        analysis.dead_relus("net", np.ones(3))


def test_unit_contributions_add_up_to_the_network():
    rng = np.random.default_rng(2)
    net = net_with(rng.normal(size=7), rng.normal(size=7), rng.normal(size=7))
    x = np.linspace(-2, 2, 50)
    pieces = analysis.unit_contributions(net[0].weight.numpy(), net[0].bias.numpy(), net[2].weight.numpy(), x)
    with tg.no_grad():
        output = net(tg.Tensor(x[:, None])).numpy()[:, 0]
    np.testing.assert_allclose(pieces.sum(axis=1) + net[2].bias.numpy()[0], output, atol=1e-12)
    with pytest.raises(ValueError, match="one entry per unit"):
        analysis.unit_contributions([1.0, 2.0], [0.0], [1.0, 1.0], x)


def test_elbow_history_and_elbows_from_weights():
    history = analysis.elbow_history([[1.0, -2.0], [0.0, 4.0]], [[-0.5, 1.0], [3.0, -2.0]])
    np.testing.assert_array_equal(history[0], [0.5, 0.5])
    assert np.isnan(history[1, 0]) and history[1, 1] == 0.5
    np.testing.assert_array_equal(analysis.elbows_from_weights(np.array([[2.0], [4.0]]), [1.0, -1.0]), [-0.5, 0.25])
    with pytest.raises(ValueError, match="same units"):
        analysis.elbows_from_weights([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="snapshots, units"):
        analysis.elbow_history([1.0, 2.0], [1.0, 2.0])


# ---------------------------------------------------------------- audit: bad input
@pytest.mark.parametrize("x", [np.array([1j, 1.0]), None, np.array(["a"])])
def test_dead_relus_refuses_non_real_input(x):
    net = nn.Sequential(nn.Linear(1, 3), nn.ReLU(), nn.Linear(3, 1))
    with pytest.raises(TypeError, match="x must be numbers"):
        analysis.dead_relus(net, x)
