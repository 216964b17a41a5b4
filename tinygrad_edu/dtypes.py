"""Floating-point dtypes and the conversion of user data into arrays.

Tensors hold float16, float32 or float64 NumPy arrays. Everything a user may pass
(Python numbers, nested lists, NumPy arrays) goes through ``to_float_array``, which
either returns a clean array or raises an error that names the problem.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))

_default_dtype = np.dtype(np.float64)


def as_float_dtype(dtype: Any) -> np.dtype:
    """Return ``dtype`` as a NumPy float dtype, or raise ``TypeError`` for anything else."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}: use float16, float32 or float64") from None
    if resolved not in FLOAT_DTYPES:
        raise TypeError(
            f"dtype {resolved} is not supported: tensors are floating point "
            "(float16, float32 or float64)"
        )
    return resolved


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype given to Python numbers, lists, integer and bool arrays.

    >>> import numpy as np, tinygrad_edu as tg
    >>> tg.set_default_dtype(np.float32)
    >>> tg.Tensor([1, 2]).dtype
    dtype('float32')
    >>> tg.set_default_dtype(np.float64)
    """
    global _default_dtype
    if dtype is None:  # np.dtype(None) would quietly mean float64
        raise TypeError("set_default_dtype needs a dtype: float16, float32 or float64, got None")
    _default_dtype = as_float_dtype(dtype)


def get_default_dtype() -> np.dtype:
    """Return the current default dtype (``float64`` unless changed).

    >>> import tinygrad_edu as tg
    >>> tg.get_default_dtype()
    dtype('float64')
    """
    return _default_dtype


def _describe(data: Any) -> str:
    return type(data).__name__


def to_float_array(data: Any, dtype: Any = None, copy: bool = True) -> np.ndarray:
    """Convert ``data`` to a floating-point ``np.ndarray``.

    Float16/32/64 arrays keep their dtype; Python numbers, lists, integer and bool
    arrays become the default dtype; ``dtype`` overrides both. Complex, object,
    string, ragged or otherwise non-numeric input raises ``TypeError``/``ValueError``.
    """
    target = None if dtype is None else as_float_dtype(dtype)
    if isinstance(data, np.ndarray):
        array = data
    elif isinstance(data, (bool, int, float, np.bool_, np.integer, np.floating)):
        array = np.asarray(data)
        if not isinstance(data, np.floating):
            array = array.astype(target or _default_dtype)
    elif isinstance(data, (list, tuple, range)):
        array = _array_from_sequence(data)
        if target is None and array.dtype not in (FLOAT_DTYPES[0], FLOAT_DTYPES[1]):
            # Python floats (float64 here) take the default dtype, like PyTorch; a list of float16/32
            # NumPy scalars or tensors keeps that dtype (PyTorch infers it from the elements too).
            target = _default_dtype
    elif isinstance(data, (complex, np.complexfloating)):
        raise TypeError(f"complex values are not supported (got {data!r}): tensors are real floating point")
    elif hasattr(data, "__array__") and not isinstance(data, (str, bytes, dict)):
        array = np.asarray(data)
    else:
        raise TypeError(
            f"cannot make a tensor from {_describe(data)}: expected a number, a (nested) list "
            "of numbers, a NumPy array or a Tensor"
        )
    kind = array.dtype.kind
    if kind == "c":
        raise TypeError(f"complex data (dtype {array.dtype}) is not supported: tensors are real floating point")
    if kind not in "biuf":
        raise TypeError(
            f"cannot make a tensor from an array of dtype {array.dtype}: expected numbers "
            "(bool, integer or floating point)"
        )
    if target is None:
        target = array.dtype if array.dtype in FLOAT_DTYPES and kind == "f" else _default_dtype
    if kind == "f" and array.dtype not in FLOAT_DTYPES and dtype is None:
        raise TypeError(f"dtype {array.dtype} is not supported: use float16, float32 or float64")
    if copy or array.dtype != target:
        return np.array(array, dtype=target)
    return array


def _array_from_sequence(data: list | tuple | range) -> np.ndarray:
    try:
        array = np.array(data)
    except ValueError as error:
        if "inhomogeneous" in str(error) or "sequence" in str(error):
            raise ValueError(
                "ragged nested list: every row must have the same length "
                f"(NumPy said: {error})"
            ) from None
        raise ValueError(f"cannot make a tensor from this list: {error}") from None
    except TypeError as error:
        raise TypeError(f"cannot make a tensor from this list: {error}") from None
    if array.dtype == object:
        raise TypeError(
            "cannot make a tensor from a list with non-numeric items or ragged rows "
            "(NumPy made an object array)"
        )
    if array.dtype.kind in "US":
        raise TypeError("cannot make a tensor from strings: expected numbers")
    return array
