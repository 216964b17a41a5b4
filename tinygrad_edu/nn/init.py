"""Weight initializers with PyTorch's formulas (``torch.nn.init``).

Each one overwrites a tensor's values in place, records no graph, and returns the
tensor. The random ones take ``rng=`` (a ``np.random.Generator``); without it they
use the global generator seeded by ``tg.manual_seed``.

Fans: for a weight of shape ``(out, in, *kernel)``, ``fan_in = in * prod(kernel)``
and ``fan_out = out * prod(kernel)``; ``Linear``'s weight is ``(out, in)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..randomness import get_rng
from ..tensor import Tensor

_LINEAR_LIKE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale for a nonlinearity (PyTorch's table).

    >>> round(calculate_gain("relu"), 4), calculate_gain("tanh")
    (1.4142, 1.6666666666666667)
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    shape = _check_tensor(tensor).shape
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape {shape})"
        )
    receptive_field = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive_field, shape[0] * receptive_field


def _check_tensor(tensor: Any) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"initializers work on Tensors (e.g. a Parameter), got {type(tensor).__name__}")
    return tensor


def _real(value: Any, name: str, function: str) -> float:
    """``value`` as a float, or a TypeError naming the argument (strings, None, complex...)."""
    if isinstance(value, (bool, complex, np.complexfloating)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{function}: {name} must be a real number, got {value!r}")
    return float(value)


def _fits(shape: tuple, target: tuple) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _fill(tensor: Tensor, values: Any) -> Tensor:
    """Write ``values`` into the tensor's own array (in place: other references see it)."""
    data = tensor._data
    if data.flags.writeable:
        np.copyto(data, values, casting="unsafe")
    else:
        tensor._data = np.array(np.broadcast_to(values, data.shape), dtype=data.dtype)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, *, rng: np.random.Generator | None = None) -> Tensor:
    """Fill with values drawn from U(a, b).

    >>> import numpy as np, tinygrad_edu as tg
    >>> w = uniform_(tg.zeros(1000), -2.0, 2.0, rng=np.random.default_rng(0))
    >>> bool(w.data.min() >= -2.0 and w.data.max() <= 2.0)
    True
    """
    _check_tensor(tensor)
    a, b = _real(a, "a", "uniform_"), _real(b, "b", "uniform_")
    if not a <= b:
        raise ValueError(f"uniform_ needs a <= b, got a={a}, b={b}")
    return _fill(tensor, get_rng(rng).uniform(a, b, size=tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, *, rng: np.random.Generator | None = None) -> Tensor:
    """Fill with values drawn from N(mean, std²).

    >>> import numpy as np, tinygrad_edu as tg
    >>> w = normal_(tg.zeros(10000), 3.0, 0.5, rng=np.random.default_rng(0))
    >>> round(float(w.data.mean()), 1), round(float(w.data.std()), 1)
    (3.0, 0.5)
    """
    _check_tensor(tensor)
    mean, std = _real(mean, "mean", "normal_"), _real(std, "std", "normal_")
    if not std >= 0:
        raise ValueError(f"normal_ needs std >= 0, got {std}")
    return _fill(tensor, get_rng(rng).normal(mean, std, size=tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    >>> import tinygrad_edu as tg
    >>> constant_(tg.zeros(2), 0.5).tolist()
    [0.5, 0.5]
    """
    _check_tensor(tensor)
    if isinstance(val, Tensor):
        val = val._data
    if not isinstance(val, np.ndarray):
        val = _real(val, "val", "constant_")  # None would become NaN silently
    elif val.dtype.kind not in "biuf" or not _fits(val.shape, tensor.shape):
        raise ValueError(f"constant_: val of shape {val.shape} and dtype {val.dtype} cannot fill a tensor of shape {tensor.shape}")
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, *, rng: np.random.Generator | None = None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain·sqrt(6 / (fan_in + fan_out)).

    >>> import tinygrad_edu as tg
    >>> w = xavier_uniform_(tg.zeros(30, 20))
    >>> bool(abs(w.data).max() <= (6 / 50) ** 0.5)
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = _real(gain, "gain", "xavier init") * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, rng=rng)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, *, rng: np.random.Generator | None = None) -> Tensor:
    """Glorot normal: N(0, std²) with std = gain·sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = _real(gain, "gain", "xavier init") * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, rng=rng)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} is not supported: use 'fan_in' or 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    rng: np.random.Generator | None = None,
) -> Tensor:
    """He uniform: U(-b, b) with b = gain·sqrt(3 / fan); ``a`` is the leaky-ReLU slope for the gain.

    ``Linear``'s default is ``kaiming_uniform_(w, a=math.sqrt(5))``, i.e. b = 1/sqrt(fan_in).

    >>> import math, tinygrad_edu as tg
    >>> w = kaiming_uniform_(tg.zeros(100, 25), a=math.sqrt(5))
    >>> bool(abs(w.data).max() <= 1 / 5)
    True
    """
    _check_tensor(tensor)
    if tensor._data.size == 0:
        return tensor  # nothing to fill (PyTorch warns and does nothing)
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, rng=rng)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    rng: np.random.Generator | None = None,
) -> Tensor:
    """He normal: N(0, std²) with std = gain / sqrt(fan)."""
    _check_tensor(tensor)
    if tensor._data.size == 0:
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), rng=rng)


__all__ = [
    "calculate_gain", "constant_", "kaiming_normal_", "kaiming_uniform_", "normal_", "ones_", "uniform_",
    "xavier_normal_", "xavier_uniform_", "zeros_",
]
