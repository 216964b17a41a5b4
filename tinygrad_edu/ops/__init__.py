"""Every built-in operation, one small ``Function`` subclass each, grouped by family.

- ``unary``: elementwise functions of one tensor (exp, relu, sin, ...)
- ``binary``: elementwise functions of two broadcast tensors (+, *, maximum, ...)
- ``matmul``: matrix products
- ``reduce``: reductions (sum, mean, amax, logsumexp) and what is built from them (var, softmax)
- ``shape``: reshape, permute, broadcast, indexing
- ``join``: cat, stack, where
- ``fused``: a dense layer and the squared-error loss, each as one node
- ``values``: comparisons and other questions about values (no gradient)
- ``inplace``: in-place updates (``t += x``, ``add_``, ``zero_`` ...) with PyTorch's rules
- ``arrange``: flip, repeat, and cutting into pieces (split, chunk, unbind)
- ``scan``: running sums (cumsum)
- ``select``: picking entries by index, mask or rank (gather, masked_fill, tril, sort, topk)
- ``linalg``: vector norms and einsum
- ``convert``: dtype and device conversions (to, type_as, cpu), clone, and the DLPack hand-off

Importing this package declares them all: each class states its Tensor methods and the
NumPy functions it answers (see ``tinygrad_edu.function``).
"""

from .unary import Abs, Cast, Clip, Cos, Exp, Expm1, LeakyReLU, Log, Log1p, Neg, ReLU, Sigmoid, Sign, Sin, Sqrt, Tanh
from .binary import Add, Div, Maximum, Minimum, Mul, Pow, Sub, maximum, minimum
from .matmul import MatMul
from .reduce import LogSumExp, Max, Mean, Min, Prod, Sum, ValuesIndices, log_softmax, softmax, var
from .shape import BroadcastTo, GetItem, Permute, Reshape, ScatterAdd, normalize_index
from .join import Concatenate, Stack, Where, cat, stack, where
from .fused import REDUCTIONS, Linear, MSELoss
from . import inplace, values
from .arrange import Flip
from .scan import CumSum
from .select import gather, index_select, masked_fill, sort, topk
from .linalg import EinSum, Norm, einsum
from .convert import Clone, check_device

__all__ = [
    "Abs", "Add", "BroadcastTo", "Cast", "Clip", "Concatenate", "Cos", "Div", "Exp", "GetItem", "LeakyReLU",
    "Linear", "Log", "LogSumExp", "MSELoss", "MatMul", "Max", "Maximum", "Mean", "Min", "Minimum", "Mul", "Neg",
    "Permute", "Pow", "REDUCTIONS", "ReLU", "Reshape", "ScatterAdd", "Sigmoid", "Sign", "Sin", "Sqrt", "Stack", "Sub",
    "Sum", "Tanh", "ValuesIndices", "Where", "cat", "log_softmax", "normalize_index", "softmax", "stack", "inplace", "values", "var",
    "where", "maximum", "minimum",
    # added with the PyTorch-named methods
    "Clone", "CumSum", "EinSum", "Expm1", "Flip", "Log1p", "Norm", "Prod", "check_device", "einsum", "gather",
    "index_select", "masked_fill", "sort", "topk",
]
