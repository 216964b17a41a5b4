"""Elementwise functions of one tensor: each forward is one NumPy call, each backward the chain rule."""

from __future__ import annotations

import numpy as np

from .. import _args
from ..dtypes import as_float_dtype
from ..function import Function, declare


class UnaryOp(Function):
    """An elementwise function of one tensor, reached as ``t.name()`` and ``np.name(t)``."""

    abstract = True
    family = "arithmetic"
    backward_accepts_arrays = True

    @classmethod
    def tensor_method(cls, name):
        def method(self):
            return cls.apply(self)

        return method

    @classmethod
    def numpy_function(cls, func):
        def call(x):
            return cls.apply(_args.as_tensor(x))

        return call


class Activation(UnaryOp):
    """A unary op used as a neural-network nonlinearity (drawn in the activation colour)."""

    abstract = True
    family = "activation"


class Neg(UnaryOp):
    """-x; d/dx = -1."""

    methods = ("__neg__", "neg")
    functions = ("neg",)
    numpy_functions = (np.negative,)

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad_output):
        return -grad_output


class Cast(UnaryOp):
    """x converted to another float dtype; the gradient is converted back."""

    methods = ("astype",)

    @classmethod
    def tensor_method(cls, name):
        def astype(self, dtype):
            """A copy in another float dtype (differentiable)."""
            return cls.apply(self, dtype=as_float_dtype(dtype))

        return astype

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.input_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.astype(ctx.input_dtype)


@declare(methods=("float",))
def to_float32(x):
    """x as float32, PyTorch's ``t.float()`` (differentiable; x itself if it is float32)."""
    return x if x.dtype == np.float32 else x.astype(np.float32)


@declare(methods=("double",))
def to_float64(x):
    """x as float64, PyTorch's ``t.double()`` (differentiable; x itself if it is float64)."""
    return x if x.dtype == np.float64 else x.astype(np.float64)


class ReLU(Activation):
    """max(0, x); d/dx relu(x) = 1[x > 0] (0 at x = 0, PyTorch's convention)."""

    methods = ("relu",)
    functions = ("relu",)
    dead_when_zero = True

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (out > 0)


class LeakyReLU(Activation):
    """x if x > 0 else slope·x; d/dx = 1 if x > 0 else slope."""

    methods = ("leaky_relu",)

    @classmethod
    def tensor_method(cls, name):
        def leaky_relu(self, negative_slope=0.01):
            """x if x > 0 else negative_slope·x."""
            return cls.apply(self, slope=_args.real_number(negative_slope, "leaky_relu", "negative_slope"))

        return leaky_relu

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


class Sigmoid(Activation):
    """σ(x) = 1 / (1 + e^-x); d/dx σ = σ(1 - σ)."""

    methods = ("sigmoid",)
    functions = ("sigmoid",)

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


class Tanh(Activation):
    """tanh(x); d/dx tanh = 1 - tanh²."""

    methods = ("tanh",)
    functions = ("tanh",)
    numpy_functions = (np.tanh,)

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

    methods = ("exp",)
    functions = ("exp",)
    numpy_functions = (np.exp,)

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

    methods = ("log",)
    functions = ("log",)
    numpy_functions = (np.log,)

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

    methods = ("sqrt",)
    functions = ("sqrt",)
    numpy_functions = (np.sqrt,)

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output / (2 * out)


class Sin(UnaryOp):
    """sin x; d/dx sin x = cos x."""

    methods = ("sin",)
    functions = ("sin",)
    numpy_functions = (np.sin,)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * np.cos(x)


class Cos(UnaryOp):
    """cos x; d/dx cos x = -sin x."""

    methods = ("cos",)
    functions = ("cos",)
    numpy_functions = (np.cos,)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return -grad_output * np.sin(x)


class Abs(UnaryOp):
    """|x|; d/dx |x| = sign(x) (0 at x = 0, like PyTorch)."""

    methods = ("abs", "__abs__")
    functions = ("abs",)
    numpy_functions = (np.absolute,)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        sign = (x > 0).astype(grad_output.dtype) - (x < 0)
        return grad_output * sign


class Sign(UnaryOp):
    """sign(x), -1, 0 or 1; d/dx = 0 (a step function is flat almost everywhere, as in PyTorch)."""

    methods = ("sign",)
    functions = ("sign",)
    numpy_functions = (np.sign,)

    @staticmethod
    def forward(ctx, x):
        return np.sign(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 0.0


class Clip(UnaryOp):
    """x limited to [min, max]; d/dx = 1 inside the interval (ends included, like PyTorch), 0 outside."""

    methods = ("clamp", "clip")
    functions = ("clamp", "clip")
    numpy_functions = (np.clip,)

    @classmethod
    def tensor_method(cls, name):
        def clamp(self, min=None, max=None):  # noqa: A002 (PyTorch's names)
            """x limited to [min, max] (either bound may be None; numbers or arrays)."""
            return cls.apply(self, lo=_args.constant(min, name, "min"), hi=_args.constant(max, name, "max"))

        return clamp

    @classmethod
    def numpy_function(cls, func):
        def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **options):  # noqa: A002 (NumPy's names)
            _args.numpy_options("clip", {"out": out, **options})
            if min is not None and a_min is not None or max is not None and a_max is not None:
                raise TypeError("np.clip: give a_min/a_max or min/max, not both")
            return _args.as_tensor(a).clip(a_min if min is None else min, a_max if max is None else max)

        return clip

    @staticmethod
    def forward(ctx, x, lo, hi):
        if lo is None and hi is None:
            raise ValueError("clip: give at least one of min and max")
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @classmethod
    def explain_error(cls, error, arrays, options):
        bounds = {name: tuple(np.shape(options[name])) for name in ("lo", "hi") if options.get(name) is not None}
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


class Log1p(UnaryOp):
    """ln(1 + x), accurate for tiny x (where 1 + x would round to 1); d/dx = 1 / (1 + x)."""

    methods = ("log1p",)
    functions = ("log1p",)
    numpy_functions = (np.log1p,)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output / (1 + x)


class Expm1(UnaryOp):
    """e^x - 1, accurate for tiny x; d/dx = e^x = out + 1."""

    methods = ("expm1",)
    functions = ("expm1",)
    numpy_functions = (np.expm1,)

    @staticmethod
    def forward(ctx, x):
        out = np.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (out + 1)


@declare(methods=("rsqrt",), functions=("rsqrt",))
def rsqrt(x):
    """1 / √x (PyTorch's ``rsqrt``); d/dx = -1 / (2 x √x)."""
    return x.sqrt().reciprocal()
