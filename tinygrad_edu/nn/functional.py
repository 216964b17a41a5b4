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

from ..dtypes import to_float_array
from ..ops import fused
from ..ops.unary import ReLU
from ..tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _tensor(x: Any, name: str = "input") -> Tensor:
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor._wrap(to_float_array(x, copy=False))
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a Tensor or array of numbers: {error}") from None


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
    return _tensor(input).leaky_relu(negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise."""
    return _tensor(input).sigmoid()


def tanh(input: Tensor) -> Tensor:
    """tanh(x) elementwise."""
    return _tensor(input).tanh()


def _axis(dim: int | None, axis: int | None) -> int:
    if dim is not None and axis is not None:
        raise TypeError("give dim= or axis=, not both")
    chosen = dim if dim is not None else axis
    return -1 if chosen is None else chosen


def softmax(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """exp(x) / Σ exp(x) along ``dim`` (alias ``axis``; default the last axis), computed stably.

    >>> import tinygrad_edu as tg
    >>> softmax(tg.Tensor([[0.0, 0.0]]), dim=1).tolist()
    [[0.5, 0.5]]
    """
    return _tensor(input).softmax(axis=_axis(dim, axis))


def log_softmax(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """x - logsumexp(x) along ``dim`` (alias ``axis``; default the last axis)."""
    return _tensor(input).log_softmax(axis=_axis(dim, axis))


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weightᵀ + bias, with ``weight`` of shape (out_features, in_features).

    >>> import tinygrad_edu as tg
    >>> linear(tg.ones(2, 3), tg.ones(4, 3), tg.zeros(4)).shape
    (2, 4)
    """
    if not isinstance(input, Tensor):
        input = _tensor(input)
    if not isinstance(weight, Tensor):
        weight = _tensor(weight, "weight")
    if bias is not None and not isinstance(bias, Tensor):
        bias = _tensor(bias, "bias")
    if isinstance(weight, Tensor) and (bias is None or (isinstance(bias, Tensor) and bias._data.shape == weight._data.shape[:1])):
        # One fused graph node instead of Transpose, MatMul and Add (ops/fused.py): same values and
        # gradients; its forward checks the shapes (with the message below).
        return fused.Linear.apply(input, weight) if bias is None else fused.Linear.apply(input, weight, bias)
    if input.ndim == 0 or weight.ndim != 2 or input.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input of shape {input.shape} does not fit weight of shape {tuple(weight.shape)} "
            f"(the input's last dimension must equal in_features = weight.shape[1])"
        )
    out = input @ weight.T
    if bias is not None:
        out = out + bias
    return out


def _check_reduction(reduction: str) -> str:
    if reduction not in _REDUCTIONS:
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
    """Mean squared error (x - y)², averaged (``"mean"``), summed (``"sum"``) or not (``"none"``).

    >>> import tinygrad_edu as tg
    >>> mse_loss(tg.Tensor([1.0, 2.0]), tg.Tensor([1.0, 4.0])).item()
    2.0
    """
    _check_reduction(reduction)
    if not (isinstance(input, Tensor) and isinstance(target, Tensor) and input._data.shape == target._data.shape):
        input, target = _same_shape("mse_loss", input, target)  # converts arrays; a shape mismatch raises here
    # One graph node (ops/fused.py). "mean" is MSELoss's default: leaving it out saves a keyword dict per step.
    if reduction == "mean":
        return fused.MSELoss.apply(input, target)
    return fused.MSELoss.apply(input, target, reduction=reduction)


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


def _class_indices(target: Any, expected_shape: tuple[int, ...], num_classes: int) -> np.ndarray:
    """The targets as an integer array, after checking they are whole numbers in range."""
    values = target._data if isinstance(target, Tensor) else target
    try:
        array = np.asarray(values)
    except ValueError:
        raise TargetError("cross_entropy: ragged target list: give one class index per sample") from None
    if array.dtype.kind == "b" or array.dtype.kind not in "iuf":
        raise TargetError(
            f"cross_entropy: targets must be integer class indices, got dtype {array.dtype}"
        )
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
            raise TargetError("cross_entropy: targets must be whole numbers (class indices), got fractional values")
        outside = (array < 0) | (array >= num_classes)
        if outside.any():  # checked before the cast to int, which would wrap huge values
            raise TargetError(
                f"cross_entropy: target {array[outside].flat[0]:g} is out of bounds for {num_classes} classes (0..{num_classes - 1})"
            )
    if array.shape != expected_shape:
        hint = ""
        if array.shape == expected_shape[:1] + (num_classes,) + expected_shape[1:]:
            hint = " (probability / one-hot targets are not supported: pass the class indices)"
        raise TargetError(
            f"cross_entropy: target shape {array.shape} does not match the logits: expected {expected_shape}{hint}"
        )
    indices = array.astype(np.intp)
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        bad = indices[(indices < 0) | (indices >= num_classes)].flat[0]
        raise TargetError(f"cross_entropy: target {bad} is out of bounds for {num_classes} classes (0..{num_classes - 1})")
    return indices


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy between logits and integer class targets: -log softmax(logits)[target].

    ``input`` has shape (N, C) (or (C,) for one sample, or (N, C, d1, ...)); ``target``
    holds class indices of shape (N,) (or (), or (N, d1, ...)) as ints, an integer
    array, or a Tensor of whole numbers. Computed through ``log_softmax``, so large
    logits do not overflow.

    >>> import tinygrad_edu as tg
    >>> round(cross_entropy(tg.Tensor([[0.0, 0.0]]), [1]).item(), 4)   # log 2
    0.6931
    """
    _check_reduction(reduction)
    input = _tensor(input)
    if input.ndim == 0:
        raise ValueError("cross_entropy: logits must have a class dimension, got a 0-d tensor")
    class_axis = 0 if input.ndim == 1 else 1
    num_classes = input.shape[class_axis]
    expected = input.shape[:class_axis] + input.shape[class_axis + 1:]
    indices = _class_indices(target, expected, num_classes)
    log_probs = input.log_softmax(axis=class_axis)
    if input.ndim == 1:
        picked = log_probs[indices]
    else:
        grid = np.indices(expected, sparse=True)
        picked = log_probs[(grid[0], indices, *grid[1:])]
    return _reduce(-picked, reduction)


__all__ = [
    "cross_entropy", "l1_loss", "leaky_relu", "linear", "log_softmax", "mse_loss", "relu", "sigmoid", "softmax",
    "tanh",
]
