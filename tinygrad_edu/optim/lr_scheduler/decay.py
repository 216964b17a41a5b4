"""Decaying schedules: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR, InverseTimeLR.

The multiplicative ones (StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR) update
the current rate recursively like PyTorch, so they give exactly PyTorch's numbers (and
compose with other schedulers' changes to ``group["lr"]``).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._hyperparameters import check_number
from ..optimizer import Optimizer
from .base import LRScheduler, check_int


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` steps: lr_t = lr_0·gamma^⌊t/step_size⌋.

    >>> import tinygrad_edu as tg
    >>> opt = tg.optim.SGD([tg.nn.Parameter([0.0])], lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.5)
    >>> rates = []
    >>> for _ in range(5):
    ...     rates.append(sched.get_last_lr()[0]); opt.step(); sched.step()
    >>> rates
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = check_int(step_size, "step_size", 1)
        self.gamma = check_number(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each milestone step (e.g. ``milestones=[30, 80]``).

    >>> import tinygrad_edu as tg
    >>> opt = tg.optim.SGD([tg.nn.Parameter([0.0])], lr=1.0)
    >>> sched = MultiStepLR(opt, milestones=[1, 3], gamma=0.1)
    >>> rates = []
    >>> for _ in range(4):
    ...     rates.append(round(sched.get_last_lr()[0], 6)); opt.step(); sched.step()
    >>> rates
    [1.0, 0.1, 0.1, 0.01]
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1, last_epoch: int = -1) -> None:
        if not hasattr(milestones, "__iter__") or isinstance(milestones, (str, bytes)):
            raise TypeError(f"milestones must be a list of step numbers such as [30, 80], got {milestones!r}")
        milestones = list(milestones)
        for m in milestones:
            check_int(m, "milestone", 0)
        if milestones != sorted(milestones):
            raise ValueError(f"milestones must be increasing, got {milestones}")
        self.milestones = Counter(int(m) for m in milestones)
        self.gamma = check_number(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current_lrs()]

    def _closed_form_lr(self) -> list[float]:
        milestones = sorted(m for m, count in self.milestones.items() for _ in range(count))  # a dict after loading
        passed = bisect.bisect_right(milestones, self.last_epoch)
        return [base * self.gamma**passed for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every step: lr_t = lr_0·gamma^t."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = check_number(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine decay from lr_0 to ``eta_min`` over ``T_max`` steps (and back up after, periodically).

    lr_t = eta_min + (lr_0 − eta_min)·(1 + cos(π t / T_max))/2, computed with PyTorch's
    recursive update so the values match PyTorch's to the last bit.

    >>> import tinygrad_edu as tg
    >>> opt = tg.optim.SGD([tg.nn.Parameter([0.0])], lr=1.0)
    >>> sched = CosineAnnealingLR(opt, T_max=2)
    >>> rates = []
    >>> for _ in range(3):
    ...     rates.append(round(sched.get_last_lr()[0], 6)); opt.step(); sched.step()
    >>> rates
    [1.0, 0.5, 0.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_max = check_int(T_max, "T_max", 1)
        self.eta_min = check_number(eta_min, "eta_min")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, period, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:
            return [eta_min + (base - eta_min) * (1 + math.cos(t * math.pi / period)) / 2 for base in self.base_lrs]
        if (t - 1 - period) % (2 * period) == 0:
            # At the bottom of the cosine the ratio below would divide by zero: add the rise directly.
            return [lr + (base - eta_min) * (1 - math.cos(math.pi / period)) / 2
                    for lr, base in zip(self._current_lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (lr - eta_min) + eta_min for lr in self._current_lrs()]

    def _closed_form_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]


def _lambda_factor(fn: Callable[[int], float], epoch: int) -> float:
    """``fn(epoch)``, checked to be a real number (a string or None would fail obscurely later)."""
    factor = fn(epoch)
    is_number = isinstance(factor, (int, float, np.integer, np.floating, np.ndarray)) and not isinstance(factor, bool)
    if not is_number or np.ndim(factor) != 0 or np.asarray(factor).dtype.kind not in "iuf":
        raise TypeError(f"lr_lambda returned {factor!r} for step {epoch}: it must return a number (the factor on the initial lr)")
    return factor


class LambdaLR(LRScheduler):
    """lr_t = lr_0 · lr_lambda(t), with one function for all groups or a list (one per group).

    >>> import tinygrad_edu as tg
    >>> opt = tg.optim.SGD([tg.nn.Parameter([0.0])], lr=2.0)
    >>> sched = LambdaLR(opt, lambda t: 1 / (t + 1))
    >>> sched.step(); sched.get_last_lr()
    [1.0]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"expected {len(optimizer.param_groups)} lr_lambdas, got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda must be callable, got {fn!r}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * _lambda_factor(fn, self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """Like the base class, without the functions (they cannot be stored as data)."""
        return {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")}


class InverseTimeLR(LRScheduler):
    """lr_t = lr_0 / (1 + decay·t): large steps early, steps that let SGD settle later.

    >>> import tinygrad_edu as tg
    >>> opt = tg.optim.SGD([tg.nn.Parameter([0.0])], lr=1.0)
    >>> sched = InverseTimeLR(opt, decay=0.5)
    >>> rates = []
    >>> for _ in range(3):
    ...     rates.append(sched.get_last_lr()[0]); opt.step(); sched.step()
    >>> rates
    [1.0, 0.6666666666666666, 0.5]
    """

    def __init__(self, optimizer: Optimizer, decay: float, last_epoch: int = -1) -> None:
        self.decay = check_number(decay, "decay")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base / (1 + self.decay * self.last_epoch) for base in self.base_lrs]


__all__ = ["CosineAnnealingLR", "ExponentialLR", "InverseTimeLR", "LambdaLR", "MultiStepLR", "StepLR"]
