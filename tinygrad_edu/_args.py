"""Argument checking and operand conversion, in one place for every op, method and function.

Each helper either returns a clean value or raises an error that names the function, the
argument and what was wrong, so that no NumPy traceback from deep inside reaches a user.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import to_float_array
from .grad_mode import is_grad_enabled
from .tensor import Tensor

_UNSET: Any = object()  # "not given", where None is a meaningful value


class DimError(IndexError, ValueError):
    """A dimension out of range: an ``IndexError`` as in PyTorch, and a ``ValueError`` like every
    other shape error of tinygrad_edu, so code that catches either keeps working."""


def flag(value: Any, name: str) -> bool:
    """``value`` as a bool, which must be True or False (a truthy string must not quietly mean True)."""
    if value is True or value is False:
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def shape(args: tuple, name: str = "shape") -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike; entries must be integers."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for n in args:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{name} entries must be integers, got {args!r}")
    return tuple(int(n) for n in args)


def pick_dim(dim: Any, axis: Any, function: str, default: Any = None) -> Any:
    """PyTorch's ``dim=`` or NumPy's ``axis=`` (one of them: both given raises)."""
    if dim is not _UNSET and dim is not None and axis is not _UNSET and axis is not None:
        raise TypeError(f"{function}: give dim= or axis=, not both")
    for value in (dim, axis):
        if value is not _UNSET and value is not None:
            return value
    return default


def pick_keepdim(keepdim: Any, keepdims: Any, function: str) -> bool:
    """PyTorch's ``keepdim=`` or NumPy's ``keepdims=`` (one of them), True or False."""
    if keepdim is not None and keepdims is not None:
        raise TypeError(f"{function}: give keepdim= or keepdims=, not both")
    if keepdim is None and keepdims is None:
        return False
    return flag(keepdims if keepdim is None else keepdim, f"{function}: keepdim (keepdims)")


def dim_index(dim: Any, ndim: int, function: str, shape: tuple) -> int:
    """One dimension as a non-negative index; negative counts from the end."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{function}: dim (axis) must be an integer, got {dim!r}")
    if not -ndim <= dim < ndim:
        raise DimError(f"{function}: dim (axis) {dim} is out of range for shape {tuple(shape)}: expected one in [{-ndim}, {ndim - 1}]")
    return int(dim) % ndim


def dims_tuple(dims: Any, shape: tuple, function: str) -> tuple[int, ...]:
    """``dims`` (None for all, an int or a sequence) as a sorted tuple of distinct indices.

    A 0-d tensor accepts dim 0 or -1 (as in PyTorch) and has no dimension to reduce.
    """
    ndim = len(shape)
    if dims is None:
        return tuple(range(ndim))
    listed = (dims,) if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool) else dims
    if not isinstance(listed, (tuple, list)):
        raise TypeError(f"{function}: dim (axis) must be an integer or a tuple of integers, got {dims!r}")
    result = [dim_index(d, max(ndim, 1), function, shape) for d in listed]
    if len(set(result)) != len(result):
        raise ValueError(f"{function}: repeated dim (axis) in {dims!r}")
    return tuple(sorted(result)) if ndim else ()


def elementwise_operand(other: Any, like: Tensor) -> Tensor | float:
    """The other side of an elementwise operator: a real scalar stays a Python float.

    ``x * 1.0001`` then costs no constant Tensor, and NumPy's rule for Python scalars
    ("weak" scalars take the array's dtype) keeps a float32 tensor float32. NumPy
    scalars are not weak (``np.float64`` would promote), so they become Python floats
    first. The op records the float among its inputs; backward gives it no gradient.
    """
    if type(other) is float:  # the usual case, checked first
        return other
    if type(other) in (int, bool) or isinstance(other, (np.floating, np.integer, np.bool_)):
        return float(other)
    return operand(other, like)


def operand(other: Any, like: Tensor) -> Tensor:
    """Turn the other side of an operator into a Tensor.

    Python and NumPy scalars, lists, and integer or bool arrays take ``like``'s dtype
    (so a float32 tensor stays float32); float arrays keep theirs (NumPy promotion).
    """
    if isinstance(other, Tensor):
        return other
    if isinstance(other, (complex, np.complexfloating)):
        raise TypeError(f"complex operand {other!r} is not supported: tensors are real floating point")
    if isinstance(other, (int, float, np.number, np.bool_)):
        return Tensor._wrap(np.asarray(other, dtype=like._data.dtype))
    if isinstance(other, np.ndarray):
        dtype = None if other.dtype.kind == "f" else like._data.dtype
        return Tensor._wrap(to_float_array(other, dtype, copy=False))
    if isinstance(other, (list, tuple)):
        return Tensor._wrap(to_float_array(other, like._data.dtype, copy=False))
    raise TypeError(f"unsupported operand type for a Tensor operation: {type(other).__name__}")


def as_tensor(x: Any, name: str = "input") -> Tensor:
    """``x`` if it is a Tensor, else a constant Tensor of its values (no gradient)."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor._wrap(to_float_array(x, copy=False))
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a Tensor or array of numbers: {error}") from None


def tensors(items: Any, function: str) -> list[Tensor]:
    """A non-empty sequence of tensors (arrays and numbers are converted)."""
    if isinstance(items, (Tensor, np.ndarray, str, bytes, dict)) or not hasattr(items, "__iter__"):
        raise TypeError(f"{function}: expected a sequence (list or tuple) of tensors, got {type(items).__name__}")
    result = [as_tensor(t, f"{function}: every item") for t in items]
    if not result:
        raise ValueError(f"{function}: expected a non-empty sequence of tensors")
    return result


def constant(value: Any, function: str, name: str) -> Any:
    """An option that is a constant of the op (a slope, a clip bound): a number or an array.

    A Tensor is taken by its values, but one that requires grad is refused: a constant
    gets no gradient, and dropping it silently would be a wrong answer.
    """
    if value is None or type(value) is float or type(value) is int:
        return value
    if isinstance(value, Tensor):
        if value.requires_grad and is_grad_enabled():
            raise TypeError(
                f"{function}: {name} is a Tensor that requires grad, but {name} is a constant of the op and "
                f"gets no gradient; pass {name}.detach() (or use tensor ops to differentiate through it)"
            )
        return value._data
    if isinstance(value, (np.floating, np.integer)):
        return value
    try:
        return to_float_array(value, copy=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{function}: {name} must be a real number or an array of them ({error})") from None


def real_number(value: Any, function: str, name: str) -> float:
    """A scalar option as a Python float (a Tensor that requires grad is refused, as in ``constant``)."""
    value = constant(value, function, name)
    if value is None or np.ndim(value) != 0:
        raise TypeError(f"{function}: {name} must be a real number, got {value!r}")
    return float(value)


# NumPy keywords that a Tensor function can accept only at their default value: any other value
# (``out=``, ``where=``, ``initial=``, Fortran ``order=``...) would be ignored, giving a wrong answer.
_NUMPY_DEFAULTS = {"out": None, "dtype": None, "where": True, "order": "C", "copy": None, "subok": False}


def numpy_options(function: str, options: dict) -> None:
    """Refuse NumPy keywords that a Tensor cannot honour (anything not at its default)."""
    unsupported = sorted(
        key for key, value in options.items()
        if key not in _NUMPY_DEFAULTS or not (value is _NUMPY_DEFAULTS[key] or (type(value) is str and value == _NUMPY_DEFAULTS[key]))
    )
    if unsupported:
        raise TypeError(f"np.{function}: keyword arguments {unsupported} are not supported on Tensors")
