"""Ops that join or choose among several tensors: ``cat``, ``stack`` and ``where``.

Each input gets back its own slice of the output's gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _args
from ..function import declare
from ..tensor import Tensor
from .shape import ShapeOp
from .values import answer


class Concatenate(ShapeOp):
    """Tensors joined along an existing dimension; each gets its slice of the gradient back."""

    numpy_functions = (np.concatenate,)

    @classmethod
    def numpy_function(cls, func):
        def concatenate(arrays, axis=0, out=None, **options):
            _args.numpy_options("concatenate", {"out": out, **options})
            if axis is None:  # NumPy flattens every array first
                return cat([t.reshape(-1) for t in _args.tensors(arrays, "np.concatenate")])
            return cat(arrays, axis)

        return concatenate

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        ctx.bounds = np.cumsum([0] + [a.shape[dim] for a in arrays])
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad_output):
        before = (slice(None),) * ctx.dim
        return tuple(grad_output[before + (slice(int(start), int(stop)),)] for start, stop in zip(ctx.bounds[:-1], ctx.bounds[1:]))


class Stack(ShapeOp):
    """Tensors of one shape joined along a new dimension; each gets its slice of the gradient back."""

    numpy_functions = (np.stack,)

    @classmethod
    def numpy_function(cls, func):
        def stack_(arrays, axis=0, out=None, **options):
            _args.numpy_options("stack", {"out": out, **options})
            return stack(arrays, axis)

        return stack_

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim, ctx.count = dim, len(arrays)
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad_output):
        before = (slice(None),) * ctx.dim
        return tuple(grad_output[before + (i,)] for i in range(ctx.count))


def cat(tensors: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dimension (``torch.cat``; ``axis=`` as in ``np.concatenate``).

    >>> import tinygrad_edu as tg
    >>> tg.cat([tg.zeros(2), tg.ones(1)]).tolist()
    [0.0, 0.0, 1.0]
    """
    items = _args.tensors(tensors, "cat")
    first = items[0].shape
    if not first:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated; use stack() to join them along a new dimension")
    d = _args.dim_index(_args.pick_dim(dim, axis, "cat", default=0), len(first), "cat", first)
    for other in items[1:]:
        if len(other.shape) != len(first) or other.shape[:d] + other.shape[d + 1 :] != first[:d] + first[d + 1 :]:
            raise ValueError(f"cat: shapes {first} and {other.shape} differ outside dim {d}")
    return Concatenate.apply(*items, dim=d)


def stack(tensors: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Join tensors of one shape along a new dimension (``torch.stack``, ``np.stack``).

    >>> import tinygrad_edu as tg
    >>> tg.stack([tg.zeros(2), tg.ones(2)]).shape
    (2, 2)
    """
    items = _args.tensors(tensors, "stack")
    first = items[0].shape
    d = _args.dim_index(_args.pick_dim(dim, axis, "stack", default=0), len(first) + 1, "stack", first)
    for other in items[1:]:
        if other.shape != first:
            raise ValueError(f"stack: all tensors must have the same shape, got {first} and {other.shape}")
    return Stack.apply(*items, dim=d)


class Where(ShapeOp):
    """``a`` where ``condition`` holds, else ``b``; the condition is a constant bool array."""

    numpy_functions = (np.where,)

    @classmethod
    def numpy_function(cls, func):
        def where_(condition, x=None, y=None):
            if x is None or y is None:
                raise TypeError(
                    "np.where(condition) with one argument (np.nonzero) has no differentiable counterpart; "
                    "use np.where(condition, x, y) or np.nonzero(np.asarray(t))"
                )
            return where(condition, x, y)

        return where_

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        take_a = ctx.condition
        return None, grad_output * take_a, grad_output * ~take_a

    @classmethod
    def explain_error(cls, error, arrays, options):
        shapes = tuple(tuple(np.shape(a)) for a in arrays)
        return ValueError(f"where: condition, a and b of shapes {shapes} cannot be broadcast together")


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """``x`` where ``condition`` is true, else ``y``; the gradient flows to the chosen side.

    >>> import tinygrad_edu as tg
    >>> t = tg.Tensor([-1.0, 2.0])
    >>> tg.where(t > 0, t, 0.0).tolist()
    [0.0, 2.0]
    """
    mask = answer(_as_mask, condition)  # (asked through ``answer``, so that a traced step asks again)
    like = x if isinstance(x, Tensor) else y if isinstance(y, Tensor) else _args.as_tensor(x)
    return Where.apply(mask, _args.operand(x, like), _args.operand(y, like))


def _as_mask(condition: Any) -> np.ndarray:
    mask = np.asarray(condition)
    if mask.dtype.kind not in "biuf":
        raise TypeError(f"where: condition must be a bool array (e.g. t > 0), got {type(condition).__name__} of dtype {mask.dtype}")
    return mask.astype(bool, copy=False)


@declare(methods=("where",))
def where_method(x, condition, other):
    """``x`` where ``condition`` holds, else ``other`` (PyTorch's ``x.where(condition, other)``)."""
    return where(condition, x, other)
