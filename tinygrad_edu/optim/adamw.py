"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch's ``torch.optim.AdamW``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .adam import Adam


class AdamW(Adam):
    """Adam whose weight decay shrinks the weights directly instead of joining the gradient.

    Each step first does θ ← θ·(1 − lr·weight_decay), then Adam's update with the plain
    gradient (see :class:`Adam`). With L2 decay added to the gradient (``Adam``'s
    ``weight_decay``), the decay is divided by sqrt(v) like the gradient, so weights
    with large gradients are barely decayed; decoupled, every weight decays at the same
    rate. Defaults are PyTorch's, including ``weight_decay=1e-2``.

    >>> import tinygrad_edu as tg
    >>> w = tg.nn.Parameter([2.0])
    >>> opt = tg.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = [0.0]          # no gradient: only the decay acts
    >>> opt.step(); w.data      # 2·(1 − 0.1·0.5)
    array([1.9])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Like :meth:`Optimizer.load_state_dict`; the decay stays decoupled (as PyTorch's AdamW keeps it)."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True


__all__ = ["AdamW"]
