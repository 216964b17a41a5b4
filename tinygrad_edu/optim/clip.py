"""Gradient clipping by total norm (``torch.nn.utils.clip_grad_norm_``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> np.floating:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    The norm is taken over all gradients as if concatenated into one vector
    (``norm_type`` p > 0, or ``float("inf")`` for the largest magnitude). Like
    PyTorch, every gradient is multiplied by min(1, max_norm / (total_norm + 1e-6)).
    Parameters without a gradient are skipped. Returns the total norm *before*
    clipping (a NumPy float).

    >>> import tinygrad_edu as tg
    >>> w = tg.nn.Parameter([0.0, 0.0]); w.grad = [3.0, 4.0]
    >>> float(clip_grad_norm_([w], max_norm=1.0))
    5.0
    >>> w.grad.round(6)
    array([0.6, 0.8])
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    if not hasattr(parameters, "__iter__") or isinstance(parameters, (str, bytes)):
        raise TypeError(f"clip_grad_norm_ expects an iterable of Tensors (e.g. model.parameters()), got {type(parameters).__name__}")
    params = list(parameters)
    for param in params:
        if not isinstance(param, Tensor):
            raise TypeError(f"clip_grad_norm_ expects Tensors, got {type(param).__name__}")
    max_norm = _check_positive_number(max_norm, "max_norm", allow_zero=True)
    norm_type = _check_positive_number(norm_type, "norm_type", allow_zero=False)
    grads = [p._grad for p in params if p._grad is not None]
    if not grads:
        return np.float64(0.0)
    dtype = np.result_type(*grads)
    if math.isinf(norm_type):
        norms = [np.max(np.abs(g)) if g.size else dtype.type(0) for g in grads]
        total = np.max(np.asarray(norms, dtype=dtype))
    else:
        norms = np.asarray([_vector_norm(g, norm_type) for g in grads], dtype=dtype)
        total = _vector_norm(norms, norm_type)
    total = dtype.type(total)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"the total norm of order {norm_type} of the gradients is non-finite ({total}), so it cannot be clipped; "
            "pass error_if_nonfinite=False to clip anyway"
        )
    coefficient = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    for param in params:
        grad = param._grad
        if grad is not None:
            scale = grad.dtype.type(coefficient)
            if grad.flags.writeable:
                grad *= scale  # in place, like PyTorch's mul_
            else:
                param._grad = grad * scale
    return total


def _vector_norm(values: np.ndarray, p: float) -> Any:
    flat = values.ravel()
    if p == 2.0:
        return np.sqrt(np.dot(flat, flat))
    if p == 1.0:
        return np.sum(np.abs(flat))
    return np.sum(np.abs(flat) ** p) ** (1.0 / p)


def _check_positive_number(value: Any, name: str, allow_zero: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if math.isnan(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {value}")
    return value


__all__ = ["clip_grad_norm_"]
