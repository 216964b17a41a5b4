"""Unary elementwise ops: each forward is one NumPy call, each backward the chain rule."""

from __future__ import annotations

import numpy as np

from ..function import Function


class UnaryOp(Function):
    backward_accepts_arrays = True


class Neg(UnaryOp):
    """-x; d/dx = -1."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad_output):
        return -grad_output


class Cast(UnaryOp):
    """x converted to another float dtype; the gradient is converted back."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.input_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.astype(ctx.input_dtype)


class ReLU(UnaryOp):
    """max(0, x); d/dx relu(x) = 1[x > 0] (0 at x = 0, PyTorch's convention)."""

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (out > 0)


class LeakyReLU(UnaryOp):
    """x if x > 0 else slope·x; d/dx = 1 if x > 0 else slope."""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return np.where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        local = np.where(x > 0, 1.0, ctx.slope).astype(grad_output.dtype)
        return grad_output * local


class Sigmoid(UnaryOp):
    """σ(x) = 1 / (1 + e^-x); d/dx σ = σ(1 - σ)."""

    @staticmethod
    def forward(ctx, x):
        # Two branches keep exp from overflowing for large |x|.
        z = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * out * (1 - out)


class Tanh(UnaryOp):
    """tanh(x); d/dx tanh = 1 - tanh²."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (1 - out * out)


class Exp(UnaryOp):
    """e^x; d/dx e^x = e^x."""

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * out


class Log(UnaryOp):
    """ln x; d/dx ln x = 1/x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output / x


class Sqrt(UnaryOp):
    """√x; d/dx √x = 1 / (2√x)."""

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output / (2 * out)


class Abs(UnaryOp):
    """|x|; d/dx |x| = sign(x) (0 at x = 0, like PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        sign = (x > 0).astype(grad_output.dtype) - (x < 0)
        return grad_output * sign


class Clip(UnaryOp):
    """x limited to [lo, hi]; d/dx = 1 inside the interval (ends included, like PyTorch), 0 outside."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        if lo is None and hi is None:
            raise ValueError("clip: give at least one of lo and hi")
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @classmethod
    def explain_error(cls, error, arrays, kwargs):
        bounds = {name: tuple(np.shape(kwargs[name])) for name in ("lo", "hi") if kwargs.get(name) is not None}
        if not bounds:
            return error  # forward's own message: no bound given
        return type(error)(f"clip: bounds of shapes {bounds} cannot be broadcast with the tensor's shape {arrays[0].shape}")

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        # (Not in place: array bounds may broadcast the mask, and the output, beyond x's shape.)
        if ctx.lo is None:
            inside = x <= ctx.hi
        elif ctx.hi is None:
            inside = x >= ctx.lo
        else:
            inside = (x >= ctx.lo) & (x <= ctx.hi)
        return grad_output * inside
