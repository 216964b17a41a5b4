"""RMSprop (Hinton's lecture 6e) with PyTorch's update: momentum, centering, weight decay, maximize."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._hyperparameters import read_flag, read_number
from .optimizer import Optimizer, lerp_


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of recent gradients (PyTorch's rule)::

        g  = grad + weight_decay·θ                (−grad + ... with maximize=True)
        v ← α·v + (1 − α)·g²
        centered:  ḡ ← α·ḡ + (1 − α)·g;  d = sqrt(v − ḡ²) + eps    (an estimate of the variance)
        else:      d = sqrt(v) + eps
        momentum μ > 0:  b ← μ·b + g/d;  θ ← θ − lr·b
        else:            θ ← θ − lr·g/d

    Unlike Adam there is no bias correction: v starts at 0, so the first steps are
    large (the first is lr·g/(sqrt(1 − α)·|g|), 10·lr with the default α = 0.99).

    >>> import tinygrad_edu as tg
    >>> w = tg.nn.Parameter([1.0])
    >>> opt = tg.optim.RMSprop([w], lr=0.01, alpha=0.99)
    >>> (w * w).sum().backward(); opt.step()
    >>> w.data.round(6)     # 1 − 0.01·2/sqrt(0.01·4)
    array([0.9])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _hyperparameters(self, group: dict[str, Any]) -> dict[str, Any]:
        return dict(
            lr=read_number(group, "lr", "learning rate"),
            alpha=read_number(group, "alpha"),
            eps=read_number(group, "eps", "epsilon value"),
            weight_decay=read_number(group, "weight_decay"),
            momentum=read_number(group, "momentum"),
            centered=read_flag(group, "centered"),
            maximize=read_flag(group, "maximize"),
        )

    def _initial_state(self, param: np.ndarray, **options: Any) -> dict[str, Any]:
        return {"step": 0, "square_avg": np.zeros_like(param)}  # the optional buffers are made when first used

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], *, lr: float, alpha: float,
                eps: float, weight_decay: float, momentum: float, centered: bool, maximize: bool) -> None:
        grad = self._gradient(param, grad, maximize, weight_decay)
        state["step"] += 1
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if centered:
            grad_avg = self._buffer(state, "grad_avg", param)
            lerp_(grad_avg, grad, 1 - alpha)
            denominator = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            denominator = np.sqrt(square_avg)
        denominator += eps
        if momentum > 0:
            buffer = self._buffer(state, "momentum_buffer", param)
            buffer *= momentum
            buffer += grad / denominator
            param -= lr * buffer
        else:
            update = lr * grad
            update /= denominator
            param -= update


__all__ = ["RMSprop"]
