"""Stateless functions behind the layers and losses (``torch.nn.functional``).

Import as ``from tinygrad_edu.nn import functional as F``. Everything here is
composed from the core Tensor ops, so gradients (and second derivatives) come free.

Losses compare ``input`` with a ``target`` of the *same shape*: a mismatch raises
``ValueError`` instead of broadcasting silently (a (N, 1) prediction against a (N,)
target would otherwise give an N×N matrix of errors and a wrong loss).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _args
from ..dtypes import to_float_array
from ..ops.fused import REDUCTIONS, Linear, MSELoss
from ..ops.unary import LeakyReLU, ReLU, Sigmoid, Tanh
from ..tensor import Tensor


def _tensor(x: Any, name: str = "input") -> Tensor:
    return x if isinstance(x, Tensor) else _args.as_tensor(x, name)


# The functions below apply their op directly (not through the Tensor method): each layer of
# a small network calls one, so one Python call less per layer shows in a training step.


def relu(input: Tensor) -> Tensor:
    """max(0, x) elementwise.

    >>> import tinygrad_edu as tg
    >>> relu(tg.Tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    return ReLU.apply(input if isinstance(input, Tensor) else _tensor(input))


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope·x otherwise.

    >>> import tinygrad_edu as tg
    >>> leaky_relu(tg.Tensor([-1.0, 2.0]), 0.1).tolist()
    [-0.1, 2.0]
    """
    return LeakyReLU.apply(_tensor(input), slope=_args.real_number(negative_slope, "leaky_relu", "negative_slope"))


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise.

    >>> import tinygrad_edu as tg
    >>> sigmoid(tg.Tensor([0.0])).tolist()
    [0.5]
    """
    return Sigmoid.apply(input if isinstance(input, Tensor) else _tensor(input))


def tanh(input: Tensor) -> Tensor:
    """tanh(x) elementwise.

    >>> import tinygrad_edu as tg
    >>> tanh(tg.Tensor([0.0])).tolist()
    [0.0]
    """
    return Tanh.apply(input if isinstance(input, Tensor) else _tensor(input))


def softmax(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """exp(x) / Σ exp(x) along ``dim`` (alias ``axis``; default the last axis), computed stably.

    >>> import tinygrad_edu as tg
    >>> softmax(tg.Tensor([[0.0, 0.0]]), dim=1).tolist()
    [[0.5, 0.5]]
    """
    return _tensor(input).softmax(dim, axis=axis)


def log_softmax(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """x - logsumexp(x) along ``dim`` (alias ``axis``; default the last axis).

    >>> import tinygrad_edu as tg
    >>> round(log_softmax(tg.Tensor([0.0, 0.0])).tolist()[0], 4)
    -0.6931
    """
    return _tensor(input).log_softmax(dim, axis=axis)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weightᵀ + bias, with ``weight`` of shape (out_features, in_features), as one graph node.

    >>> import tinygrad_edu as tg
    >>> linear(tg.ones(2, 3), tg.ones(4, 3), tg.zeros(4)).shape
    (2, 4)
    """
    input = input if isinstance(input, Tensor) else _tensor(input)
    weight = weight if isinstance(weight, Tensor) else _tensor(weight, "weight")
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias if isinstance(bias, Tensor) else _tensor(bias, "bias"))


def _check_reduction(reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_shape(name: str, input: Any, target: Any) -> tuple[Tensor, Tensor]:
    input = _tensor(input)
    if not isinstance(target, Tensor):
        target = Tensor._wrap(_as_target_array(target, input.dtype))
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: input shape {input.shape} and target shape {target.shape} differ; "
            "reshape one of them (no silent broadcasting in a loss)"
        )
    return input, target


def _as_target_array(target: Any, dtype: np.dtype) -> np.ndarray:
    try:
        return to_float_array(target, dtype, copy=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"target must be a Tensor or array of numbers: {error}") from None


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error (x - y)², averaged (``"mean"``), summed (``"sum"``) or not (``"none"``), as one node.

    >>> import tinygrad_edu as tg
    >>> mse_loss(tg.Tensor([1.0, 2.0]), tg.Tensor([1.0, 4.0])).item()
    2.0
    """
    input = input if isinstance(input, Tensor) else _tensor(input)
    if not isinstance(target, Tensor):
        target = Tensor._wrap(_as_target_array(target, input.dtype))
    if reduction == "mean":  # MSELoss's default (and its forward checks the shapes and the reduction)
        return MSELoss.apply(input, target)
    return MSELoss.apply(input, target, reduction=reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error |x - y| (reduced as in ``mse_loss``).

    >>> import tinygrad_edu as tg
    >>> l1_loss(tg.Tensor([1.0, 2.0]), tg.Tensor([1.0, 4.0])).item()
    1.0
    """
    _check_reduction(reduction)
    input, target = _same_shape("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction)


class TargetError(ValueError, IndexError):
    """Bad class targets for ``cross_entropy`` (a ValueError; an IndexError for out-of-range classes, as in PyTorch)."""


def _class_indices(
    array: np.ndarray, expected_shape: tuple[int, ...], num_classes: int, ignore_index: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """The targets as an integer array, after checking they are whole numbers in range.

    Also returns the mask of the targets that count (``None`` when no target equals
    ``ignore_index``); ignored targets get the index 0 so that gathering stays valid.
    """
    kind = array.dtype.kind
    if kind not in "iuf":
        raise TargetError(f"cross_entropy: targets must be integer class indices, got dtype {array.dtype}")
    if array.shape != expected_shape:
        if array.shape == (1,) and expected_shape == ():
            array = array.reshape(())  # one sample: PyTorch accepts a target of shape (1,) as well as ()
        else:
            _raise_target_shape_error(array, expected_shape, num_classes)
    if kind == "f" and not (np.all(np.isfinite(array)) and np.all(array == np.round(array))):
        raise TargetError("cross_entropy: targets must be whole numbers (class indices), got fractional values")
    ignore_is_a_class = 0 <= ignore_index < num_classes
    if not ignore_is_a_class and array.size and array.min() >= 0 and array.max() < num_classes:
        return array.astype(np.intp, copy=False), None  # the common case: every target counts
    counted = array != ignore_index
    outside = counted & ((array < 0) | (array >= num_classes))
    if outside.any():  # checked before the cast to int, which would wrap huge float values
        bad = array[outside].flat[0]
        raise TargetError(
            f"cross_entropy: target {bad:g} is out of bounds for {num_classes} classes (0..{num_classes - 1})"
        )
    indices = np.where(counted, array, 0).astype(np.intp)
    return indices, (None if counted.all() else counted)


def _raise_target_shape_error(array: np.ndarray, expected_shape: tuple[int, ...], num_classes: int) -> None:
    hint = ""
    if array.shape == expected_shape[:1] + (num_classes,) + expected_shape[1:]:
        hint = " (targets of the logits' shape are class probabilities and must be floating point)"
    raise TargetError(
        f"cross_entropy: target shape {array.shape} does not match the logits: expected {expected_shape}{hint}"
    )


def _target_array(target: Any) -> np.ndarray:
    values = target._data if isinstance(target, Tensor) else target
    try:
        return np.asarray(values)
    except ValueError:
        raise TargetError("cross_entropy: ragged target list: give one class index per sample") from None


def _class_weights_array(weight: Any, dtype: np.dtype | None = None) -> np.ndarray:
    try:
        return to_float_array(weight, dtype, copy=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"cross_entropy: weight must be a Tensor or array of numbers: {error}") from None


def _class_weights(weight: Any, num_classes: int, dtype: np.dtype) -> Tensor:
    if not isinstance(weight, Tensor):
        weight = Tensor._wrap(_class_weights_array(weight, dtype))
    if weight.shape != (num_classes,):
        raise ValueError(
            f"cross_entropy: weight should hold one value per class, shape ({num_classes},); got shape {weight.shape}"
        )
    return weight


def _check_cross_entropy_options(ignore_index: Any, label_smoothing: Any) -> float:
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"cross_entropy: ignore_index must be an integer, got {ignore_index!r}")
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float, np.integer, np.floating)):
        raise TypeError(f"cross_entropy: label_smoothing must be a number, got {label_smoothing!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    return float(label_smoothing)


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits and targets: -log softmax(logits)[target], as in PyTorch.

    ``input`` has shape (N, C) (or (C,) for one sample, or (N, C, d1, ...)). ``target`` is either

    - class indices of shape (N,) (or () / (1,) for one sample, or (N, d1, ...)): ints, an
      integer array, or a Tensor of whole numbers. A target equal to ``ignore_index``
      (default -100) is skipped and left out of the mean; or
    - class probabilities of the same shape as ``input`` (floating point), e.g. one-hot rows.

    ``weight`` (shape (C,)) scales each class's loss; ``"mean"`` then divides by the total
    weight of the counted targets. ``label_smoothing`` ε mixes the target with the uniform
    distribution: (1 − ε)·target + ε/C. Computed through ``log_softmax``, so large logits
    do not overflow.

    >>> import tinygrad_edu as tg
    >>> round(cross_entropy(tg.Tensor([[0.0, 0.0]]), [1]).item(), 4)   # log 2
    0.6931
    >>> round(cross_entropy(tg.Tensor([[0.0, 0.0], [5.0, 0.0]]), [1, -100]).item(), 4)   # 2nd ignored
    0.6931
    >>> round(cross_entropy(tg.Tensor([[2.0, 0.0]]), tg.Tensor([[0.5, 0.5]])).item(), 4)
    1.1269
    """
    _check_reduction(reduction)
    label_smoothing = _check_cross_entropy_options(ignore_index, label_smoothing)
    input = _tensor(input)
    if input.ndim == 0:
        raise ValueError("cross_entropy: logits must have a class dimension, got a 0-d tensor")
    class_axis = 0 if input.ndim == 1 else 1
    num_classes = input.shape[class_axis]
    if weight is not None:
        weight = _class_weights(weight, num_classes, input.dtype)
    log_probs = input.log_softmax(axis=class_axis)
    array = _target_array(target)
    if array.shape == input.shape and array.dtype.kind == "f":
        return _cross_entropy_with_probabilities(log_probs, target, class_axis, weight, reduction, label_smoothing)
    expected = input.shape[:class_axis] + input.shape[class_axis + 1:]
    indices, counted = _class_indices(array, expected, num_classes, int(ignore_index))
    if input.ndim == 1:
        picked = log_probs[indices]
    else:
        grid = np.indices(expected, sparse=True)
        picked = log_probs[(grid[0], indices, *grid[1:])]
    if weight is None and counted is None and label_smoothing == 0.0:
        return _reduce(-picked, reduction)  # the common case: every target counts with weight 1
    # Each counted target's weight (1 without ``weight``), 0 for ignored ones; "mean" divides by their sum.
    target_weight: Any = np.ones(expected, dtype=input.dtype) if counted is None else counted.astype(input.dtype)
    if weight is not None:
        target_weight = weight[indices] * target_weight
    loss = -picked * target_weight
    if label_smoothing:
        class_weight = 1.0 if weight is None else weight.reshape(num_classes, *[1] * (input.ndim - class_axis - 1))
        smooth = -(log_probs * class_weight).sum(axis=class_axis)
        if counted is not None:
            smooth = smooth * counted.astype(input.dtype)
        loss = loss * (1.0 - label_smoothing) + smooth * (label_smoothing / num_classes)
    if reduction == "mean":
        return loss.sum() / target_weight.sum()
    return _reduce(loss, reduction)


def _cross_entropy_with_probabilities(
    log_probs: Tensor, target: Any, class_axis: int, weight: Tensor | None, reduction: str, label_smoothing: float
) -> Tensor:
    """-Σ_c w_c·p_c·log softmax(x)_c per sample, for class-probability targets p (PyTorch's rule)."""
    num_classes = log_probs.shape[class_axis]
    probabilities = target if isinstance(target, Tensor) else Tensor._wrap(_as_target_array(target, log_probs.dtype))
    if label_smoothing:
        probabilities = probabilities * (1.0 - label_smoothing) + label_smoothing / num_classes
    weighted = log_probs * probabilities
    if weight is not None:
        weighted = weighted * weight.reshape(num_classes, *[1] * (log_probs.ndim - class_axis - 1))
    return _reduce(-weighted.sum(axis=class_axis), reduction)


__all__ = [
    "cross_entropy", "l1_loss", "leaky_relu", "linear", "log_softmax", "mse_loss", "relu", "sigmoid", "softmax",
    "tanh",
]
