"""Selecting entries by index, mask or rank: ``gather``, ``index_select``, ``masked_fill``,
``tril``/``triu``, ``sort``/``argsort``/``topk``.

Each is a composition: the indices or the mask are worked out on the values (they carry
no gradient), then an indexing or ``where`` op picks the entries, so the gradient flows
back to exactly the entries that were picked (repeated picks add up).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _args
from ..function import declare
from ..tensor import Tensor
from .join import where
from .reduce import ValuesIndices
from .shape import GetItem


def index_array(index: Any, function: str) -> np.ndarray:
    """An index argument (an integer array, a list, or a Tensor of whole numbers) as an int64 array."""
    values = index._data if isinstance(index, Tensor) else index
    try:
        array = np.asarray(values)
    except ValueError:
        raise TypeError(f"{function}: index must be an array of integers, got a ragged list") from None
    if array.dtype.kind == "f" and np.all(array == np.round(array)):
        array = array.astype(np.int64)  # a Tensor of whole numbers (tensors are floating point)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{function}: index must be an array of integers (int64), got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


def _check_range(index: np.ndarray, length: int, dim: int, function: str) -> None:
    """Indices must lie in [0, length), as in PyTorch (no negative indices here)."""
    bad = index[(index < 0) | (index >= length)]
    if bad.size:
        raise IndexError(f"{function}: index {int(bad.flat[0])} is out of bounds for dimension {dim} with size {length}")


# ---------------------------------------------------------------- picking by index
@declare(methods=("gather",), functions=("gather",))
def gather(x, dim, index):
    """``out[i][j] = x[index[i][j]][j]`` for ``dim=0`` (and so on): along ``dim`` each output
    entry takes the entry of x named by ``index``; elsewhere the position is kept (PyTorch's ``gather``).

    ``index`` has as many dimensions as x and is no longer than x outside ``dim``; the
    output has its shape. The gradient is added back into the gathered places.

    >>> import tinygrad_edu as tg
    >>> scores = tg.Tensor([[0.1, 0.9], [0.8, 0.2]])
    >>> scores.gather(1, [[1], [0]]).tolist()
    [[0.9], [0.8]]
    """
    index = index_array(index, "gather")
    d = _args.dim_index(dim, max(x.ndim, 1), "gather", x.shape)
    if index.ndim != x.ndim:
        raise ValueError(f"gather: index of shape {index.shape} must have as many dimensions as the input, shape {x.shape}")
    if x.ndim == 0:
        _check_range(index, 1, 0, "gather")
        return x.reshape(())
    for other, (n_index, n_input) in enumerate(zip(index.shape, x.shape)):
        if other != d and n_index > n_input:
            raise ValueError(f"gather: index of shape {index.shape} is longer than the input {x.shape} in dimension {other}")
    _check_range(index, x.shape[d], d, "gather")
    # Advanced indexing: ``index`` along dim, the position itself (a broadcast arange) elsewhere.
    positions = list(np.indices(index.shape, sparse=True))
    positions[d] = index
    return GetItem.apply(x, index=tuple(positions))


@declare(methods=("index_select",), functions=("index_select",))
def index_select(x, dim, index):
    """The entries of x at the positions ``index`` (a 1-D list of integers) along ``dim``.

    >>> import tinygrad_edu as tg
    >>> tg.Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).index_select(1, [2, 0]).tolist()
    [[3.0, 1.0], [6.0, 4.0]]
    """
    index = index_array(index, "index_select")
    if index.ndim > 1:
        raise ValueError(f"index_select: index must be a vector (1-D), got shape {index.shape}")
    d = _args.dim_index(dim, max(x.ndim, 1), "index_select", x.shape)
    _check_range(index, x.shape[d] if x.ndim else 1, d, "index_select")
    if x.ndim == 0:
        return x.reshape(index.shape)
    return GetItem.apply(x, index=(slice(None),) * d + (index.reshape(-1),))


# ---------------------------------------------------------------- picking by mask
def _bool_mask(mask: Any, function: str) -> np.ndarray:
    if isinstance(mask, Tensor):
        if not getattr(mask, "_from_bools", False):
            raise TypeError(f"{function}: mask must be boolean (e.g. x > 0), got a float Tensor")
        return mask._data.astype(bool)
    array = np.asarray(mask)
    if array.dtype != bool:
        raise TypeError(f"{function}: mask must be boolean (e.g. x > 0), got dtype {array.dtype}")
    return array


@declare(methods=("masked_fill",), functions=("masked_fill",))
def masked_fill(x, mask, value):
    """x with ``value`` where ``mask`` is True (PyTorch's ``masked_fill``); the gradient flows to
    the entries kept, and to ``value`` if it is a Tensor that requires grad.

    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([1.0, -2.0, 3.0])
    >>> x.masked_fill(x < 0, 0.0).tolist()
    [1.0, 0.0, 3.0]
    """
    mask = _bool_mask(mask, "masked_fill")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
    else:
        value = _args.real_number(value, "masked_fill", "value")
    return where(mask, value, x)  # (a mask with more dimensions broadcasts x, as in PyTorch)


def _triangle(x: Tensor, diagonal: Any, keep_lower: bool, function: str) -> Tensor:
    """x with the entries above (tril) or below (triu) the ``diagonal``-th diagonal set to 0."""
    k = _args.shape((diagonal,), f"{function}: diagonal")[0]
    if x.ndim == 0:
        raise ValueError(f"{function}: a 0-d tensor has no triangle")
    rows, columns = (x.shape[-2], x.shape[-1]) if x.ndim >= 2 else (x.shape[-1], x.shape[-1])
    lower = np.tri(rows, columns, k if keep_lower else k - 1, dtype=bool)
    return where(lower if keep_lower else ~lower, x, 0.0)


@declare(methods=("tril",), functions=("tril",))
def tril(x, diagonal=0):
    """The lower triangle of a matrix (of each matrix in a batch): entries above the
    ``diagonal``-th diagonal are 0 (``diagonal=1`` keeps one more, ``-1`` one fewer).

    >>> import tinygrad_edu as tg
    >>> tg.ones(2, 2).tril().tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    if x.ndim < 2:
        raise ValueError(f"tril: input must have at least 2 dimensions, got shape {x.shape}")
    return _triangle(x, diagonal, True, "tril")


@declare(methods=("triu",), functions=("triu",))
def triu(x, diagonal=0):
    """The upper triangle of a matrix (of each matrix in a batch): entries below the
    ``diagonal``-th diagonal are 0.

    >>> import tinygrad_edu as tg
    >>> tg.ones(2, 2).triu().tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    if x.ndim < 2:
        raise ValueError(f"triu: input must have at least 2 dimensions, got shape {x.shape}")
    return _triangle(x, diagonal, False, "triu")


@declare(numpy_functions=(np.tril,))
def numpy_tril(m, k=0):
    """``np.tril`` on a Tensor (NumPy's rule: a 1-D input gives a matrix)."""
    return _triangle(_args.as_tensor(m), k, True, "np.tril")


@declare(numpy_functions=(np.triu,))
def numpy_triu(m, k=0):
    """``np.triu`` on a Tensor (NumPy's rule: a 1-D input gives a matrix)."""
    return _triangle(_args.as_tensor(m), k, False, "np.triu")


# ---------------------------------------------------------------- picking by rank
def sort_order(values: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """The indices that sort ``values`` along ``dim``, stably; NaN counts as the largest value."""
    if not descending:
        return np.argsort(values, axis=dim, kind="stable")  # (NumPy puts NaN last, as PyTorch)
    # np.lexsort sorts by its last key first: NaNs first, then the values from large to small.
    return np.lexsort((-values, ~np.isnan(values)), axis=dim)


def _sorted_along(x: Tensor, dim: Any, descending: Any, count: int | None, function: str) -> ValuesIndices:
    """The entries of x in order along ``dim`` (the first ``count`` of them), with their indices."""
    d = _args.dim_index(dim, max(x.ndim, 1), function, x.shape)
    descending = _args.flag(descending, f"{function}: descending")
    if x.ndim == 0:
        return ValuesIndices(x.reshape(()), np.zeros((), dtype=np.int64))
    order = sort_order(x._data, d, descending)
    if count is not None:
        order = np.take(order, np.arange(count), axis=d)
    return ValuesIndices(gather(x, d, order), order.astype(np.int64))


@declare(methods=("sort",), functions=("sort",))
def sort(x, dim=-1, descending=False, stable=False):
    """The entries sorted along ``dim`` and where they came from: ``(values, indices)`` as in
    PyTorch. The sort is always stable (ties keep their order); NaN sorts as the largest
    value. The values are differentiable: each gets the gradient of its sorted place.

    >>> import tinygrad_edu as tg
    >>> values, indices = tg.Tensor([3.0, 1.0, 2.0]).sort()
    >>> values.tolist(), indices.tolist()
    ([1.0, 2.0, 3.0], [1, 2, 0])
    """
    _args.flag(stable, "sort: stable")
    return _sorted_along(x, dim, descending, None, "sort")


@declare(methods=("argsort",), functions=("argsort",))
def argsort(x, dim=-1, descending=False, stable=False):
    """The indices that sort x along ``dim`` (an int64 NumPy array, stable; no gradient).

    >>> import tinygrad_edu as tg
    >>> tg.Tensor([3.0, 1.0, 2.0]).argsort(descending=True).tolist()
    [0, 2, 1]
    """
    _args.flag(stable, "argsort: stable")
    d = _args.dim_index(dim, max(x.ndim, 1), "argsort", x.shape)
    if x.ndim == 0:
        return np.zeros((), dtype=np.int64)
    return sort_order(x._data, d, _args.flag(descending, "argsort: descending")).astype(np.int64)


@declare(methods=("topk",), functions=("topk",))
def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002 (PyTorch's name)
    """The ``k`` largest (or, with ``largest=False``, smallest) entries along ``dim`` and their
    indices, as ``(values, indices)``; always in sorted order, ties in their original order.

    >>> import tinygrad_edu as tg
    >>> values, indices = tg.Tensor([1.0, 5.0, 3.0, 4.0]).topk(2)
    >>> values.tolist(), indices.tolist()
    ([5.0, 4.0], [1, 3])
    """
    _args.flag(sorted, "topk: sorted")
    k = _args.shape((k,), "topk: k")[0]
    length = x.shape[_args.dim_index(dim, max(x.ndim, 1), "topk", x.shape)] if x.ndim else 1
    if not 0 <= k <= length:
        raise ValueError(f"topk: k={k} is out of range for a dimension of length {length} (shape {x.shape})")
    return _sorted_along(x, dim, _args.flag(largest, "topk: largest"), k, "topk")


@declare(numpy_functions=(np.sort,))
def numpy_sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """``np.sort`` on a Tensor: the sorted values (differentiable); no axis sorts the flattened values."""
    if order is not None:
        raise TypeError("np.sort: order= (for structured arrays) is not supported on Tensors")
    x = _args.as_tensor(a)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return _sorted_along(x, axis, False, None, "np.sort").values
