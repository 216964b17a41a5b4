"""Adagrad (Duchi, Hazan & Singer) with PyTorch's update: learning-rate decay, weight decay, maximize."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._hyperparameters import read_flag, read_number
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Divide each step by the root of the sum of all squared gradients so far (PyTorch's rule)::

        g  = grad + weight_decay·θ                (−grad + ... with maximize=True)
        s ← s + g²                                (s starts at initial_accumulator_value)
        θ ← θ − lr/(1 + (t − 1)·lr_decay) · g / (sqrt(s) + eps)

    Coordinates with large past gradients take small steps, rarely-updated ones take
    large steps; the steps only shrink, since s only grows. As in PyTorch, every
    parameter's state (``step`` and ``sum``) exists from construction on.

    >>> import tinygrad_edu as tg
    >>> w = tg.nn.Parameter([1.0])
    >>> opt = tg.optim.Adagrad([w], lr=0.5)
    >>> (w * w).sum().backward(); opt.step()
    >>> w.data.round(6)     # s = 4, so the step is 0.5·2/2
    array([0.5])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        options = self._hyperparameters(group)
        for param in group["params"]:
            self.state[param] = self._initial_state(param._data, **options)

    def _hyperparameters(self, group: dict[str, Any]) -> dict[str, Any]:
        return dict(
            lr=read_number(group, "lr", "learning rate"),
            lr_decay=read_number(group, "lr_decay"),
            weight_decay=read_number(group, "weight_decay"),
            initial_accumulator_value=read_number(group, "initial_accumulator_value"),
            eps=read_number(group, "eps", "epsilon value"),
            maximize=read_flag(group, "maximize"),
        )

    def _initial_state(self, param: np.ndarray, **options: Any) -> dict[str, Any]:
        return {"step": 0, "sum": np.full_like(param, options["initial_accumulator_value"])}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], *, lr: float, lr_decay: float,
                weight_decay: float, initial_accumulator_value: float, eps: float, maximize: bool) -> None:
        state["step"] += 1
        grad = self._gradient(param, grad, maximize, weight_decay)
        decayed_lr = lr / (1 + (state["step"] - 1) * lr_decay)
        squares = state["sum"]
        squares += grad * grad
        denominator = np.sqrt(squares)
        denominator += eps
        update = decayed_lr * grad
        update /= denominator
        param -= update


__all__ = ["Adagrad"]
