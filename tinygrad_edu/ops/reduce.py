"""Reductions over axes (NumPy's ``axis=``/``keepdims=``) and the ops built from them."""

from __future__ import annotations

import numpy as np

from ..function import Function
from ..tensor import Tensor


def normalize_axes(axis, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int or a sequence) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, (int, np.integer, tuple, list)):
        raise TypeError(f"axis must be an integer or a tuple of integers, got {axis!r}")
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    result = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"axis must be an integer or a tuple of integers, got {axis!r}")
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        result.append(int(a) % max(ndim, 1))
    if len(set(result)) != len(result):
        raise ValueError(f"repeated axis in {axis!r}")
    if ndim == 0:
        return ()  # a 0-d tensor accepts axis 0 / -1 (like PyTorch) but has no axis to reduce
    return tuple(sorted(result))


def expand_reduced(grad_output, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool):
    """Broadcast a reduction's gradient back over the reduced axes."""
    if not keepdims:
        kept_shape = tuple(1 if i in axes else n for i, n in enumerate(shape))
        grad_output = grad_output.reshape(kept_shape)
    return np.broadcast_to(grad_output, shape)


class Reduction(Function):
    backward_accepts_arrays = True

    @classmethod
    def explain_error(cls, error, arrays, kwargs):
        return type(error)(f"{cls.__name__.lower()}: {error} (input shape {arrays[0].shape}, axis={kwargs.get('axis')!r})")


class Sum(Reduction):
    """Σ x over ``axis``; each input element gets the output's gradient."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, normalize_axes(axis, x.ndim), keepdims
        return np.sum(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad_output):
        return expand_reduced(grad_output, ctx.shape, ctx.axes, ctx.keepdims)


class Mean(Reduction):
    """mean x over ``axis``; each input element gets 1/n of the output's gradient."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, normalize_axes(axis, x.ndim), keepdims
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return np.mean(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad_output):
        return expand_reduced(grad_output / ctx.count, ctx.shape, ctx.axes, ctx.keepdims)


class _Extremum(Reduction):
    """max/min over ``axis``: the gradient goes to the extreme elements, shared equally on ties."""

    reduce = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, normalize_axes(axis, x.ndim), keepdims
        if any(x.shape[a] == 0 for a in ctx.axes):  # (other axes may be empty: the result is then empty too)
            raise ValueError("an empty axis has no extreme value")
        out = cls.reduce(x, axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(x, out)
        return out if keepdims else out.reshape([n for i, n in enumerate(x.shape) if i not in ctx.axes])

    @staticmethod
    def backward(ctx, grad_output):
        x, out_kept = ctx.saved_tensors
        winners = np.asarray(x == out_kept)
        share = winners / winners.sum(axis=ctx.axes, keepdims=True)
        return expand_reduced(grad_output, ctx.shape, ctx.axes, ctx.keepdims) * share.astype(grad_output.dtype)


class Max(_Extremum):
    reduce = staticmethod(np.max)


class Min(_Extremum):
    reduce = staticmethod(np.min)


class LogSumExp(Reduction):
    """log Σ exp(x), computed stably; d/dx = softmax(x) = exp(x - out)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, normalize_axes(axis, x.ndim), keepdims
        if any(x.shape[a] == 0 for a in ctx.axes):
            # log of an empty sum is log 0 = -inf (PyTorch's value); np.max would have no identity here
            out_kept = np.full([1 if i in ctx.axes else n for i, n in enumerate(x.shape)], -np.inf, dtype=x.dtype)
        else:
            shift = np.max(x, axis=ctx.axes, keepdims=True)
            shift = np.where(np.isfinite(shift), shift, 0)
            out_kept = np.log(np.sum(np.exp(x - shift), axis=ctx.axes, keepdims=True)) + shift
        ctx.kept_shape = out_kept.shape
        out = out_kept if keepdims else out_kept.reshape([n for i, n in enumerate(x.shape) if i not in ctx.axes])
        ctx.save_for_backward(x, out)  # the output itself, so a second derivative sees it depend on x
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        softmax = np.exp(x - out.reshape(ctx.kept_shape))
        return expand_reduced(grad_output, ctx.shape, ctx.axes, ctx.keepdims) * softmax


def _axes_for(name: str, axis, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``normalize_axes`` for the composed ops, whose errors then name the op and the shape."""
    try:
        return normalize_axes(axis, len(shape))
    except (TypeError, ValueError) as error:
        raise type(error)(f"{name}: {error} (input shape {shape})") from None


def var(x, axis=None, keepdims=False, ddof=0):
    """Variance Σ(x - mean)² / (n - ddof), composed from differentiable ops.

    Fewer than ``ddof + 1`` elements raise ``ValueError`` (PyTorch returns inf or nan with a warning).
    """
    if isinstance(ddof, bool) or not isinstance(ddof, (int, float, np.integer, np.floating)):
        raise TypeError(f"var: ddof must be a number, got {ddof!r}")
    axes = _axes_for("var", axis, x.shape)
    count = int(np.prod([x.shape[a] for a in axes]))
    if count - ddof <= 0:
        raise ValueError(f"var: {count} elements with ddof={ddof} leaves no degrees of freedom")
    centered = x - x.mean(axis=axes, keepdims=True)
    return (centered * centered).sum(axis=axes, keepdims=keepdims) / (count - ddof)


def _shift_by_max(x, axis, name):
    """x - max(x) along ``axis``, the max taken as a constant.

    The shift changes neither the softmax nor its gradient, but it keeps the numbers
    small: for x = [1e4, 1e4] in float32, x - logsumexp(x) would lose the digits of
    log 2 in the rounding of 1e4 + log 2 (PyTorch subtracts the max for the same reason).
    """
    data = x._data
    axes = _axes_for(name, axis, data.shape)
    if data.size == 0:
        return x
    shift = np.max(data, axis=axes, keepdims=True)
    # A row of -inf has no max to subtract (-inf - -inf = nan; the row stays -inf). A +inf max is
    # kept: the row then becomes nan, as in PyTorch (inf / inf has no value).
    shift = np.where(shift == -np.inf, 0, shift).astype(data.dtype, copy=False)
    return x - Tensor._wrap(shift)


def softmax(x, axis=-1):
    """exp(x - logsumexp(x)): normalized along ``axis``."""
    return _log_softmax(x, axis, "softmax").exp()


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis`` (after shifting by the max, for precision)."""
    return _log_softmax(x, axis, "log_softmax")


def _log_softmax(x, axis, name):
    shifted = _shift_by_max(x, axis, name)
    return shifted - shifted.logsumexp(axis=axis, keepdims=True)
