"""The structure of a state dict: flat or nested, its zip member names, and ``__tree__.json``.

A flat mapping of plain names to arrays is stored as one ``.npy`` member per key, named
after it, exactly as ``np.savez`` would. Anything else (nested containers, numbers and
strings, or keys that would not be safe member names) is described by a JSON tree:
``{"dict": [[key, node], ...]}``, ``{"list": [...]}``, ``{"tuple": [...]}``, ``{"value": 3}``
or ``{"array": member_name}``. The tree maps every array back to its place, so member names
only have to be safe and distinct, not reversible.
"""

from __future__ import annotations

import json
import re
import reprlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._arrays import as_saveable_array
from ..tensor import Tensor

TREE_MEMBER = "__tree__.json"
ARRAY_LIKE = (Tensor, np.ndarray, np.generic, int, float)  # what a flat state_dict holds (bool is an int)
JSON_SCALARS = (type(None), bool, int, float, str)

# Characters that make an unzip tool leave the folder or choke: control characters (NUL
# included), the Windows separator and the drive colon ("C:").
_UNSAFE_CHARACTER = re.compile(r"[\x00-\x1f\x7f\\:]")
_UNSAFE_PART = {"": "(empty)", ".": "%2E", "..": "%2E%2E"}  # "" would make "a//b" or "/abs"


def member_name(keys: list[Any]) -> str:
    """A zip member name (without ``.npy``) for the value at ``keys`` that stays inside the folder.

    Keys are joined with "/" (so the archive shows the nesting); each part is escaped so that
    no name is absolute, climbs out with "..", or holds a backslash, colon or control character.

    >>> member_name(["model", "0.weight"]), member_name(["../evil"]), member_name(["/etc", "x\\\\y"])
    ('model/0.weight', '%2E%2E/evil', '(empty)/etc/x%5Cy')
    """
    parts = "/".join(str(key) for key in keys).split("/")
    escaped = [_UNSAFE_CHARACTER.sub(lambda m: f"%{ord(m.group()):02X}", part) for part in parts]
    return "/".join(_UNSAFE_PART.get(part, part) for part in escaped)


def flatten(state_dict: Mapping[str, Any], max_depth: int) -> tuple[OrderedDict[str, np.ndarray], str | None]:
    """The arrays to store, by member name, and the JSON text of the tree (None for a plain flat file)."""
    arrays: OrderedDict[str, np.ndarray] = OrderedDict()
    plain = all(isinstance(value, ARRAY_LIKE) for value in state_dict.values()) and all(
        member_name([key]) == key for key in state_dict
    )
    if plain:  # a plain .npz file, as np.savez would write it
        for key, value in state_dict.items():
            arrays[key] = as_saveable_array(key, value)
        return arrays, None
    try:
        return arrays, json.dumps(_encode(state_dict, [], arrays, set(), max_depth))
    except RecursionError:  # only when max_depth was raised past what Python's stack allows
        raise ValueError(f"save: the state_dict is nested too deeply for Python's recursion limit "
                         f"(max_depth={max_depth} is too large)") from None


def _describe(keys: list[Any]) -> str:
    """A path of keys for an error message, shortened when it is long."""
    parts = [str(k) for k in keys]
    if len(parts) > 8:
        parts = parts[:3] + [f"... {len(parts) - 5} more ..."] + parts[-2:]
    return "/".join(parts) or "the state_dict"


def _encode(value: Any, keys: list[Any], arrays: OrderedDict[str, np.ndarray], open_containers: set[int],
            max_depth: int) -> Any:
    """The JSON description of ``value``; its arrays go into ``arrays`` under safe member names."""
    where = _describe(keys)
    if isinstance(value, (Mapping, list, tuple)):
        if len(keys) + 1 > max_depth:
            raise ValueError(f"save: {where!r} is nested more than max_depth={max_depth} levels deep; "
                             "pass a larger max_depth= to save it")
        if id(value) in open_containers:
            raise ValueError(f"save: {where!r} contains itself; a state_dict must be a tree")
        open_containers.add(id(value))
        if isinstance(value, Mapping):
            items = []
            for key, item in value.items():
                if isinstance(key, bool) or not isinstance(key, (str, int, np.integer)):
                    raise TypeError(f"save: keys must be strings or integers, got {key!r} in {where!r}")
                key = key if isinstance(key, str) else int(key)
                items.append([key, _encode(item, keys + [key], arrays, open_containers, max_depth)])
            node: Any = {"dict": items}
        else:
            kind = "list" if isinstance(value, list) else "tuple"
            node = {kind: [_encode(item, keys + [i], arrays, open_containers, max_depth) for i, item in enumerate(value)]}
        open_containers.discard(id(value))
        return node
    if isinstance(value, JSON_SCALARS) and type(value) in JSON_SCALARS:  # not np.float64, a float subclass
        return {"value": value}
    name = base = member_name(keys)
    n = 1
    while name in arrays:  # keys like 0 and "0", keys with a slash, or escaped keys can give the same name
        name, n = f"{base}~{n}", n + 1
    arrays[name] = as_saveable_array(where, value)
    return {"array": name}


def read_tree(raw: bytes, path: str, max_depth: int) -> Any:
    """The parsed ``__tree__.json``; a corrupted or too deeply nested one raises ``ValueError``."""
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:  # the JSON parser gives up long before a legitimate tree would
        raise ValueError(f"{path!r}: {TREE_MEMBER} is nested far more than max_depth={max_depth} levels deep; "
                         "refusing to read it") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path!r}: {TREE_MEMBER}, the structure of the nested state_dict, is corrupted ({error})") from None


def decode(node: Any, arrays: Mapping[str, np.ndarray], path: str, max_depth: int, depth: int = 0) -> Any:
    """Rebuild the value that ``_encode`` described, refusing containers deeper than ``max_depth``."""
    if isinstance(node, dict) and len(node) == 1:
        (kind, content), = node.items()
        if kind == "value" and isinstance(content, JSON_SCALARS):
            return content
        if kind == "array" and isinstance(content, str) and content in arrays:
            return arrays[content]
        if kind in ("list", "tuple", "dict") and depth + 1 > max_depth:
            raise ValueError(f"{path!r}: the state_dict is nested more than max_depth={max_depth} levels deep; "
                             "pass a larger max_depth= to load it")
        if kind in ("list", "tuple") and isinstance(content, list):
            items = [decode(item, arrays, path, max_depth, depth + 1) for item in content]
            return items if kind == "list" else tuple(items)
        if kind == "dict" and isinstance(content, list) and all(
            isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int)) for pair in content
        ):
            return OrderedDict((key, decode(item, arrays, path, max_depth, depth + 1)) for key, item in content)
    raise ValueError(f"{path!r}: the structure in {TREE_MEMBER} is corrupted (unexpected entry {reprlib.repr(node)})")
