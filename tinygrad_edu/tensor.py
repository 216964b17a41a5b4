"""``Tensor``: a NumPy array plus the graph node that produced it.

A Tensor holds ``.data`` (a float ``np.ndarray``), ``.grad`` (filled by
``backward()``), ``.requires_grad`` and ``.grad_fn`` (the ``Context`` of the op
that made it, ``None`` for leaves). Every operation method below is one line that
applies an op from ``tinygrad_edu.ops``; the math and the derivatives live there.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterator, Sequence

import numpy as np

from .dtypes import FLOAT_DTYPES, as_float_dtype, get_default_dtype, to_float_array
from .grad_mode import state

Axis = int | Sequence[int] | None


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


def _shape_arg(shape: tuple) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"shape entries must be integers, got {shape!r}")
    return tuple(int(n) for n in shape)


def _axis_arg(axis: Any, dim: Any) -> Any:
    """Accept NumPy's ``axis=`` and PyTorch's ``dim=`` (not both)."""
    if dim is not None:
        if axis is not None:
            raise TypeError("give axis= or dim=, not both")
        return dim
    return axis


def _keepdims_arg(keepdims: Any, keepdim: Any) -> bool:
    """NumPy's ``keepdims=`` or PyTorch's ``keepdim=``, which must be True or False.

    A truthy string or array would otherwise quietly mean True (PyTorch refuses them too).
    """
    if keepdim is not None:
        keepdims = keepdims or keepdim
    if keepdims is False or keepdims is True:
        return keepdims
    if isinstance(keepdims, np.bool_):
        return bool(keepdims)
    raise TypeError(f"keepdims must be True or False, got {keepdims!r}")


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

    __slots__ = ("_data", "_grad", "requires_grad", "grad_fn", "name", "_retains_grad", "_version", "__weakref__")

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> None:
        if type(data) is np.ndarray and dtype is None and data.dtype in FLOAT_DTYPES:
            array = data.copy()  # the common case (a batch of float data), without the general checks
        elif isinstance(data, Tensor):
            array = to_float_array(data._data, dtype)
        else:
            array = to_float_array(data, dtype)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string, got {type(name).__name__}")
        if requires_grad is not False and requires_grad is not True and not isinstance(requires_grad, np.bool_):
            raise TypeError(f"requires_grad must be True or False, got {requires_grad!r}")
        self._data = array
        self._grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.grad_fn = None
        self.name = name
        self._retains_grad = False
        self._version = 0

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
        return t

    def _mark_modified(self) -> None:
        """Record an in-place change of ``_data`` (bumps the version counter that backward checks)."""
        self._version += 1

    # ------------------------------------------------------------------ data and grad
    @property
    def data(self) -> np.ndarray:
        """The values, a NumPy array. Assign an array of the same shape to update in place of the values."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        if value is self._data:
            return  # ``t.data -= lr * g`` updated the array in place and assigns it back: nothing to check
        if isinstance(value, Tensor):
            value = value._data
        if type(value) is not np.ndarray or value.dtype != self._data.dtype:
            value = to_float_array(value, self._data.dtype, copy=False)
        if value.shape != self._data.shape:
            raise ValueError(f"cannot assign data of shape {value.shape} to a tensor of shape {self._data.shape}")
        self._data = value

    @property
    def grad(self) -> np.ndarray | None:
        """The accumulated gradient (same shape and dtype as ``data``), or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None:
            if isinstance(value, Tensor):
                value = value._data
            value = to_float_array(value, self._data.dtype, copy=False)
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
        """All axes reversed (NumPy's ``.T``)."""
        return self.transpose()

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
            raise ValueError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; use .any() or .all() on .data"
            )
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
        extras = []
        if self.dtype != get_default_dtype():
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name is not None:
            extras.append(f"name={self.name!r}")
        return "Tensor(" + ", ".join([body, *extras]) + ")"

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ graph
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
        if requires_grad is not False and requires_grad is not True and not isinstance(requires_grad, np.bool_):
            raise TypeError(f"requires_grad_ expects True or False, got {requires_grad!r}")
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("requires_grad can only be changed on leaf tensors; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def zero_grad(self) -> None:
        self._grad = None

    def astype(self, dtype: Any) -> Tensor:
        """A copy in another float dtype (differentiable)."""
        return ops.Cast.apply(self, dtype=as_float_dtype(dtype))

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        return ops.Add.apply(self, _elementwise_operand(other, self))

    def __radd__(self, other: Any) -> Tensor:
        return ops.Add.apply(_elementwise_operand(other, self), self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(self, _elementwise_operand(other, self))

    def __rsub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(_elementwise_operand(other, self), self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(self, _elementwise_operand(other, self))

    def __rmul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(_elementwise_operand(other, self), self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(self, _elementwise_operand(other, self))

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(_elementwise_operand(other, self), self)

    def __pow__(self, other: Any) -> Tensor:
        return ops.Pow.apply(self, _elementwise_operand(other, self))

    def __rpow__(self, other: Any) -> Tensor:
        return ops.Pow.apply(_elementwise_operand(other, self), self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(self, _operand(other, self))

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(_operand(other, self), self)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def matmul(self, other: Any) -> Tensor:
        return self @ other

    def maximum(self, other: Any) -> Tensor:
        return ops.Maximum.apply(self, _elementwise_operand(other, self))

    def minimum(self, other: Any) -> Tensor:
        return ops.Minimum.apply(self, _elementwise_operand(other, self))

    # Comparisons give plain bool arrays: they have no gradient.
    def __lt__(self, other: Any) -> np.ndarray:
        return _compare(np.less, self, other)

    def __le__(self, other: Any) -> np.ndarray:
        return _compare(np.less_equal, self, other)

    def __gt__(self, other: Any) -> np.ndarray:
        return _compare(np.greater, self, other)

    def __ge__(self, other: Any) -> np.ndarray:
        return _compare(np.greater_equal, self, other)

    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return _compare(np.equal, self, other)

    def __ne__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return _compare(np.not_equal, self, other)

    # ------------------------------------------------------------------ elementwise
    def relu(self) -> Tensor:
        return ops.ReLU.apply(self)

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        if type(slope) is not float:
            slope = _slope_arg(slope)
        return ops.LeakyReLU.apply(self, slope=slope)

    def sigmoid(self) -> Tensor:
        return ops.Sigmoid.apply(self)

    def tanh(self) -> Tensor:
        return ops.Tanh.apply(self)

    def exp(self) -> Tensor:
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        return ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        return ops.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return ops.Abs.apply(self)

    def __abs__(self) -> Tensor:
        return ops.Abs.apply(self)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        return ops.Clip.apply(self, lo=_bound(lo, "lo"), hi=_bound(hi, "hi"))

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002 (PyTorch's names)
        """``clip`` under PyTorch's name and keywords: ``t.clamp(min=0.0)``."""
        return ops.Clip.apply(self, lo=_bound(min, "min"), hi=_bound(max, "max"))

    # ------------------------------------------------------------------ reductions
    def sum(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        return ops.Sum.apply(self, axis=_axis_arg(axis, dim), keepdims=_keepdims_arg(keepdims, keepdim))

    def mean(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        return ops.Mean.apply(self, axis=_axis_arg(axis, dim), keepdims=_keepdims_arg(keepdims, keepdim))

    def max(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        return ops.Max.apply(self, axis=_axis_arg(axis, dim), keepdims=_keepdims_arg(keepdims, keepdim))

    def min(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        return ops.Min.apply(self, axis=_axis_arg(axis, dim), keepdims=_keepdims_arg(keepdims, keepdim))

    def var(
        self, axis: Axis = None, keepdims: bool = False, ddof: int = 0, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        return ops.var(self, axis=_axis_arg(axis, dim), keepdims=_keepdims_arg(keepdims, keepdim), ddof=ddof)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        return ops.LogSumExp.apply(self, axis=_axis_arg(axis, dim), keepdims=_keepdims_arg(keepdims, keepdim))

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return ops.softmax(self, axis=_axis_arg(axis if dim is None else None, dim))

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return ops.log_softmax(self, axis=_axis_arg(axis if dim is None else None, dim))

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Tensor:
        return ops.Reshape.apply(self, shape=_shape_arg(shape))

    view = reshape

    def transpose(self, *axes: Any) -> Tensor:
        return ops.Transpose.apply(self, axes=_shape_arg(axes) if axes else None)

    def permute(self, *axes: Any) -> Tensor:
        """``transpose`` under PyTorch's name: a full permutation of the axes (none reverses them)."""
        return ops.Transpose.apply(self, axes=_shape_arg(axes) if axes else None)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return ops.swapaxes(self, axis1, axis2)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return ops.flatten(self, start_dim, end_dim)

    def squeeze(self, axis: Axis = None, *, dim: Axis = None) -> Tensor:
        return ops.squeeze(self, _axis_arg(axis, dim))

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        return ops.unsqueeze(self, _axis_arg(axis, dim))

    def expand(self, *shape: Any) -> Tensor:
        return ops.expand(self, _shape_arg(shape))

    def broadcast_to(self, shape: Any) -> Tensor:
        return ops.BroadcastTo.apply(self, shape=_shape_arg((shape,)) if not isinstance(shape, int) else (shape,))

    def __getitem__(self, index: Any) -> Tensor:
        return ops.GetItem.apply(self, index=ops.normalize_index(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad and state.grad_enabled:
            raise RuntimeError(
                "in-place assignment to a tensor that requires grad would corrupt its gradient; "
                "build a new tensor instead, or assign under no_grad() (e.g. in an optimizer)"
            )
        index = ops.normalize_index(index)
        if isinstance(value, Tensor):
            value = value._data
        elif type(value) is not float and type(value) is not int:
            value = to_float_array(value, self._data.dtype, copy=False)  # None, strings, complex: a clear TypeError
        try:
            self._data[index] = value
            self._mark_modified()
        except (ValueError, IndexError) as error:
            raise type(error)(
                f"cannot assign a value of shape {np.shape(value)} to index {index!r} of a tensor of shape {self.shape}: {error}"
            ) from None

    # ------------------------------------------------------------------ NumPy protocols
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return numpy_api.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return numpy_api.array_function(func, types, args, kwargs)


def _values(x: Any) -> Any:
    """The array behind a Tensor, or ``x`` itself."""
    return x._data if isinstance(x, Tensor) else x


def _compare(ufunc: np.ufunc, tensor: Tensor, other: Any) -> np.ndarray:
    """A comparison on the values; NumPy's errors reworded to name the shapes or the type."""
    try:
        return ufunc(tensor._data, _values(other))
    except ValueError:
        raise ValueError(
            f"{ufunc.__name__}: shapes {tensor.shape} and {tuple(np.shape(_values(other)))} cannot be broadcast together"
        ) from None
    except TypeError:
        raise TypeError(f"{ufunc.__name__}: cannot compare a Tensor with {type(other).__name__} {other!r}") from None


def _slope_arg(slope: Any) -> float:
    """leaky_relu's slope as a float: a constant, so a Tensor that requires grad is refused."""
    if isinstance(slope, Tensor) and slope.requires_grad and state.grad_enabled:
        raise TypeError("leaky_relu: slope is a Tensor that requires grad, but the slope is a constant and gets no gradient")
    try:
        return float(slope)
    except (TypeError, ValueError):
        raise TypeError(f"leaky_relu: slope must be a real number, got {slope!r}") from None


def _bound(value: Any, name: str) -> Any:
    """A clip bound: None, a real number or an array of them (a Tensor gives its values)."""
    if value is None or type(value) is float or type(value) is int:
        return value
    if isinstance(value, Tensor):
        if value.requires_grad and state.grad_enabled:  # a bound is a constant: its gradient would be dropped
            raise TypeError(
                f"clip: the bound {name} is a Tensor that requires grad, but bounds are constants and get no "
                f"gradient; pass {name}.detach(), or use tg.maximum / tg.minimum to differentiate through it"
            )
        return value._data
    if isinstance(value, (np.floating, np.integer)) and not isinstance(value, bool):
        return value
    try:
        return to_float_array(value, copy=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"clip: {name} must be None, a real number or an array of them ({error})") from None


def _elementwise_operand(other: Any, like: Tensor) -> Tensor | float:
    """The other side of an elementwise operator: a real scalar stays a Python float.

    ``x * 1.0001`` then costs no constant Tensor, and NumPy's rule for Python scalars
    ("weak" scalars take the array's dtype) keeps a float32 tensor float32. NumPy
    scalars are not weak (``np.float64`` would promote), so they become Python floats
    first. The op records the float among its inputs; backward gives it no gradient
    and the visualizer draws it as a constant. Everything else goes to ``_operand``.
    """
    if type(other) is float:  # the usual case, checked first
        return other
    if type(other) in (int, bool) or isinstance(other, (np.floating, np.integer, np.bool_)):
        return float(other)
    return _operand(other, like)


def _operand(other: Any, like: Tensor) -> Tensor:
    """Turn the other side of an operator into a Tensor.

    Python and NumPy scalars, lists, and integer or bool arrays take ``like``'s dtype
    (so a float32 tensor stays float32); float arrays keep theirs (NumPy promotion).
    """
    if isinstance(other, Tensor):
        return other
    if isinstance(other, (int, float, np.number, np.bool_)) and not isinstance(other, np.complexfloating):
        return Tensor._wrap(np.asarray(other, dtype=like._data.dtype))
    if isinstance(other, np.ndarray):
        if other.dtype.kind == "f":
            return Tensor._wrap(to_float_array(other, copy=False))
        return Tensor._wrap(to_float_array(other, like._data.dtype, copy=False))
    if isinstance(other, (list, tuple)):
        return Tensor._wrap(to_float_array(other, like._data.dtype, copy=False))
    if isinstance(other, (complex, np.complexfloating)):
        raise TypeError(f"complex operand {other!r} is not supported: tensors are real floating point")
    raise TypeError(f"unsupported operand type for a Tensor operation: {type(other).__name__}")


from . import autograd, numpy_api, ops  # noqa: E402  (ops and the engine need Tensor defined first)
