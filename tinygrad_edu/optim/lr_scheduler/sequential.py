"""SequentialLR: one schedule after another (a warmup, then a decay), switching at milestones."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from ..optimizer import Optimizer
from .base import LRScheduler, check_int, check_optimizer
from .plateau import ReduceLROnPlateau


class SequentialLR(LRScheduler):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]``, and so on.

    The schedulers must have been made on the same optimizer. Making them already took
    their initial steps; SequentialLR undoes those, restores the initial rates, and starts
    the first schedule. At each milestone the next schedule starts from its own step 0
    (with its closed form), as in PyTorch. Its ``state_dict()`` holds the inner
    schedulers' states too.

    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.optim.lr_scheduler import LinearLR, ExponentialLR
    >>> opt = tg.optim.SGD([tg.nn.Parameter([0.0])], lr=1.0)
    >>> warmup = LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> decay = ExponentialLR(opt, gamma=0.5)
    >>> sched = SequentialLR(opt, schedulers=[warmup, decay], milestones=[2])
    >>> rates = []
    >>> for _ in range(5):
    ...     rates.append(sched.get_last_lr()[0]); opt.step(); sched.step()
    >>> rates    # warmup 0.5, 0.75; then the decay from the full rate
    [0.5, 0.75, 1.0, 0.5, 0.25]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(optimizer)
        schedulers = list(schedulers)
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler, but got no scheduler.")
        for index, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(f"SequentialLR: schedulers[{index}] is a {type(scheduler).__name__}, not a scheduler")
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(f"SequentialLR does not support ReduceLROnPlateau (schedulers[{index}]): its step() "
                                 "needs the metric")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR expects all schedulers to belong to the same optimizer, but "
                                 f"schedulers[{index}] ({type(scheduler).__name__}) has another one")
        milestones = [check_int(m, "milestone", 0) for m in milestones]
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
                f"milestone points, but got number of schedulers {len(schedulers)} and the number of milestones "
                f"to be equal to {len(milestones)}"
            )
        if milestones != sorted(milestones):
            raise ValueError(f"milestones must be increasing, got {milestones}")
        self.optimizer = optimizer
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = check_int(last_epoch, "last_epoch", -1) + 1
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]  # back to the start, before the schedulers' initial steps
        for scheduler in schedulers:
            _undo_initial_step(scheduler)
        first = self._schedulers[bisect.bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        """Advance one step: the current schedule's, or the next schedule's step 0 at a milestone."""
        self.last_epoch += 1
        index = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Its own state plus the inner schedulers' states (under ``"_schedulers"``)."""
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore its own state and the inner schedulers' (checked; the argument is left unchanged)."""
        if not isinstance(state_dict, dict) or not isinstance(state_dict.get("_schedulers"), (list, tuple)):
            raise TypeError("SequentialLR.load_state_dict expects the dict from SequentialLR.state_dict()")
        inner = state_dict["_schedulers"]
        if len(inner) != len(self._schedulers):
            raise ValueError(f"the state_dict holds {len(inner)} schedulers' states, this SequentialLR has "
                             f"{len(self._schedulers)}")
        own = {key: value for key, value in state_dict.items() if key != "_schedulers"}
        backups = [scheduler.state_dict() for scheduler in self._schedulers]
        try:
            for scheduler, saved in zip(self._schedulers, inner):
                scheduler.load_state_dict(saved)
            super().load_state_dict(own)
        except (TypeError, ValueError):
            for scheduler, backup in zip(self._schedulers, backups):  # leave everything as it was
                scheduler.__dict__.update(backup)
            raise


def _undo_initial_step(scheduler: LRScheduler) -> None:
    """Step a scheduler (or, recursively, the schedulers inside it) back by one."""
    if isinstance(scheduler, SequentialLR):
        for inner in scheduler._schedulers:
            _undo_initial_step(inner)
    else:
        scheduler.last_epoch -= 1


__all__ = ["SequentialLR"]
