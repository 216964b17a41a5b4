"""``save`` / ``load``: state dicts as ``.npz`` files that hold nothing but arrays.

An ``.npz`` file is a zip archive with one ``.npy`` file per entry. Both directions
refuse pickled (object) arrays, so loading a file can never run code, unlike
``pickle``-based formats. Keys are kept exactly, dots included (``"0.weight"``), in order,
and so are dtypes and shapes.

A flat mapping of names to arrays (a model's ``state_dict()``) is a plain ``.npz`` file
that ``np.load`` reads too. A nested one, like ``{"model": ..., "optimizer": opt.state_dict(),
"epoch": 3}``, also works, as with ``torch.save``: its arrays are ``.npy`` members named by
their path (``"model/0.weight.npy"``) and a JSON member ``__tree__.json`` records the
structure (dicts with string or integer keys, lists, tuples, and plain ``None``, bools,
numbers and strings). JSON is data, so this, too, loads without running code. Keys that
would make unsafe member names (``"../evil"``, ``"/abs"``, backslashes, NUL, ``""``) are
escaped in the archive, which the JSON maps back: no unzip tool writes them outside its folder.

What is guaranteed:

- ``save`` replaces the file atomically: it writes a new, exclusively created temporary
  file in the same folder, flushes it to disk and renames it over ``path``. A failed or
  interrupted save leaves the old file as it was and no temporary behind; saves of one
  path from several threads all succeed and leave one complete file; a symlink planted at
  ``path`` or at a temporary name is never written through.
- ``load`` opens regular files only (a pipe, a device or a directory is refused at once),
  reads at most ``max_bytes`` (default ``MAX_BYTES``, 1 GiB) of uncompressed data, checked
  against the sizes the archive declares before reading and counted while reading, and
  refuses structures nested deeper than ``max_depth`` (default ``MAX_DEPTH``, 100 levels;
  ``save`` has the same limit).
"""

from __future__ import annotations

import os
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from . import _tree
from ._arrays import ByteBudget, read_data, read_header
from ._files import open_regular_file, write_atomically

PathLike = str | os.PathLike

#: ``load`` refuses files that would expand to more bytes than this (pass ``max_bytes=None`` to lift it).
MAX_BYTES = 2**30
#: ``save`` and ``load`` refuse state dicts nested more levels deep than this (a checkpoint needs about 4).
MAX_DEPTH = 100


class MissingFolderError(FileNotFoundError, RuntimeError):
    """The folder to save into does not exist (a FileNotFoundError; a RuntimeError as in PyTorch)."""


def save(state_dict: Mapping[str, Any], path: PathLike, *, max_depth: int = MAX_DEPTH) -> None:
    """Write a mapping of names to arrays (or Tensors, or numbers) to ``path`` as ``.npz``.

    The mapping may be nested (a checkpoint with the model's and the optimizer's state
    dicts); ``load`` gives back the same structure, dtypes and shapes. The file is written to
    exactly ``path`` (no extension is added) through a new temporary file in the same folder,
    which then replaces ``path`` atomically: a save that fails or is interrupted leaves the
    old file intact and no temporary file behind, and a symlink at ``path`` is replaced, not
    followed. Structures nested more than ``max_depth`` levels deep (default ``MAX_DEPTH``
    = 100) raise ``ValueError``.

    >>> import os, tempfile, tinygrad_edu as tg
    >>> model = tg.nn.Linear(2, 1)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> tg.save(model.state_dict(), path)
    >>> list(tg.load(path))
    ['weight', 'bias']
    >>> opt = tg.optim.SGD(model.parameters(), lr=0.1)
    >>> tg.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, path)
    >>> checkpoint = tg.load(path)
    >>> list(checkpoint["model"]), checkpoint["epoch"], checkpoint["optimizer"]["param_groups"][0]["lr"]
    (['weight', 'bias'], 3, 0.1)
    """
    if not isinstance(state_dict, Mapping):
        hint = " (pass model.state_dict(), not the model)" if hasattr(state_dict, "state_dict") else ""
        raise TypeError(f"save expects a mapping of names to arrays, got {type(state_dict).__name__}{hint}")
    for key in state_dict:
        if not isinstance(key, str):
            raise TypeError(f"state_dict keys must be strings, got {key!r}")
    max_depth = _check_limit(max_depth, "max_depth", "save", minimum=1)
    arrays, tree = _tree.flatten(state_dict, max_depth)  # every check on the values happens here, before writing
    path = _as_path(path, "save")
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: {path!r} is a folder; give a file name such as {os.path.join(path, 'model.npz')!r}")
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise MissingFolderError(f"save: cannot write {path!r}: the folder {folder!r} does not exist (create it first)")
    write_atomically(path, lambda file: _write_archive(file, arrays, tree))


def _write_archive(file: IO[bytes], arrays: Mapping[str, np.ndarray], tree: str | None) -> None:
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
        if tree is not None:
            archive.writestr(_tree.TREE_MEMBER, tree)


def load(path: PathLike, *, max_bytes: int | None = MAX_BYTES, max_depth: int = MAX_DEPTH) -> OrderedDict[str, Any]:
    """Read a file written by ``save`` (or ``np.savez``) into an ordered dict of arrays.

    A nested state dict comes back with its structure (dicts, lists, tuples, numbers).
    Never unpickles: object arrays are refused. A missing file raises
    ``FileNotFoundError`` and a directory ``IsADirectoryError``; anything else that is not
    a regular file (a named pipe, ``/dev/zero``) raises ``ValueError`` at once, before
    reading. A file that is not an ``.npz`` archive, or is truncated or corrupted, raises
    ``ValueError`` saying so.

    Limits against hostile files, each a ``ValueError`` naming its keyword: ``max_bytes``
    (default ``MAX_BYTES`` = 1 GiB; ``None`` for no limit) bounds the uncompressed bytes,
    checked against the sizes the archive and each array header declare before anything is
    read, and counted while reading, so a small compressed file cannot expand to gigabytes;
    ``max_depth`` (default ``MAX_DEPTH`` = 100) bounds the nesting of the structure.

    >>> import os, tempfile, numpy as np, tinygrad_edu as tg
    >>> path = os.path.join(tempfile.mkdtemp(), "big.npz")
    >>> tg.save({"w": np.zeros(1000)}, path)
    >>> tg.load(path, max_bytes=1000)
    Traceback (most recent call last):
        ...
    ValueError: '...big.npz': the archive's members would expand to 8,128 bytes in all, more than max_bytes=1,000; if you trust this file, pass a larger max_bytes= (or None)
    """
    path = _as_path(path, "load")
    max_bytes = None if max_bytes is None else _check_limit(max_bytes, "max_bytes", "load", minimum=0)
    max_depth = _check_limit(max_depth, "max_depth", "load", minimum=1)
    with open_regular_file(path) as file:
        if not zipfile.is_zipfile(file):
            raise ValueError(f"{path!r} is not an .npz file (not a zip archive): it may be truncated or of another format")
        try:
            arrays, tree = _read_members(file, path, ByteBudget(max_bytes, path), max_depth)
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            raise ValueError(f"{path!r} is truncated or corrupted and cannot be read as .npz ({error})") from None
    if tree is None:
        return arrays
    try:
        decoded = _tree.decode(tree, arrays, path, max_depth)
    except RecursionError:  # only when max_depth was raised past what Python's stack allows
        raise ValueError(f"{path!r} is nested too deeply for Python's recursion limit (max_depth={max_depth})") from None
    if not isinstance(decoded, OrderedDict):
        raise ValueError(f"{path!r}: the structure in {_tree.TREE_MEMBER} is corrupted (its top level is not a dict)")
    return decoded


def _read_members(file: IO[bytes], path: str, budget: ByteBudget, max_depth: int) -> tuple[OrderedDict[str, Any], Any]:
    """The arrays of an open ``.npz`` archive by name (without ``.npy``), and its parsed tree (or None)."""
    arrays: OrderedDict[str, np.ndarray] = OrderedDict()
    tree = None
    with zipfile.ZipFile(file) as archive:
        members = archive.infolist()
        budget.check(sum(info.file_size for info in members), "the archive's members")  # before reading anything
        for info in members:
            if info.filename == _tree.TREE_MEMBER:
                raw = archive.read(info)  # at most its declared size, which the budget allowed
                budget.spend(len(raw), repr(info.filename))
                tree = _tree.read_tree(raw, path, max_depth)
                continue
            if not info.filename.endswith(".npy"):
                raise ValueError(f"{path!r} contains {info.filename!r}, which is not an .npy array")
            key = info.filename[: -len(".npy")]
            if key in arrays:
                raise ValueError(f"{path!r} contains two members named {info.filename!r}: it is corrupted")
            with archive.open(info) as member:
                header = read_header(member, info.filename, path, info.file_size)
                arrays[key] = read_data(member, header, info.filename, path, budget)
    return arrays, tree


def _as_path(path: Any, function: str) -> str:
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"{function}: path must be a file name (str or pathlib.Path), got {type(path).__name__}")
    path = os.fspath(path)
    return path.decode() if isinstance(path, bytes) else path


def _check_limit(value: Any, name: str, function: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{function}: {name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{function}: {name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


__all__ = ["load", "save"]
