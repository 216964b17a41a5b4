"""Conversions: dtype and device (``to``, ``type_as``, ``cpu``, ``cuda``), copies (``clone``),
integer indices (``long``), and the DLPack hand-off to other libraries.

tinygrad_edu computes with NumPy on the CPU, so there is one device, ``"cpu"``: moving a
tensor there returns it unchanged, as PyTorch does for a tensor already in place, and
asking for a GPU raises an error that says so. A dtype change is the ``Cast`` op, so it
is differentiable (the gradient is cast back).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _args
from ..dtypes import as_float_dtype
from ..function import declare
from .values import answer
from ..tensor import Tensor
from .unary import UnaryOp

#: The device names PyTorch knows (a prefix of a device string, as in "cuda:0").
_OTHER_DEVICES = ("cuda", "mps", "xpu", "xla", "hip", "ipu", "meta", "vulkan", "hpu", "mtia", "privateuseone")


def check_device(device: Any, function: str) -> None:
    """Accept the one device, ``"cpu"`` (a string, or an object whose ``str`` is ``"cpu"`` such as
    ``torch.device("cpu")``); refuse any other with an error that says why."""
    if device is None:
        return
    name = str(device)
    if name in ("cpu", "cpu:0"):
        return
    if name.split(":")[0] in _OTHER_DEVICES:
        raise RuntimeError(
            f"{function}: there is no {name!r} device: tinygrad_edu runs on the CPU with NumPy. Drop the device "
            "(or use 'cpu'); to run on a GPU, move the model to PyTorch (see the guide 'Moving to PyTorch')"
        )
    raise ValueError(f"{function}: unknown device {device!r}: the only device is 'cpu'")


def _is_device(value: Any) -> bool:
    """Is a positional argument of ``to()`` a device (as opposed to a dtype)?"""
    if isinstance(value, str):
        return value.split(":")[0] in ("cpu", *_OTHER_DEVICES)
    return type(value).__name__ == "device"  # e.g. torch.device, without importing torch


class Clone(UnaryOp):
    """A copy of x with its own data; d/dx = 1 (the gradient passes through, as in PyTorch)."""

    methods = ("clone",)
    functions = ("clone",)

    @classmethod
    def tensor_method(cls, name):
        def clone(self):
            """A copy with its own data that stays in the graph (``detach().clone()`` for a constant copy).

            >>> import tinygrad_edu as tg
            >>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
            >>> y = x.clone()
            >>> y.data is x.data, y.requires_grad
            (False, True)
            """
            return cls.apply(self)

        return clone

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


@declare(methods=("to",))
def to(x, *args, dtype=None, device=None, copy=False, non_blocking=False):
    """x in another dtype and/or on a device, as PyTorch's ``to``: ``t.to(np.float32)``,
    ``t.to('cpu')``, ``t.to(other)`` (other's dtype), ``t.to('cpu', np.float64)``,
    ``t.to(dtype=..., device=...)``.

    Returns x itself when nothing changes (unless ``copy=True``), else a differentiable cast.
    The only device is ``"cpu"``; ``"cuda"`` raises. Integer dtypes are refused: tensors are
    floating point (``t.long()`` gives the values as an int64 NumPy array).

    >>> import numpy as np, tinygrad_edu as tg
    >>> x = tg.Tensor([1.0, 2.0])
    >>> x.to("cpu") is x, x.to(np.float32).dtype, x.to(tg.zeros(1, dtype=np.float16)).dtype
    (True, dtype('float32'), dtype('float16'))
    """
    _args.flag(non_blocking, "to: non_blocking")
    dtype, device = to_arguments(args, dtype, device, "to")
    target = x.dtype if dtype is None else dtype
    if target == x.dtype:
        return x.clone() if _args.flag(copy, "to: copy") else x
    return x.astype(target)


def to_arguments(args: tuple, dtype: Any, device: Any, function: str) -> tuple[Any, Any]:
    """Sort ``to()``'s positional arguments into a float dtype and a device (checked), as PyTorch
    reads them: a Tensor gives its dtype, a device name or object is the device, anything else a dtype."""
    for value in args:
        if isinstance(value, Tensor):
            dtype = value.dtype if dtype is None else dtype
        elif _is_device(value):
            device = value if device is None else device
        elif dtype is None:
            dtype = value
        else:
            raise TypeError(f"{function}() got more than one dtype: {dtype!r} and {value!r}")
    check_device(device, function)
    if dtype is None:
        return None, device
    try:
        kind = np.dtype(numpy_dtype(dtype)).kind
    except TypeError:
        raise TypeError(f"{function}(): {dtype!r} is neither a dtype nor a device (the only device is 'cpu')") from None
    if kind in "iub":
        raise TypeError(
            f"{function}({dtype!r}): tensors are floating point; use t.long() for the values as an int64 NumPy array "
            "(for indexing), or a float dtype"
        )
    return as_float_dtype(numpy_dtype(dtype)), device


def numpy_dtype(dtype: Any) -> Any:
    """A dtype as NumPy understands it; ``torch.float32`` and friends are read by name."""
    name = str(dtype)
    return name[len("torch."):] if name.startswith("torch.") else dtype


@declare(methods=("type_as",))
def type_as(x, other):
    """x cast to ``other``'s dtype (x itself if it already has it).

    >>> import numpy as np, tinygrad_edu as tg
    >>> tg.Tensor([1.0]).type_as(tg.zeros(1, dtype=np.float32)).dtype
    dtype('float32')
    """
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as: expected a Tensor to take the dtype of, got {type(other).__name__}")
    return to(x, other.dtype)


@declare(methods=("half",))
def to_float16(x):
    """x as float16, PyTorch's ``t.half()`` (differentiable)."""
    return to(x, np.float16)


@declare(methods=("cpu",))
def cpu(x):
    """x itself: tinygrad_edu's only device is the CPU.

    >>> import tinygrad_edu as tg
    >>> x = tg.ones(2)
    >>> x.cpu() is x
    True
    """
    return x


@declare(methods=("cuda",))
def cuda(x, device=None, non_blocking=False):
    """Always raises: tinygrad_edu runs on the CPU with NumPy (there is no GPU device).

    >>> import tinygrad_edu as tg
    >>> tg.ones(2).cuda()
    Traceback (most recent call last):
    ...
    RuntimeError: cuda(): there is no 'cuda' device: tinygrad_edu runs on the CPU with NumPy. ...
    """
    check_device("cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else device, "cuda()")


@declare(methods=("contiguous",))
def contiguous(x):
    """x itself (PyTorch's ``contiguous``; NumPy arrays need no such step here).

    >>> import tinygrad_edu as tg
    >>> x = tg.ones(2, 3).transpose(0, 1)
    >>> x.contiguous() is x
    True
    """
    return x


@declare(methods=("long",))
def long(x):
    """The values as an int64 NumPy array, truncated toward zero like PyTorch's ``t.long()``
    (tensors are floating point; integer arrays serve as indices and class labels). No gradient.

    >>> import tinygrad_edu as tg
    >>> tg.Tensor([2.7, -1.5, 0.0]).long()
    array([ 2, -1,  0])
    """
    return answer(_truncate_to_int64, x)


def _truncate_to_int64(data: np.ndarray) -> np.ndarray:
    if not np.isfinite(data).all():
        raise ValueError("long(): the tensor holds inf or nan, which have no integer value")
    return np.trunc(data).astype(np.int64)


@declare(methods=("int",))
def to_int32(x):
    """The values as an int32 NumPy array, truncated toward zero (PyTorch's ``t.int()``; see ``long``)."""
    return long(x).astype(np.int32)


@declare(methods=("bool",))
def to_bool(x):
    """A boolean NumPy array, True where the value is not 0 (PyTorch's ``t.bool()``; comparisons give the same).

    >>> import tinygrad_edu as tg
    >>> tg.Tensor([0.0, 2.0]).bool()
    array([False,  True])
    """
    return answer(np.not_equal, x, 0)


def _device(x) -> str:
    """Where the values live: always ``"cpu"`` (PyTorch's ``t.device``, here a string).

    >>> import tinygrad_edu as tg
    >>> x = tg.ones(2)
    >>> x.device, tg.zeros(3, device=x.device).device
    ('cpu', 'cpu')
    """
    return "cpu"


device = declare(methods=("device",))(property(_device))


# ---------------------------------------------------------------- DLPack: handing the data over without a copy
@declare(methods=("__dlpack__",))
def dlpack(x, *, stream=None, max_version=None, dl_device=None, copy=None):
    """Export the data for ``np.from_dlpack(t)``, ``torch.from_dlpack(t)``, ``jax.dlpack.from_dlpack(t)``
    (zero-copy: they share memory with the tensor). A tensor that requires grad is refused, as
    in PyTorch: the receiver would not see the graph; pass ``t.detach()``.

    >>> import numpy as np, tinygrad_edu as tg
    >>> x = tg.Tensor([1.0, 2.0])
    >>> y = np.from_dlpack(x)
    >>> y[0] = 5.0
    >>> x
    Tensor([5., 2.])
    """
    if x.requires_grad:
        raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
    options = {"stream": stream, "max_version": max_version, "dl_device": dl_device, "copy": copy}
    return x._data.__dlpack__(**{key: value for key, value in options.items() if value is not None})


@declare(methods=("__dlpack_device__",))
def dlpack_device(x):
    """The DLPack device of the data: ``(1, 0)``, the CPU."""
    return x._data.__dlpack_device__()
