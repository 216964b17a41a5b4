"""Reading and checking hyperparameters: numbers, flags and ``betas``, as plain Python values.

Every optimizer reads its hyperparameters from the parameter group at each ``step()``
through these helpers, so a value that a user (or a scheduler, or a checkpoint) put into
a group is checked once per group per step, with an error that names the key and the value.

They also turn NumPy scalars (``np.float64(0.01)``) and 0-d arrays (what ``tg.save``
stores for a NumPy scalar) into Python floats. That matters beyond tidiness: a Python
float is "weak" in NumPy's type promotion, so ``lr * grad`` keeps a float32 gradient
float32, while ``np.float64(lr) * grad`` would silently promote it to float64.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class _Required:
    """Marks a hyperparameter that has no default (``lr`` of SGD)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


def as_python_number(value: Any) -> Any:
    """``value`` with NumPy scalars and 0-d arrays turned into Python ``bool``/``int``/``float``.

    Anything else is returned unchanged (so callers can still refuse it).

    >>> import numpy as np
    >>> as_python_number(np.float32(0.5)), as_python_number(np.array(3)), as_python_number("x")
    (0.5, 3, 'x')
    """
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        if value.dtype.kind in "biuf":
            return value.item()
    return value


def real_number(value: Any) -> float | None:
    """``value`` as a Python float if it is a real number (not a bool), else None."""
    value = as_python_number(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def check_number(value: Any, name: str, low: float = 0.0, high: float | None = None, high_inclusive: bool = False) -> float:
    """``value`` as a float in [low, high) (or [low, high]); else ValueError like PyTorch's 'Invalid ...'.

    >>> check_number(0.5, "gamma")
    0.5
    >>> check_number(-1, "gamma")
    Traceback (most recent call last):
    ...
    ValueError: Invalid gamma value: -1.0
    """
    number = real_number(value)
    if number is None:
        raise TypeError(f"{name} must be a number, got {value!r}")
    too_high = high is not None and (number > high if high_inclusive else number >= high)
    if math.isnan(number) or number < low or too_high:
        raise ValueError(f"Invalid {name} value: {number}")
    return number


def read_number(group: dict[str, Any], key: str, invalid: str | None = None, low: float = 0.0,
                high: float | None = None) -> float:
    """``group[key]`` as a Python float in [low, high); errors name the key and the value.

    ``invalid`` is PyTorch's wording for an out-of-range value ("learning rate" gives
    "Invalid learning rate: -0.1"); by default "<key> value".

    >>> read_number({"lr": 0.1}, "lr", "learning rate")
    0.1
    >>> read_number({"lr": "x"}, "lr", "learning rate")
    Traceback (most recent call last):
    ...
    TypeError: hyperparameter 'lr' must be a number, got 'x' (str)
    """
    value = group[key] if key in group else _entry(group, key)
    number = value if type(value) is float else real_number(value)  # (a float needs no conversion: quick)
    if number is None:
        raise TypeError(f"hyperparameter {key!r} must be a number, got {value!r} ({type(value).__name__})")
    if math.isnan(number) or number < low or (high is not None and number >= high):
        raise ValueError(f"Invalid {invalid or key + ' value'}: {number}")
    return number


def read_flag(group: dict[str, Any], key: str) -> bool:
    """``group[key]`` as a bool; anything but True/False (a string "False" is truthy) is refused.

    >>> read_flag({"maximize": False}, "maximize")
    False
    """
    value = group[key] if key in group else _entry(group, key)
    if value is True or value is False:
        return value
    value = as_python_number(value)  # np.True_, or a 0-d array from a checkpoint
    if not isinstance(value, bool):
        raise TypeError(f"hyperparameter {key!r} must be True or False, got {value!r}")
    return value


def read_betas(group: dict[str, Any], key: str = "betas") -> tuple[float, float]:
    """``group["betas"]`` as a pair of Python floats, each in [0, 1) (PyTorch's messages).

    >>> read_betas({"betas": (0.9, 0.999)})
    (0.9, 0.999)
    """
    betas = _entry(group, key)
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"hyperparameter {key!r} must be a pair (beta1, beta2), got {betas!r}")
    pair = []
    for index, beta in enumerate(betas):
        number = real_number(beta)
        if number is None:
            raise TypeError(f"hyperparameter {key!r} must be a pair of numbers, got {betas!r}")
        if math.isnan(number) or not 0.0 <= number < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {number}")
        pair.append(number)
    return pair[0], pair[1]


def _entry(group: dict[str, Any], key: str) -> Any:
    try:
        return group[key]
    except KeyError:
        raise KeyError(f"the parameter group has no {key!r} entry (it was removed after the optimizer was made)") from None


__all__ = ["as_python_number", "check_number", "read_betas", "read_flag", "read_number", "real_number", "required"]
