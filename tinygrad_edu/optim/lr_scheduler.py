"""Learning-rate schedules with PyTorch's semantics (``torch.optim.lr_scheduler``).

Constructing a scheduler records each group's starting rate as ``group["initial_lr"]``
and performs the initial step (``last_epoch`` becomes 0). Each ``.step()`` then
advances ``last_epoch`` by one and writes the new rate into ``group["lr"]``. Call it
after ``optimizer.step()``, once per epoch or once per iteration, as you choose.

The multiplicative schedules (StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR)
update the current rate recursively like PyTorch, so they give exactly PyTorch's
numbers (and compose with other changes to ``group["lr"]``).
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_number


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


class LRScheduler:
    """Base class: subclasses define ``get_lr()``, the rates for ``self.last_epoch``."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        last_epoch = _check_int(last_epoch, "last_epoch", -1)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a scheduler "
                        "with last_epoch >= 0: load the optimizer's state first, or use last_epoch=-1"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The rates for ``self.last_epoch`` (after it was advanced)."""
        raise NotImplementedError

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch/iteration and set each group's ``lr``.

        ``step(epoch)`` jumps to ``epoch`` instead, using the schedule's closed form (as
        PyTorch still allows, with the same deprecation warning).
        """
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn(
                "passing an epoch to scheduler.step() is deprecated (as in PyTorch): call step() once per epoch "
                "or iteration instead",
                UserWarning,
                stacklevel=2,
            )
            self.last_epoch = _check_int(epoch, "epoch", 0)
            values = self._closed_form_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        """The rates at ``self.last_epoch`` from the initial ones (schedules defined recursively override it)."""
        return self.get_lr()

    def get_last_lr(self) -> list[float]:
        """The rates the last ``step()`` set, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (as in PyTorch)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` returned."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict expects the dict from scheduler.state_dict(), got {type(state_dict).__name__}")
        self.__dict__.update(state_dict)

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]


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
        self.step_size = _check_int(step_size, "step_size", 1)
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
            _check_int(m, "milestone", 0)
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
        self.T_max = _check_int(T_max, "T_max", 1)
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


__all__ = ["CosineAnnealingLR", "ExponentialLR", "InverseTimeLR", "LRScheduler", "LambdaLR", "MultiStepLR", "StepLR"]
