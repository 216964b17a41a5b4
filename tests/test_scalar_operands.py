"""Python and NumPy scalars on either side of an elementwise operator.

They reach the op as a Python float (no constant Tensor): NumPy's rule for Python
scalars keeps the tensor's dtype, backward gives them no gradient (in both the
array path and the create_graph path), and the visualizer still draws them.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.viz.trace import trace

# (expression, d/dx at x, d²/dx² at x) for x = 1.5
X = 1.5
CASES = {
    "x + 2": (lambda x, c: x + c, 1.0, 0.0),
    "2 + x": (lambda x, c: c + x, 1.0, 0.0),
    "x - 2": (lambda x, c: x - c, 1.0, 0.0),
    "2 - x": (lambda x, c: c - x, -1.0, 0.0),
    "x * 2": (lambda x, c: x * c, 2.0, 0.0),
    "2 * x": (lambda x, c: c * x, 2.0, 0.0),
    "x / 2": (lambda x, c: x / c, 0.5, 0.0),
    "2 / x": (lambda x, c: c / x, -2 / X**2, 4 / X**3),
    "x ** 2": (lambda x, c: x**c, 2 * X, 2.0),
    "2 ** x": (lambda x, c: c**x, 2**X * np.log(2), 2**X * np.log(2) ** 2),
    "max(x, 2)": (lambda x, c: x.maximum(c), 0.0, 0.0),
    "min(x, 2)": (lambda x, c: x.minimum(c), 1.0, 0.0),
}
SCALARS = [2, 2.0, np.float64(2.0), np.float32(2.0), np.int64(2)]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("scalar", SCALARS, ids=lambda s: type(s).__name__)
def test_a_scalar_operand_keeps_float32_and_is_recorded_as_a_python_float(name, scalar):
    function, _, _ = CASES[name]
    x = tg.Tensor(np.array([X, X], np.float32), requires_grad=True)
    y = function(x, scalar)
    assert y.dtype == np.float32
    constants = [v for v in y.grad_fn.inputs if not isinstance(v, tg.Tensor)]
    assert [type(v) for v in constants] == [float] and constants[0] == 2.0


@pytest.mark.parametrize("name", CASES)
def test_first_and_second_derivatives_with_a_scalar_operand(name):
    function, first, second = CASES[name]
    x = tg.Tensor(X, requires_grad=True, dtype=np.float64)
    function(x, 2.0).backward()  # array path
    assert x.grad == pytest.approx(first)
    (dy,) = tg.grad(function(x, 2.0), x, create_graph=True)  # Tensor path
    assert dy.item() == pytest.approx(first)
    if dy.requires_grad:
        (d2y,) = tg.grad(dy, x)
        assert d2y.item() == pytest.approx(second)
    else:
        assert second == 0.0


def test_ties_with_a_scalar_split_the_gradient():
    x = tg.Tensor([2.0, 2.0], requires_grad=True)
    (x.maximum(2.0).sum() + x.minimum(2).sum()).backward()
    assert x.grad.tolist() == [1.0, 1.0]  # 0.5 from each


def test_zero_powers_with_a_scalar_have_pytorchs_gradients():
    x = tg.Tensor([0.0, 1.0], requires_grad=True)
    (x**0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    y = tg.Tensor([0.0, 2.0], requires_grad=True)
    (0.0**y).sum().backward()  # 0^y is constant for y >= 0: slope 0, not nan
    assert y.grad.tolist() == [0.0, 0.0]


def test_the_graph_draws_each_scalar_operand_as_its_own_constant():
    x = tg.Tensor(np.ones(3, np.float32), requires_grad=True, name="x")
    graph = trace(x * 2.0 + 2.0)
    constants = [v for v in graph.values if v.name == "constant"]
    assert len(constants) == 2  # the same float object twice: still one node per operand
    assert [float(v.array) for v in constants] == [2.0, 2.0]
    assert all(v.array.dtype == np.float32 for v in constants)
    assert len(graph.values) == 5 and len(graph.edges) == 6  # x, 2, x*2, 2, out; 2 operands + output per op
