"""Every initializer against PyTorch's formulas, on layers whose fan-in and fan-out differ.

On a square layer fan_in == fan_out, so a formula that uses the wrong fan still passes. The
shapes here make the two fans differ by a large factor (2000 vs 50, 800 vs 1600 for a
convolution-shaped weight), so each mix-up changes the bound or the std several times over.

The expected values are PyTorch's formulas (``torch.nn.init``), written out by hand:

- gain: 1 for linear/conv/sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for
  leaky_relu (slope 0.01 by default), 3/4 for selu;
- kaiming: std = gain / √fan, uniform bound = √3 · std (fan chosen by ``mode``);
- xavier: std = gain · √(2 / (fan_in + fan_out)), uniform bound = √3 · std;
- ``nn.Linear(in, out)``: weight and bias both U(-1/√in, 1/√in).

The checks are statistical but deterministic (seeded generators) and robust: every tolerance
is set from the number of draws so that a right initializer fails with a chance below 10⁻⁹
whatever the seed (see ``assert_uniform``), and the tensors are large (10⁴ to 10⁵ draws), so a
bound is pinned within 0.1 % and a std within 2 %.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import init

DENSE = (50, 2000)  # (out, in): fan_in = 2000, fan_out = 50
CONV = (64, 32, 5, 5)  # (out, in, kh, kw): fan_in = 32·25 = 800, fan_out = 64·25 = 1600
FANS = {DENSE: (2000, 50), CONV: (800, 1600)}


def assert_uniform(values: np.ndarray, low: float, high: float) -> None:
    """Within [low, high], reaching close to both ends, centred: U(low, high) for ``values.size`` draws.

    Of n uniform draws, none lands in the top fraction δ of the interval with probability
    (1 - δ)ⁿ ≈ e^(-δn); with δ = 21 / n that is below 10⁻⁹. The mean's tolerance is 6 standard
    errors (width / √(12 n)) for the same reason.
    """
    n, width = values.size, high - low
    assert values.min() >= low and values.max() <= high
    reach = 21.0 / n * width
    assert values.min() <= low + reach and values.max() >= high - reach
    assert abs(values.mean() - (low + high) / 2) <= 6 * width / math.sqrt(12 * n)


def assert_normal(values: np.ndarray, mean: float, std: float) -> None:
    """Sample std and mean of N(mean, std²) draws, each within 6 standard errors (about 2 % for 51,200 draws)."""
    n = values.size
    assert values.std() == pytest.approx(std, rel=6 / math.sqrt(2 * n))
    assert abs(values.mean() - mean) <= 6 * std / math.sqrt(n)


# ---------------------------------------------------------------- gains
@pytest.mark.parametrize(
    "nonlinearity, param, gain",
    [
        ("linear", None, 1.0), ("conv1d", None, 1.0), ("conv2d", None, 1.0), ("conv3d", None, 1.0),
        ("conv_transpose2d", None, 1.0), ("sigmoid", None, 1.0), ("tanh", None, 5.0 / 3.0),
        ("relu", None, math.sqrt(2.0)), ("relu", 0.3, math.sqrt(2.0)), ("selu", None, 0.75),
        ("leaky_relu", None, math.sqrt(2.0 / (1.0 + 0.01**2))), ("leaky_relu", 0.2, math.sqrt(2.0 / 1.04)),
        ("leaky_relu", 0, math.sqrt(2.0)), ("leaky_relu", math.sqrt(5), math.sqrt(1.0 / 3.0)),
    ],
)
def test_calculate_gain_follows_pytorchs_table(nonlinearity, param, gain):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(gain, rel=1e-15)


# ---------------------------------------------------------------- plain distributions
def test_uniform_fills_the_whole_asymmetric_interval():
    values = init.uniform_(tg.zeros(100_000), -1.0, 3.0, rng=np.random.default_rng(0)).numpy()
    assert_uniform(values, -1.0, 3.0)
    assert values.std() == pytest.approx(4.0 / math.sqrt(12.0), rel=0.02)  # (b - a) / √12


def test_normal_has_the_requested_mean_and_std():
    values = init.normal_(tg.zeros(100_000), mean=2.0, std=0.5, rng=np.random.default_rng(1)).numpy()
    assert_normal(values, 2.0, 0.5)


def test_the_same_seed_gives_the_same_values_and_another_seed_others():
    def draw(seed):
        return init.kaiming_uniform_(tg.zeros(*DENSE), rng=np.random.default_rng(seed)).numpy()

    np.testing.assert_array_equal(draw(3), draw(3))
    assert not np.array_equal(draw(3), draw(4))
    tg.manual_seed(5)
    first = init.xavier_normal_(tg.zeros(*DENSE)).numpy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(first, init.xavier_normal_(tg.zeros(*DENSE)).numpy())


# ---------------------------------------------------------------- kaiming (He)
KAIMING_CASES = [
    # (nonlinearity, a, gain by hand)
    ("leaky_relu", 0.0, math.sqrt(2.0)),  # the default: a = 0 makes leaky_relu's gain √2
    ("leaky_relu", 0.2, math.sqrt(2.0 / 1.04)),
    ("leaky_relu", math.sqrt(5), math.sqrt(1.0 / 3.0)),  # Linear's choice
    ("relu", 0.3, math.sqrt(2.0)),  # a is ignored for relu
    ("tanh", 0.0, 5.0 / 3.0),
    ("linear", 0.0, 1.0),
    ("selu", 0.0, 0.75),
]


@pytest.mark.parametrize("shape", [DENSE, CONV], ids=["dense", "conv"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity, a, gain", KAIMING_CASES, ids=[f"{c[0]}-{c[1]:.2f}" for c in KAIMING_CASES])
def test_kaiming_uniform_bound_is_gain_times_sqrt_3_over_fan(shape, mode, nonlinearity, a, gain):
    fan_in, fan_out = FANS[shape]
    bound = gain * math.sqrt(3.0 / (fan_in if mode == "fan_in" else fan_out))
    rng = np.random.default_rng(10)
    values = init.kaiming_uniform_(tg.zeros(*shape), a=a, mode=mode, nonlinearity=nonlinearity, rng=rng).numpy()
    assert_uniform(values, -bound, bound)


@pytest.mark.parametrize("shape", [DENSE, CONV], ids=["dense", "conv"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity, a, gain", KAIMING_CASES, ids=[f"{c[0]}-{c[1]:.2f}" for c in KAIMING_CASES])
def test_kaiming_normal_std_is_gain_over_sqrt_fan(shape, mode, nonlinearity, a, gain):
    fan_in, fan_out = FANS[shape]
    std = gain / math.sqrt(fan_in if mode == "fan_in" else fan_out)
    rng = np.random.default_rng(11)
    values = init.kaiming_normal_(tg.zeros(*shape), a=a, mode=mode, nonlinearity=nonlinearity, rng=rng).numpy()
    assert_normal(values, 0.0, std)


def test_kaiming_defaults_are_fan_in_and_leaky_relu_with_slope_0():
    rng = np.random.default_rng(12)
    values = init.kaiming_uniform_(tg.zeros(*DENSE), rng=rng).numpy()
    bound = math.sqrt(2.0) * math.sqrt(3.0 / 2000)
    assert_uniform(values, -bound, bound)
    assert_normal(init.kaiming_normal_(tg.zeros(*DENSE), rng=rng).numpy(), 0.0, math.sqrt(2.0 / 2000))


# ---------------------------------------------------------------- xavier (Glorot)
@pytest.mark.parametrize("shape", [DENSE, CONV], ids=["dense", "conv"])
@pytest.mark.parametrize("gain", [1.0, 0.5, 5.0 / 3.0])
def test_xavier_uniform_bound_is_gain_times_sqrt_6_over_fan_sum(shape, gain):
    fan_in, fan_out = FANS[shape]
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    values = init.xavier_uniform_(tg.zeros(*shape), gain=gain, rng=np.random.default_rng(20)).numpy()
    assert_uniform(values, -bound, bound)


@pytest.mark.parametrize("shape", [DENSE, CONV], ids=["dense", "conv"])
@pytest.mark.parametrize("gain", [1.0, 0.5, 5.0 / 3.0])
def test_xavier_normal_std_is_gain_times_sqrt_2_over_fan_sum(shape, gain):
    fan_in, fan_out = FANS[shape]
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    values = init.xavier_normal_(tg.zeros(*shape), gain=gain, rng=np.random.default_rng(21)).numpy()
    assert_normal(values, 0.0, std)


# ---------------------------------------------------------------- nn.Linear's default
@pytest.mark.parametrize("in_features, out_features", [(3, 4000), (2000, 300)])
def test_linear_weight_and_bias_are_uniform_within_one_over_sqrt_in_features(in_features, out_features):
    # Few inputs and many outputs, then the reverse: a bound taken from out_features is far off both ways.
    layer = nn.Linear(in_features, out_features, rng=np.random.default_rng(30))
    bound = 1.0 / math.sqrt(in_features)
    assert layer.weight.shape == (out_features, in_features)
    assert_uniform(layer.weight.numpy(), -bound, bound)
    assert_uniform(layer.bias.numpy(), -bound, bound)


def test_linear_keeps_its_dtype_and_draws_from_the_global_seed():
    layer = nn.Linear(4, 3000, dtype=np.float32, rng=np.random.default_rng(31))
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert_uniform(layer.bias.numpy().astype(np.float64), -0.5, 0.5)
    tg.manual_seed(7)
    first = nn.Linear(5, 2)
    tg.manual_seed(7)
    second = nn.Linear(5, 2)
    np.testing.assert_array_equal(first.weight.numpy(), second.weight.numpy())
    np.testing.assert_array_equal(first.bias.numpy(), second.bias.numpy())


def test_linear_with_no_inputs_has_a_zero_bias_as_in_pytorch():
    layer = nn.Linear(0, 4, rng=np.random.default_rng(32))
    assert layer.weight.shape == (4, 0)
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(4))


def test_reset_parameters_draws_again_with_the_same_formula():
    layer = nn.Linear(2000, 300, rng=np.random.default_rng(33))
    before = layer.bias.numpy().copy()
    layer.reset_parameters(rng=np.random.default_rng(34))
    assert not np.array_equal(before, layer.bias.numpy())
    assert_uniform(layer.bias.numpy(), -1.0 / math.sqrt(2000), 1.0 / math.sqrt(2000))
