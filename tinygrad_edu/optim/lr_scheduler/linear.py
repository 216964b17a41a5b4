"""LinearLR: a linear change of the rate's factor over the first steps (the usual warmup)."""

from __future__ import annotations

from .._hyperparameters import real_number
from ..optimizer import Optimizer
from .base import LRScheduler, check_int


class LinearLR(LRScheduler):
    """Multiply the initial rate by a factor that moves linearly from ``start_factor`` to ``end_factor``.

    lr_t = lr_0 · (start_factor + (end_factor − start_factor) · min(t, total_iters) / total_iters),
    computed with PyTorch's recursive update (each step multiplies the current rate by
    the ratio of consecutive factors), so the values are PyTorch's to the last bit and
    combine with other schedulers acting on the same optimizer. A warmup from a third
    of the rate is the default; after ``total_iters`` steps the rate stays put.

    >>> import tinygrad_edu as tg
    >>> opt = tg.optim.SGD([tg.nn.Parameter([0.0])], lr=1.0)
    >>> sched = LinearLR(opt, start_factor=0.25, total_iters=3)
    >>> rates = []
    >>> for _ in range(5):
    ...     rates.append(round(sched.get_last_lr()[0], 6)); opt.step(); sched.step()
    >>> rates
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        start = real_number(start_factor)
        end = real_number(end_factor)
        if start is None or end is None:
            raise TypeError(f"start_factor and end_factor must be numbers, got {start_factor!r} and {end_factor!r}")
        if not 0 < start <= 1:  # (PyTorch's messages)
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        if not 0 <= end <= 1:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start
        self.end_factor = end
        self.total_iters = check_int(total_iters, "total_iters", 1)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates times the ratio of this step's factor to the previous one."""
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        change = self.end_factor - self.start_factor
        # factor(t)/factor(t − 1), written as PyTorch writes it
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [lr * ratio for lr in self._current_lrs()]

    def _closed_form_lr(self) -> list[float]:
        change = self.end_factor - self.start_factor
        factor = self.start_factor + change * min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * factor for base in self.base_lrs]


__all__ = ["LinearLR"]
