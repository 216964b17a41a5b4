"""NumPy functions on Tensors: ``np.exp(t)``, ``array * t``, ``np.sum(t)`` ...

A Tensor implements NumPy's dispatch protocols (NEP 13 ``__array_ufunc__`` and NEP 18
``__array_function__``). The tables below send each NumPy function that has a
differentiable counterpart to it, so a learner's NumPy code gains gradients
unchanged — and so the ops' own backward code, written with NumPy calls, is
differentiable again when it runs on Tensors. Anything else raises a ``TypeError``
that names the function: the graph is never dropped silently.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

import numpy as np

from . import ops
from .tensor import Tensor, _elementwise_operand, _operand, _values


def _binary(op: type, operand: Callable = _elementwise_operand) -> Callable:
    """The ufunc as our op; scalars go in as Python floats, like with the operators."""

    def apply(a: Any, b: Any) -> Tensor:
        if isinstance(a, Tensor):
            return op.apply(a, operand(b, a))
        if isinstance(b, Tensor):
            return op.apply(operand(a, b), b)
        a = Tensor(a)
        return op.apply(a, operand(b, a))

    return apply


def _unary(method: str) -> Callable:
    return lambda x: getattr(x, method)()


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _compare(ufunc: np.ufunc) -> Callable:
    return lambda a, b: ufunc(_values(a), _values(b))


_UFUNCS: dict[np.ufunc, Callable] = {
    np.add: _binary(ops.Add),
    np.subtract: _binary(ops.Sub),
    np.multiply: _binary(ops.Mul),
    np.true_divide: _binary(ops.Div),
    np.power: _binary(ops.Pow),
    np.float_power: _binary(ops.Pow),
    np.maximum: _binary(ops.Maximum),
    np.minimum: _binary(ops.Minimum),
    np.matmul: _binary(ops.MatMul, _operand),
    np.negative: lambda x: -x,
    np.positive: lambda x: x,
    np.exp: _unary("exp"),
    np.log: _unary("log"),
    np.sqrt: _unary("sqrt"),
    np.tanh: _unary("tanh"),
    np.absolute: _unary("abs"),
    np.square: lambda x: x * x,
    np.reciprocal: lambda x: 1 / _as_tensor(x),
    # Comparisons and predicates carry no gradient: they answer on the values.
    np.greater: _compare(np.greater),
    np.greater_equal: _compare(np.greater_equal),
    np.less: _compare(np.less),
    np.less_equal: _compare(np.less_equal),
    np.equal: _compare(np.equal),
    np.not_equal: _compare(np.not_equal),
    np.isfinite: lambda x: np.isfinite(_values(x)),
    np.isnan: lambda x: np.isnan(_values(x)),
    np.isinf: lambda x: np.isinf(_values(x)),
    np.sign: lambda x: np.sign(_values(x)),
}


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_ufunc__``: map a NumPy ufunc call to the differentiable op."""
    name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    if method != "__call__" or ufunc not in _UFUNCS:
        raise TypeError(f"{name} has no differentiable counterpart in tinygrad_edu; use np.asarray(t) to work on the values")
    if kwargs.get("out") is not None:
        raise TypeError(f"{name}(..., out=) would write into a Tensor's data behind the graph's back; it is not supported")
    extra = {k: v for k, v in kwargs.items() if k != "out"}
    if extra:
        raise TypeError(f"{name}: keyword arguments {sorted(extra)} are not supported on Tensors")
    return _UFUNCS[ufunc](*inputs)


# NumPy keywords that a Tensor function can accept only at their default value: any other value
# (``out=``, ``where=``, ``initial=``, Fortran ``order=``...) would be ignored, giving a wrong answer.
_DEFAULT_OPTIONS = {"out": None, "dtype": None, "where": True, "order": "C", "copy": None, "subok": False}


def _check_options(name: str, options: dict) -> None:
    unsupported = sorted(
        key for key, value in options.items()
        if key not in _DEFAULT_OPTIONS or not (value is _DEFAULT_OPTIONS[key] or (type(value) is str and value == _DEFAULT_OPTIONS[key]))
    )
    if unsupported:
        raise TypeError(f"np.{name}: keyword arguments {unsupported} are not supported on Tensors")


# The signatures below are NumPy's, positional order included: ``np.sum(t, 0, None, None, True)``
# must mean keepdims=True, and ``np.sum(t, 0, np.float32)`` must not (a dtype) pass as keepdims.
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, **options):
    _check_options("sum", {"dtype": dtype, "out": out, **options})
    return _as_tensor(a).sum(axis=axis, keepdims=keepdims)


def _mean(a, axis=None, dtype=None, out=None, keepdims=False, **options):
    _check_options("mean", {"dtype": dtype, "out": out, **options})
    return _as_tensor(a).mean(axis=axis, keepdims=keepdims)


def _max(a, axis=None, out=None, keepdims=False, **options):
    _check_options("max", {"out": out, **options})
    return _as_tensor(a).max(axis=axis, keepdims=keepdims)


def _min(a, axis=None, out=None, keepdims=False, **options):
    _check_options("min", {"out": out, **options})
    return _as_tensor(a).min(axis=axis, keepdims=keepdims)


def _var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None, **options):
    _check_options("var", {"dtype": dtype, "out": out, **options})
    if correction is not None:  # NumPy 2's alias of ddof (the Array API name)
        if ddof != 0:
            raise TypeError("np.var: give ddof= or correction=, not both")
        ddof = correction
    return _as_tensor(a).var(axis=axis, keepdims=keepdims, ddof=ddof)


def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if newshape is not None:  # the keyword's name before NumPy 2.1
        if shape is not None:
            raise TypeError("np.reshape: give shape= or newshape=, not both")
        shape = newshape
    if shape is None:
        raise TypeError("np.reshape: missing the new shape")
    _check_options("reshape", {"order": order, "copy": copy})
    return _as_tensor(a).reshape(shape)


def _transpose(a, axes=None):
    return _as_tensor(a).transpose(*(() if axes is None else axes))


def _concatenate(arrays, axis=0, out=None, **options):
    _check_options("concatenate", {"out": out, **options})
    if axis is None:  # NumPy flattens every array first
        return cat([_as_tensor(t).reshape(-1) for t in _tensor_sequence("concatenate", arrays)], axis=0)
    return cat(arrays, axis=axis)


def _stack(arrays, axis=0, out=None, **options):
    _check_options("stack", {"out": out, **options})
    return stack(arrays, axis=axis)


def _where(condition, x=None, y=None):
    if x is None or y is None:
        raise TypeError("np.where(condition) with one argument (np.nonzero) has no differentiable counterpart; "
                        "use np.where(condition, x, y) or np.nonzero(np.asarray(t))")
    return where(condition, x, y)


def _clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **options):  # noqa: A002 (NumPy's names)
    _check_options("clip", {"out": out, **options})
    if min is not None and a_min is not None or max is not None and a_max is not None:
        raise TypeError("np.clip: give a_min/a_max or min/max, not both")
    return _as_tensor(a).clip(a_min if min is None else min, a_max if max is None else max)


def _dot(a, b, out=None):
    _check_options("dot", {"out": out})
    a, b = _as_tensor(a), _as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.ndim > 2 or b.ndim > 2:
        raise TypeError("np.dot of arrays with more than 2 dimensions is not supported on Tensors; use np.matmul")
    return a @ b


def _ravel(a, order="C"):
    _check_options("ravel", {"order": order})
    return _as_tensor(a).reshape(-1)


def _on_values(func: Callable) -> Callable:
    """Functions that inspect values (no array result to differentiate)."""
    return lambda *args, **kwargs: func(*[_values(a) for a in args], **{k: _values(v) for k, v in kwargs.items()})


_FUNCTIONS: dict[Callable, Callable] = {
    np.sum: _sum,
    np.mean: _mean,
    np.max: _max,
    np.amax: _max,
    np.min: _min,
    np.amin: _min,
    np.var: _var,
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.swapaxes: lambda a, axis1, axis2: _as_tensor(a).swapaxes(axis1, axis2),
    np.squeeze: lambda a, axis=None: _as_tensor(a).squeeze(axis),
    np.expand_dims: lambda a, axis: _as_tensor(a).unsqueeze(axis),
    np.broadcast_to: lambda array, shape, subok=False: _as_tensor(array).broadcast_to(shape),
    np.ravel: _ravel,
    np.concatenate: _concatenate,
    np.stack: _stack,
    np.where: _where,
    np.clip: _clip,
    np.dot: _dot,
    np.shape: _on_values(np.shape),
    np.ndim: _on_values(np.ndim),
    np.size: _on_values(np.size),
    np.allclose: _on_values(np.allclose),
    np.isclose: _on_values(np.isclose),
    np.array_equal: _on_values(np.array_equal),
    np.result_type: _on_values(np.result_type),
}


def array_function(func: Callable, types: tuple, args: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_function__``: map a NumPy function to its differentiable counterpart."""
    implementation = _FUNCTIONS.get(func)
    if implementation is None:
        raise TypeError(
            f"{_numpy_name(func)} has no differentiable counterpart in tinygrad_edu; "
            "use np.asarray(t) to work on the values (this leaves the graph)"
        )
    return implementation(*args, **kwargs)


def _numpy_name(func: Callable) -> str:
    """``np.sum``, ``np.linalg.norm``: the name a user typed, from the function's module."""
    module = getattr(func, "__module__", None) or "numpy"
    prefix = "np" + module[len("numpy"):] if module.startswith("numpy") and "._" not in module else "np"
    return f"{prefix}.{func.__name__}"


def cat(tensors: Any, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (``np.concatenate``, ``torch.cat``).

    >>> import tinygrad_edu as tg
    >>> tg.cat([tg.zeros(2), tg.ones(1)]).tolist()
    [0.0, 0.0, 1.0]
    """
    tensors = _tensor_sequence("cat", tensors)
    return ops.Concatenate.apply(*tensors, axis=_join_axis("cat", axis, dim))


def stack(tensors: Any, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors of one shape along a new axis (``np.stack``, ``torch.stack``).

    >>> import tinygrad_edu as tg
    >>> tg.stack([tg.zeros(2), tg.ones(2)]).shape
    (2, 2)
    """
    tensors = _tensor_sequence("stack", tensors)
    return ops.Stack.apply(*tensors, axis=_join_axis("stack", axis, dim))


def _tensor_sequence(name: str, tensors: Any) -> list[Tensor]:
    if isinstance(tensors, (Tensor, np.ndarray)) or not hasattr(tensors, "__iter__") or isinstance(tensors, (str, bytes, dict)):
        raise TypeError(f"{name}: expected a sequence (list or tuple) of tensors, got {type(tensors).__name__}")
    return [_as_tensor(t) for t in tensors]


def _join_axis(name: str, axis: Any, dim: Any) -> Any:
    if dim is None:
        return axis
    if axis != 0:
        raise TypeError(f"{name}: give axis= or dim=, not both")
    return dim


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """``x`` where ``condition`` is true, else ``y``; the gradient flows to the chosen side.

    >>> import tinygrad_edu as tg
    >>> t = tg.Tensor([-1.0, 2.0])
    >>> tg.where(t > 0, t, 0.0).tolist()
    [0.0, 2.0]
    """
    condition = np.asarray(_values(condition))
    if condition.dtype.kind not in "biuf":
        raise TypeError(f"where: condition must be a bool array (e.g. t > 0), got {type(condition).__name__} of dtype {condition.dtype}")
    condition = condition.astype(bool, copy=False)
    like = x if isinstance(x, Tensor) else y if isinstance(y, Tensor) else Tensor(x)
    return ops.Where.apply(condition, _operand(x, like), _operand(y, like))


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum; on ties the gradient is split equally (PyTorch's convention)."""
    return _binary(ops.Maximum)(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum; on ties the gradient is split equally (PyTorch's convention)."""
    return _binary(ops.Minimum)(a, b)
