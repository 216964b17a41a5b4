"""analysis.relu_elbows / dead_relus on networks that are not ReLU networks: a clear error naming the activation."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import analysis, nn

X = np.linspace(0.0, 1.0, 7)


def functions(model, layer=0):
    """Both analysis calls on ``model``, as (name, call) pairs."""
    return [("relu_elbows", lambda: analysis.relu_elbows(model)),
            ("dead_relus", lambda: analysis.dead_relus(model, X, layer=layer))]


@pytest.mark.parametrize("activation, name, elbow_reason, death_reason", [
    (nn.Tanh(), r"Tanh\(\)", "smooth: its units have no elbows", "Tanh units cannot die"),
    (nn.Sigmoid(), r"Sigmoid\(\)", "smooth: its units have no elbows", "Sigmoid units cannot die"),
    (nn.LeakyReLU(), r"LeakyReLU\(negative_slope=0.01\)", "not zero on its inactive side", "LeakyReLU units cannot die"),
    (nn.LeakyReLU(0.2), r"LeakyReLU\(negative_slope=0.2\)", "not zero on its inactive side", "LeakyReLU units cannot die"),
])
def test_non_relu_activation_modules_are_named(activation, name, elbow_reason, death_reason):
    for model in (nn.Sequential(nn.Linear(1, 4), activation, nn.Linear(4, 1)), nn.MLP(1, [4, 3], 1, activation=activation)):
        with pytest.raises(ValueError, match=f"relu_elbows needs ReLU units.*first Linear layer.*{name}: .*{elbow_reason}"):
            analysis.relu_elbows(model)
        with pytest.raises(ValueError, match=f"dead_relus needs ReLU units.*Linear layer 0.*{name}: {death_reason}"):
            analysis.dead_relus(model, X)


def test_a_deeper_layer_is_checked_for_its_own_activation():
    model = nn.Sequential(nn.Linear(1, 4), nn.ReLU(), nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 1))
    assert analysis.dead_relus(model, X, layer=0).shape == (4,)
    with pytest.raises(ValueError, match=r"Linear layer 1 is followed by Tanh\(\)"):
        analysis.dead_relus(model, X, layer=1)
    with pytest.raises(ValueError, match="Linear layer 2 is the network's output layer"):
        analysis.dead_relus(model, X, layer=2)


def test_linear_layers_without_an_activation_between_them_are_refused():
    model = nn.Sequential(nn.Linear(1, 4), nn.Identity(), nn.Linear(4, 1))
    for name, call in functions(model):
        with pytest.raises(ValueError, match=f"{name}: .*followed directly by another Linear layer"):
            call()


class TwoLayer(nn.Module):
    """A model with its own forward that applies the activation as a function, not as a module."""

    def __init__(self, activation):
        super().__init__()
        self.hidden, self.out, self.activation = nn.Linear(1, 4), nn.Linear(4, 1), activation

    def forward(self, x):
        return self.out(self.activation(self.hidden(x)))


@pytest.mark.parametrize("activation, op", [(lambda h: h.tanh(), "Tanh"), (lambda h: h.leaky_relu(0.1), "LeakyReLU"),
                                            (lambda h: h.sigmoid(), "Sigmoid"), (lambda h: h, "Linear")])
def test_an_activation_applied_inside_forward_is_found_from_what_runs(activation, op):
    for name, call in functions(TwoLayer(activation)):
        with pytest.raises(ValueError, match=f"{name} needs ReLU units, but the model's forward applies {op}"):
            call()


class HomeMadeReLU(nn.Module):
    def forward(self, x):
        return tg.maximum(x, 0.0)


@pytest.mark.parametrize("make", [
    lambda: nn.Sequential(nn.Linear(1, 4), nn.LeakyReLU(0.0), nn.Linear(4, 1)),  # slope 0 is a ReLU
    lambda: nn.Sequential(nn.Linear(1, 4), nn.Identity(), HomeMadeReLU(), nn.Linear(4, 1)),
    lambda: TwoLayer(lambda h: h.relu()),
    lambda: TwoLayer(nn.functional.relu),
])
def test_anything_that_computes_a_relu_gives_the_results_of_the_relu_network(make):
    model = make()
    first = [m for m in model.modules() if isinstance(m, nn.Linear)][0]
    first.weight.data = np.array([[1.0], [1.0], [-1.0], [-1.0]])
    first.bias.data = np.array([-0.5, -5.0, -1.0, 2.0])
    reference = nn.Sequential(nn.Linear(1, 4), nn.ReLU(), nn.Linear(4, 1))
    reference.load_state_dict({"0.weight": first.weight.data, "0.bias": first.bias.data,
                               "2.weight": np.ones((1, 4)), "2.bias": np.zeros(1)})
    np.testing.assert_array_equal(analysis.relu_elbows(model).elbows, analysis.relu_elbows(reference).elbows)
    np.testing.assert_array_equal(analysis.dead_relus(model, X), analysis.dead_relus(reference, X))
    np.testing.assert_array_equal(analysis.dead_relus(model, X), [False, True, True, False])


def test_bare_linear_layers_are_still_read_as_relu_layers():
    layer = nn.Linear(1, 3)
    assert analysis.relu_elbows(layer).elbows.shape == (3,)
    assert analysis.dead_relus(nn.Sequential(layer, nn.Identity()), X).shape == (3,)
