"""``LRScheduler``: the base of every schedule (PyTorch's protocol), and its checked state dict."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from .._hyperparameters import as_python_number, real_number
from ..optimizer import Optimizer


def check_int(value: Any, name: str, minimum: int) -> int:
    """``value`` as an int of at least ``minimum`` (NumPy integers accepted, bools refused)."""
    value = as_python_number(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def check_optimizer(optimizer: Any) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
    return optimizer


def group_values(optimizer: Optimizer, key: str) -> list[Any]:
    """``group[key]`` of every group, NumPy scalars made Python numbers (so schedules compute in float64)."""
    return [as_python_number(group[key]) for group in optimizer.param_groups]


class LRScheduler:
    """Base class: subclasses define ``get_lr()``, the rates for ``self.last_epoch``.

    Constructing a scheduler records each group's starting rate as ``group["initial_lr"]``
    (unless another scheduler already did: the first one's record stays) and takes the
    initial step, so ``last_epoch`` becomes 0. Each ``step()`` then advances ``last_epoch``
    by one and writes the new rates into the groups' ``"lr"``.

    >>> import tinygrad_edu as tg
    >>> opt = tg.optim.SGD([tg.nn.Parameter([0.0])], lr=1.0)
    >>> sched = tg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> sched.last_epoch, opt.param_groups[0]["initial_lr"]
    (0, 1.0)
    >>> opt.step(); sched.step(); sched.get_last_lr()
    [0.5]
    """

    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = check_optimizer(optimizer)
        last_epoch = check_int(last_epoch, "last_epoch", -1)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])  # never overwrite: another scheduler may own it
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a scheduler "
                        "with last_epoch >= 0: load the optimizer's state first, or use last_epoch=-1"
                    )
        self.base_lrs: list[float] = group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Reset the step count and take the step that sets the rates for ``last_epoch + 1``."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
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
        if epoch is not None:
            warnings.warn(
                "passing an epoch to scheduler.step() is deprecated (as in PyTorch): call step() once per epoch "
                "or iteration instead",
                UserWarning,
                stacklevel=2,
            )
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        """Set the rates for the next epoch, or for ``epoch`` (closed form) when given."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = check_int(epoch, "epoch", 0)
            values = self._closed_form_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = group_values(self.optimizer, "lr")

    def _closed_form_lr(self) -> list[float]:
        """The rates at ``self.last_epoch`` from the initial ones (schedules defined recursively override it)."""
        return self.get_lr()

    def get_last_lr(self) -> list[float]:
        """The rates the last ``step()`` set, one per parameter group."""
        return list(self._last_lr)

    def _current_lrs(self) -> list[float]:
        return group_values(self.optimizer, "lr")

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (as in PyTorch)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` returned (possibly through ``tg.save``/``tg.load``).

        Each entry must be of the kind this scheduler holds (a number where it has a
        number, a list of as many numbers as it has, ...); NumPy scalars and 0-d arrays
        become Python numbers. Nothing changes unless every entry is valid.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict expects the dict from scheduler.state_dict(), got {type(state_dict).__name__}")
        restored = {}
        for key, value in state_dict.items():
            if key == "optimizer" or key not in self.__dict__:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: unexpected entry {key!r} (is this another scheduler's, "
                    "or an optimizer's, state_dict?)"
                )
            restored[key] = restore_like(self.__dict__[key], value, f"{type(self).__name__} state {key!r}")
        self.__dict__.update(restored)


def restore_like(current: Any, loaded: Any, where: str) -> Any:
    """``loaded`` checked to be the same kind of value as ``current``, with NumPy scalars made Python numbers.

    ``None`` on either side matches anything (entries such as ``default_min_lr`` may be
    a number or None). Lists and tuples must have the same length.

    >>> import numpy as np
    >>> restore_like([0.1, 0.2], [np.float64(0.5), np.array(0.25)], "base_lrs")
    [0.5, 0.25]
    >>> restore_like(0.1, "x", "lr")
    Traceback (most recent call last):
    ...
    TypeError: lr must be a number, got 'x'
    """
    loaded = as_python_number(loaded)
    if current is None or loaded is None:
        return _python_numbers(loaded)
    if isinstance(current, bool) or isinstance(current, str):
        if type(loaded) is not type(current):
            raise TypeError(f"{where} must be a {type(current).__name__}, got {loaded!r}")
        return loaded
    if real_number(current) is not None:
        if real_number(loaded) is None:
            raise TypeError(f"{where} must be a number, got {loaded!r}")
        return loaded
    if isinstance(current, (list, tuple)):
        if not isinstance(loaded, (list, tuple)) or len(loaded) != len(current):
            raise ValueError(f"{where} must be a list of {len(current)} entries, got {loaded!r}")
        return type(current)(restore_like(c, v, f"{where}[{i}]") for i, (c, v) in enumerate(zip(current, loaded)))
    if isinstance(current, Mapping):
        if not isinstance(loaded, Mapping):
            raise TypeError(f"{where} must be a dict, got {loaded!r}")
        return type(current)({key: _python_numbers(value) for key, value in loaded.items()})
    return loaded


def _python_numbers(value: Any) -> Any:
    """``value`` with NumPy scalars and 0-d arrays made Python numbers, inside lists, tuples and dicts too."""
    if isinstance(value, (list, tuple)):
        return type(value)(_python_numbers(item) for item in value)
    if isinstance(value, Mapping):
        return {key: _python_numbers(item) for key, item in value.items()}
    return as_python_number(value)


__all__ = ["LRScheduler"]
