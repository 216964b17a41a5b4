"""``Optimizer``: parameter groups, per-parameter state, one step loop, and PyTorch's state-dict layout.

A subclass states two things:

- ``_hyperparameters(group)``: reads and checks its options from a parameter group,
  as Python numbers (called once per group at every ``step()``, so a changed
  ``group["lr"]`` takes effect at once and a bad value is reported clearly);
- ``_update(param, grad, state, **options)``: the update rule for one parameter, on
  NumPy arrays, writing into ``param`` (and the state's buffers) in place.

and optionally ``_initial_state(param, **options)``, the state of a parameter before
its first update. ``step()`` does the rest: it skips parameters without a gradient and
bumps each updated parameter's version counter. Working on arrays, updates record no graph.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._hyperparameters import as_python_number, read_number, real_number, required

__all__ = ["Optimizer", "lerp_"]


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start ← start + weight·(end − start), in place, rounded as PyTorch's ``lerp_`` rounds.

    PyTorch uses this form for weight < 0.5 and end − (end − start)·(1 − weight) above,
    so that weight = 1 gives ``end`` exactly. Following it keeps trajectories equal to
    PyTorch's to the last bits.

    >>> m = np.array([0.0, 10.0])
    >>> lerp_(m, np.array([1.0, 0.0]), 0.1); m
    array([0.1, 9. ])
    """
    difference = end - start
    if weight < 0.5:
        difference *= weight
        start += difference
    else:
        difference *= 1 - weight
        np.subtract(end, difference, out=start)


class Optimizer:
    """Base class: holds ``param_groups`` and ``state``; subclasses define the update.

    ``params`` is an iterable of Tensors, or of dicts ``{"params": [...], "lr": ...}``
    for per-group options (options missing from a dict come from ``defaults``).

    >>> import tinygrad_edu as tg
    >>> w, b = tg.nn.Parameter([1.0]), tg.nn.Parameter([0.0])
    >>> opt = tg.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]

    A new optimizer states its update rule on arrays (here sign descent, whose only
    option is ``lr``, the one the base class reads):

    >>> class SignSGD(tg.optim.Optimizer):
    ...     def __init__(self, params, lr=0.01):
    ...         super().__init__(params, dict(lr=lr))
    ...     def _update(self, param, grad, state, *, lr):
    ...         param -= lr * np.sign(grad)
    >>> w = tg.nn.Parameter([1.0, -2.0]); w.grad = [3.0, -0.5]
    >>> SignSGD([w], lr=0.1).step(); w.data
    array([ 0.9, -1.9])
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._last_read: dict[int, tuple] = {}  # group index -> (group, its items, the options read from them)
        if not any(value is required for value in self.defaults.values()):
            self._hyperparameters(self.defaults)  # bad constructor arguments fail here, with PyTorch's messages
        groups = self._as_group_list(params)
        for group in groups:
            self.add_param_group(group)

    @staticmethod
    def _as_group_list(params: Any) -> list[Any]:
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
        return groups if isinstance(groups[0], dict) else [{"params": groups}]

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones come from ``defaults``).

        >>> import tinygrad_edu as tg
        >>> opt = tg.optim.SGD([tg.nn.Parameter([1.0])], lr=0.1)
        >>> opt.add_param_group({"params": [tg.nn.Parameter([2.0])], "lr": 0.01})
        >>> [group["lr"] for group in opt.param_groups]
        [0.1, 0.01]
        """
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
        self._read_group(group, len(self.param_groups))
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _hyperparameters(self, group: dict[str, Any]) -> dict[str, Any]:
        """Read and check a group's options, as Python values (subclasses read theirs)."""
        return {"lr": read_number(group, "lr", "learning rate")}

    def _read_group(self, group: dict[str, Any], index: int) -> dict[str, Any]:
        """``_hyperparameters(group)``, with the group's index in any error message.

        What was read is kept while the group holds the same entries (one C-level comparison
        of its items), so the checks run when a value changes, not at every step. A group
        holding a list (betas as a list) is read every time, since a list can change in place.
        """
        items = tuple(group.items())
        last = self._last_read.get(index)
        if last is not None and last[0] is group and _same(last[1], items):
            return last[2]
        try:
            options = self._hyperparameters(group)
        except (TypeError, ValueError) as error:
            raise type(error)(f"param_groups[{index}]: {error}") from None
        if not any(type(value) is list for key, value in items if key != "params"):
            self._last_read[index] = (group, items, options)
        return options

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (to None; zeros with ``set_to_none=False``).

        >>> import tinygrad_edu as tg
        >>> w = tg.nn.Parameter([1.0]); w.grad = [2.0]
        >>> tg.optim.SGD([w], lr=0.1).zero_grad(); w.grad is None
        True
        """
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param._grad is None:
                    param._grad = None
                else:
                    param._grad = np.zeros_like(param._data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given.

        ``closure`` (optional) re-evaluates the model and returns the loss, as in PyTorch.
        Hyperparameters are read from each group now, so changes to ``group["lr"]`` (by
        you or by a scheduler) apply from this step on.

        >>> import tinygrad_edu as tg
        >>> w = tg.nn.Parameter([1.0]); w.grad = [2.0]
        >>> opt = tg.optim.SGD([w], lr=0.1)
        >>> opt.step(); w.data
        array([0.8])
        """
        loss = None
        if closure is not None:
            loss = closure()
        # Every group's options are read (and checked) first, so a bad value changes nothing.
        options = [self._read_group(group, index) for index, group in enumerate(self.param_groups)]
        # The updates are NumPy calls on the parameters' arrays: they record no graph, in any grad mode.
        for group, group_options in zip(self.param_groups, options):
            for param in group["params"]:
                if param._grad is None:
                    continue
                if not param._data.flags.writeable:  # a read-only or broadcast array: give it its own copy
                    param._data = param._data.copy()
                state = self.state.get(param)
                if state is None:
                    state = self.state[param] = self._initial_state(param._data, **group_options)
                self._update(param._data, param._grad, state, **group_options)
                param._mark_modified()  # saved copies of this parameter in a graph are now stale
        return loss

    def _initial_state(self, param: np.ndarray, **options: Any) -> dict[str, Any]:
        """The state of a parameter before its first update (none by default)."""
        return {}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], **options: Any) -> None:
        """The update rule: change ``param`` (and the buffers in ``state``) in place."""
        raise NotImplementedError(f"{type(self).__name__} does not define an update rule (_update)")

    @staticmethod
    def _buffer(state: dict[str, Any], name: str, param: np.ndarray) -> np.ndarray:
        """``state[name]``, created as zeros shaped like ``param`` the first time an option needs it."""
        if name not in state:
            state[name] = np.zeros_like(param)
        return state[name]

    @staticmethod
    def _gradient(param: np.ndarray, grad: np.ndarray, maximize: bool, weight_decay: float) -> np.ndarray:
        """The gradient an update rule follows: −grad when maximizing, then + weight_decay·θ.

        The order is PyTorch's: the sign is flipped first, so weight decay still pulls
        the weights toward zero when maximizing. Returns ``grad`` itself when neither
        option is on: callers must not modify the result in place.

        >>> Optimizer._gradient(np.array([1.0]), np.array([2.0]), maximize=True, weight_decay=0.5)
        array([-1.5])
        """
        if maximize:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param
        return grad

    # ------------------------------------------------------------------ state dict
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout: ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Parameters are numbered across groups in order; arrays are copies.

        >>> import tinygrad_edu as tg
        >>> w = tg.nn.Parameter([1.0]); w.grad = [2.0]
        >>> opt = tg.optim.SGD([w], lr=0.1, momentum=0.9); opt.step()
        >>> saved = opt.state_dict()
        >>> saved["state"], saved["param_groups"][0]["params"]
        ({0: {'momentum_buffer': array([2.])}}, [0])
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
                if self.state.get(param):
                    state[index_of[id(param)]] = copy.deepcopy(self.state[param])
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by ``state_dict()`` (same parameter layout).

        Everything is checked before anything changes. Arrays are copied and converted
        to each parameter's dtype; NumPy scalars and 0-d arrays (what ``tg.save`` writes
        for a NumPy scalar such as ``lr=np.float64(0.01)``) come back as Python numbers.

        >>> import tinygrad_edu as tg
        >>> opt = tg.optim.SGD([tg.nn.Parameter([1.0])], lr=0.1)
        >>> saved = opt.state_dict(); saved["param_groups"][0]["lr"] = np.array(0.5)
        >>> opt.load_state_dict(saved); opt.param_groups[0]["lr"]
        0.5
        """
        saved_groups = self._check_layout(state_dict)
        param_of: dict[Any, Tensor] = {}
        for saved, group in zip(saved_groups, self.param_groups):
            param_of.update(zip(saved["params"], group["params"]))
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for index, entry in state_dict["state"].items():
            if index not in param_of:
                raise ValueError(f"loaded state dict has state for parameter {index!r}, which no group lists")
            if not isinstance(entry, dict):
                raise ValueError(f"loaded state dict: the state of parameter {index!r} must be a dict, got {entry!r}")
            param = param_of[index]
            new_state[param] = {key: _restore_state_value(key, value, param) for key, value in entry.items()}
        new_groups = [self._restore_group(i, saved, group) for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups))]
        for group, new_group in zip(self.param_groups, new_groups):
            group.update(new_group)
        self.state = new_state

    def _check_layout(self, state_dict: Any) -> list[dict[str, Any]]:
        """The saved groups, after checking that they match this optimizer's groups and sizes."""
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
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict's parameter group {i} has {len(saved['params'])} parameters, "
                    f"the optimizer's has {len(group['params'])}"
                )
        return list(saved_groups)

    def _restore_group(self, index: int, saved: dict[str, Any], group: dict[str, Any]) -> dict[str, Any]:
        """The saved options of group ``index`` as Python values, checked like a step would check them."""
        restored = {key: _python_values(value) for key, value in saved.items() if key != "params"}
        for key, value in restored.items():
            if real_number(group.get(key)) is not None and real_number(value) is None:  # e.g. "initial_lr"
                raise TypeError(f"optimizer state_dict: param_groups[{index}]: hyperparameter {key!r} "
                                f"must be a number, got {value!r}")
        try:
            self._hyperparameters({**group, **restored})
        except (TypeError, ValueError) as error:
            raise type(error)(f"optimizer state_dict: param_groups[{index}]: {error}") from None
        return restored

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _python_values(value: Any) -> Any:
    """A saved hyperparameter with NumPy scalars and 0-d arrays made Python numbers (also inside a tuple)."""
    if isinstance(value, (tuple, list)):
        return type(value)(_python_values(item) for item in value)
    return copy.deepcopy(as_python_number(value))


def _restore_state_value(key: str, value: Any, param: Tensor) -> Any:
    """One entry of a parameter's saved state: a buffer shaped like the parameter, or a number."""
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        is_buffer = value.ndim > 0 or (param.ndim == 0 and value.dtype.kind == "f")
        if is_buffer:
            if value.shape != param.shape:
                raise ValueError(
                    f"optimizer state {key!r} has shape {value.shape}, but its parameter has shape {param.shape}"
                )
            return np.array(value, dtype=param.dtype)
    value = as_python_number(value)  # a step counter saved as a 0-d array or NumPy scalar
    if value is not None and real_number(value) is None:
        raise TypeError(f"optimizer state {key!r} must be an array or a number, got {type(value).__name__} {value!r}")
    return value


def _same(last: tuple, now: tuple) -> bool:
    """Are a group's items those read last time? (Items that cannot be compared are not.)"""
    try:
        return bool(last == now)
    except (TypeError, ValueError):
        return False
