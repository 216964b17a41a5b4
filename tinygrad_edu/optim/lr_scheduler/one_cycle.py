"""OneCycleLR: Smith's 1cycle policy (warm up to a peak rate, then anneal far below the start)."""

from __future__ import annotations

import math
from typing import Any

from .._hyperparameters import check_number
from ..optimizer import Optimizer
from .base import LRScheduler, check_int, check_optimizer


def _per_group(value: Any, name: str, optimizer: Optimizer) -> list[float]:
    """One number per parameter group: a list of that length, or one number for all."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has {len(optimizer.param_groups)}.")
        return [check_number(v, name) for v in value]
    return [check_number(value, name)] * len(optimizer.param_groups)


def _anneal(start: float, end: float, fraction: float, strategy: str) -> float:
    """From ``start`` (fraction 0) to ``end`` (fraction 1): along half a cosine, or a straight line."""
    if strategy == "cos":
        return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)
    return (end - start) * fraction + start


class OneCycleLR(LRScheduler):
    """The 1cycle policy, stepped once per batch (PyTorch's arguments, defaults and numbers).

    The rate rises from max_lr/div_factor to ``max_lr`` over the first ``pct_start`` of
    ``total_steps`` (or ``epochs * steps_per_epoch``), then falls to
    max_lr/(div_factor·final_div_factor); with ``three_phase=True`` it first comes back
    down symmetrically to the start and only then falls to the minimum. Each phase is a
    half cosine (``anneal_strategy="cos"``) or a straight line (``"linear"``). With
    ``cycle_momentum=True`` the momentum (SGD's ``momentum``, or β1 of Adam's ``betas``)
    moves the opposite way, between ``max_momentum`` and ``base_momentum``.

    The scheduler writes the rate's landmarks into each group (``initial_lr``, ``max_lr``,
    ``min_lr``, and ``max_momentum``, ``base_momentum``), as PyTorch does. Stepping past
    ``total_steps`` is an error. Unlike PyTorch, a phase that gets no steps (for example
    ``pct_start * total_steps == 1``) is skipped instead of dividing by zero.

    >>> import tinygrad_edu as tg
    >>> opt = tg.optim.SGD([tg.nn.Parameter([0.0])], lr=0.1, momentum=0.9)
    >>> sched = OneCycleLR(opt, max_lr=1.0, total_steps=5, anneal_strategy="linear", div_factor=10.0)
    >>> rates = []
    >>> for _ in range(5):
    ...     rates.append(round(sched.get_last_lr()[0], 6)); opt.step(); sched.step()
    >>> rates    # up to 1.0 at step 0.3·5 − 1 = 0.5, then down to 0.1/10⁴ at step 4
    [0.1, 0.857144, 0.571433, 0.285721, 1e-05]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(optimizer)
        if total_steps is not None:
            self.total_steps = check_int(total_steps, "total_steps", 1)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = check_int(epochs, "epochs", 1) * check_int(steps_per_epoch, "steps_per_epoch", 1)
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        pct_start = check_number(pct_start, "pct_start", high=1.0, high_inclusive=True)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self._schedule_phases = self._phases(pct_start, bool(three_phase))
        max_lrs = _per_group(max_lr, "max_lr", optimizer)
        div_factor = check_number(div_factor, "div_factor")
        final_div_factor = check_number(final_div_factor, "final_div_factor")
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = peak / div_factor  # (this schedule defines its own starting rate)
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentums = _per_group(max_momentum, "max_momentum", optimizer)
            base_momentums = _per_group(base_momentum, "base_momentum", optimizer)
            if last_epoch == -1:
                for group, top, bottom in zip(optimizer.param_groups, max_momentums, base_momentums):
                    self._set_momentum(group, top)
                    group["max_momentum"], group["base_momentum"] = top, bottom
        super().__init__(optimizer, last_epoch)

    def _phases(self, pct_start: float, three_phase: bool) -> list[dict[str, Any]]:
        """Each phase: its last step, and the group keys of the rate and momentum it goes from and to."""
        up = {"end_step": float(pct_start * self.total_steps) - 1, "start_lr": "initial_lr", "end_lr": "max_lr",
              "start_momentum": "max_momentum", "end_momentum": "base_momentum"}
        last = self.total_steps - 1
        if not three_phase:
            return [up, {"end_step": last, "start_lr": "max_lr", "end_lr": "min_lr",
                         "start_momentum": "base_momentum", "end_momentum": "max_momentum"}]
        down = {"end_step": float(2 * pct_start * self.total_steps) - 2, "start_lr": "max_lr", "end_lr": "initial_lr",
                "start_momentum": "base_momentum", "end_momentum": "max_momentum"}
        return [up, down, {"end_step": last, "start_lr": "initial_lr", "end_lr": "min_lr",
                           "start_momentum": "max_momentum", "end_momentum": "max_momentum"}]

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def get_lr(self) -> list[float]:
        """The rate of step ``last_epoch`` (and, as a side effect, the momentum)."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    # (a phase of no steps, which PyTorch divides by zero for, counts as completed)
                    fraction = (step - start_step) / (end_step - start_step) if end_step != start_step else 1.0
                    lrs.append(_anneal(group[phase["start_lr"]], group[phase["end_lr"]], fraction, self.anneal_strategy))
                    if self.cycle_momentum:
                        momentum = _anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], fraction,
                                           self.anneal_strategy)
                        self._set_momentum(group, momentum)
                    break
                start_step = end_step
        return lrs


__all__ = ["OneCycleLR"]
