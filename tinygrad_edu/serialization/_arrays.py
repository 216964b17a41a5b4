"""Arrays in and out of ``.npy`` members: real numbers only, never pickle, and a byte budget on reading.

A ``.npy`` member starts with a header that declares the array's dtype and shape. ``load``
checks that header before NumPy allocates anything, so a tiny member cannot claim to hold
terabytes, and counts every byte it reads against ``max_bytes``.
"""

from __future__ import annotations

import math
from typing import IO, Any

import numpy as np

from ..tensor import Tensor


class LoadLimitError(ValueError):
    """A file asks for more than ``load``'s ``max_bytes`` (a decompression bomb, or a huge checkpoint)."""


class ByteBudget:
    """The bytes ``load`` may still read from one archive; ``limit=None`` means no limit."""

    def __init__(self, limit: int | None, path: str) -> None:
        self.limit, self.path, self.used = limit, path, 0

    def check(self, size: int, what: str) -> None:
        """Refuse ``size`` more bytes, before reading them, if they would pass the limit."""
        if self.limit is not None and self.used + size > self.limit:
            raise LoadLimitError(
                f"{self.path!r}: {what} would expand to {self.used + size:,} bytes in all, more than "
                f"max_bytes={self.limit:,}; if you trust this file, pass a larger max_bytes= (or None)"
            )

    def spend(self, size: int, what: str) -> None:
        """Count ``size`` bytes just read."""
        self.check(size, what)
        self.used += size


class BudgetReader:
    """A member's file object whose reads count against a ``ByteBudget``."""

    def __init__(self, member: IO[bytes], budget: ByteBudget, name: str) -> None:
        self.member, self.budget, self.name = member, budget, name

    def read(self, size: int = -1) -> bytes:
        data = self.member.read(size)
        self.budget.spend(len(data), repr(self.name))
        return data


def as_saveable_array(key: str, value: Any) -> np.ndarray:
    """``value`` as a NumPy array of real numbers, its dtype kept; anything else raises ``TypeError``."""
    if isinstance(value, Tensor):
        return value._data
    array = np.asarray(value)
    if array.dtype.hasobject:
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"entry {key!r} is a {type(value).__name__}, which cannot be saved without pickle; "
                "store arrays, numbers, strings, None, and dicts or lists of them"
            )
        raise TypeError(f"entry {key!r} is an object array, which cannot be saved without pickle; store numbers only")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"entry {key!r} has dtype {array.dtype}: a state_dict holds real numbers only")
    return array


def check_header(member: IO[bytes], name: str, path: str, member_size: int) -> None:
    """Read a ``.npy`` header and refuse dtypes that are not real numbers or data the member cannot hold.

    ``member`` is the member's own file object (it must have ``tell``); ``member_size`` its
    declared uncompressed size.
    """
    try:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(member)
        else:  # (3, 0) is written only for structured dtypes with non-ASCII names: not a state dict
            raise ValueError(f"unsupported .npy format version {version}")
    except ValueError as error:
        raise ValueError(f"{name!r} in {path!r} is truncated or corrupted ({error})") from None
    if dtype.hasobject:
        raise ValueError(
            f"{name!r} in {path!r} holds an object array, which would need pickle to load; refusing "
            "(loading never executes code)"
        )
    if dtype.kind not in "biuf":
        raise ValueError(f"{name!r} in {path!r} has dtype {dtype}: a state_dict holds real numbers only")
    declared, available = math.prod(shape) * dtype.itemsize, member_size - member.tell()
    if declared > available:
        raise ValueError(
            f"{name!r} in {path!r} is truncated or corrupted: its header declares {declared:,} bytes of data "
            f"(shape {shape}, dtype {dtype}) but the member holds {available:,}"
        )


def read_array(member: IO[bytes], name: str, path: str) -> np.ndarray:
    """The array in a ``.npy`` member (its header already checked), read without pickle."""
    try:
        array = np.lib.format.read_array(member, allow_pickle=False)
    except LoadLimitError:
        raise
    except ValueError as error:
        raise ValueError(f"{name!r} in {path!r} is truncated or corrupted ({error})") from None
    return array
