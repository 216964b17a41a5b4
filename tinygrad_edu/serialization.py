"""``save`` / ``load``: state dicts as ``.npz`` files that hold nothing but arrays.

An ``.npz`` file is a zip archive with one ``.npy`` file per entry. Both directions
refuse pickled (object) arrays, so loading a file can never run code, unlike
``pickle``-based formats. Keys are kept exactly, dots included (``"0.weight"``), in order.
"""

from __future__ import annotations

import os
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from .tensor import Tensor

PathLike = str | os.PathLike


def save(state_dict: Mapping[str, Any], path: PathLike) -> None:
    """Write a mapping of names to arrays (or Tensors, or numbers) to ``path`` as ``.npz``.

    The file is written to exactly ``path`` (no extension is added) through a temporary
    file, so an interrupted save never leaves a half-written file under that name.

    >>> import os, tempfile, tinygrad_edu as tg
    >>> model = tg.nn.Linear(2, 1)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> tg.save(model.state_dict(), path)
    >>> list(tg.load(path))
    ['weight', 'bias']
    """
    if not isinstance(state_dict, Mapping):
        hint = " (pass model.state_dict(), not the model)" if hasattr(state_dict, "state_dict") else ""
        raise TypeError(f"save expects a mapping of names to arrays, got {type(state_dict).__name__}{hint}")
    arrays = OrderedDict()
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise TypeError(f"state_dict keys must be strings, got {key!r}")
        arrays[key] = _as_saveable_array(key, value)
    path = _as_path(path, "save")
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: {path!r} is a folder; give a file name such as {os.path.join(path, 'model.npz')!r}")
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise MissingFolderError(f"save: cannot write {path!r}: the folder {folder!r} does not exist (create it first)")
    temporary = f"{path}.tmp-{os.getpid()}"
    try:
        with zipfile.ZipFile(temporary, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for key, array in arrays.items():
                with archive.open(key + ".npy", mode="w", force_zip64=True) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


class MissingFolderError(FileNotFoundError, RuntimeError):
    """The folder to save into does not exist (a FileNotFoundError; a RuntimeError as in PyTorch)."""


def _as_path(path: Any, function: str) -> str:
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"{function}: path must be a file name (str or pathlib.Path), got {type(path).__name__}")
    path = os.fspath(path)
    return path.decode() if isinstance(path, bytes) else path


def _as_saveable_array(key: str, value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, Mapping):
        raise TypeError(
            f"entry {key!r} is a nested mapping: save stores a flat mapping of names to arrays "
            "(an optimizer's state_dict is nested; keep it with pickle or flatten it yourself)"
        )
    array = np.asarray(value)
    if array.dtype.hasobject:
        raise TypeError(f"entry {key!r} is an object array, which cannot be saved without pickle; store numbers only")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"entry {key!r} has dtype {array.dtype}: a state_dict holds real numbers only")
    return array


def load(path: PathLike) -> OrderedDict[str, np.ndarray]:
    """Read a file written by ``save`` (or ``np.savez``) into an ordered dict of arrays.

    Never unpickles: object arrays are refused. A missing file raises
    ``FileNotFoundError``; a file that is not an ``.npz`` archive, or is truncated or
    corrupted, raises ``ValueError`` saying so.
    """
    path = _as_path(path, "load")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a directory, not an .npz file")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path!r} is not an .npz file (not a zip archive): it may be truncated or of another format")
    result: OrderedDict[str, np.ndarray] = OrderedDict()
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    raise ValueError(f"{path!r} contains {info.filename!r}, which is not an .npy array")
                with archive.open(info) as member:
                    result[info.filename[: -len(".npy")]] = _read_array(member, info.filename, path)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(f"{path!r} is truncated or corrupted and cannot be read as .npz ({error})") from None
    return result


def _read_array(member: Any, name: str, path: str) -> np.ndarray:
    try:
        array = np.lib.format.read_array(member, allow_pickle=False)
    except ValueError as error:
        if "pickle" in str(error).lower() or "object" in str(error).lower():
            raise ValueError(
                f"{name!r} in {path!r} holds an object array, which would need pickle to load; refusing "
                "(loading never executes code)"
            ) from None
        raise ValueError(f"{name!r} in {path!r} is truncated or corrupted ({error})") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name!r} in {path!r} has dtype {array.dtype}: a state_dict holds real numbers only")
    return array


__all__ = ["load", "save"]
