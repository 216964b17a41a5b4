"""``DataLoader``: minibatches from a dataset, in order, reshuffled, or drawn with replacement."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..randomness import get_rng
from ..tensor import Tensor
from .dataset import TensorDataset

_CHUNK = 1 << 16  # with replacement, indices are drawn this many samples at a time


def _check_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


class DataLoader:
    """Iterate over a dataset in minibatches; each batch is a tuple of Tensors.

    (A dataset whose samples are dicts gives dicts of Tensors, and one whose samples are
    single values gives one Tensor per batch, as PyTorch's default collation does.)

    - ``shuffle=False``: samples in order, every epoch the same.
    - ``shuffle=True``: a fresh random permutation every epoch (sampling without replacement).
    - ``replacement=True``: ``num_samples`` indices (default ``len(dataset)``) drawn i.i.d.
      uniformly with replacement every epoch, so some repeat and some are missed.
    - ``num_samples`` with ``shuffle=True`` and no replacement: whole permutations back to
      back, the last one cut short (PyTorch's ``RandomSampler``).
    - ``drop_last=True`` drops a final batch smaller than ``batch_size``.

    Randomness comes from ``rng`` or, without it, the global generator at the moment
    each epoch starts (so ``tg.manual_seed`` makes runs repeatable). A ``TensorDataset``
    is batched by fancy indexing, without a Python loop over samples.

    >>> import numpy as np, tinygrad_edu as tg
    >>> ds = tg.data.TensorDataset(np.arange(5.0), np.arange(5.0) * 10)
    >>> loader = tg.data.DataLoader(ds, batch_size=2)
    >>> len(loader), [x.tolist() for x, y in loader]
    (3, [[0.0, 1.0], [2.0, 3.0], [4.0]])
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        replacement: bool = False,
        num_samples: int | None = None,
        drop_last: bool = False,
        rng: np.random.Generator | None = None,
    ) -> None:
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"dataset must define __len__ and __getitem__, got {type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = _check_int(batch_size, "batch_size")
        for name, flag in (("shuffle", shuffle), ("replacement", replacement), ("drop_last", drop_last)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got {flag!r}")
        self.shuffle, self.replacement, self.drop_last = bool(shuffle), bool(replacement), bool(drop_last)
        if num_samples is not None:
            num_samples = _check_int(num_samples, "num_samples")
            if not (self.shuffle or self.replacement):
                raise ValueError("num_samples needs shuffle=True or replacement=True (sequential order covers the dataset once)")
        self.num_samples = num_samples
        get_rng(rng)  # validates the type now rather than at the first epoch
        self.rng = rng
        if self.replacement and len(dataset) == 0:
            raise ValueError("cannot draw samples with replacement from an empty dataset")

    @property
    def samples_per_epoch(self) -> int:
        """How many samples one epoch visits."""
        return len(self.dataset) if self.num_samples is None else self.num_samples

    def __len__(self) -> int:
        """The number of batches per epoch."""
        if self.drop_last:
            return self.samples_per_epoch // self.batch_size
        return math.ceil(self.samples_per_epoch / self.batch_size)

    def _index_chunks(self) -> Iterator[np.ndarray | slice]:
        """The epoch's sample indices, a chunk at a time (a multiple of batch_size each)."""
        rng = get_rng(self.rng)
        n, total = len(self.dataset), self.samples_per_epoch
        if self.replacement:
            chunk = max(1, _CHUNK // self.batch_size) * self.batch_size
            for start in range(0, total, chunk):
                yield rng.integers(0, n, size=min(chunk, total - start))
        elif self.shuffle:
            full, rest = divmod(total, n) if n else (0, 0)
            order = np.concatenate([rng.permutation(n) for _ in range(full)] + [rng.permutation(n)[:rest]])
            yield order
        else:
            yield np.arange(n)

    def __iter__(self) -> Iterator[Any]:
        size = self.batch_size
        carry = np.empty(0, dtype=np.intp)
        for chunk in self._index_chunks():
            if len(carry):
                chunk = np.concatenate([carry, chunk])
            stop = len(chunk) - len(chunk) % size
            for start in range(0, stop, size):
                yield self._batch(chunk[start:start + size])
            carry = chunk[stop:]
        if len(carry) and not self.drop_last:
            yield self._batch(carry)

    def _batch(self, indices: np.ndarray) -> Any:
        dataset = self.dataset
        if isinstance(dataset, TensorDataset):
            return tuple(Tensor._wrap(array[indices]) for array in dataset.arrays)
        return _collate([dataset[int(i)] for i in indices])

    def __repr__(self) -> str:
        mode = "replacement" if self.replacement else "shuffle" if self.shuffle else "sequential"
        return f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, {mode}, {len(self)} batches)"


def _collate(samples: list[Any]) -> Any:
    """Stack a list of samples field by field, like PyTorch's ``default_collate``.

    Tuples (or lists) give a tuple of Tensors, dicts a dict of Tensors with the same
    keys, single values a Tensor.
    """
    first = samples[0]
    if isinstance(first, Mapping):
        return {key: _stack([sample[key] for sample in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        return tuple(_stack([sample[i] for sample in samples]) for i in range(len(first)))
    return _stack(samples)


def _stack(values: list[Any]) -> Tensor:
    arrays = [v._data if isinstance(v, Tensor) else np.asarray(v) for v in values]
    try:
        stacked = np.stack(arrays)
    except ValueError:
        shapes = sorted({a.shape for a in arrays}, key=str)
        raise ValueError(f"DataLoader: cannot batch samples of different shapes {shapes}; every sample must have one shape") from None
    return Tensor(stacked)


__all__ = ["DataLoader"]
