"""tinygrad_edu: a small, readable autograd engine on NumPy for learning deep learning.

>>> import tinygrad_edu as tg
>>> x = tg.Tensor([1.0, -2.0], requires_grad=True)
>>> x.relu().sum().backward()
>>> x.grad
array([1., 0.])

``tg.nn``, ``tg.optim`` and ``tg.data`` are imported with the package; ``viz``,
``testing`` and ``analysis`` are imported explicitly (``from tinygrad_edu import viz``)
so that matplotlib and Hypothesis load only when used.
"""

import builtins as _builtins

import numpy as _np

from .tensor import Tensor  # first: the modules below build on it

from .autograd import backward, grad
from .dtypes import get_default_dtype, set_default_dtype
from .factories import (
    arange, as_tensor, empty, eye, from_dlpack, from_numpy, full, is_tensor, linspace, normal, ones, ones_like, rand,
    randint, randn, randperm, tensor, zeros, zeros_like,
)
from .function import FUNCTIONS, Context, Function, add_node_hook
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops import cat, einsum, maximum, minimum, stack, where
from .randomness import manual_seed
from .serialization import load, save

from . import data, nn, optim  # built on the core above
from .compiler import compile  # noqa: A004, F401 (tg.compile, as torch.compile; not in __all__: it would hide the builtin)

# PyTorch's functions of a tensor, ``tg.exp(x)`` for ``x.exp()``: each op declares which of its
# methods are also functions (``functions = ("exp",)``), so the list is never written by hand.
globals().update(FUNCTIONS)

# PyTorch's dtype names, so that ``x.to(tg.float32)`` and ``tg.zeros(2, dtype=tg.float64)`` read as
# in torch. They are NumPy dtypes; tensors are floating point, int64 is for indices (``randint``).
float16 = half = _np.dtype(_np.float16)
float32 = float = _np.dtype(_np.float32)  # (torch.float is float32; this shadows the builtin in this file only)
float64 = double = _np.dtype(_np.float64)
int64 = long = _np.dtype(_np.int64)

__version__ = "0.1.0"

__all__ = [
    "Context", "Function", "Tensor", "add_node_hook", "arange", "backward", "cat", "enable_grad", "eye", "full",
    "data", "get_default_dtype", "grad", "is_grad_enabled", "linspace", "load", "manual_seed", "maximum", "minimum",
    "nn", "no_grad", "ones", "optim", "ones_like", "rand", "randn", "save", "set_default_dtype", "set_grad_enabled", "stack",
    "where", "zeros", "zeros_like",
    "as_tensor", "einsum", "empty", "from_dlpack", "from_numpy", "is_tensor", "normal", "randint", "randperm", "tensor",
    "double", "float16", "float32", "float64", "half", "int64", "long",
    # (not tg.float, tg.max, tg.abs ...: ``from tinygrad_edu import *`` must not hide Python's builtins)
    *sorted(name for name in FUNCTIONS if name not in dir(_builtins)),
]
