"""Arrays in and out of ``.npy`` members: real numbers only, never pickle, and a byte budget on reading.

A ``.npy`` member starts with a header that declares the array's dtype and shape. ``load``
checks that header before anything is allocated, so a tiny member cannot claim to hold
terabytes, then reads exactly the bytes it declares, counted against ``max_bytes``.
"""

from __future__ import annotations

import math
from typing import IO, Any

import numpy as np

from ..tensor import Tensor


class ByteBudget:
    """The bytes ``load`` may still read from one archive; ``limit=None`` means no limit."""

    def __init__(self, limit: int | None, path: str) -> None:
        self.limit, self.path, self.used = limit, path, 0

    def check(self, size: int, what: str) -> None:
        """Refuse ``size`` more bytes, before reading them, if they would pass the limit (``ValueError``)."""
        if self.limit is not None and self.used + size > self.limit:
            raise ValueError(
                f"{self.path!r}: {what} would expand to {self.used + size:,} bytes in all, more than "
                f"max_bytes={self.limit:,}; if you trust this file, pass a larger max_bytes= (or None)"
            )

    def spend(self, size: int, what: str) -> None:
        """Count ``size`` bytes about to be read, refusing them if they pass the limit."""
        self.check(size, what)
        self.used += size


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


def read_header(member: IO[bytes], name: str, path: str, member_size: int) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Read a ``.npy`` header: (shape, fortran_order, dtype), refusing what a state dict cannot hold.

    Object arrays (pickle), dtypes that are not real numbers, and a header that declares more
    or less data than the member holds (``member_size``, its uncompressed size) are refused
    before anything is allocated.
    """
    try:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
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
    if declared != available:
        raise ValueError(
            f"{name!r} in {path!r} is truncated or corrupted: its header declares {declared:,} bytes of data "
            f"(shape {shape}, dtype {dtype}) but the member holds {available:,}"
        )
    return shape, fortran_order, dtype


_CHUNK = 2**20  # bytes per read: large reads of a zip member are slower (one more big copy)


def read_data(member: IO[bytes], header: tuple, name: str, path: str, budget: ByteBudget) -> np.ndarray:
    """The array whose header was just read: exactly the bytes it declares, counted against ``budget``."""
    shape, fortran_order, dtype = header
    flat = np.empty(math.prod(shape), dtype=dtype)
    buffer = memoryview(flat.view(np.uint8))
    budget.spend(len(buffer), repr(name))  # before reading: the header said how much
    filled = 0
    while filled < len(buffer):  # reading the last byte makes zipfile check the member's CRC
        count = member.readinto(buffer[filled:filled + _CHUNK])
        if not count:
            raise ValueError(f"{name!r} in {path!r} is truncated: {filled:,} of {len(buffer):,} bytes of data")
        filled += count
    return flat.reshape(shape, order="F" if fortran_order else "C")
