"""Stochastic gradient descent with PyTorch's momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._hyperparameters import read_flag, read_number, required
from .optimizer import Optimizer


class SGD(Optimizer):
    """θ ← θ − lr·d, where d is the gradient, optionally with momentum (PyTorch's rule).

    With g = grad + weight_decay·θ (or −grad + weight_decay·θ with ``maximize=True``,
    which ascends): without momentum d = g. With momentum μ the buffer b starts as g
    on the first step and then b ← μ·b + (1 − dampening)·g; d = b, or d = g + μ·b with
    ``nesterov=True`` (which needs μ > 0 and dampening = 0).

    >>> import tinygrad_edu as tg
    >>> w = tg.nn.Parameter([1.0])
    >>> opt = tg.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> w.data            # g=2 -> 0.8; g=1.6, b=0.9*2+1.6=3.4 -> 0.46
    array([0.46])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = required,  # type: ignore[assignment]
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _hyperparameters(self, group: dict[str, Any]) -> dict[str, Any]:
        options = dict(
            lr=read_number(group, "lr", "learning rate"),
            momentum=read_number(group, "momentum"),
            dampening=read_number(group, "dampening", low=-float("inf")),
            weight_decay=read_number(group, "weight_decay"),
            nesterov=read_flag(group, "nesterov"),
            maximize=read_flag(group, "maximize"),
        )
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        return options

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], *, lr: float, momentum: float,
                dampening: float, weight_decay: float, nesterov: bool, maximize: bool) -> None:
        grad = self._gradient(param, grad, maximize, weight_decay)
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:  # the first step: the buffer is the gradient itself, undamped
                buffer = state["momentum_buffer"] = np.array(grad, dtype=param.dtype)
            else:
                buffer *= momentum
                buffer += (1 - dampening) * grad
            grad = grad + momentum * buffer if nesterov else buffer
        param -= lr * grad


__all__ = ["SGD"]
