"""NumPy functions on Tensors: ``np.exp(t)``, ``array * t``, ``np.sum(t)`` ...

A Tensor implements NumPy's dispatch protocols (NEP 13 ``__array_ufunc__`` and NEP 18
``__array_function__``). Each op declares the NumPy functions it answers (see
``function.py``), so a learner's NumPy code gains gradients unchanged, and an op's own
backward, written with NumPy calls, is differentiable again when it runs on Tensors.
Anything without a differentiable counterpart raises a ``TypeError`` that names it: the
graph is never dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .function import NUMPY_FUNCTIONS


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_ufunc__``: a NumPy ufunc call, answered by the op that declared it."""
    name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    if method != "__call__" or ufunc not in NUMPY_FUNCTIONS:
        raise TypeError(f"{name} has no differentiable counterpart in tinygrad_edu; use np.asarray(t) to work on the values")
    if kwargs.get("out") is not None:
        raise TypeError(f"{name}(..., out=) would write into a Tensor's data behind the graph's back; it is not supported")
    extra = sorted(k for k in kwargs if k != "out")
    if extra:
        raise TypeError(f"{name}: keyword arguments {extra} are not supported on Tensors")
    return NUMPY_FUNCTIONS[ufunc](*inputs)


def array_function(func: Callable, types: tuple, args: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_function__``: a NumPy function, answered by the op that declared it."""
    implementation = NUMPY_FUNCTIONS.get(func)
    if implementation is None:
        raise TypeError(
            f"{_numpy_name(func)} has no differentiable counterpart in tinygrad_edu; "
            "use np.asarray(t) to work on the values (this leaves the graph)"
        )
    return implementation(*args, **kwargs)


def _numpy_name(func: Callable) -> str:
    """``np.sum``, ``np.linalg.norm``: the name a user typed, from the function's module."""
    module = getattr(func, "__module__", None) or "numpy"
    prefix = "np" + module[len("numpy"):] if module.startswith("numpy") and "._" not in module else "np"
    return f"{prefix}.{func.__name__}"
