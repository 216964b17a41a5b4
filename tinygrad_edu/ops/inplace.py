"""In-place updates: ``t += x``, ``t.add_(x)``, ``t.zero_()`` ..., with PyTorch's rules.

An in-place update overwrites a tensor's array and bumps its version counter, so that a
backward that saved the old values refuses to use the new ones. It is allowed where no graph
is being recorded through the tensor: under ``no_grad`` (as an optimizer does), or when
neither the tensor nor the other operand requires grad. A leaf that requires grad raises
PyTorch's error; an update that would have to enter the graph is refused with a hint to write
it out of place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _args
from ..dtypes import to_float_array
from ..function import declare
from ..grad_mode import is_grad_enabled, no_grad
from ..tensor import Tensor


def check_in_place(tensor: Tensor, name: str, operands: tuple) -> None:
    """PyTorch's rules for an in-place change: fine unless it would have to enter the graph."""
    if not is_grad_enabled():
        return
    if tensor.requires_grad and tensor.grad_fn is None:
        raise RuntimeError(
            f"a leaf Variable that requires grad is being used in an in-place operation ({name}); "
            "update it under tg.no_grad(), as an optimizer does"
        )
    if tensor.requires_grad or any(isinstance(x, Tensor) and x.requires_grad for x in operands):
        raise RuntimeError(
            f"{name}: in-place operations are not recorded in the graph, and this one would be part of it; "
            "write it out of place (y = y + x instead of y += x), or do it under tg.no_grad()"
        )


def update_in_place(self: Tensor, name: str, compute: Callable[[], Any], *operands: Any) -> Tensor:
    """Overwrite the values with ``compute()``'s, in place, with PyTorch's rules (see ``add_``)."""
    check_in_place(self, name, operands)
    with no_grad():
        values = compute()
    values = values._data if isinstance(values, Tensor) else np.asarray(values)
    if not self._data.flags.writeable:
        raise RuntimeError(f"{name}: this tensor's values are a read-only view (e.g. from expand); clone it first")
    try:
        np.copyto(self._data, np.broadcast_to(values, self.shape), casting="same_kind")
    except ValueError:
        raise ValueError(f"{name}: a result of shape {values.shape} cannot be written into a tensor of shape {self.shape}") from None
    self._mark_modified()
    return self


@declare(methods=("add_",))
def add_(self: Tensor, other: Any, *, alpha: float = 1.0) -> Tensor:
    """``self += alpha * other`` in place. Allowed under ``no_grad`` or when no gradient is
    required (a leaf that requires grad raises PyTorch's error); bumps the version counter."""
    return update_in_place(self, "add_", lambda: self + _args.operand(other, self) * alpha, other)


@declare(methods=("sub_",))
def sub_(self: Tensor, other: Any, *, alpha: float = 1.0) -> Tensor:
    """``self -= alpha * other`` in place (the rules of ``add_``)."""
    return update_in_place(self, "sub_", lambda: self - _args.operand(other, self) * alpha, other)


@declare(methods=("mul_",))
def mul_(self: Tensor, other: Any) -> Tensor:
    """``self *= other`` in place (the rules of ``add_``)."""
    return update_in_place(self, "mul_", lambda: self * other, other)


@declare(methods=("div_",))
def div_(self: Tensor, other: Any) -> Tensor:
    """``self /= other`` in place (the rules of ``add_``)."""
    return update_in_place(self, "div_", lambda: self / other, other)


@declare(methods=("clamp_",))
def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 (PyTorch's names)
    """Limit the values to [min, max] in place (the rules of ``add_``)."""
    return update_in_place(self, "clamp_", lambda: self.clamp(min, max), min, max)


@declare(methods=("fill_",))
def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every value to ``value`` in place (the rules of ``add_``)."""
    return update_in_place(self, "fill_", lambda: to_float_array(_args.constant(value, "fill_", "value"), copy=False), value)


@declare(methods=("zero_",))
def zero_(self: Tensor) -> Tensor:
    """Set every value to 0 in place (the rules of ``add_``)."""
    return update_in_place(self, "zero_", lambda: 0.0)


@declare(methods=("copy_",))
def copy_(self: Tensor, src: Any) -> Tensor:
    """Copy ``src``'s values (broadcast to this shape) into this tensor in place (the rules of ``add_``)."""
    return update_in_place(self, "copy_", lambda: _args.as_tensor(src, "copy_: src"), src)


@declare(methods=("__iadd__",))
def __iadd__(self: Tensor, other: Any) -> Tensor:
    return update_in_place(self, "+=", lambda: self + other, other)


@declare(methods=("__isub__",))
def __isub__(self: Tensor, other: Any) -> Tensor:
    return update_in_place(self, "-=", lambda: self - other, other)


@declare(methods=("__imul__",))
def __imul__(self: Tensor, other: Any) -> Tensor:
    return update_in_place(self, "*=", lambda: self * other, other)


@declare(methods=("__itruediv__",))
def __itruediv__(self: Tensor, other: Any) -> Tensor:
    return update_in_place(self, "/=", lambda: self / other, other)
