"""Elementwise functions of two tensors, with NumPy broadcasting.

Each backward returns gradients in the *broadcast* shape; the engine sums them back
to each operand's shape in one place (``autograd.unbroadcast``).
"""

from __future__ import annotations

import numpy as np

from .. import _args
from ..function import Function, declare
from ..tensor import Tensor


class BinaryOp(Function):
    """``a op b`` for two broadcast operands: ``a + b``, ``b + a``, ``a.add(b)``, ``np.add(a, b)``.

    A Python or NumPy scalar operand enters the op as a Python float (no constant Tensor;
    NumPy's rule for Python scalars keeps a float32 tensor float32).
    """

    abstract = True
    family = "arithmetic"
    backward_accepts_arrays = True
    operand = staticmethod(_args.elementwise_operand)  # how the other side is converted

    @classmethod
    def tensor_method(cls, name):
        operand = cls.operand
        if name.startswith("__r"):  # reflected: ``2 - t`` calls ``t.__rsub__(2)``

            def reflected(self, other):
                return cls.apply(operand(other, self), self)

            return reflected

        def method(self, other):
            return cls.apply(self, operand(other, self))

        return method

    @classmethod
    def numpy_function(cls, func):
        operand = cls.operand

        def call(a, b):
            if not isinstance(a, Tensor):
                return cls.apply(operand(a, b), b)
            return cls.apply(a, operand(b, a))

        return call

    @classmethod
    def explain_error(cls, error, arrays, options):
        a, b = arrays
        if np.shape(a) != np.shape(b):
            return ValueError(
                f"{cls.__name__.lower()}: shapes {tuple(np.shape(a))} and {tuple(np.shape(b))} cannot be broadcast together"
            )
        return super().explain_error(error, arrays, options)


class Add(BinaryOp):
    """a + b; d/da = 1, d/db = 1."""

    methods = ("__add__", "__radd__", "add")
    functions = ("add",)
    numpy_functions = (np.add,)
    commutative = True

    @classmethod
    def tensor_method(cls, name):
        if name != "add":
            return super().tensor_method(name)

        def add(self, other, *, alpha=1):
            """``self + alpha * other`` (PyTorch's ``add``)."""
            return cls.apply(self, scaled(cls.operand(other, self), alpha, "add"))

        return add

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output


class Sub(BinaryOp):
    """a - b; d/da = 1, d/db = -1."""

    methods = ("__sub__", "__rsub__", "sub")
    functions = ("sub",)
    numpy_functions = (np.subtract,)

    @classmethod
    def tensor_method(cls, name):
        if name != "sub":
            return super().tensor_method(name)

        def sub(self, other, *, alpha=1):
            """``self - alpha * other`` (PyTorch's ``sub``)."""
            return cls.apply(self, scaled(cls.operand(other, self), alpha, "sub"))

        return sub

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, -grad_output


class Mul(BinaryOp):
    """a * b; d/da = b, d/db = a."""

    methods = ("__mul__", "__rmul__", "mul")
    functions = ("mul",)
    numpy_functions = (np.multiply,)
    commutative = True

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

    methods = ("__truediv__", "__rtruediv__", "div")
    functions = ("div",)
    numpy_functions = (np.true_divide,)

    @classmethod
    def tensor_method(cls, name):
        if name != "div":
            return super().tensor_method(name)

        def div(self, other, *, rounding_mode=None):
            """``self / other`` (PyTorch's ``div``; only the true division, ``rounding_mode=None``)."""
            if rounding_mode is not None:
                raise NotImplementedError(
                    f"div(rounding_mode={rounding_mode!r}) is not supported: a rounded quotient is a step function "
                    "with no useful gradient; divide (x / y) and round the values with np.floor / np.trunc on x.numpy()"
                )
            return cls.apply(self, cls.operand(other, self))

        return div

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

    methods = ("__pow__", "__rpow__", "pow")
    functions = ("pow",)
    numpy_functions = (np.power, np.float_power)

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
            # x^0 is constant, so its slope is 0 where b = 0, also where b·a^(b-1) would be 0·inf = nan
            # (a = 0, or a subnormal a whose a^-1 overflows). Only those spots are masked, so the
            # slope stays differentiable in b elsewhere.
            with np.errstate(divide="ignore", over="ignore"):  # the infinities are dealt with below
                power = a ** (b - 1)
            zero_times_inf = np.asarray((b == 0) & ~np.isfinite(power))
            if zero_times_inf.any():
                safe_power = np.where(zero_times_inf, 1.0, a) ** (b - 1)
                grad_a = np.where(zero_times_inf, 0.0, grad_output * b * safe_power)
            else:
                grad_a = grad_output * b * power
        if need_b:
            # 0^b is constant 0 for b > 0 (and 1 at b = 0): slope 0, not 0·log 0 = nan. For b < 0
            # PyTorch keeps inf·log 0 = -inf, so only non-negative exponents are masked.
            base_is_zero = np.asarray((a == 0) & (b >= 0))
            safe_base = np.where(base_is_zero, 1.0, a) if base_is_zero.any() else a
            grad_b = grad_output * out * np.log(safe_base)
        return grad_a, grad_b


class Maximum(BinaryOp):
    """max(a, b) elementwise; the gradient goes to the larger input, split equally on ties."""

    methods = ("maximum",)
    numpy_functions = (np.maximum,)
    commutative = True

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

    methods = ("minimum",)
    numpy_functions = (np.minimum,)
    commutative = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return _split_by_winner(grad_output, np.asarray(a < b), np.asarray(a == b))


def scaled(operand, alpha, name):
    """``alpha * operand`` for the ``alpha=`` of ``add``/``sub`` (the operand itself when alpha is 1)."""
    alpha = _args.real_number(alpha, name, "alpha")
    return operand if alpha == 1 else operand * alpha


def _split_by_winner(grad_output, a_wins, tie):
    """Weights 1 / 0.5 / 0 for the first operand, the complement for the second."""
    dtype = grad_output.dtype
    weight_a = (a_wins + 0.5 * tie).astype(dtype)
    weight_b = (~a_wins & ~tie) + 0.5 * tie
    return grad_output * weight_a, grad_output * weight_b.astype(dtype)


@declare(methods=("square",), functions=("square",), numpy_functions=(np.square,))
def square(x):
    """x², as ``x * x``."""
    x = _args.as_tensor(x)
    return x * x


@declare(methods=("reciprocal",), functions=("reciprocal",), numpy_functions=(np.reciprocal,))
def reciprocal(x):
    """1 / x."""
    return 1.0 / _args.as_tensor(x)


def maximum(a, b):
    """Elementwise maximum of two tensors (or a tensor and numbers); on ties the gradient is split equally.

    >>> import tinygrad_edu as tg
    >>> tg.maximum(tg.Tensor([1.0, 5.0]), 2.0).tolist()
    [2.0, 5.0]
    """
    return Maximum.numpy_function(np.maximum)(a, b)


def minimum(a, b):
    """Elementwise minimum of two tensors (or a tensor and numbers); on ties the gradient is split equally.

    >>> import tinygrad_edu as tg
    >>> tg.minimum(tg.Tensor([1.0, 5.0]), 2.0).tolist()
    [1.0, 2.0]
    """
    return Minimum.numpy_function(np.minimum)(a, b)
