"""Every built-in operation, one small ``Function`` subclass each.

- ``unary``: elementwise functions of one tensor (relu, exp, ...)
- ``binary``: elementwise functions of two broadcast tensors (+, *, maximum, ...)
- ``reduce``: reductions over axes (sum, mean, max, logsumexp) and what is built from them
- ``shape``: reshape, transpose, broadcast, indexing, concatenation
- ``matmul``: matrix products
"""

from .binary import Add, Div, Maximum, Minimum, Mul, Pow, Sub
from .matmul import MatMul
from .reduce import LogSumExp, Max, Mean, Min, Sum, log_softmax, softmax, var
from .shape import (
    BroadcastTo,
    Concatenate,
    GetItem,
    Reshape,
    ScatterAdd,
    Stack,
    Transpose,
    Where,
    expand,
    flatten,
    normalize_index,
    squeeze,
    swapaxes,
    unsqueeze,
)
from .unary import Abs, Cast, Clip, Exp, LeakyReLU, Log, Neg, ReLU, Sigmoid, Sqrt, Tanh

__all__ = [
    "Abs", "Add", "BroadcastTo", "Cast", "Clip", "Concatenate", "Div", "Exp", "GetItem", "LeakyReLU",
    "Log", "LogSumExp", "MatMul", "Max", "Maximum", "Mean", "Min", "Minimum", "Mul", "Neg", "Pow",
    "ReLU", "Reshape", "ScatterAdd", "Sigmoid", "Sqrt", "Stack", "Sub", "Sum", "Tanh", "Transpose",
    "Where", "expand", "flatten", "log_softmax", "normalize_index", "softmax", "squeeze", "swapaxes",
    "unsqueeze", "var",
]
