"""Loss modules: thin wrappers that remember ``reduction`` and call ``nn.functional``."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module


class _Loss(Module):
    """Base of the loss modules. Like PyTorch's, their ``repr`` shows no options (``MSELoss()``)."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = F._check_reduction(reduction)


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
    """Cross-entropy of logits (N, C) against class indices (N,) or class probabilities (N, C).

    Options as in PyTorch (see ``nn.functional.cross_entropy``): ``weight`` per class,
    ``ignore_index`` (default -100) for targets to skip, ``reduction``, ``label_smoothing``.

    >>> import tinygrad_edu as tg
    >>> round(tg.nn.CrossEntropyLoss()(tg.Tensor([[2.0, 0.0]]), [0]).item(), 4)
    0.1269
    >>> round(tg.nn.CrossEntropyLoss(label_smoothing=0.2)(tg.Tensor([[2.0, 0.0]]), [0]).item(), 4)
    0.3269
    """

    def __init__(
        self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0
    ) -> None:
        if isinstance(weight, str):
            raise TypeError(
                f"CrossEntropyLoss's first argument is the class weight, as in PyTorch; got {weight!r}: "
                f"pass reduction={weight!r} by keyword"
            )
        super().__init__(reduction)
        self.label_smoothing = F._check_cross_entropy_options(ignore_index, label_smoothing)
        self.ignore_index = int(ignore_index)
        # Not a Parameter (a class weight is not learned); its length is checked against C at each call.
        self.weight = F._class_weights_array(weight) if weight is not None and not isinstance(weight, Tensor) else weight

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


__all__ = ["CrossEntropyLoss", "L1Loss", "MSELoss"]
