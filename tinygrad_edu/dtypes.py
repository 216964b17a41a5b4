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
    string, ragged or otherwise non-numeric input raises ``TypeError``/``ValueError``; a list
    holding a Python int beyond NumPy's int64/uint64 range raises ``OverflowError`` naming it.
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
        _check_integer_sizes(array)
        raise TypeError(
            "cannot make a tensor from a list with non-numeric items or ragged rows "
            "(NumPy made an object array)"
        )
    if array.dtype.kind in "US":
        raise TypeError("cannot make a tensor from strings: expected numbers")
    return array


_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1  # the Python ints NumPy stores as int64 or uint64


def _check_integer_sizes(array: np.ndarray) -> None:
    """Raise ``OverflowError`` naming the first Python int too large for NumPy's integer types.

    NumPy turns a list holding such an integer into an object array instead of converting it to
    float, so without this check the error would blame "non-numeric items".
    """
    for item in array.flat:
        if isinstance(item, int) and not isinstance(item, bool) and not _INT64_MIN <= item <= _UINT64_MAX:
            try:
                as_float = f"write it as a float ({float(item):.17g}) if that is the value you mean"
            except OverflowError:
                as_float = "it is too large for float64 as well"
            raise OverflowError(
                f"cannot make a tensor from the integer {_short(item)}: it is too large for int64 (NumPy's integers "
                f"hold -2**63 to 2**64 - 1), so NumPy does not convert it to float; {as_float}"
            )


def _short(number: int) -> str:
    """A huge integer as its first and last digits, so an error message stays readable."""
    text = str(number)
    return text if len(text) <= 40 else f"{text[:12]}...{text[-6:]} ({len(text.lstrip('-'))} digits)"
