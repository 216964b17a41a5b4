"""``save`` / ``load``: state dicts as ``.npz`` files that hold nothing but arrays.

An ``.npz`` file is a zip archive with one ``.npy`` file per entry. Both directions
refuse pickled (object) arrays, so loading a file can never run code, unlike
``pickle``-based formats. Keys are kept exactly, dots included (``"0.weight"``), in order.

A flat mapping of names to arrays (a model's ``state_dict()``) is a plain ``.npz`` file
that ``np.load`` reads too. A nested one, like ``{"model": ..., "optimizer": opt.state_dict(),
"epoch": 3}``, also works, as with ``torch.save``: its arrays are ``.npy`` members named by
their path (``"model/0.weight.npy"``) and a JSON member ``__tree__.json`` records the
structure (dicts with string or integer keys, lists, tuples, and plain ``None``, bools,
numbers and strings). JSON is data, so this, too, loads without running code.
"""

from __future__ import annotations

import json
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

    The mapping may be nested (a checkpoint with the model's and the optimizer's state
    dicts); ``load`` gives back the same structure. The file is written to exactly ``path``
    (no extension is added) through a temporary file, so an interrupted save never leaves
    a half-written file under that name.

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
    arrays: OrderedDict[str, np.ndarray] = OrderedDict()
    tree = None
    if all(isinstance(value, _ARRAY_LIKE) for value in state_dict.values()):
        for key, value in state_dict.items():  # a plain .npz file, as np.savez would write it
            arrays[key] = _as_saveable_array(key, value)
    else:
        tree = _encode(state_dict, [], arrays, set())
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
            if tree is not None:
                archive.writestr(_TREE_MEMBER, json.dumps(tree))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


_TREE_MEMBER = "__tree__.json"
_ARRAY_LIKE = (Tensor, np.ndarray, np.generic, int, float)  # what a flat state_dict holds (bool is an int)
_JSON_SCALARS = (type(None), bool, int, float, str)


def _encode(value: Any, keys: list[Any], arrays: OrderedDict[str, np.ndarray], open_containers: set[int]) -> Any:
    """The JSON description of ``value``; its arrays go into ``arrays`` under path-like member names."""
    where = "/".join(str(k) for k in keys) or "the state_dict"
    if isinstance(value, (Mapping, list, tuple)):
        if id(value) in open_containers:
            raise ValueError(f"save: {where!r} contains itself; a state_dict must be a tree")
        open_containers.add(id(value))
        if isinstance(value, Mapping):
            items = []
            for key, item in value.items():
                if isinstance(key, bool) or not isinstance(key, (str, int, np.integer)):
                    raise TypeError(f"save: keys must be strings or integers, got {key!r} in {where!r}")
                key = key if isinstance(key, str) else int(key)
                items.append([key, _encode(item, keys + [key], arrays, open_containers)])
            node: Any = {"dict": items}
        else:
            kind = "list" if isinstance(value, list) else "tuple"
            node = {kind: [_encode(item, keys + [i], arrays, open_containers) for i, item in enumerate(value)]}
        open_containers.discard(id(value))
        return node
    if isinstance(value, _JSON_SCALARS) and type(value) in _JSON_SCALARS:  # not np.float64, a float subclass
        return {"value": value}
    name = base = "/".join(str(k) for k in keys)
    n = 1
    while name in arrays:  # keys like 0 and "0", or keys with a slash, could give the same name
        name, n = f"{base}~{n}", n + 1
    arrays[name] = _as_saveable_array(where, value)
    return {"array": name}


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


def load(path: PathLike) -> OrderedDict[str, Any]:
    """Read a file written by ``save`` (or ``np.savez``) into an ordered dict of arrays.

    A nested state dict comes back with its structure (dicts, lists, tuples, numbers).
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
    tree = None
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename == _TREE_MEMBER:
                    tree = _read_tree(archive.read(info), path)
                    continue
                if not info.filename.endswith(".npy"):
                    raise ValueError(f"{path!r} contains {info.filename!r}, which is not an .npy array")
                with archive.open(info) as member:
                    result[info.filename[: -len(".npy")]] = _read_array(member, info.filename, path)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(f"{path!r} is truncated or corrupted and cannot be read as .npz ({error})") from None
    if tree is None:
        return result
    decoded = _decode(tree, result, path)
    if not isinstance(decoded, OrderedDict):
        raise ValueError(f"{path!r}: the structure in {_TREE_MEMBER} is corrupted (its top level is not a dict)")
    return decoded


def _read_tree(raw: bytes, path: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path!r}: {_TREE_MEMBER}, the structure of the nested state_dict, is corrupted ({error})") from None


def _decode(node: Any, arrays: Mapping[str, np.ndarray], path: str) -> Any:
    """Rebuild the value that ``_encode`` described."""
    if isinstance(node, dict) and len(node) == 1:
        (kind, content), = node.items()
        if kind == "value" and isinstance(content, _JSON_SCALARS):
            return content
        if kind == "array" and isinstance(content, str) and content in arrays:
            return arrays[content]
        if kind in ("list", "tuple") and isinstance(content, list):
            items = [_decode(item, arrays, path) for item in content]
            return items if kind == "list" else tuple(items)
        if kind == "dict" and isinstance(content, list) and all(
            isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int)) for pair in content
        ):
            return OrderedDict((key, _decode(item, arrays, path)) for key, item in content)
    raise ValueError(f"{path!r}: the structure in {_TREE_MEMBER} is corrupted (unexpected entry {str(node)[:80]})")


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
