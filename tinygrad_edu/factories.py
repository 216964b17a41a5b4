"""Functions that make new tensors: constants, ranges and random values."""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import FLOAT_DTYPES, as_float_dtype, get_default_dtype, to_float_array
from .randomness import get_rng
from . import _args
from .ops.convert import check_device, numpy_dtype
from .tensor import Tensor

_shape_arg = _args.shape


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    tensor = Tensor._wrap(array)
    tensor.requires_grad = _args.flag(requires_grad, "requires_grad")
    return tensor


def _dtype(dtype: Any) -> np.dtype:
    return get_default_dtype() if dtype is None else as_float_dtype(dtype)


def _check_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    if any(n < 0 for n in shape):
        raise ValueError(f"negative dimension in shape {shape}")
    return shape


def zeros(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``.

    >>> import tinygrad_edu as tg
    >>> tg.zeros(2, 3).shape
    (2, 3)
    """
    check_device(device, "zeros")
    return _make(np.zeros(_check_shape(_shape_arg(shape)), dtype=_dtype(dtype)), requires_grad)


def ones(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones.

    >>> import tinygrad_edu as tg
    >>> tg.ones(2).tolist()
    [1.0, 1.0]
    """
    check_device(device, "ones")
    return _make(np.ones(_check_shape(_shape_arg(shape)), dtype=_dtype(dtype)), requires_grad)


def full(shape: Any, fill_value: float, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``.

    >>> import tinygrad_edu as tg
    >>> tg.full((2,), 7.0).tolist()
    [7.0, 7.0]
    """
    check_device(device, "full")
    shape = _check_shape(_shape_arg((shape,)) if not isinstance(shape, (int, np.integer)) else (int(shape),))
    if isinstance(fill_value, (complex, np.complexfloating)) or not isinstance(fill_value, (int, float, np.number)):
        raise TypeError(f"fill_value must be a real number, got {fill_value!r}")
    return _make(np.full(shape, fill_value, dtype=_dtype(dtype)), requires_grad)


def zeros_like(t: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of ``t``.

    >>> import tinygrad_edu as tg
    >>> tg.zeros_like(tg.ones(3)).tolist()
    [0.0, 0.0, 0.0]
    """
    check_device(device, "zeros_like")
    like = _like_array(t)
    return _make(np.zeros(like.shape, dtype=_like_dtype(like, dtype)), requires_grad)


def ones_like(t: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of ``t``.

    >>> import tinygrad_edu as tg
    >>> tg.ones_like(tg.zeros(2)).tolist()
    [1.0, 1.0]
    """
    check_device(device, "ones_like")
    like = _like_array(t)
    return _make(np.ones(like.shape, dtype=_like_dtype(like, dtype)), requires_grad)


def _like_array(t: Any) -> np.ndarray:
    """The array whose shape a ``*_like`` factory copies: a Tensor's, or numbers'."""
    if isinstance(t, Tensor):
        return t._data
    array = np.asarray(t) if isinstance(t, (np.ndarray, list, tuple, int, float, np.number)) else None
    if array is None or array.dtype.kind not in "biuf":
        raise TypeError(f"expected a Tensor or an array of numbers to copy the shape of, got {type(t).__name__}")
    return array


def _like_dtype(like: np.ndarray, dtype: Any) -> np.dtype:
    if dtype is not None:
        return as_float_dtype(dtype)
    return like.dtype if like.dtype.kind == "f" and like.dtype.itemsize <= 8 else get_default_dtype()


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end``: ``arange(5)``, ``arange(1, 2, 0.25)``.

    >>> import tinygrad_edu as tg
    >>> tg.arange(3).tolist()
    [0.0, 1.0, 2.0]
    """
    check_device(device, "arange")
    if end is None:
        start, end = 0, start
    for name, value in (("start", start), ("end", end), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"arange: {name} must be a real number, got {value!r}")
        if not np.isfinite(value):
            raise ValueError(f"arange: {name} must be finite, got {value!r}")
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if (end - start) * step < 0:
        raise ValueError(f"arange: the range from {start} to {end} cannot be walked with step {step} (wrong sign)")
    # PyTorch's length and values: ceil((end - start) / step) entries, each start + i·step computed in
    # float64 (np.arange accumulates a rounded step instead, drifting by a few ulps over long ranges).
    count = int(np.ceil((end - start) / step))
    values = start + step * np.arange(count, dtype=np.float64)
    return _make(values.astype(_dtype(dtype), copy=False), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    >>> import tinygrad_edu as tg
    >>> tg.linspace(0, 1, 3).tolist()
    [0.0, 0.5, 1.0]
    """
    check_device(device, "linspace")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative integer, got {steps!r}")
    start, end = _real_endpoint("start", start), _real_endpoint("end", end)
    return _make(np.linspace(start, end, int(steps), dtype=_dtype(dtype)), requires_grad)


def _real_endpoint(name: str, value: Any) -> float:
    if isinstance(value, (Tensor, np.ndarray)) and np.size(value) == 1:
        value = np.asarray(value).reshape(())[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"linspace: {name} must be a real number, got {value!r}")
    return float(value)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (``n`` × ``m``, square by default).

    >>> import tinygrad_edu as tg
    >>> tg.eye(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    check_device(device, "eye")
    for value in (n, m):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0):
            raise ValueError(f"eye: sizes must be non-negative integers, got {value!r}")
    return _make(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def randn(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, rng: np.random.Generator | None = None) -> Tensor:
    """Standard normal samples, from ``rng`` or the global generator (``manual_seed``).

    >>> import numpy as np, tinygrad_edu as tg
    >>> tg.randn(2, 3, rng=np.random.default_rng(0)).shape
    (2, 3)
    """
    check_device(device, "randn")
    values = get_rng(rng).standard_normal(_check_shape(_shape_arg(shape)))
    return _make(values.astype(_dtype(dtype), copy=False), requires_grad)


def rand(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, rng: np.random.Generator | None = None) -> Tensor:
    """Uniform samples in [0, 1), from ``rng`` or the global generator.

    >>> import numpy as np, tinygrad_edu as tg
    >>> bool((tg.rand(5, rng=np.random.default_rng(0)).numpy() < 1).all())
    True
    """
    check_device(device, "rand")
    values = get_rng(rng).random(_check_shape(_shape_arg(shape)))
    return _make(values.astype(_dtype(dtype), copy=False), requires_grad)


# ---------------------------------------------------------------- PyTorch's constructors
def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``, as ``torch.tensor`` (``Tensor(data)`` with PyTorch's
    argument order). Floating point only: integer and bool data take the default dtype.

    >>> import tinygrad_edu as tg
    >>> tg.tensor([1.0, 2.0], requires_grad=True)
    Tensor([1., 2.], requires_grad=True)
    >>> x = tg.tensor([-1.0, 2.0])
    >>> tg.tensor(x > 0)
    Tensor([0., 1.])
    """
    check_device(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor that shares memory with a float16/32/64 NumPy array, as ``torch.from_numpy``:
    changing one changes the other. Integer and bool arrays cannot be shared (tensors are
    floating point): they are copied into the default dtype.

    >>> import numpy as np, tinygrad_edu as tg
    >>> a = np.zeros(2)
    >>> t = tg.from_numpy(a)
    >>> a[0] = 7.0
    >>> t
    Tensor([7., 0.])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype in FLOAT_DTYPES:
        return Tensor._wrap(ndarray)
    return Tensor._wrap(to_float_array(ndarray))


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor without copying when it can be shared, as ``torch.as_tensor``: a Tensor
    of that dtype is returned itself, a float NumPy array of that dtype is shared; anything else is converted.

    >>> import numpy as np, tinygrad_edu as tg
    >>> a = np.ones(2)
    >>> tg.as_tensor(a).data is a, tg.as_tensor([1, 2], dtype=np.float32)
    (True, Tensor([1., 2.], dtype=float32))
    """
    check_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and data.dtype in FLOAT_DTYPES and (dtype is None or as_float_dtype(dtype) == data.dtype):
        return Tensor._wrap(data)
    return Tensor._wrap(to_float_array(data, dtype, copy=False))


def is_tensor(obj: Any) -> bool:
    """True if ``obj`` is a Tensor (a Parameter too), as ``torch.is_tensor``.

    >>> import numpy as np, tinygrad_edu as tg
    >>> tg.is_tensor(tg.ones(1)), tg.is_tensor(np.ones(1))
    (True, False)
    """
    return isinstance(obj, Tensor)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are not set (whatever the memory held), as ``torch.empty``:
    fill it before reading it.

    >>> import tinygrad_edu as tg
    >>> tg.empty(2, 3).shape
    (2, 3)
    """
    check_device(device, "empty")
    return _make(np.empty(_check_shape(_shape_arg(size)), dtype=_dtype(dtype)), requires_grad)


def randint(low: int, high: int | None = None, size: Any = None, *, dtype: Any = None, device: Any = None,
            requires_grad: bool = False, rng: np.random.Generator | None = None) -> np.ndarray | Tensor:
    """Random integers in [low, high) (``randint(high, size)`` starts at 0), as ``torch.randint``.

    Tensors are floating point, so the result is an **int64 NumPy array**, ready to use as
    indices or class labels (as ``argmax`` gives); pass a float ``dtype`` for a Tensor.

    >>> import numpy as np, tinygrad_edu as tg
    >>> labels = tg.randint(0, 10, (4,), rng=np.random.default_rng(0))
    >>> labels.dtype, labels.shape, bool(((labels >= 0) & (labels < 10)).all())
    (dtype('int64'), (4,), True)
    """
    check_device(device, "randint")
    if size is None and high is not None and not isinstance(high, (int, np.integer)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if size is None:
        raise TypeError("randint() needs a size: randint(high, size) or randint(low, high, size), e.g. randint(10, (3,))")
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"randint: {name} must be an integer, got {value!r}")
    if low >= high:
        raise ValueError(f"randint: low must be less than high, got low={low} and high={high}")
    shape = _check_shape(_shape_arg((size,)) if not isinstance(size, (int, np.integer)) else (int(size),))
    values = get_rng(rng).integers(low, high, size=shape, dtype=np.int64)
    return _integers_or_tensor(values, dtype, requires_grad, "randint")


def randperm(n: int, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
             rng: np.random.Generator | None = None) -> np.ndarray | Tensor:
    """A random permutation of 0 .. n-1, as ``torch.randperm``: an **int64 NumPy array** (indices),
    or a Tensor with a float ``dtype``.

    >>> import numpy as np, tinygrad_edu as tg
    >>> sorted(tg.randperm(4, rng=np.random.default_rng(0)).tolist())
    [0, 1, 2, 3]
    """
    check_device(device, "randperm")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative integer, got {n!r}")
    return _integers_or_tensor(get_rng(rng).permutation(int(n)).astype(np.int64), dtype, requires_grad, "randperm")


def _integers_or_tensor(values: np.ndarray, dtype: Any, requires_grad: bool, function: str) -> np.ndarray | Tensor:
    """Integers stay an int64 array unless a float dtype asks for a Tensor."""
    if dtype is None or np.dtype(numpy_dtype(dtype)).kind in "iu":
        if requires_grad:
            raise RuntimeError(f"{function}: only floating point tensors can require gradients; pass a float dtype")
        return values
    return _make(values.astype(as_float_dtype(numpy_dtype(dtype))), requires_grad)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False, rng: np.random.Generator | None = None) -> Tensor:
    """Normal samples with the given ``mean`` and ``std``, as ``torch.normal``: numbers with a
    ``size``, or tensors (arrays) whose broadcast shape is the result's. The samples are
    constants: for gradients with respect to mean and std write ``mean + std * tg.randn(...)``.

    >>> import numpy as np, tinygrad_edu as tg
    >>> tg.normal(2.0, 0.5, (3,), rng=np.random.default_rng(0)).shape
    (3,)
    >>> tg.normal(tg.zeros(2, 1), tg.ones(3), rng=np.random.default_rng(0)).shape
    (2, 3)
    """
    check_device(device, "normal")
    mean_values, std_values = (np.asarray(v._data if isinstance(v, Tensor) else v) for v in (mean, std))
    for name, values in (("mean", mean_values), ("std", std_values)):
        if values.dtype.kind not in "biuf":
            raise TypeError(f"normal: {name} must be a number or a tensor of numbers, got {type(values).__name__}")
    if (std_values < 0).any():
        raise ValueError(f"normal: std must be non-negative, got {std}")
    arrays = [v for v in (mean, std) if isinstance(v, (Tensor, np.ndarray))]
    if size is None:
        if not arrays:
            raise TypeError("normal(mean, std) with two numbers needs a size: normal(0.0, 1.0, (2, 3))")
        shape = np.broadcast_shapes(mean_values.shape, std_values.shape)
    else:
        shape = _check_shape(_shape_arg((size,)) if not isinstance(size, (int, np.integer)) else (int(size),))
    if dtype is None:
        dtypes = [v.dtype for v in arrays if v.dtype in FLOAT_DTYPES]
        dtype = np.result_type(*dtypes) if dtypes else None
    values = mean_values + std_values * get_rng(rng).standard_normal(shape)
    return _make(values.astype(_dtype(dtype), copy=False), requires_grad)


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing memory with another library's array (PyTorch, JAX, NumPy, ...) through
    DLPack, as ``torch.from_dlpack``. Float16/32/64 data is shared; integer or bool data is
    copied into the default dtype (tensors are floating point).

    >>> import numpy as np, tinygrad_edu as tg
    >>> a = np.arange(3.0)
    >>> t = tg.from_dlpack(a)
    >>> t.data[0] = 9.0
    >>> a
    array([9., 1., 2.])
    """
    try:
        array = np.from_dlpack(ext_tensor)
    except (TypeError, AttributeError):
        raise TypeError(f"from_dlpack: {type(ext_tensor).__name__} does not support the DLPack protocol (__dlpack__)") from None
    return from_numpy(array)
