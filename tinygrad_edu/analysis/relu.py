"""ReLU networks on 1-D input seen as sums of elbows.

A hidden unit max(0, w·x + b) is zero on one side of x = −b/w and a straight line of slope w
on the other: an "elbow". A 1-hidden-layer ReLU net adds up such elbows, weighted by the
output layer, so its graph is piecewise linear with kinks at the elbows. A unit whose
pre-activation is ≤ 0 on every data point outputs zero everywhere, receives zero gradient,
and stops learning: it is *dead*.

>>> import numpy as np
>>> elbows_from_weights(np.array([[2.0], [-1.0]]), np.array([-1.0, 0.5])).tolist()
[0.5, 0.5]
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import nn
from ..grad_mode import enable_grad, no_grad
from ..tensor import Tensor


class Elbows(NamedTuple):
    """Where each hidden unit bends (``elbows``, −b/w) and its slope on the active side (``slopes``, w)."""

    elbows: np.ndarray
    slopes: np.ndarray


def elbows_from_weights(weight: Any, bias: Any = None) -> np.ndarray:
    """Elbow positions −b/w for a first-layer ``weight`` of shape (units, 1) or (units,) and ``bias``.

    A unit with w = 0 is flat (constant max(0, b)) and has no elbow: its entry is NaN.
    Works on stacked snapshots too: ``weight`` and ``bias`` of shape (snapshots, units).

    >>> elbows_from_weights(np.array([1.0, 0.0]), np.array([-0.25, 3.0])).tolist()
    [0.25, nan]
    """
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim == 2 and w.shape[1] == 1 and (bias is None or np.ndim(bias) == 1):
        w = w[:, 0]  # an nn.Linear(1, units) weight
    b = np.zeros_like(w) if bias is None else np.asarray(bias, dtype=np.float64)
    if b.shape != w.shape:
        raise ValueError(f"weight of shape {w.shape} and bias of shape {b.shape} do not describe the same units")
    safe_w = np.where(w == 0, 1.0, w)
    return np.where(w == 0, np.nan, -b / safe_w)


def _leaf_modules(model: Any) -> list:
    """The modules of a feed-forward stack in call order (a ``Linear`` itself is a stack of one)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected an nn.Module (e.g. nn.Sequential or nn.MLP), got {type(model).__name__}")
    return [m for m in model.modules() if not list(m.children())]


def _first_linear(model: Any) -> nn.Linear:
    modules = _leaf_modules(model)
    for index, module in enumerate(modules):
        if isinstance(module, nn.Linear):
            _check_relu_follows(model, modules, index, "relu_elbows", "the first Linear layer")
            return module
    raise ValueError(f"no nn.Linear layer found in {type(model).__name__}: relu_elbows needs a network that starts with one")


# Why each non-ReLU activation makes the question meaningless, per function.
_NOT_RELU_REASONS = {
    "relu_elbows": {
        nn.LeakyReLU: "a LeakyReLU unit bends at −b/w too but is not zero on its inactive side; "
                      "elbows_from_weights(weight, bias) gives its kinks",
        nn.Tanh: "Tanh is smooth: its units have no elbows",
        nn.Sigmoid: "Sigmoid is smooth: its units have no elbows",
    },
    "dead_relus": {
        nn.LeakyReLU: "LeakyReLU units cannot die: on the negative side they still pass negative_slope × the gradient",
        nn.Tanh: "Tanh units cannot die: they are zero only where the pre-activation is exactly 0 (they saturate instead)",
        nn.Sigmoid: "Sigmoid units cannot die: their output and gradient are never exactly 0 (they saturate instead)",
    },
}


def _check_relu_follows(model: Any, modules: list, index: int, function: str, which: str) -> None:
    """Raise ``ValueError`` unless the activation after ``modules[index]`` (a Linear) is a ReLU.

    The activation is the next leaf module (``Identity`` is skipped); a module counts as a
    ReLU when it computes max(0, x), so a LeakyReLU with slope 0 or a home-made ReLU module
    passes. A bare Linear is read as the layer of a ReLU net. When no activation module
    follows and the model has its own ``forward`` (which may apply ``x.relu()`` itself), the
    op that a probe run applies to the layer's output decides. The error names what it found.
    """
    layer = modules[index]
    following = [m for m in modules[index + 1:] if not isinstance(m, nn.Identity)]
    if following and not isinstance(following[0], nn.Linear):
        activation = following[0]
        if isinstance(activation, nn.ReLU) or _computes_relu(activation, layer):
            return
        reason = next((text for kind, text in _NOT_RELU_REASONS[function].items() if isinstance(activation, kind)),
                      "it does not compute max(0, x)")
        raise ValueError(f"{function} needs ReLU units, but {which} is followed by {activation!r}: {reason}")
    if all(m is layer or isinstance(m, nn.Identity) for m in modules):
        return  # a bare Linear layer
    if not isinstance(model, nn.Sequential):  # its own forward: look at what it runs
        op = _op_applied_to(model, layer, modules)
        if op == "ReLU":
            return
        if op is not None:
            raise ValueError(f"{function} needs ReLU units, but the model's forward applies {op} to {which}'s output")
    if not following:
        raise ValueError(
            f"{function}: {which} is the network's output layer: no activation follows it, so its units are not ReLU units"
        )
    raise ValueError(
        f"{function}: {which} is followed directly by another Linear layer, with no activation between them: "
        "its units are linear, not ReLU units"
    )


def _computes_relu(activation: Any, layer: nn.Linear) -> bool:
    """Whether ``activation`` gives max(0, x) on a few negative, zero and positive inputs."""
    probe = np.repeat(np.array([[-2.0], [-0.5], [0.0], [0.5], [2.0]]), max(layer.out_features, 1), axis=1)
    try:
        with no_grad():
            output = activation(Tensor(probe, dtype=layer.weight.dtype))
    except Exception:  # a module that cannot take this input is no elementwise ReLU either
        return False
    return isinstance(output, Tensor) and output.shape == probe.shape and bool(np.all(output.numpy() == np.maximum(probe, 0)))


def _op_applied_to(model: Any, layer: nn.Linear, modules: list) -> str | None:
    """The name of the graph op (``"ReLU"``, ``"Tanh"``...) that ``model``'s forward applies to ``layer``'s output.

    Runs the model once on a small probe batch and walks the recorded graph. None when the
    probe cannot run or the layer's output is not used by any op.
    """
    first = next(m for m in modules if isinstance(m, nn.Linear))
    probe = Tensor(np.linspace(-1.0, 1.0, 5)[:, None].repeat(first.in_features, axis=1), dtype=first.weight.dtype,
                   requires_grad=True)  # so that the graph is recorded even for frozen weights
    try:
        with enable_grad():
            output = model(probe)
    except Exception:  # a model that does not take an (n, in_features) batch: nothing to see
        return None
    stack, seen = [getattr(output, "grad_fn", None)], set()
    while stack:  # every node of the graph, each once
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        for parent in node.inputs:
            if not isinstance(parent, Tensor) or parent.grad_fn is None:
                continue
            if any(x is layer.weight for x in parent.grad_fn.inputs):  # parent is the layer's output
                return node.name
            stack.append(parent.grad_fn)
    return None


def relu_elbows(model: Any) -> Elbows:
    """Elbows and slopes of the first ``nn.Linear`` layer's units, for a network with 1-D input.

    Unit j computes max(0, w_j·x + b_j): its elbow is at x = −b_j/w_j and its slope is w_j
    (active to the right of the elbow when w_j > 0, to the left when w_j < 0). A unit with
    w_j = 0 has no elbow and gets NaN. A layer without bias has every elbow at 0.

    The module after that layer must compute a ReLU (a bare ``nn.Linear`` is read as the
    layer of a ReLU net); any other activation raises ``ValueError`` naming it: Tanh and
    Sigmoid are smooth and have no elbows, and a LeakyReLU is not zero on one side.

    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu import nn
    >>> net = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1))
    >>> net[0].weight.data = np.array([[2.0], [-0.5]]); net[0].bias.data = np.array([-1.0, 0.25])
    >>> relu_elbows(net)
    Elbows(elbows=array([0.5, 0.5]), slopes=array([ 2. , -0.5]))
    """
    layer = _first_linear(model)
    weight = np.asarray(layer.weight.numpy(), dtype=np.float64)
    if weight.ndim != 2 or weight.shape[1] != 1:
        raise ValueError(
            f"relu_elbows needs 1-D input: the first Linear layer has in_features={weight.shape[-1]}, not 1 "
            "(an elbow is a point only on a line)"
        )
    bias = np.zeros(weight.shape[0]) if layer.bias is None else np.asarray(layer.bias.numpy(), dtype=np.float64)
    return Elbows(elbows_from_weights(weight[:, 0], bias), weight[:, 0].copy())


def _as_input(x: Any, in_features: int) -> np.ndarray:
    try:
        array = np.asarray(x.numpy() if isinstance(x, Tensor) else x)
        if array.dtype.kind not in "biuf":  # (complex would lose its imaginary part silently)
            raise TypeError
        array = array.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise TypeError(f"x must be numbers (an array, a list or a Tensor of inputs), got {type(x).__name__}") from None
    if array.ndim == 1 and in_features == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] != in_features:
        raise ValueError(
            f"x of shape {np.shape(x)} does not fit a first layer with in_features={in_features}: "
            f"pass shape (n, {in_features})" + (" or (n,)" if in_features == 1 else "")
        )
    if array.shape[0] == 0:
        raise ValueError("x is empty: dead_relus needs at least one sample")
    return array


def dead_relus(model: Any, x: Any, layer: int = 0) -> np.ndarray:
    """One flag per unit of hidden layer ``layer`` (0 = first): True where it is zero on every sample of ``x``.

    The pre-activation of a unit is the output of the ``layer``-th ``nn.Linear`` of the stack;
    the unit's ReLU output is zero exactly where that is ≤ 0. A unit for which this holds on
    every sample gets no gradient from this data and cannot recover: it is dead. The model
    is treated as a feed-forward chain of its leaf modules (``nn.Sequential``, ``nn.MLP``).
    The module after that Linear layer must compute a ReLU (a bare ``nn.Linear`` is read as
    the layer of a ReLU net); otherwise ``ValueError`` names the activation found: LeakyReLU,
    Tanh and Sigmoid units cannot die, and the output layer has no activation at all.

    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu import nn
    >>> net = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1))
    >>> net[0].weight.data = np.array([[1.0], [1.0]]); net[0].bias.data = np.array([-0.5, -5.0])
    >>> dead_relus(net, np.linspace(0, 1, 11)).tolist()   # the second elbow is at x = 5
    [False, True]
    """
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or layer < 0:
        raise ValueError(f"layer must be a non-negative integer (0 = first hidden layer), got {layer!r}")
    modules = _leaf_modules(model)
    linears = [i for i, m in enumerate(modules) if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(f"no nn.Linear layer found in {type(model).__name__}")
    if layer >= len(linears):
        raise ValueError(f"layer={layer} but the model has only {len(linears)} Linear layer(s)")
    _check_relu_follows(model, modules, linears[layer], "dead_relus", f"Linear layer {layer}")
    h = Tensor(_as_input(x, modules[linears[0]].weight.shape[1]), dtype=modules[linears[0]].weight.dtype)
    with no_grad():
        for module in modules[: linears[layer] + 1]:
            h = module(h)
    return np.all(h.numpy() <= 0, axis=0)


def unit_contributions(w1: Any, b1: Any, w2: Any, x: Any) -> np.ndarray:
    """Each hidden unit's share of the output, w2_j·max(0, w1_j·x + b1_j), as columns (len(x), units).

    Summed over units (plus the output bias) it is the network's output: the picture of a
    ReLU net as a sum of elbows.

    >>> unit_contributions([1.0, -1.0], [0.0, 0.5], [2.0, 1.0], [0.0, 1.0]).tolist()
    [[0.0, 0.5], [2.0, 0.0]]
    """
    w1, b1, w2 = (np.ravel(np.asarray(a, dtype=np.float64)) for a in (w1, b1, w2))
    if not (w1.shape == b1.shape == w2.shape):
        raise ValueError(f"w1, b1 and w2 must have one entry per unit, got shapes {w1.shape}, {b1.shape}, {w2.shape}")
    return np.maximum(0.0, np.outer(np.ravel(x), w1) + b1) * w2


def elbow_history(w1_snapshots: Any, b1_snapshots: Any) -> np.ndarray:
    """Elbows of every unit at every snapshot: (snapshots, units) from stacked first-layer weights.

    >>> elbow_history([[1.0, 2.0], [1.0, 4.0]], [[-0.5, -1.0], [-0.25, -1.0]]).tolist()
    [[0.5, 0.5], [0.25, 0.25]]
    """
    w, b = np.asarray(w1_snapshots, dtype=np.float64), np.asarray(b1_snapshots, dtype=np.float64)
    if w.ndim != 2 or w.shape != b.shape:
        raise ValueError(f"expected (snapshots, units) arrays of equal shape, got {w.shape} and {b.shape}")
    return elbows_from_weights(w, b)
