"""Functions that make new tensors: constants, ranges and random values."""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import as_float_dtype, get_default_dtype
from .randomness import get_rng
from . import _args
from .tensor import Tensor

_shape_arg = _args.shape


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    tensor = Tensor._wrap(array)
    tensor.requires_grad = _args.flag(requires_grad, "requires_grad")
    return tensor


def _dtype(dtype: Any) -> np.dtype:
    return get_default_dtype() if dtype is None else as_float_dtype(dtype)


def _check_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    if any(n < 0 for n in shape):
        raise ValueError(f"negative dimension in shape {shape}")
    return shape


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``.

    >>> import tinygrad_edu as tg
    >>> tg.zeros(2, 3).shape
    (2, 3)
    """
    return _make(np.zeros(_check_shape(_shape_arg(shape)), dtype=_dtype(dtype)), requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones.

    >>> import tinygrad_edu as tg
    >>> tg.ones(2).tolist()
    [1.0, 1.0]
    """
    return _make(np.ones(_check_shape(_shape_arg(shape)), dtype=_dtype(dtype)), requires_grad)


def full(shape: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``.

    >>> import tinygrad_edu as tg
    >>> tg.full((2,), 7.0).tolist()
    [7.0, 7.0]
    """
    shape = _check_shape(_shape_arg((shape,)) if not isinstance(shape, (int, np.integer)) else (int(shape),))
    if isinstance(fill_value, (complex, np.complexfloating)) or not isinstance(fill_value, (int, float, np.number)):
        raise TypeError(f"fill_value must be a real number, got {fill_value!r}")
    return _make(np.full(shape, fill_value, dtype=_dtype(dtype)), requires_grad)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of ``t``.

    >>> import tinygrad_edu as tg
    >>> tg.zeros_like(tg.ones(3)).tolist()
    [0.0, 0.0, 0.0]
    """
    like = _like_array(t)
    return _make(np.zeros(like.shape, dtype=_like_dtype(like, dtype)), requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of ``t``.

    >>> import tinygrad_edu as tg
    >>> tg.ones_like(tg.zeros(2)).tolist()
    [1.0, 1.0]
    """
    like = _like_array(t)
    return _make(np.ones(like.shape, dtype=_like_dtype(like, dtype)), requires_grad)


def _like_array(t: Any) -> np.ndarray:
    """The array whose shape a ``*_like`` factory copies: a Tensor's, or numbers'."""
    if isinstance(t, Tensor):
        return t._data
    array = np.asarray(t) if isinstance(t, (np.ndarray, list, tuple, int, float, np.number)) else None
    if array is None or array.dtype.kind not in "biuf":
        raise TypeError(f"expected a Tensor or an array of numbers to copy the shape of, got {type(t).__name__}")
    return array


def _like_dtype(like: np.ndarray, dtype: Any) -> np.dtype:
    if dtype is not None:
        return as_float_dtype(dtype)
    return like.dtype if like.dtype.kind == "f" and like.dtype.itemsize <= 8 else get_default_dtype()


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end``: ``arange(5)``, ``arange(1, 2, 0.25)``.

    >>> import tinygrad_edu as tg
    >>> tg.arange(3).tolist()
    [0.0, 1.0, 2.0]
    """
    if end is None:
        start, end = 0, start
    for name, value in (("start", start), ("end", end), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"arange: {name} must be a real number, got {value!r}")
        if not np.isfinite(value):
            raise ValueError(f"arange: {name} must be finite, got {value!r}")
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if (end - start) * step < 0:
        raise ValueError(f"arange: the range from {start} to {end} cannot be walked with step {step} (wrong sign)")
    # PyTorch's length and values: ceil((end - start) / step) entries, each start + i·step computed in
    # float64 (np.arange accumulates a rounded step instead, drifting by a few ulps over long ranges).
    count = int(np.ceil((end - start) / step))
    values = start + step * np.arange(count, dtype=np.float64)
    return _make(values.astype(_dtype(dtype), copy=False), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    >>> import tinygrad_edu as tg
    >>> tg.linspace(0, 1, 3).tolist()
    [0.0, 0.5, 1.0]
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative integer, got {steps!r}")
    start, end = _real_endpoint("start", start), _real_endpoint("end", end)
    return _make(np.linspace(start, end, int(steps), dtype=_dtype(dtype)), requires_grad)


def _real_endpoint(name: str, value: Any) -> float:
    if isinstance(value, (Tensor, np.ndarray)) and np.size(value) == 1:
        value = np.asarray(value).reshape(())[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"linspace: {name} must be a real number, got {value!r}")
    return float(value)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (``n`` × ``m``, square by default).

    >>> import tinygrad_edu as tg
    >>> tg.eye(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    for value in (n, m):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0):
            raise ValueError(f"eye: sizes must be non-negative integers, got {value!r}")
    return _make(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False, rng: np.random.Generator | None = None) -> Tensor:
    """Standard normal samples, from ``rng`` or the global generator (``manual_seed``).

    >>> import numpy as np, tinygrad_edu as tg
    >>> tg.randn(2, 3, rng=np.random.default_rng(0)).shape
    (2, 3)
    """
    values = get_rng(rng).standard_normal(_check_shape(_shape_arg(shape)))
    return _make(values.astype(_dtype(dtype), copy=False), requires_grad)


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False, rng: np.random.Generator | None = None) -> Tensor:
    """Uniform samples in [0, 1), from ``rng`` or the global generator.

    >>> import numpy as np, tinygrad_edu as tg
    >>> bool((tg.rand(5, rng=np.random.default_rng(0)).numpy() < 1).all())
    True
    """
    values = get_rng(rng).random(_check_shape(_shape_arg(shape)))
    return _make(values.astype(_dtype(dtype), copy=False), requires_grad)
