"""Datasets: anything with ``__len__`` and ``__getitem__``; ``TensorDataset`` wraps arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import to_float_array
from ..tensor import Tensor


class Dataset:
    """Base class for map-style datasets: define ``__len__`` and ``__getitem__(i)``."""

    def __len__(self) -> int:
        raise NotImplementedError("a Dataset subclass must define __len__")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError("a Dataset subclass must define __getitem__")


class TensorDataset(Dataset):
    """Samples are the rows of several arrays with the same first dimension, e.g. inputs and targets.

    Arrays (or Tensors) are stored as float arrays: Tensors share their data, float
    arrays are used as they are, integer labels become floats holding whole numbers
    (``cross_entropy`` accepts those). ``dataset[i]`` is a tuple of Tensors.

    >>> import numpy as np, tinygrad_edu as tg
    >>> ds = tg.data.TensorDataset(np.arange(6.0).reshape(3, 2), np.array([0, 1, 1]))
    >>> len(ds)
    3
    >>> x, y = ds[1]
    >>> x.tolist(), y.item()
    ([2.0, 3.0], 1.0)
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        stored = []
        for i, array in enumerate(arrays):
            data = array._data if isinstance(array, Tensor) else to_float_array(array, copy=False)
            if data.ndim == 0:
                raise ValueError(f"TensorDataset: array {i} is 0-dimensional; samples are indexed along the first axis")
            stored.append(data)
        sizes = [len(a) for a in stored]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: all arrays must have the same first dimension, got sizes {sizes}")
        self.arrays: tuple[np.ndarray, ...] = tuple(stored)

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The stored arrays as Tensors (PyTorch's attribute name)."""
        return tuple(Tensor._wrap(a) for a in self.arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        if isinstance(index, Tensor):
            index = index._data
        if isinstance(index, np.ndarray) and index.dtype.kind == "f":
            if not np.all(index == np.round(index)):  # the cast would truncate 1.5 to 1 silently
                raise IndexError(f"TensorDataset indices must be whole numbers, got {index}")
            index = index.astype(np.intp)
        try:
            return tuple(Tensor._wrap(np.array(a[index])) for a in self.arrays)
        except IndexError as error:
            raise IndexError(f"TensorDataset of {len(self)} samples: index {index!r} is invalid ({error})") from None

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return f"TensorDataset({len(self)} samples; arrays of shapes {shapes})"


__all__ = ["Dataset", "TensorDataset"]
