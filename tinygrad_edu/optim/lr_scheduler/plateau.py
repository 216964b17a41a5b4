"""ReduceLROnPlateau: cut the rate when a watched metric (a validation loss) stops improving."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ...tensor import Tensor
from .._hyperparameters import check_number, real_number
from ..optimizer import Optimizer
from .base import LRScheduler, check_int, check_optimizer, group_values


def _metric_value(metrics: Any) -> float:
    """The watched metric as a float: a number, a NumPy scalar, or a one-element array or Tensor."""
    if isinstance(metrics, Tensor):
        metrics = metrics._data
    if isinstance(metrics, np.ndarray) and metrics.size == 1:
        metrics = metrics.reshape(())
    value = real_number(metrics)
    if value is None:
        raise TypeError(f"ReduceLROnPlateau.step expects the metric as a number (or a one-element Tensor), got {metrics!r}")
    return value


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rates by ``factor`` after more than ``patience`` steps without improvement.

    Call ``step(metric)`` once per epoch with the quantity to watch. It improves when it
    beats the best so far by more than ``threshold`` (relative: best·(1 ∓ threshold), or
    absolute: best ∓ threshold; "min" mode wants it lower, "max" higher). After a cut,
    ``cooldown`` steps pass before bad steps count again. Rates never go below
    ``min_lr`` (one number, or one per group), and a cut smaller than ``eps`` is skipped.
    Unlike the other schedulers it does not touch ``initial_lr`` and sets no rate when made.

    >>> import tinygrad_edu as tg
    >>> opt = tg.optim.SGD([tg.nn.Parameter([0.0])], lr=1.0)
    >>> sched = ReduceLROnPlateau(opt, patience=1, factor=0.5)
    >>> rates = []
    >>> for loss in [3.0, 2.0, 2.0, 2.0, 1.0, 1.5, 1.5]:
    ...     opt.step(); sched.step(loss); rates.append(sched.get_last_lr()[0])
    >>> rates    # two steps without a new best (patience 1 allows one) cut the rate
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        self.optimizer = check_optimizer(optimizer)
        self.factor = check_number(factor, "factor")
        if self.factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}")
            self.default_min_lr: float | None = None
            self.min_lrs = [check_number(value, "min_lr") for value in min_lr]
        else:
            self.default_min_lr = check_number(min_lr, "min_lr")
            self.min_lrs = [self.default_min_lr] * len(optimizer.param_groups)
        self.patience = check_int(patience, "patience", 0)
        self.cooldown = check_int(cooldown, "cooldown", 0)
        self.eps = check_number(eps, "eps")
        self.last_epoch = 0
        self._last_lr = group_values(optimizer, "lr")
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode!r} is unknown! (use 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode!r} is unknown! (use 'rel' or 'abs')")
        self.mode = mode
        self.threshold = check_number(threshold, "threshold")
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf  # the worst value, the best before any step

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        """True during the ``cooldown`` steps after a cut."""
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        """Whether metric ``a`` is an improvement on ``best`` by more than the threshold."""
        if self.threshold_mode == "rel":
            factor = 1.0 - self.threshold if self.mode == "min" else 1.0 + self.threshold
            return a < best * factor if self.mode == "min" else a > best * factor
        return a < best - self.threshold if self.mode == "min" else a > best + self.threshold

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's metric and cut the rates if it has not improved for too long."""
        current = _metric_value(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn("passing an epoch to scheduler.step() is deprecated (as in PyTorch)", UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = group_values(self.optimizer, "lr")

    def _reduce_lr(self) -> None:
        if len(self.min_lrs) != len(self.optimizer.param_groups):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"The number of param groups in the optimizer ({len(self.optimizer.param_groups)}) differs from "
                    f"when ReduceLROnPlateau was made ({len(self.min_lrs)}); set min_lrs to one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def get_lr(self) -> list[float]:
        """The current rates (this schedule has no formula in the step number)."""
        return self._current_lrs()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` returned, checked (see :meth:`LRScheduler.load_state_dict`)."""
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)


__all__ = ["ReduceLROnPlateau"]
