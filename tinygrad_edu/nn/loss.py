"""Loss modules: thin wrappers that remember ``reduction`` and call ``nn.functional``."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = F._check_reduction(reduction)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error between prediction and target of the same shape.

    >>> import tinygrad_edu as tg
    >>> tg.nn.MSELoss()(tg.Tensor([0.0, 2.0]), tg.Tensor([1.0, 1.0])).item()
    1.0
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error between prediction and target of the same shape.

    >>> import tinygrad_edu as tg
    >>> tg.nn.L1Loss(reduction="sum")(tg.Tensor([0.0, 2.0]), tg.Tensor([1.0, 1.0])).item()
    2.0
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of logits (N, C) against integer class targets (N,).

    >>> import tinygrad_edu as tg
    >>> round(tg.nn.CrossEntropyLoss()(tg.Tensor([[2.0, 0.0]]), [0]).item(), 4)
    0.1269
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(input, target, reduction=self.reduction)


__all__ = ["CrossEntropyLoss", "L1Loss", "MSELoss"]
