"""Running totals along a dimension: ``cumsum``.

out_i = x_0 + ... + x_i, so x_j reaches every out_i with i >= j: its gradient is the sum
of the output's gradient from j to the end, a cumulative sum taken backwards.
"""

from __future__ import annotations

import numpy as np

from .. import _args
from ..function import Function


class CumSum(Function):
    """Running sum along ``dim``; the gradient is the reversed running sum of the output's gradient."""

    methods = ("cumsum",)
    functions = ("cumsum",)
    numpy_functions = (np.cumsum,)
    family = "reduction"
    backward_accepts_arrays = True

    @classmethod
    def tensor_method(cls, name):
        def cumsum(self, dim=None, *, axis=None, dtype=None):
            """Running sum along ``dim`` (required, as in PyTorch).

            >>> import tinygrad_edu as tg
            >>> tg.Tensor([1.0, 2.0, 3.0]).cumsum(0).tolist()
            [1.0, 3.0, 6.0]
            """
            dim = _args.pick_dim(dim, axis, "cumsum")
            if dim is None:
                raise TypeError("cumsum() missing the dimension to sum along: cumsum(dim), e.g. cumsum(0)")
            if dtype is not None:
                raise TypeError("cumsum: dtype= is not supported; cast first, x.to(dtype).cumsum(dim)")
            return cls.apply(self, dim=_args.dim_index(dim, max(self.ndim, 1), "cumsum", self.shape))

        return cumsum

    @classmethod
    def numpy_function(cls, func):
        def cumsum(a, axis=None, dtype=None, out=None):  # NumPy's meaning: no axis sums the flattened values
            _args.numpy_options("cumsum", {"dtype": dtype, "out": out})
            x = _args.as_tensor(a)
            if axis is None:
                return cls.apply(x.reshape(-1), dim=0)
            return cls.apply(x, dim=_args.dim_index(axis, max(x.ndim, 1), "np.cumsum", x.shape))

        return cumsum

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.ndim == 0:  # a single value is its own running sum
            return x.copy()
        return np.cumsum(x, axis=dim)

    @staticmethod
    def backward(ctx, grad_output):
        if grad_output.ndim == 0:
            return grad_output
        return np.flip(np.cumsum(np.flip(grad_output, ctx.dim), axis=ctx.dim), ctx.dim)
