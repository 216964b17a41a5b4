"""Hypothesis strategies for shapes, arrays and tensors (built on ``hypothesis.extra.numpy``).

Gradient checks need inputs where the function is differentiable: away from the
kink of ``relu``/``abs``, the poles of ``1/x``, and inside the domain of ``log`` and
``sqrt``. ``arrays``/``tensors`` take ``low``/``high`` bounds and ``avoid=`` points
(values within ``margin`` of one are pushed ``margin`` away), and ``distinct=True``
draws values on a grid without repeats so that ``max``/``min`` have no ties.

>>> import numpy as np
>>> from hypothesis import given, settings
>>> from tinygrad_edu.testing import strategies as tgst
>>> @settings(max_examples=20)
... @given(tgst.tensors(shape=tgst.shapes(max_dims=2), low=0.1, requires_grad=True))
... def test_log_is_finite(x):
...     assert np.isfinite(x.log().numpy()).all()
>>> test_log_is_finite()
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor

ShapeLike = tuple[int, ...] | st.SearchStrategy


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    """Array shapes (tuples of ints), scalars ``()`` included by default.

    >>> from tinygrad_edu.testing.strategies import shapes
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20)
    ... @given(shapes(min_dims=2, max_dims=2, max_side=3))
    ... def check(shape):
    ...     assert len(shape) == 2 and all(1 <= n <= 3 for n in shape)
    >>> check()
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(
    n: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy:
    """A tuple of ``n`` shapes that broadcast together (``np.broadcast_shapes`` accepts them).

    >>> import numpy as np
    >>> from tinygrad_edu.testing.strategies import broadcastable_shapes
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20)
    ... @given(broadcastable_shapes(3))
    ... def check(three_shapes):
    ...     np.broadcast_shapes(*three_shapes)  # raises if they do not broadcast
    >>> check()
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda drawn: drawn.input_shapes)


def matmul_shapes(max_batch_dims: int = 2, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    """Pairs of shapes valid for ``np.matmul``: 1-D vectors, matrices, and batches whose batch axes broadcast.

    >>> import numpy as np
    >>> from tinygrad_edu.testing.strategies import matmul_shapes
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20)
    ... @given(matmul_shapes())
    ... def check(pair):
    ...     np.matmul(np.ones(pair[0]), np.ones(pair[1]))  # raises if the shapes do not fit
    >>> check()
    """
    return hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=max_batch_dims, min_side=min_side, max_side=max_side
    ).map(lambda drawn: drawn.input_shapes)


def _push_away(value: float, avoid: Sequence[float], margin: float) -> float:
    for point in avoid:
        if abs(value - point) < margin:
            return point + margin if value >= point else point - margin
    return value


def floats(
    low: float = -3.0, high: float = 3.0, avoid: Sequence[float] = (), margin: float = 0.1
) -> st.SearchStrategy:
    """Finite floats in ``[low, high]``, at least ``margin`` away from every point in ``avoid``.

    >>> from tinygrad_edu.testing.strategies import floats
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20)
    ... @given(floats(avoid=[0.0]))
    ... def check(value):
    ...     assert abs(value) >= 0.1
    >>> check()
    """
    if low > high:
        raise ValueError(f"floats: low {low} is above high {high}")
    elements = st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    avoid = tuple(float(p) for p in avoid)
    if not avoid:
        return elements
    return elements.map(lambda value: _push_away(value, avoid, margin))


def _grid_values(low: float, high: float, offset: float) -> st.SearchStrategy:
    """Values ``low + offset + k·step`` on a grid of step 1/4: distinct values stay well apart."""
    step = 0.25
    count = int(np.floor((high - low - offset) / step))
    if count < 0:
        raise ValueError(f"no grid values between {low} and {high}")
    return st.integers(0, count).map(lambda k: low + offset + k * step)


def arrays(
    shape: ShapeLike | None = None,
    dtype: Any = np.float64,
    elements: st.SearchStrategy | None = None,
    *,
    low: float = -3.0,
    high: float = 3.0,
    avoid: Sequence[float] = (),
    margin: float = 0.1,
    distinct: bool = False,
    grid_offset: float = 0.125,
) -> st.SearchStrategy:
    """Float arrays of ``shape`` (a tuple, a strategy of shapes, or None for ``shapes()``) and ``dtype``.

    By default the values are in ``[low, high]`` and ``margin`` away from ``avoid``;
    ``elements`` replaces that with any strategy of floats. ``distinct=True`` draws
    unique values on a grid of step 1/4 starting at ``low + grid_offset`` (no ties,
    and never on a kink that lies on the quarter grid, like 0 or ±1); two arrays with
    different ``grid_offset`` never share a value.

    >>> import numpy as np
    >>> from tinygrad_edu.testing.strategies import arrays
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20)
    ... @given(arrays(shape=(2, 3), dtype=np.float32, low=0.5))
    ... def check(a):
    ...     assert a.shape == (2, 3) and a.dtype == np.float32 and (a >= 0.5).all()
    >>> check()
    """
    dtype = np.dtype(dtype)
    if shape is None:
        shape = shapes()
    if dtype.kind != "f":
        raise TypeError(f"arrays: dtype must be a float dtype, got {dtype}")
    if elements is None:
        elements = _grid_values(low, high, grid_offset) if distinct else floats(low, high, avoid, margin)
    # Draw in float64 and cast after, so that mapped values need not be representable in float32.
    drawn = hnp.arrays(np.float64, shape, elements=elements, unique=distinct)
    return drawn if dtype == np.float64 else drawn.map(lambda a: a.astype(dtype))


def tensors(
    shape: ShapeLike | None = None,
    dtype: Any = np.float64,
    elements: st.SearchStrategy | None = None,
    *,
    requires_grad: bool = False,
    **array_options: Any,
) -> st.SearchStrategy:
    """Tensors whose values come from ``arrays(shape, dtype, elements, **array_options)``.

    >>> import numpy as np
    >>> from tinygrad_edu.testing.strategies import tensors
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20)
    ... @given(tensors(shape=(3,), avoid=[0.0], requires_grad=True))
    ... def check(t):
    ...     assert t.shape == (3,) and t.requires_grad and (np.abs(t.numpy()) >= 0.1).all()
    >>> check()
    """
    return arrays(shape, dtype, elements, **array_options).map(
        lambda values: Tensor(values, requires_grad=requires_grad)
    )
