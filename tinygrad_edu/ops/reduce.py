"""Reductions over dimensions (sum, mean, amax, logsumexp) and the ops composed from them."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import _args
from ..function import Function, declare
from ..tensor import Tensor
from .values import answer


class Reduction(Function):
    """A reduction over ``dim`` (None: every dimension), reached as ``t.sum(dim, keepdim)``
    (PyTorch's names; NumPy's ``axis=``/``keepdims=`` are accepted too) and ``np.sum(t, axis)``."""

    abstract = True
    family = "reduction"
    backward_accepts_arrays = True

    @classmethod
    def tensor_method(cls, name):
        def reduce(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
            dims = _args.dims_tuple(_args.pick_dim(dim, axis, name), self.shape, name)
            return cls.apply(self, dims=dims, keepdim=_args.pick_keepdim(keepdim, keepdims, name))

        return reduce

    @classmethod
    def numpy_function(cls, func):
        name = func.__name__

        def reduce(a, axis=None, dtype=None, out=None, keepdims=False, **options):  # NumPy's positional order
            _args.numpy_options(name, {"dtype": dtype, "out": out, **options})
            x = _args.as_tensor(a)
            return cls.apply(x, dims=_args.dims_tuple(axis, x.shape, name), keepdim=_args.flag(keepdims, "keepdims"))

        return reduce


def expand_reduced(grad_output, shape: tuple[int, ...], dims: tuple[int, ...], keepdim: bool):
    """Broadcast a reduction's gradient back over the reduced dimensions."""
    if not keepdim:
        grad_output = grad_output.reshape(tuple(1 if i in dims else n for i, n in enumerate(shape)))
    return np.broadcast_to(grad_output, shape)


class Sum(Reduction):
    """Σ x over ``dims``; each input element gets the output's gradient."""

    methods = ("sum",)
    functions = ("sum",)
    numpy_functions = (np.sum,)

    @staticmethod
    def forward(ctx, x, dims, keepdim=False):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return np.sum(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad_output):
        return expand_reduced(grad_output, ctx.shape, ctx.dims, ctx.keepdim)


class Mean(Reduction):
    """mean x over ``dims``; each input element gets 1/n of the output's gradient."""

    methods = ("mean",)
    functions = ("mean",)
    numpy_functions = (np.mean,)

    @staticmethod
    def forward(ctx, x, dims, keepdim=False):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.count = int(np.prod([x.shape[d] for d in dims]))
        return np.mean(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad_output):
        return expand_reduced(grad_output / ctx.count, ctx.shape, ctx.dims, ctx.keepdim)


class Prod(Reduction):
    """Π x over ``dims``; d/dx_i = Π_{j≠i} x_j, the product of the others.

    Without zeros that is out / x_i. Where a slice holds zeros (out / x_i would be 0/0), it
    is built from P, the product of the slice's non-zero elements, and Z, its count of zeros:
    a non-zero x_i gets Q·P / x_i with Q the product of the zeros (so 0 when Z > 0); a zero
    gets P when it is the only one, P·(the other zero) when there are two, else 0. Q and "the
    other zero" stay expressions in x, so second derivatives are exact there too.
    """

    methods = ("prod",)
    functions = ("prod",)
    numpy_functions = (np.prod,)

    @staticmethod
    def forward(ctx, x, dims, keepdim=False):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        out = np.prod(x, axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        grad = expand_reduced(grad_output, ctx.shape, ctx.dims, ctx.keepdim)
        zero = np.asarray(x == 0)
        if not zero.any():
            return grad * expand_reduced(out, ctx.shape, ctx.dims, ctx.keepdim) / x
        kept = {"axis": ctx.dims, "keepdims": True}
        nonzero = np.where(zero, 1.0, x)
        product_of_nonzeros = np.prod(nonzero, **kept)
        product_of_zeros = np.prod(np.where(zero, x, 1.0), **kept)
        zeros_in_slice = zero.sum(**kept)
        other_zero = np.sum(np.where(zero, x, 0.0), **kept) - x  # (read only where the slice has two zeros)
        of_a_zero = product_of_nonzeros * np.where(zeros_in_slice == 1, 1.0, np.where(zeros_in_slice == 2, other_zero, 0.0))
        of_a_nonzero = product_of_zeros * product_of_nonzeros / nonzero
        return grad * np.where(zero, of_a_zero, of_a_nonzero)


class Extremum(Reduction):
    """amax/amin over ``dims``: the gradient goes to the extreme elements, shared equally on
    ties; where the extreme is NaN, to the NaNs (as PyTorch's ``max()``)."""

    abstract = True
    find = staticmethod(np.max)

    @classmethod
    def numpy_function(cls, func):
        name = func.__name__

        def reduce(a, axis=None, out=None, keepdims=False, **options):  # np.max has no dtype argument
            _args.numpy_options(name, {"out": out, **options})
            x = _args.as_tensor(a)
            return cls.apply(x, dims=_args.dims_tuple(axis, x.shape, name), keepdim=_args.flag(keepdims, "keepdims"))

        return reduce

    @classmethod
    def forward(cls, ctx, x, dims, keepdim=False):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if any(x.shape[d] == 0 for d in dims):  # (other axes may be empty: the result is then empty too)
            raise ValueError(f"{cls.__name__.lower()}: an empty dimension has no extreme value (shape {x.shape})")
        out = cls.find(x, axis=dims, keepdims=True)
        ctx.save_for_backward(x, out)
        return out if keepdim else out.reshape([n for i, n in enumerate(x.shape) if i not in dims])

    @staticmethod
    def backward(ctx, grad_output):
        x, out_kept = ctx.saved_tensors
        winners = np.asarray(x == out_kept)
        extreme_is_nan = np.isnan(out_kept)
        if extreme_is_nan.any():
            winners = winners | (np.isnan(x) & extreme_is_nan)
        share = winners / winners.sum(axis=ctx.dims, keepdims=True)
        return expand_reduced(grad_output, ctx.shape, ctx.dims, ctx.keepdim) * share.astype(grad_output.dtype)

    @classmethod
    def explain_error(cls, error, arrays, options):
        return error  # forward's own message names the op and the shape


class Max(Extremum):
    """The largest value over ``dims`` (``t.amax(dim)``, ``np.max(t, axis)``)."""

    methods = ("amax",)
    functions = ("amax",)
    numpy_functions = (np.max, np.amax)
    find = staticmethod(np.max)


class Min(Extremum):
    """The smallest value over ``dims`` (``t.amin(dim)``, ``np.min(t, axis)``)."""

    methods = ("amin",)
    functions = ("amin",)
    numpy_functions = (np.min, np.amin)
    find = staticmethod(np.min)


class LogSumExp(Reduction):
    """log Σ exp(x), computed stably; d/dx = softmax(x) = exp(x - out)."""

    methods = ("logsumexp",)
    functions = ("logsumexp",)

    @staticmethod
    def forward(ctx, x, dims, keepdim=False):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if any(x.shape[d] == 0 for d in dims):
            # log of an empty sum is log 0 = -inf (PyTorch's value); np.max would have no identity here
            out_kept = np.full([1 if i in dims else n for i, n in enumerate(x.shape)], -np.inf, dtype=x.dtype)
        else:
            shift = np.max(x, axis=dims, keepdims=True)
            shift = np.where(np.isfinite(shift), shift, 0)
            out_kept = np.log(np.sum(np.exp(x - shift), axis=dims, keepdims=True)) + shift
        ctx.kept_shape = out_kept.shape
        out = out_kept if keepdim else out_kept.reshape([n for i, n in enumerate(x.shape) if i not in dims])
        ctx.save_for_backward(x, out)  # the output itself, so a second derivative sees it depend on x
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        softmax = np.exp(x - out.reshape(ctx.kept_shape))
        return expand_reduced(grad_output, ctx.shape, ctx.dims, ctx.keepdim) * softmax


# ---------------------------------------------------------------- max/min with indices, argmax
class ValuesIndices(NamedTuple):
    """The result of ``t.max(dim)``, ``t.min(dim)``, ``t.sort()`` and ``t.topk(k)``, as in PyTorch:
    the values (a Tensor) and their indices (an int64 NumPy array)."""

    values: Tensor
    indices: np.ndarray


def _extreme_along(x: Tensor, dim: Any, keepdim: Any, find_index: Any, name: str) -> ValuesIndices:
    """The extreme values along ``dim`` and where they are; the gradient goes to that index only."""
    d = _args.dim_index(dim, max(x.ndim, 1), name, x.shape)
    keepdim = _args.flag(keepdim, "keepdim")
    if x.ndim == 0:
        return ValuesIndices(x.reshape(()), np.zeros((), dtype=np.int64))
    if x.shape[d] == 0:
        raise IndexError(f"{name}: cannot take the extreme of an empty dimension {d} (shape {x.shape})")
    indices = answer(find_index, x, axis=d, keepdims=True)
    where = list(np.indices(indices.shape, sparse=True))
    where[d] = indices
    values = x[tuple(where)]
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return ValuesIndices(values, indices.astype(np.int64))


@declare(methods=("max",), functions=("max",))
def max_(x, dim=None, keepdim=None, *, axis=None, keepdims=None):
    """The largest value (no ``dim``); with ``dim``, ``(values, indices)`` as in PyTorch; with a
    tensor, the elementwise maximum. Without ``dim`` ties share the gradient (like ``amax``)."""
    if isinstance(dim, (Tensor, np.ndarray)):
        return x.maximum(dim)
    dim = _args.pick_dim(dim, axis, "max")
    if dim is None:
        return Max.apply(x, dims=tuple(range(x.ndim)), keepdim=_args.pick_keepdim(keepdim, keepdims, "max"))
    return _extreme_along(x, dim, _args.pick_keepdim(keepdim, keepdims, "max"), np.argmax, "max")


@declare(methods=("min",), functions=("min",))
def min_(x, dim=None, keepdim=None, *, axis=None, keepdims=None):
    """The smallest value; with ``dim``, ``(values, indices)``; with a tensor, the elementwise minimum."""
    if isinstance(dim, (Tensor, np.ndarray)):
        return x.minimum(dim)
    dim = _args.pick_dim(dim, axis, "min")
    if dim is None:
        return Min.apply(x, dims=tuple(range(x.ndim)), keepdim=_args.pick_keepdim(keepdim, keepdims, "min"))
    return _extreme_along(x, dim, _args.pick_keepdim(keepdim, keepdims, "min"), np.argmin, "min")


def _arg_extreme(x: Tensor, dim: Any, keepdim: Any, find_index: Any, name: str) -> np.ndarray:
    if dim is None:
        return answer(_int64_index, find_index, x)
    d = _args.dim_index(dim, max(x.ndim, 1), name, x.shape)
    return answer(_int64_index, find_index, x, axis=d, keepdims=_args.flag(keepdim, "keepdim"))


def _int64_index(find_index: Any, data: np.ndarray, **options: Any) -> np.ndarray:
    return np.asarray(find_index(data.reshape(data.shape or (1,)) if options else data, **options), dtype=np.int64)


@declare(methods=("argmax",), functions=("argmax",))
def argmax(x, dim=None, keepdim=False):
    """Index of the largest value (of the flattened tensor without ``dim``), an int64 array."""
    return _arg_extreme(x, dim, keepdim, np.argmax, "argmax")


@declare(methods=("argmin",), functions=("argmin",))
def argmin(x, dim=None, keepdim=False):
    """Index of the smallest value (of the flattened tensor without ``dim``), an int64 array."""
    return _arg_extreme(x, dim, keepdim, np.argmin, "argmin")


# ---------------------------------------------------------------- variance and standard deviation
def _correction(unbiased: Any, correction: Any, ddof: Any) -> tuple[float, str]:
    """PyTorch's ``correction`` (default 1), also spelled ``unbiased=`` or NumPy's ``ddof=``;
    with the spelling used, for error messages."""
    given = [(name, v) for name, v in (("unbiased", unbiased), ("correction", correction), ("ddof", ddof)) if v is not None]
    if len(given) > 1:
        raise TypeError(f"var: give only one of unbiased=, correction= and ddof=, got {', '.join(n for n, _ in given)}")
    if not given:
        return 1.0, "correction"
    name, value = given[0]
    if name == "unbiased":
        return (1.0 if _args.flag(value, "var: unbiased") else 0.0), name
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"var: {name} must be a number, got {value!r}")
    return float(value), name


def _variance(x: Tensor, dims: tuple[int, ...], keepdim: bool, correction: tuple[float, str]) -> Tensor:
    """Σ(x - mean)² / (n - correction), composed from differentiable ops."""
    count = int(np.prod([x.shape[d] for d in dims]))
    correction, spelled = correction
    if count - correction <= 0:
        raise ValueError(f"var: {count} elements with {spelled}={correction:g} leave no degrees of freedom")
    centered = x - x.mean(dim=dims, keepdim=True)
    return (centered * centered).sum(dim=dims, keepdim=keepdim) / (count - correction)


@declare(methods=("var",), functions=("var",))
def var(x, dim=None, unbiased=None, keepdim=None, *, correction=None, axis=None, keepdims=None, ddof=None):
    """Variance over ``dim`` with PyTorch's default ``correction=1`` (the unbiased estimate).

    Fewer than ``correction + 1`` elements raise ``ValueError`` (PyTorch returns nan with a warning).
    """
    dims = _args.dims_tuple(_args.pick_dim(dim, axis, "var"), x.shape, "var")
    return _variance(x, dims, _args.pick_keepdim(keepdim, keepdims, "var"), _correction(unbiased, correction, ddof))


@declare(methods=("std",), functions=("std",))
def std(x, dim=None, unbiased=None, keepdim=None, *, correction=None, axis=None, keepdims=None, ddof=None):
    """Standard deviation, √var (same arguments and default ``correction=1`` as ``var``)."""
    return var(x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims, ddof=ddof).sqrt()


@declare(numpy_functions=(np.var,))
def numpy_var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None, **options):
    """``np.var`` on a Tensor: NumPy's default ``ddof=0`` (the population variance)."""
    _args.numpy_options("var", {"dtype": dtype, "out": out, **options})
    if correction is not None and ddof != 0:
        raise TypeError("np.var: give ddof= or correction=, not both")
    x = _args.as_tensor(a)
    dims = _args.dims_tuple(axis, x.shape, "var")
    correction = _correction(None, None, ddof) if correction is None else _correction(None, correction, None)
    return _variance(x, dims, _args.flag(keepdims, "np.var: keepdims"), correction)


@declare(numpy_functions=(np.std,))
def numpy_std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None, **options):
    """``np.std`` on a Tensor: NumPy's default ``ddof=0``."""
    return numpy_var(a, axis, dtype, out, ddof, keepdims, correction=correction, **options).sqrt()


# ---------------------------------------------------------------- softmax
def _shift_by_max(x: Tensor, dims: tuple[int, ...]) -> Tensor:
    """x - max(x) along ``dims``, the max taken as a constant.

    The shift changes neither the softmax nor its gradient, but it keeps the numbers
    small: for x = [1e4, 1e4] in float32, x - logsumexp(x) would lose the digits of
    log 2 in the rounding of 1e4 + log 2 (PyTorch subtracts the max for the same reason).
    """
    data = x._data
    if data.size == 0:
        return x
    shift = np.max(data, axis=dims, keepdims=True)
    # A row of -inf has no max to subtract (-inf - -inf = nan; the row stays -inf). A +inf max is
    # kept: the row then becomes nan, as in PyTorch (inf / inf has no value).
    shift = np.where(shift == -np.inf, 0, shift).astype(data.dtype, copy=False)
    return x - Tensor._wrap(shift)


@declare(methods=("log_softmax",), functions=("log_softmax",))
def log_softmax(x, dim=None, *, axis=None):
    """x - logsumexp(x) along ``dim`` (default: the last), after shifting by the max for precision."""
    dims = (_args.dim_index(_args.pick_dim(dim, axis, "log_softmax", default=-1), max(x.ndim, 1), "log_softmax", x.shape),)
    dims = dims if x.ndim else ()
    shifted = _shift_by_max(x, dims)
    return shifted - LogSumExp.apply(shifted, dims=dims, keepdim=True)


@declare(methods=("softmax",), functions=("softmax",))
def softmax(x, dim=None, *, axis=None):
    """exp(x) / Σ exp(x) along ``dim`` (default: the last), computed stably."""
    return log_softmax(x, dim, axis=axis).exp()
