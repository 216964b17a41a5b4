"""Ops that move values around without arithmetic: reshape, transpose, broadcast,
indexing, concatenation and selection. Their backward moves the gradient back."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor


class ShapeOp(Function):
    backward_accepts_arrays = True

    @classmethod
    def explain_error(cls, error, arrays, kwargs):
        return error  # each forward below raises its own message, naming the op and the shapes


class Reshape(ShapeOp):
    """x with a new shape (same elements); the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        if shape and min(shape) < -1:  # NumPy would take any negative size as "infer this one"
            raise ValueError(f"reshape: invalid size {min(shape)} in shape {shape} (only -1 may be inferred)")
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {shape}") from None

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.reshape(ctx.input_shape)


class Transpose(ShapeOp):
    """x with its axes permuted (NumPy's meaning; no axes reverses them)."""

    @staticmethod
    def forward(ctx, x, axes):
        if axes is None:
            axes = tuple(range(x.ndim))[::-1]
        if any(not -x.ndim <= a < x.ndim for a in axes) or sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ValueError(
                f"transpose: axes {axes} is not a permutation of the {x.ndim} axes of shape {x.shape}; "
                "use swapaxes(a, b) to exchange two axes"
            )
        ctx.inverse = tuple(np.argsort([a % x.ndim for a in axes]))
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, grad_output):
        return np.transpose(grad_output, ctx.inverse)


class BroadcastTo(ShapeOp):
    """x broadcast to ``shape``; the engine sums the gradient back to x's shape."""

    @staticmethod
    def forward(ctx, x, shape):
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class GetItem(ShapeOp):
    """x[index] for basic slices and integer arrays; the gradient is scatter-added back."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.input_shape, ctx.index = x.shape, index
        try:
            out = x[index]
        except (IndexError, ValueError) as error:  # (ValueError: a slice step of 0)
            raise type(error)(f"index {_describe_index(index)} is invalid for a tensor of shape {x.shape}: {error}") from None
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    @staticmethod
    def backward(ctx, grad_output):
        return scatter_add(grad_output, ctx.index, ctx.input_shape)


class ScatterAdd(ShapeOp):
    """zeros(shape) with ``values`` added at ``index`` (repeats accumulate); the inverse of GetItem."""

    @staticmethod
    def forward(ctx, values, index, shape):
        ctx.index = index
        out = np.zeros(shape, dtype=values.dtype)
        if _has_array(index):
            np.add.at(out, index, values)
        else:
            out[index] = values
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output[ctx.index]


def scatter_add(values, index, shape):
    """``ScatterAdd`` on a Tensor (differentiable), plain NumPy on an array."""
    if isinstance(values, Tensor):
        return ScatterAdd.apply(values, index=index, shape=shape)
    return ScatterAdd.forward(_NoContext(), values, index, shape)


class _NoContext:
    """Stands in for a Context when a forward is called directly on arrays."""

    def save_for_backward(self, *values: Any) -> None:
        pass


class Concatenate(ShapeOp):
    """Tensors joined along an existing axis; each gets its slice of the gradient back."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        _check_joinable("cat", arrays, axis, same_shape=False)
        ctx.axis = axis % arrays[0].ndim
        ctx.bounds = np.cumsum([0] + [a.shape[ctx.axis] for a in arrays])
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad_output):
        before = (slice(None),) * ctx.axis
        return tuple(
            grad_output[before + (slice(int(start), int(stop)),)]
            for start, stop in zip(ctx.bounds[:-1], ctx.bounds[1:])
        )


class Stack(ShapeOp):
    """Tensors of one shape joined along a new axis; each gets its slice of the gradient back."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        _check_joinable("stack", arrays, axis, same_shape=True)
        ctx.axis, ctx.count = axis % (arrays[0].ndim + 1), len(arrays)
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad_output):
        before = (slice(None),) * ctx.axis
        return tuple(grad_output[before + (i,)] for i in range(ctx.count))


class Where(ShapeOp):
    """``a`` where ``condition`` holds, else ``b``; the condition is a constant bool array."""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        take_a = ctx.condition
        return None, grad_output * take_a, grad_output * ~take_a

    @classmethod
    def explain_error(cls, error, arrays, kwargs):
        shapes = tuple(tuple(np.shape(a)) for a in arrays)
        return ValueError(f"where: condition, a and b of shapes {shapes} cannot be broadcast together")


def _check_joinable(name: str, arrays: tuple, axis: int, same_shape: bool) -> None:
    if not arrays:
        raise ValueError(f"{name}: expected a non-empty sequence of tensors")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: axis must be an integer, got {axis!r}")
    first = arrays[0]
    ndim = first.ndim + (1 if same_shape else 0)
    if not -ndim <= axis < ndim or ndim == 0:
        raise ValueError(f"{name}: axis {axis} is out of range for tensors of shape {first.shape}")
    for other in arrays[1:]:
        if same_shape and other.shape != first.shape:
            raise ValueError(f"stack: all tensors must have the same shape, got {first.shape} and {other.shape}")
        if not same_shape:
            a = axis % first.ndim
            if other.ndim != first.ndim or other.shape[:a] + other.shape[a + 1 :] != first.shape[:a] + first.shape[a + 1 :]:
                raise ValueError(f"cat: shapes {first.shape} and {other.shape} differ outside axis {axis}")


def _check_axis(name: str, axis: Any, ndim: int, shape: tuple) -> None:
    """Raise TypeError for a non-integer axis, ValueError for one out of range."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: axis must be an integer, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for shape {shape}")


def _has_array(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) for p in parts)


def _describe_index(index: Any) -> str:
    return repr(index)


def normalize_index(index: Any) -> Any:
    """Turn Tensors and lists inside an index into integer arrays; reject float indices."""
    if isinstance(index, tuple):
        return tuple(_normalize_index_part(p) for p in index)
    return _normalize_index_part(index)


def _normalize_index_part(part: Any) -> Any:
    if isinstance(part, Tensor):
        part = part._data
    if isinstance(part, list):
        try:
            part = np.asarray(part)
        except ValueError:
            raise IndexError(f"index list {part!r} is ragged: every row must have the same length") from None
    if isinstance(part, np.ndarray):
        if part.dtype.kind == "f":
            if not np.all(part == np.round(part)):
                raise IndexError(f"tensor indices must be integers, got floats {part}")
            part = part.astype(np.intp)
        elif part.dtype.kind not in "biu":
            raise IndexError(f"index arrays must be integers or bools, got dtype {part.dtype}")
    elif isinstance(part, slice):
        for bound in (part.start, part.stop, part.step):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, np.integer))):
                raise TypeError(f"slice bounds must be integers or None, got {part!r}")
    elif isinstance(part, (float, np.floating)):
        raise IndexError(f"indices must be integers, slices, None, ... or integer arrays, got the float {part}")
    elif not (part is None or part is Ellipsis or isinstance(part, (int, np.integer, slice))):
        raise IndexError(f"unsupported index {part!r} of type {type(part).__name__}")
    return part


def swapaxes(x, axis1: int, axis2: int):
    """x with two axes exchanged (a Transpose)."""
    _check_axis("swapaxes", axis1, x.ndim, x.shape)
    _check_axis("swapaxes", axis2, x.ndim, x.shape)
    axes = list(range(x.ndim))
    try:
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    except IndexError:
        raise ValueError(f"swapaxes: axes {axis1} and {axis2} are out of range for shape {x.shape}") from None
    return Transpose.apply(x, axes=tuple(axes))


def flatten(x, start_dim: int = 0, end_dim: int = -1):
    """Merge axes ``start_dim..end_dim`` into one (PyTorch's flatten; defaults give 1-D)."""
    _check_axis("flatten", start_dim, max(x.ndim, 1), x.shape)
    _check_axis("flatten", end_dim, max(x.ndim, 1), x.shape)
    if x.ndim == 0:
        return x.reshape(1)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {x.shape}")
    shape = x.shape[:start] + (int(np.prod(x.shape[start : end + 1])),) + x.shape[end + 1 :]
    return x.reshape(shape)


def squeeze(x, axis=None):
    """Drop axes of length 1 (all of them, or those in ``axis``; others are left alone, like PyTorch)."""
    if axis is None:
        drop = {i for i, n in enumerate(x.shape) if n == 1}
    else:
        if not isinstance(axis, (int, np.integer, tuple, list)) or isinstance(axis, bool):
            raise TypeError(f"squeeze: axis must be an integer or a tuple of integers, got {axis!r}")
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        for a in axes:
            _check_axis("squeeze", a, max(x.ndim, 1), x.shape)
        drop = {a % max(x.ndim, 1) for a in axes if x.ndim and x.shape[a] == 1}
    return x.reshape(tuple(n for i, n in enumerate(x.shape) if i not in drop))


def unsqueeze(x, axis: int):
    """Insert an axis of length 1 at ``axis`` (negative counts from the end of the result)."""
    if axis is None:
        raise TypeError("unsqueeze() needs the position of the new axis: unsqueeze(0), unsqueeze(dim=-1)")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"unsqueeze: axis must be an integer, got {axis!r}")
    if not -(x.ndim + 1) <= axis <= x.ndim:
        raise ValueError(f"unsqueeze: axis {axis} is out of range for shape {x.shape}")
    axis = axis % (x.ndim + 1)
    return x.reshape(x.shape[:axis] + (1,) + x.shape[axis:])


def expand(x, shape: tuple[int, ...]):
    """Broadcast to ``shape``; -1 keeps that axis's length (PyTorch's expand)."""
    offset = len(shape) - x.ndim
    if offset < 0:
        raise ValueError(f"expand: cannot expand shape {x.shape} to fewer dimensions {shape}")
    shape = tuple(x.shape[i - offset] if n == -1 and i >= offset else n for i, n in enumerate(shape))
    return BroadcastTo.apply(x, shape=shape)
