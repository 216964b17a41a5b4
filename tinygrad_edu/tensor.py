"""``Tensor``: a NumPy array plus the graph node that produced it.

A Tensor holds ``.data`` (a float ``np.ndarray``), ``.grad`` (filled by ``backward()``),
``.requires_grad`` and ``.grad_fn`` (the ``Context`` of the op that made it, ``None`` for
leaves). The operations are not written here: each op in ``tinygrad_edu.ops`` declares
the Tensor methods that apply it (``Exp`` gives ``t.exp()``), and they are attached to
this class when the ops are imported. What stays here is the tensor itself: its data and
gradient, conversions, in-place updates and the NumPy protocols.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from .dtypes import FLOAT_DTYPES, get_default_dtype, to_float_array


#: The graph's clock: it stamps every new graph node and every in-place change, so that a
#: backward can tell whether a value it saved was changed after it was saved.
graph_clock = itertools.count(1)
#: The stamp of the latest in-place change of any tensor (a backward whose nodes are all
#: younger has nothing to check, the usual case in training).
last_change_anywhere = 0


class _Size(int):
    """``t.size``: the element count like NumPy, and callable like PyTorch's ``t.size()``."""

    _shape: tuple[int, ...]

    def __new__(cls, shape: tuple[int, ...]) -> _Size:
        size = super().__new__(cls, int(np.prod(shape, dtype=np.int64)))
        size._shape = shape
        return size

    def __call__(self, dim: int | None = None) -> tuple[int, ...] | int:
        if dim is None:
            return self._shape
        try:
            return self._shape[dim]
        except (IndexError, TypeError):
            raise IndexError(f"size(dim): dimension {dim!r} is out of range for shape {self._shape}") from None


class Tensor:
    """A floating-point n-dimensional array that records how it was computed.

    Dtypes of mixed operands: a Python or NumPy *scalar* takes the tensor's dtype
    (``float32_tensor * np.float64(2.0)`` stays float32, as in PyTorch); integer and
    bool arrays and lists take it too; a float *array* or another Tensor follows
    NumPy's promotion (float32 with float64 gives float64, as ``torch`` does for an
    ``ndarray`` operand). Unlike PyTorch, a 0-d float64 Tensor promotes a float32
    tensor too (NumPy's rule); the gradient always has its tensor's own dtype.

    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([2., 4., 6.])
    """

    __slots__ = (
        "_data", "_grad", "requires_grad", "grad_fn", "name", "_retains_grad", "_version", "_changed_at", "_from_bools", "__weakref__"
    )

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> None:
        if type(data) is np.ndarray and dtype is None and data.dtype in FLOAT_DTYPES:
            array, from_bools = data.copy(), False  # the common case (a batch of float data), checked quickly
        else:
            array, from_bools = to_float_array(data._data if isinstance(data, Tensor) else data, dtype), _holds_bools(data)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string, got {type(name).__name__}")
        self._data = array
        self._grad: np.ndarray | None = None
        self.requires_grad = False if requires_grad is False else _args.flag(requires_grad, "requires_grad")
        self.grad_fn = None
        self.name = name
        self._retains_grad = False
        self._version = 0  # how many in-place changes (PyTorch's ``t._version``)
        self._changed_at = 0  # the graph clock at the last in-place change
        self._from_bools = from_bools  # such a tensor indexes as a mask, like a bool array

    @classmethod
    def _wrap(cls, array: np.ndarray, grad_fn: Any = None) -> Tensor:
        """Fast internal constructor: ``array`` is trusted to be a float ndarray."""
        t = object.__new__(cls)
        t._data = array
        t._grad = None
        t.requires_grad = grad_fn is not None
        t.grad_fn = grad_fn
        t.name = None
        t._retains_grad = False
        t._version = 0
        t._changed_at = 0
        return t

    # ------------------------------------------------------------------ data and grad
    @property
    def data(self) -> np.ndarray:
        """The values, a NumPy array. Writes through it are not tracked (as in PyTorch)."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        if value is self._data:
            return  # ``t.data -= lr * g`` updated the array in place and assigns it back: nothing to check
        array = to_float_array(value._data if isinstance(value, Tensor) else value, copy=False)
        if array.shape != self._data.shape:
            raise ValueError(f"cannot assign data of shape {array.shape} to a tensor of shape {self._data.shape}")
        self._data = array  # a float array of another dtype changes the tensor's dtype, as in PyTorch
        if self._grad is not None and self._grad.dtype != array.dtype:
            self._grad = self._grad.astype(array.dtype)

    @property
    def grad(self) -> np.ndarray | None:
        """The accumulated gradient (same shape and dtype as ``data``), or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None:
            value = to_float_array(value._data if isinstance(value, Tensor) else value, self._data.dtype, copy=False)
            if value.shape != self._data.shape:
                raise ValueError(f"cannot assign a gradient of shape {value.shape} to a tensor of shape {self._data.shape}")
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by an op that records the graph)."""
        return self.grad_fn is None

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> _Size:
        """Number of elements (NumPy's ``size``); ``t.size()`` / ``t.size(d)`` give the shape as in PyTorch."""
        return _Size(self._data.shape)

    def numel(self) -> int:
        return int(self._data.size)

    def dim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (a matrix's transpose)."""
        return self.permute()

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a batch of matrices transposed)."""
        if self.ndim < 2:
            raise ValueError(f"mT needs a tensor with at least 2 dimensions, got shape {self.shape}")
        return self.transpose(-2, -1)

    # ------------------------------------------------------------------ conversions
    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return float(self._data.reshape(()))

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self._data

    def tolist(self) -> Any:
        return self._data.tolist()

    def __float__(self) -> float:
        return self.item()

    def __int__(self) -> int:
        return int(self.item())  # truncates toward zero, as int(torch.tensor(2.7)) does

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(f"the truth value of a tensor with {self._data.size} elements is ambiguous; use .any() or .all()")
        return bool(self._data.reshape(()))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """``np.asarray(t)`` shares the data; ``np.array(t)`` (``copy=True``) gets a copy, as NumPy promises."""
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            if copy is False:
                raise ValueError(f"cannot convert a {self._data.dtype} tensor to {np.dtype(dtype)} without a copy (copy=False)")
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="Tensor(")
        extras = [f"dtype={self.dtype}"] if self.dtype != get_default_dtype() else []
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name is not None:
            extras.append(f"name={self.name!r}")
        return "Tensor(" + ", ".join([body, *extras]) + ")"

    __hash__ = object.__hash__  # (the comparisons give arrays, so equality cannot define the hash)

    # ------------------------------------------------------------------ the graph
    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``autograd.backward``)."""
        autograd.backward(self, gradient, retain_graph=retain_graph)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph."""
        return Tensor._wrap(self._data)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor too after ``backward()``."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        self._retains_grad = True

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf in place and return it."""
        requires_grad = _args.flag(requires_grad, "requires_grad_(): requires_grad")
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("requires_grad can only be changed on leaf tensors; use detach()")
        self.requires_grad = requires_grad
        return self

    def zero_grad(self) -> None:
        self._grad = None

    def __pos__(self) -> Tensor:
        return self

    # ------------------------------------------------------------------ in-place updates
    def _mark_modified(self) -> None:
        """Record an in-place change of ``_data``: bumps the version, stamps the time (backward checks it)."""
        global last_change_anywhere
        self._version += 1
        self._changed_at = last_change_anywhere = next(graph_clock)

    def __setitem__(self, index: Any, value: Any) -> None:
        ops.inplace.check_in_place(self, "assignment to an index", (value,))
        index = ops.normalize_index(index)
        if isinstance(value, Tensor):
            value = value._data
        elif type(value) is not float and type(value) is not int:
            value = to_float_array(value, self._data.dtype, copy=False)  # None, strings, complex: a clear TypeError
        try:
            self._data[index] = value
        except (ValueError, IndexError) as error:
            raise type(error)(
                f"cannot assign a value of shape {np.shape(value)} to index {index!r} of a tensor of shape {self.shape}: {error}"
            ) from None
        self._mark_modified()

    # ------------------------------------------------------------------ NumPy protocols
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return numpy_api.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return numpy_api.array_function(func, types, args, kwargs)


def _holds_bools(data: Any) -> bool:
    """Was ``data`` boolean (an array, a Tensor made from one, or a list of bools)?"""
    if isinstance(data, Tensor):
        return getattr(data, "_from_bools", False)
    if isinstance(data, np.ndarray):
        return data.dtype == bool
    first = data
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    return isinstance(first, (bool, np.bool_)) and np.asarray(data).dtype == bool


from . import _args, autograd, numpy_api, ops  # noqa: E402  (they build on Tensor; ops attach its methods)
