"""Ops that rearrange a tensor or cut it into pieces: ``flip``, ``repeat``, ``split``, ``chunk``, ``unbind``.

Flip is one op (its backward flips the gradient back); the others are compositions of
reshape, broadcast and indexing, whose backward passes are already written.
"""

from __future__ import annotations

import numpy as np

from .. import _args
from ..function import declare
from ..tensor import Tensor
from .shape import GetItem, ShapeOp


class Flip(ShapeOp):
    """x with the order of its entries reversed along ``dims``; the gradient is flipped back."""

    methods = ("flip",)
    functions = ("flip",)
    numpy_functions = (np.flip,)

    @classmethod
    def tensor_method(cls, name):
        def flip(self, *dims, **keyword):
            """Reverse the order along ``dims`` (PyTorch's ``flip``: ``t.flip(0)``, ``t.flip(0, 1)``, ``t.flip([0, 1])``).

            >>> import tinygrad_edu as tg
            >>> tg.Tensor([[1.0, 2.0], [3.0, 4.0]]).flip(1).tolist()
            [[2.0, 1.0], [4.0, 3.0]]
            """
            if keyword:
                if dims or set(keyword) != {"dims"}:
                    raise TypeError(f"flip() takes the dims to reverse, positionally or as dims=, got {sorted(keyword)}")
                dims = (keyword["dims"],)
            if not dims:
                raise TypeError("flip() needs the dims to reverse: flip(0), flip(0, 1) or flip(dims=[0, 1])")
            dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
            return cls.apply(self, dims=_args.dims_tuple(dims, self.shape, "flip"))

        return flip

    @classmethod
    def numpy_function(cls, func):
        def flip(m, axis=None):  # NumPy's meaning: no axis reverses every axis
            x = _args.as_tensor(m)
            return cls.apply(x, dims=_args.dims_tuple(axis, x.shape, "np.flip"))

        return flip

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, axis=dims)

    @staticmethod
    def backward(ctx, grad_output):
        return np.flip(grad_output, ctx.dims)


def tile(x: Tensor, reps: tuple[int, ...]) -> Tensor:
    """x repeated ``reps[i]`` times along dimension i (NumPy's ``tile`` rule for lengths).

    Each dimension of length n becomes a pair (r, n) by broadcasting, and each pair is
    merged into one dimension of length r·n: the copies follow each other, as in ``tile``.
    """
    if any(r < 0 for r in reps):
        raise ValueError(f"repeat: the number of repetitions must be non-negative, got {reps}")
    ndim = max(len(reps), x.ndim)
    reps = (1,) * (ndim - len(reps)) + tuple(reps)
    shape = (1,) * (ndim - x.ndim) + x.shape
    paired = x.reshape(tuple(n for size in shape for n in (1, size)))
    spread = paired.broadcast_to(tuple(n for r, size in zip(reps, shape) for n in (r, size)))
    return spread.reshape(tuple(r * size for r, size in zip(reps, shape)))


@declare(methods=("repeat",))
def repeat(x, *sizes):
    """x repeated ``sizes[i]`` times along each dimension (PyTorch's ``repeat``, NumPy's ``tile``).

    There must be at least as many sizes as dimensions; extra ones add leading dimensions.

    >>> import tinygrad_edu as tg
    >>> tg.Tensor([1.0, 2.0]).repeat(2, 2).tolist()
    [[1.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 2.0]]
    """
    sizes = _args.shape(sizes, "repeat: sizes")
    if len(sizes) < x.ndim:
        raise ValueError(
            f"repeat: {len(sizes)} sizes for a tensor of shape {x.shape}: give one per dimension (at least {x.ndim})"
        )
    return tile(x, sizes)


@declare(numpy_functions=(np.tile,))
def numpy_tile(A, reps):
    """``np.tile`` on a Tensor (NumPy's rule: too few ``reps`` are padded with 1s on the left)."""
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    return tile(_args.as_tensor(A), _args.shape(reps, "np.tile: reps"))


# ---------------------------------------------------------------- cutting into pieces
def _slice_along(x: Tensor, dim: int, start: int, stop: int) -> Tensor:
    return GetItem.apply(x, index=(slice(None),) * dim + (slice(start, stop),))


@declare(methods=("split",), functions=("split",))
def split(x, split_size_or_sections, dim=0):
    """Cut x along ``dim`` into pieces of ``split_size_or_sections`` entries (the last may be
    shorter), or of the listed sizes, which must add up to the length (PyTorch's ``split``).

    Returns a tuple of tensors; each piece's gradient flows back into its place.

    >>> import tinygrad_edu as tg
    >>> [piece.tolist() for piece in tg.arange(5).split(2)]
    [[0.0, 1.0], [2.0, 3.0], [4.0]]
    >>> [piece.shape for piece in tg.zeros(5, 2).split([1, 4])]
    [(1, 2), (4, 2)]
    """
    d = _args.dim_index(dim, max(x.ndim, 1), "split", x.shape)
    if x.ndim == 0:
        raise ValueError("split: a 0-d tensor has no dimension to split")
    length = x.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = _args.shape(tuple(split_size_or_sections), "split: split sizes")
        if sum(sizes) != length or any(n < 0 for n in sizes):
            raise ValueError(
                f"split: sizes {list(sizes)} must be non-negative and add up to {length}, the length of dim {d} "
                f"of shape {x.shape}"
            )
    else:
        size = _args.shape((split_size_or_sections,), "split: split_size")[0]
        if size <= 0 and length > 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = tuple(min(size, length - start) for start in range(0, length, size)) if length else (0,)
    bounds = np.cumsum((0, *sizes))
    return tuple(_slice_along(x, d, int(start), int(stop)) for start, stop in zip(bounds[:-1], bounds[1:]))


@declare(methods=("chunk",), functions=("chunk",))
def chunk(x, chunks, dim=0):
    """Cut x along ``dim`` into ``chunks`` pieces of equal length ⌈n / chunks⌉, the last one
    shorter; there may be fewer pieces than asked for (PyTorch's ``chunk``).

    >>> import tinygrad_edu as tg
    >>> [piece.shape for piece in tg.zeros(5).chunk(3)]
    [(2,), (2,), (1,)]
    """
    chunks = _args.shape((chunks,), "chunk: chunks")[0]
    if chunks <= 0:
        raise ValueError(f"chunk: the number of chunks must be positive, got {chunks}")
    d = _args.dim_index(dim, max(x.ndim, 1), "chunk", x.shape)
    if x.ndim == 0:
        raise ValueError("chunk: a 0-d tensor has no dimension to cut")
    return split(x, max(-(-x.shape[d] // chunks), 1), d)


@declare(methods=("unbind",), functions=("unbind",))
def unbind(x, dim=0):
    """The slices of x along ``dim``, as a tuple of tensors with that dimension removed.

    >>> import tinygrad_edu as tg
    >>> [row.tolist() for row in tg.Tensor([[1.0, 2.0], [3.0, 4.0]]).unbind()]
    [[1.0, 2.0], [3.0, 4.0]]
    """
    if x.ndim == 0:
        raise ValueError("unbind: a 0-d tensor has no dimension to unbind")
    d = _args.dim_index(dim, x.ndim, "unbind", x.shape)
    return tuple(GetItem.apply(x, index=(slice(None),) * d + (i,)) for i in range(x.shape[d]))

