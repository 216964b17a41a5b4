"""Adam (Kingma & Ba) with PyTorch's exact update, bias corrections and L2 weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_number


class Adam(Optimizer):
    """Adam, step by step as PyTorch computes it (t counts this parameter's steps)::

        g  = grad + weight_decay·θ                      (L2 penalty, added to the gradient)
        m ← m + (1 − β1)·(g − m)                        (= β1·m + (1 − β1)·g)
        v ← β2·v + (1 − β2)·g²
        θ ← θ − lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps)

    eps is added *after* the bias-corrected square root. ``amsgrad=True`` uses the
    running maximum of v; ``maximize=True`` ascends.

    >>> import tinygrad_edu as tg
    >>> w = tg.nn.Parameter([1.0])
    >>> opt = tg.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w.data.round(6)    # the first step moves by about lr, whatever the gradient's size
    array([0.9])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, (list, tuple)) else betas, eps=eps,
                        weight_decay=weight_decay, amsgrad=bool(amsgrad), maximize=bool(maximize))
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _check_hyperparameters(group: dict[str, Any]) -> None:
        check_number(group["lr"], "learning rate")
        check_number(group["eps"], "epsilon")
        betas = group["betas"]
        if not isinstance(betas, tuple) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            check_number(beta, f"beta parameter at index {i}", low=0.0, high=1.0)
        check_number(group["weight_decay"], "weight_decay")

    def _check_group(self, group: dict[str, Any]) -> None:
        if isinstance(group.get("betas"), list):
            group["betas"] = tuple(group["betas"])
        self._check_hyperparameters(group)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
        amsgrad, maximize = group["amsgrad"], group["maximize"]
        for param in group["params"]:
            grad = param._grad
            if grad is None:
                continue
            if maximize:
                grad = -grad
            if weight_decay != 0:
                grad = grad + weight_decay * param._data
            state = self.state[param]
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(param._data)
                state["exp_avg_sq"] = np.zeros_like(param._data)
                if amsgrad:
                    state["max_exp_avg_sq"] = np.zeros_like(param._data)
            state["step"] += 1
            step = state["step"]
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            # m moves towards g by (1 - β1) (PyTorch's lerp, with its two rounding-friendly forms)
            weight = 1 - beta1
            scratch = np.subtract(grad, exp_avg)  # the one temporary, reused below
            if weight < 0.5:
                scratch *= weight
                exp_avg += scratch
            else:
                scratch *= 1 - weight
                np.subtract(grad, scratch, out=exp_avg)
            exp_avg_sq *= beta2
            np.multiply(grad, 1 - beta2, out=scratch)
            scratch *= grad
            exp_avg_sq += scratch
            step_size = lr / (1 - beta1**step)
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            second_moment = exp_avg_sq
            if amsgrad:
                second_moment = state.setdefault("max_exp_avg_sq", np.zeros_like(param._data))
                np.maximum(second_moment, exp_avg_sq, out=second_moment)
            np.sqrt(second_moment, out=scratch)
            scratch /= bias_correction2_sqrt
            scratch += eps
            denominator = scratch
            update = exp_avg * step_size
            update /= denominator
            self._write(param, update)


__all__ = ["Adam"]

