"""Ops that move values around without arithmetic: reshape, permute, broadcast, indexing.

Their backward moves the gradient back to where each value came from. The ops that
join or select among several tensors (cat, stack, where) are in ``join.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _args
from ..function import Function, declare
from ..tensor import Tensor
from .values import answer


class ShapeOp(Function):
    abstract = True
    family = "shape"
    backward_accepts_arrays = True

    @classmethod
    def explain_error(cls, error, arrays, options):
        return error  # each forward below raises its own message, naming the op and the shapes


class Reshape(ShapeOp):
    """x with a new shape (same elements); the gradient is reshaped back."""

    methods = ("reshape", "view")
    functions = ("reshape",)
    numpy_functions = (np.reshape,)

    @classmethod
    def tensor_method(cls, name):
        def reshape(self, *shape, **keyword):
            """The same values in a new shape: ``t.reshape(2, 3)``, ``t.reshape((2, -1))``, ``t.reshape(shape=(6,))``."""
            if keyword:
                if shape or set(keyword) != {"shape"}:
                    raise TypeError(f"{name}() takes the new shape, positionally or as shape=, got {sorted(keyword)}")
                shape = (keyword["shape"],)
            return cls.apply(self, shape=_args.shape(shape))

        return reshape

    @classmethod
    def numpy_function(cls, func):
        def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
            if newshape is not None:  # the keyword's name before NumPy 2.1
                if shape is not None:
                    raise TypeError("np.reshape: give shape= or newshape=, not both")
                shape = newshape
            if shape is None:
                raise TypeError("np.reshape: missing the new shape")
            _args.numpy_options("reshape", {"order": order, "copy": copy})
            return _args.as_tensor(a).reshape(shape)

        return reshape

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


class Permute(ShapeOp):
    """x with its dimensions reordered: ``t.permute(2, 0, 1)``; the gradient takes the inverse order."""

    methods = ("permute",)
    functions = ("permute",)
    numpy_functions = (np.transpose,)

    @classmethod
    def tensor_method(cls, name):
        def permute(self, *dims):
            """The dimensions in the order ``dims`` (a permutation; none given reverses them)."""
            return cls.apply(self, dims=_args.shape(dims, "permute: dims") if dims else None)

        return permute

    @classmethod
    def numpy_function(cls, func):
        def transpose(a, axes=None):  # NumPy's meaning: a permutation, None reverses
            return cls.apply(_args.as_tensor(a), dims=None if axes is None else _args.shape((axes,), "np.transpose: axes"))

        return transpose

    @staticmethod
    def forward(ctx, x, dims=None):
        if dims is None:
            dims = tuple(range(x.ndim))[::-1]
        if any(not -x.ndim <= d < x.ndim for d in dims) or sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
            raise ValueError(
                f"permute: dims {dims} is not a permutation of the {x.ndim} dimensions of shape {x.shape}; "
                "use transpose(a, b) to exchange two dimensions"
            )
        ctx.inverse = tuple(np.argsort([d % x.ndim for d in dims]))
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad_output):
        return np.transpose(grad_output, ctx.inverse)


@declare(methods=("transpose", "swapaxes", "swapdims"), functions=("transpose", "swapaxes", "swapdims"))
def transpose(x, dim0, dim1):
    """x with two dimensions exchanged (PyTorch's ``transpose``; NumPy calls it ``swapaxes``)."""
    order = list(range(x.ndim))
    a, b = (_args.dim_index(d, max(x.ndim, 1), "transpose", x.shape) for d in (dim0, dim1))
    if x.ndim == 0:
        return Permute.apply(x, dims=())
    order[a], order[b] = order[b], order[a]
    return Permute.apply(x, dims=tuple(order))


@declare(numpy_functions=(np.swapaxes,))
def numpy_swapaxes(a, axis1, axis2):
    """``np.swapaxes`` on a Tensor."""
    return transpose(_args.as_tensor(a), axis1, axis2)


@declare(methods=("t",), functions=("t",))
def matrix_transpose(x):
    """The transpose of a matrix (``t()``: at most 2 dimensions, as in PyTorch)."""
    if x.ndim > 2:
        raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape {x.shape}; use transpose(d0, d1) or .mT")
    return Permute.apply(x)


class BroadcastTo(ShapeOp):
    """x broadcast to ``shape``; the engine sums the gradient back to x's shape."""

    methods = ("broadcast_to",)
    functions = ("broadcast_to",)
    numpy_functions = (np.broadcast_to,)

    @classmethod
    def tensor_method(cls, name):
        def broadcast_to(self, *shape):
            """x repeated along new or length-1 dimensions to ``shape`` (no copy of the data)."""
            return cls.apply(self, shape=_args.shape(shape))

        return broadcast_to

    @classmethod
    def numpy_function(cls, func):
        def broadcast_to(array, shape, subok=False):
            shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
            return _args.as_tensor(array).broadcast_to(shape)

        return broadcast_to

    @staticmethod
    def forward(ctx, x, shape):
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


@declare(methods=("expand",))
def expand(x, *sizes):
    """Broadcast to ``sizes``; -1 keeps that dimension's length (PyTorch's ``expand``)."""
    shape = _args.shape(sizes, "expand: sizes")
    offset = len(shape) - x.ndim
    if offset < 0:
        raise ValueError(f"expand: cannot expand shape {x.shape} to fewer dimensions {shape}")
    shape = tuple(x.shape[i - offset] if n == -1 and i >= offset else n for i, n in enumerate(shape))
    return BroadcastTo.apply(x, shape=shape)


@declare(methods=("expand_as",))
def expand_as(x, other):
    """Broadcast to ``other``'s shape."""
    return expand(x, *_args.as_tensor(other).shape)


class GetItem(ShapeOp):
    """x[index] for slices, integer arrays and boolean masks; the gradient is scatter-added back."""

    methods = ("__getitem__",)

    @classmethod
    def tensor_method(cls, name):
        def getitem(self, index):
            return cls.apply(self, index=normalize_index(index))

        return getitem

    @staticmethod
    def forward(ctx, x, index):
        ctx.input_shape, ctx.index = x.shape, index
        try:
            out = x[index]
        except (IndexError, ValueError) as error:  # (ValueError: a slice step of 0)
            raise type(error)(f"index {index!r} is invalid for a tensor of shape {x.shape}: {error}") from None
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    @staticmethod
    def backward(ctx, grad_output):
        if isinstance(grad_output, Tensor):
            return ScatterAdd.apply(grad_output, index=ctx.index, shape=ctx.input_shape)
        return scatter_add(grad_output, ctx.index, ctx.input_shape)


class ScatterAdd(ShapeOp):
    """zeros(shape) with ``values`` added at ``index`` (repeats accumulate); the inverse of GetItem."""

    @staticmethod
    def forward(ctx, values, index, shape):
        ctx.index = index
        return scatter_add(values, index, shape)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output[ctx.index]


def scatter_add(values: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A new array of ``shape``, zero except ``values`` added at ``index`` (repeated indices add up)."""
    out = np.zeros(shape, dtype=values.dtype)
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(p, np.ndarray) for p in parts):
        np.add.at(out, index, values)
    else:
        out[index] = values
    return out


def normalize_index(index: Any) -> Any:
    """Turn Tensors and lists inside an index into arrays; reject float indices.

    A Tensor made from booleans is a mask, like a boolean NumPy array (and as in PyTorch).
    """
    if isinstance(index, tuple):
        return tuple(_index_part(p) for p in index)
    return _index_part(index)


def _index_part(part: Any) -> Any:
    if isinstance(part, Tensor):  # (asked through ``answer``, so that a traced step asks again)
        part = answer(_tensor_index, part, as_mask=getattr(part, "_from_bools", False))
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


def _tensor_index(data: np.ndarray, as_mask: bool) -> np.ndarray:
    """A Tensor's values as an index: a mask if it was made from booleans, else whole numbers."""
    if as_mask:
        return data.astype(bool)
    if not np.all(data == np.round(data)):
        raise IndexError(f"tensor indices must be integers, got floats {data}")
    return data.astype(np.intp)


# ---------------------------------------------------------------- reshapes with a name of their own
@declare(methods=("flatten",), functions=("flatten",))
def flatten(x, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one (PyTorch's flatten; the defaults give 1-D)."""
    start, end = (_args.dim_index(d, max(x.ndim, 1), "flatten", x.shape) for d in (start_dim, end_dim))
    if x.ndim == 0:
        return x.reshape(1)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {x.shape}")
    return x.reshape(x.shape[:start] + (int(np.prod(x.shape[start : end + 1])),) + x.shape[end + 1 :])


@declare(numpy_functions=(np.ravel,))
def numpy_ravel(a, order="C"):
    """``np.ravel`` on a Tensor: its values as 1-D."""
    _args.numpy_options("ravel", {"order": order})
    return _args.as_tensor(a).reshape(-1)


@declare(methods=("squeeze",), functions=("squeeze",))
def squeeze(x, dim=None, *, axis=None):
    """Drop dimensions of length 1 (all of them, or those in ``dim``; others are left alone, like PyTorch)."""
    dims = _args.pick_dim(dim, axis, "squeeze")
    if dims is None:
        drop = {i for i, n in enumerate(x.shape) if n == 1}
    else:
        drop = {d for d in _args.dims_tuple(dims, x.shape, "squeeze") if x.shape[d] == 1}
    return x.reshape(tuple(n for i, n in enumerate(x.shape) if i not in drop))


@declare(numpy_functions=(np.squeeze,))
def numpy_squeeze(a, axis=None):
    """``np.squeeze`` on a Tensor."""
    return squeeze(_args.as_tensor(a), axis)


@declare(methods=("unsqueeze",), functions=("unsqueeze",))
def unsqueeze(x, dim=None, *, axis=None):
    """Insert a dimension of length 1 at ``dim`` (negative counts from the end of the result)."""
    dim = _args.pick_dim(dim, axis, "unsqueeze")
    if dim is None:
        raise TypeError("unsqueeze() needs the position of the new dimension: unsqueeze(0), unsqueeze(dim=-1)")
    d = _args.dim_index(dim, x.ndim + 1, "unsqueeze", x.shape)
    return x.reshape(x.shape[:d] + (1,) + x.shape[d:])


@declare(numpy_functions=(np.expand_dims,))
def numpy_expand_dims(a, axis):
    """``np.expand_dims`` on a Tensor."""
    return unsqueeze(_args.as_tensor(a), axis)
