"""Comparisons and other questions about a tensor's values: they answer with plain NumPy
arrays and carry no gradient (a step function has none to give).

``t > 0`` is a boolean NumPy array, ready to use as a mask (``t[t > 0]``, ``tg.where``);
``t.argmax()`` and friends give integer arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _args
from ..function import declare
from ..tensor import Tensor


def values_of(x: Any) -> Any:
    """The array behind a Tensor, or ``x`` itself."""
    return x._data if isinstance(x, Tensor) else x


#: Set by ``tg.compile`` while it traces a step: called with every answer (see ``answer``); what
#: it returns is the answer given (the same values, marked as computed by the step).
recorder: Callable[[Callable, tuple, dict, Any], Any] | None = None


def answer(func: Callable, *args: Any, **kwargs: Any) -> Any:
    """``func`` applied to the values of ``args`` (Tensors read as their arrays): no gradient.

    Every question the library asks about values that are then used as constants (masks,
    indices, comparisons) goes through here, so that a traced step (``tg.compile``) asks it
    again at each replay instead of keeping the first answer.
    """
    result = func(*[values_of(a) for a in args], **{key: values_of(value) for key, value in kwargs.items()})
    if recorder is not None:
        result = recorder(func, args, kwargs, result)
    return result


def _comparison(ufunc: np.ufunc, names: tuple[str, ...]) -> Callable:
    def compare(a: Any, b: Any) -> np.ndarray:
        """Elementwise comparison of the values: a boolean array (no gradient)."""
        try:
            return answer(ufunc, a, b)
        except ValueError:
            raise ValueError(
                f"{ufunc.__name__}: shapes {tuple(np.shape(values_of(a)))} and {tuple(np.shape(values_of(b)))} "
                "cannot be broadcast together"
            ) from None
        except TypeError:
            raise TypeError(f"{ufunc.__name__}: cannot compare {type(a).__name__} with {type(b).__name__}") from None

    compare.__name__ = ufunc.__name__
    return declare(methods=names, numpy_functions=(ufunc,), functions=names[1:])(compare)


lt = _comparison(np.less, ("__lt__", "lt", "less"))
le = _comparison(np.less_equal, ("__le__", "le", "less_equal"))
gt = _comparison(np.greater, ("__gt__", "gt", "greater"))
ge = _comparison(np.greater_equal, ("__ge__", "ge", "greater_equal"))
eq = _comparison(np.equal, ("__eq__", "eq"))
ne = _comparison(np.not_equal, ("__ne__", "ne"))


def _predicate(func: Any, names: tuple[str, ...]) -> Callable:
    def ask(x: Any, *args: Any, **kwargs: Any) -> Any:
        return answer(func, x, *args, **kwargs)

    ask.__name__ = func.__name__
    ask.__doc__ = f"``np.{func.__name__}`` of the values (no gradient)."
    return declare(methods=names, numpy_functions=(func,), functions=names)(ask)


isnan = _predicate(np.isnan, ("isnan",))
isinf = _predicate(np.isinf, ("isinf",))
isfinite = _predicate(np.isfinite, ("isfinite",))


def _logical_reduction(func: Any, name: str) -> Callable:
    def reduce(x: Any, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        axis = _args.pick_dim(dim, axis, name)
        return answer(func, x, axis=None if axis is None else tuple(np.atleast_1d(axis)),
                      keepdims=_args.pick_keepdim(keepdim, keepdims, name))

    reduce.__name__ = name
    reduce.__doc__ = f"True where {'any' if name == 'any' else 'every'} value along ``dim`` is nonzero (a bool array; no gradient)."
    return declare(methods=(name,), numpy_functions=(func,), functions=(name,))(reduce)


any_ = _logical_reduction(np.any, "any")
all_ = _logical_reduction(np.all, "all")
allclose = _predicate(np.allclose, ("allclose",))
isclose = _predicate(np.isclose, ("isclose",))
equal = _predicate(np.array_equal, ("equal",))  # PyTorch's ``equal``: the same shape and values
for _func in (np.shape, np.ndim, np.size, np.result_type):
    _predicate(_func, ())
