"""Adam (Kingma & Ba) with PyTorch's exact update, bias corrections and weight decay (L2 or decoupled)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._hyperparameters import read_betas, read_flag, read_number
from .optimizer import Optimizer, lerp_


class Adam(Optimizer):
    """Adam, step by step as PyTorch computes it (t counts this parameter's steps)::

        g  = grad + weight_decay·θ                      (L2 penalty, added to the gradient)
        m ← m + (1 − β1)·(g − m)                        (= β1·m + (1 − β1)·g)
        v ← β2·v + (1 − β2)·g²
        θ ← θ − lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps)

    eps is added *after* the bias-corrected square root. ``amsgrad=True`` uses the
    running maximum of v; ``maximize=True`` ascends (g starts from −grad).
    ``decoupled_weight_decay=True`` shrinks the weights directly instead,
    θ ← θ·(1 − lr·weight_decay), and leaves g alone: that is :class:`AdamW`.

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
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas, eps=eps,
                        weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if isinstance(param_group, dict) and isinstance(param_group.get("betas"), list):
            param_group = {**param_group, "betas": tuple(param_group["betas"])}  # PyTorch keeps betas a tuple
        super().add_param_group(param_group)

    def _hyperparameters(self, group: dict[str, Any]) -> dict[str, Any]:
        return dict(
            lr=read_number(group, "lr", "learning rate"),
            betas=read_betas(group),
            eps=read_number(group, "eps", "epsilon value"),
            weight_decay=read_number(group, "weight_decay"),
            amsgrad=read_flag(group, "amsgrad"),
            maximize=read_flag(group, "maximize"),
            decoupled_weight_decay=read_flag(group, "decoupled_weight_decay"),
        )

    def _initial_state(self, param: np.ndarray, **options: Any) -> dict[str, Any]:
        return {"step": 0, "exp_avg": np.zeros_like(param), "exp_avg_sq": np.zeros_like(param)}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], *, lr: float,
                betas: tuple[float, float], eps: float, weight_decay: float, amsgrad: bool, maximize: bool,
                decoupled_weight_decay: bool) -> None:
        beta1, beta2 = betas
        if decoupled_weight_decay:
            param *= 1 - lr * weight_decay  # AdamW: shrink the weights directly, outside the averages
            weight_decay = 0.0  # (so it is not added to the gradient as well)
        grad = self._gradient(param, grad, maximize, weight_decay)
        state["step"] += 1
        step = state["step"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        lerp_(exp_avg, grad, 1 - beta1)  # m ← β1·m + (1 − β1)·g
        exp_avg_sq *= beta2  # v ← β2·v + (1 − β2)·g²
        exp_avg_sq += (1 - beta2) * grad * grad
        second_moment = exp_avg_sq
        if amsgrad:
            second_moment = self._buffer(state, "max_exp_avg_sq", param)  # the largest v so far
            np.maximum(second_moment, exp_avg_sq, out=second_moment)
        step_size = lr / (1 - beta1**step)
        denominator = np.sqrt(second_moment)  # sqrt(v̂) + eps, with v̂ = v/(1 − β2^t)
        denominator /= (1 - beta2**step) ** 0.5
        denominator += eps
        update = step_size * exp_avg
        update /= denominator
        param -= update


__all__ = ["Adam"]
