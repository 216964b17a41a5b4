"""Matrix multiplication, 1-D, 2-D and batched N-D with ``np.matmul``'s rules."""

from __future__ import annotations

import numpy as np

from .. import _args
from ..function import declare
from .binary import BinaryOp


class MatMul(BinaryOp):
    """a @ b; for matrices d/da = g @ bᵀ and d/db = aᵀ @ g.

    A 1-D operand is treated as a row (left) or column (right) vector, as in
    ``np.matmul``; batch axes broadcast, and the engine sums their gradients back.
    """

    methods = ("__matmul__", "__rmatmul__", "matmul")
    functions = ("matmul",)
    numpy_functions = (np.matmul,)
    family = "matmul"
    operand = staticmethod(_args.operand)  # no scalars: a matrix product needs arrays

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # Promote 1-D operands to matrices so one formula covers every case.
        g = grad_output
        a2 = a.reshape((1,) + a.shape) if a.ndim == 1 else a
        b2 = b.reshape(b.shape + (1,)) if b.ndim == 1 else b
        if a.ndim == 1:
            g = g.reshape(g.shape[:-1] + (1,) + g.shape[-1:]) if b.ndim > 1 else g.reshape(g.shape + (1,))
        if b.ndim == 1:
            g = g.reshape(g.shape + (1,))
        grad_a = grad_b = None
        if need_a:
            grad_a = g @ np.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                grad_a = _sum_to_vector(grad_a, a.shape, axis=-2)
        if need_b:
            grad_b = np.swapaxes(a2, -1, -2) @ g
            if b.ndim == 1:
                grad_b = _sum_to_vector(grad_b, b.shape, axis=-1)
        return grad_a, grad_b

    @classmethod
    def explain_error(cls, error, arrays, options):
        a, b = (np.shape(x) for x in arrays)
        if len(a) == 0 or len(b) == 0:
            return ValueError(f"matmul: {tuple(a)} @ {tuple(b)}: operands must have at least one dimension (use * for scalars)")
        inner_a = a[-1]
        inner_b = b[0] if len(b) == 1 else b[-2]
        if inner_a != inner_b:
            return ValueError(f"matmul: {tuple(a)} @ {tuple(b)}: inner dimensions {inner_a} and {inner_b} differ")
        return ValueError(f"matmul: {tuple(a)} @ {tuple(b)}: batch dimensions {tuple(a[:-2])} and {tuple(b[:-2])} cannot be broadcast")


def _sum_to_vector(grad, shape, axis):
    """Sum a promoted vector's gradient over its batch axes and drop the unit axis."""
    grad = grad.sum(axis=axis)  # drop the promoted length-1 axis
    if grad.ndim > 1:
        grad = grad.sum(axis=tuple(range(grad.ndim - 1)))
    return grad.reshape(shape)


@declare(methods=("mm",), functions=("mm",))
def mm(x, other):
    """The product of two matrices (PyTorch's ``mm``: both 2-D)."""
    other = _args.operand(other, x)
    if x.ndim != 2 or other.ndim != 2:
        raise ValueError(f"mm: both operands must be 2-D matrices, got shapes {x.shape} and {other.shape}; use @ for other shapes")
    return MatMul.apply(x, other)


@declare(methods=("dot",), functions=("dot",))
def dot(x, other):
    """The dot product of two 1-D tensors (PyTorch's ``dot``)."""
    other = _args.operand(other, x)
    if x.ndim != 1 or other.ndim != 1:
        raise ValueError(f"dot: both operands must be 1-D, got shapes {x.shape} and {other.shape}; use @ or mm for matrices")
    return MatMul.apply(x, other)


@declare(methods=("outer",), functions=("outer",))
def outer(x, other):
    """The outer product of two 1-D tensors: ``x[i] * other[j]``."""
    other = _args.operand(other, x)
    if x.ndim != 1 or other.ndim != 1:
        raise ValueError(f"outer: both operands must be 1-D, got shapes {x.shape} and {other.shape}")
    return x.reshape(-1, 1) * other.reshape(1, -1)


@declare(numpy_functions=(np.dot,))
def numpy_dot(a, b, out=None):
    """``np.dot`` on Tensors: a product for scalars, ``@`` for vectors and matrices."""
    _args.numpy_options("dot", {"out": out})
    a, b = _args.as_tensor(a), _args.as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.ndim > 2 or b.ndim > 2:
        raise TypeError("np.dot of arrays with more than 2 dimensions is not supported on Tensors; use np.matmul")
    return a @ b
