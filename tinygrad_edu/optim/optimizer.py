"""``Optimizer``: parameter groups, per-parameter state, and the PyTorch state-dict layout.

A subclass implements ``_update_group(group)``, the update rule for one group;
``step()`` runs it under ``no_grad`` for every group. Updates write into each
parameter's array in place (``p.data`` keeps its identity and dtype).
"""

from __future__ import annotations

import copy
import math
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor


class _Required:
    """Marks a hyperparameter that has no default (``lr`` of SGD)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


def check_number(value: Any, name: str, low: float = 0.0, high: float | None = None, high_inclusive: bool = False) -> float:
    """``value`` as a float in [low, high) (or [low, high]); else ValueError like PyTorch's 'Invalid ...'."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if math.isnan(value) or value < low or too_high:
        raise ValueError(f"Invalid {name} value: {value}")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


class Optimizer:
    """Base class: holds ``param_groups`` and ``state``; subclasses define the update.

    ``params`` is an iterable of Tensors, or of dicts ``{"params": [...], "lr": ...}``
    for per-group options (options missing from a dict come from ``defaults``).

    >>> import tinygrad_edu as tg
    >>> w, b = tg.nn.Parameter([1.0]), tg.nn.Parameter([0.0])
    >>> opt = tg.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params must be an iterable of Tensors or dicts, got a single Tensor: wrap it in a list, [w]"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError("params must be an ordered collection (a list), not a set: the order defines the state dict")
        if isinstance(params, dict):
            raise TypeError("params must be an iterable of Tensors or of dicts: wrap a single group in a list, [{...}]")
        if not hasattr(params, "__iter__") or isinstance(params, (str, bytes)):
            raise TypeError(f"params must be an iterable of Tensors or dicts (e.g. model.parameters()), got {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones come from ``defaults``)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        if "params" not in group:
            raise ValueError("a parameter group needs a 'params' entry")
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters must be an ordered collection (a list), not a set")
        else:
            params = list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one computed by an op); optimize the leaves it came from")
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; they would be updated twice",
                UserWarning,
                stacklevel=3,
            )
        group["params"] = params
        for key, default in self.defaults.items():
            if key not in group:
                if default is required:
                    raise ValueError(f"parameter group didn't specify a value of required optimization parameter {key}")
                group[key] = default
        self._check_group(group)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's hyperparameters (subclasses add their own)."""
        check_number(group["lr"], "learning rate")

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (to None; zeros with ``set_to_none=False``)."""
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param._grad is None:
                    param._grad = None
                else:
                    param._grad = np.zeros_like(param._data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given.

        ``closure`` (optional) re-evaluates the model and returns the loss, as in PyTorch.
        """
        loss = None
        if closure is not None:
            loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    @staticmethod
    def _write(param: Tensor, update: np.ndarray) -> None:
        """param -= update, in place when the array allows it (else a new array of the same dtype)."""
        if param._data.flags.writeable:
            param._data -= update
        else:  # read-only or broadcast array: replace it instead
            param._data = (param._data - update).astype(param._data.dtype)

    # ------------------------------------------------------------------ state dict
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout: ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Parameters are numbered across groups in order; arrays are copies.
        """
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {key: copy.deepcopy(value) for key, value in group.items() if key != "params"}
            packed["params"] = []
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
                packed["params"].append(index_of[id(param)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for param in group["params"]:
                if param in self.state:
                    state[index_of[id(param)]] = copy.deepcopy(self.state[param])
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by ``state_dict()`` (same parameter layout).

        Arrays are copied and converted to each parameter's dtype.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("optimizer state_dict must be a dict with 'state' and 'param_groups' entries")
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, (list, tuple)) or not all(isinstance(g, dict) and "params" in g for g in saved_groups):
            raise ValueError("optimizer state_dict['param_groups'] must be a list of dicts, each with a 'params' entry")
        if not isinstance(state_dict["state"], dict):
            raise ValueError(f"optimizer state_dict['state'] must be a dict, got {type(state_dict['state']).__name__}")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter group(s), the optimizer has {len(self.param_groups)}"
            )
        param_of: dict[Any, Tensor] = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict's parameter group {i} has {len(saved['params'])} parameters, "
                    f"the optimizer's has {len(group['params'])}"
                )
            param_of.update(zip(saved["params"], group["params"]))
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for index, entry in state_dict["state"].items():
            if index not in param_of:
                raise ValueError(f"loaded state dict has state for parameter {index!r}, which no group lists")
            param = param_of[index]
            new_state[param] = {key: self._restore_value(key, value, param) for key, value in entry.items()}
        for saved, group in zip(saved_groups, self.param_groups):
            for key, value in saved.items():
                current = group.get(key)
                if _is_number(current) and not _is_number(value):  # a string lr would only fail later, inside step()
                    raise TypeError(f"optimizer state_dict: hyperparameter {key!r} must be a number, got {value!r}")
        for saved, group in zip(saved_groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = copy.deepcopy(value)
        self.state = new_state

    @staticmethod
    def _restore_value(key: str, value: Any, param: Tensor) -> Any:
        if isinstance(value, Tensor):
            value = value._data
        if isinstance(value, np.ndarray) and value.ndim > 0:
            if value.shape != param.shape:
                raise ValueError(
                    f"optimizer state {key!r} has shape {value.shape}, but its parameter has shape {param.shape}"
                )
            return np.array(value, dtype=param.dtype)
        if value is not None and not _is_number(value) and not (isinstance(value, np.ndarray) and value.dtype.kind in "biuf"):
            raise TypeError(f"optimizer state {key!r} must be an array or a number, got {type(value).__name__} {value!r}")
        return copy.deepcopy(value)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
