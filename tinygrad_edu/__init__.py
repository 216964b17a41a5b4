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

from .tensor import Tensor  # first: the modules below build on it

from .autograd import backward, grad
from .dtypes import get_default_dtype, set_default_dtype
from .factories import arange, eye, full, linspace, ones, ones_like, rand, randn, zeros, zeros_like
from .function import Context, Function, add_node_hook
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops import cat, maximum, minimum, stack, where
from .randomness import manual_seed
from .serialization import load, save

from . import data, nn, optim  # built on the core above

__version__ = "0.1.0"

__all__ = [
    "Context", "Function", "Tensor", "add_node_hook", "arange", "backward", "cat", "enable_grad", "eye", "full",
    "data", "get_default_dtype", "grad", "is_grad_enabled", "linspace", "load", "manual_seed", "maximum", "minimum",
    "nn", "no_grad", "ones", "optim", "ones_like", "rand", "randn", "save", "set_default_dtype", "set_grad_enabled", "stack",
    "where", "zeros", "zeros_like",
]
