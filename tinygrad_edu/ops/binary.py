"""Binary elementwise ops with NumPy broadcasting.

Each backward returns gradients in the *broadcast* shape; the engine sums them back
to each operand's shape in one place (``autograd.unbroadcast``).
"""

from __future__ import annotations

import numpy as np

from ..function import Function


class BinaryOp(Function):
    """Shared error message: broadcasting failures name both shapes."""

    backward_accepts_arrays = True

    @classmethod
    def explain_error(cls, error, arrays, kwargs):
        a, b = arrays
        if np.shape(a) != np.shape(b):
            return ValueError(
                f"{cls.__name__.lower()}: shapes {tuple(np.shape(a))} and {tuple(np.shape(b))} cannot be broadcast together"
            )
        return super().explain_error(error, arrays, kwargs)


class Add(BinaryOp):
    """a + b; d/da = 1, d/db = 1."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output


class Sub(BinaryOp):
    """a - b; d/da = 1, d/db = -1."""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, -grad_output


class Mul(BinaryOp):
    """a * b; d/da = b, d/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad_output * b if need_a else None), (grad_output * a if need_b else None)


class Div(BinaryOp):
    """a / b; d/da = 1/b, d/db = -a/b²."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_output / b if need_a else None
        grad_b = -grad_output * a / (b * b) if need_b else None
        return grad_a, grad_b


class Pow(BinaryOp):
    """a ** b; d/da = b·a^(b-1) (0 where b = 0), d/db = a^b·log(a) (0 where a = 0 and b >= 0), like PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            zero_to_zero = np.asarray((a == 0) & (b == 0))
            if zero_to_zero.any():  # x^0 is constant: its slope at x = 0 is 0, not 0·0^-1 = nan
                safe_base = np.where(zero_to_zero, 1.0, a)
                grad_a = np.where(zero_to_zero, 0.0, grad_output * b * safe_base ** (b - 1))
            else:
                grad_a = grad_output * b * a ** (b - 1)
        if need_b:
            # 0^b is constant 0 for b > 0 (and 1 at b = 0): slope 0, not 0·log 0 = nan. For b < 0
            # PyTorch keeps inf·log 0 = -inf, so only non-negative exponents are masked.
            base_is_zero = np.asarray((a == 0) & (b >= 0))
            safe_base = np.where(base_is_zero, 1.0, a) if base_is_zero.any() else a
            grad_b = grad_output * out * np.log(safe_base)
        return grad_a, grad_b


class Maximum(BinaryOp):
    """max(a, b) elementwise; the gradient goes to the larger input, split equally on ties."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return _split_by_winner(grad_output, np.asarray(a > b), np.asarray(a == b))


class Minimum(BinaryOp):
    """min(a, b) elementwise; the gradient goes to the smaller input, split equally on ties."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return _split_by_winner(grad_output, np.asarray(a < b), np.asarray(a == b))


def _split_by_winner(grad_output, a_wins, tie):
    """Weights 1 / 0.5 / 0 for the first operand, the complement for the second."""
    dtype = grad_output.dtype
    weight_a = (a_wins + 0.5 * tie).astype(dtype)
    weight_b = (~a_wins & ~tie) + 0.5 * tie
    return grad_output * weight_a, grad_output * weight_b.astype(dtype)
