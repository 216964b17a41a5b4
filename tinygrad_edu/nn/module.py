"""``Module`` and ``Parameter``: the containers that hold a model's weights.

A Module keeps its parameters and submodules as ordinary attributes. Whatever is
assigned to it is searched when you ask for ``parameters()``: a ``Parameter``, a
``Module``, or a plain ``list``/``tuple`` holding either (so ``self.layers = [...]``
works like PyTorch's ``ModuleList``). Order is assignment order, and names are
dotted paths like PyTorch's (``"0.weight"``, ``"net.2.bias"``), so a ``state_dict``
loads into the equivalent ``torch.nn`` model.

Calling a module (``model(x)``) runs ``forward`` and, on the way, tells the graph
which module is running (``grad_mode.state.module_scope``), so every op node knows
the module that made it and the visualizer can draw the architecture.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..grad_mode import state as _graph_state
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is a learnable weight: a leaf with ``requires_grad=True``.

    Assigning one to a Module attribute registers it, so ``Module.parameters()``
    finds it. ``Parameter(data)`` copies ``data`` (floats keep their dtype).

    >>> import tinygrad_edu as tg
    >>> w = tg.nn.Parameter([1.0, 2.0])
    >>> w.requires_grad, w.is_leaf
    (True, True)
    """

    # The name a module gave this parameter (None if it never did): a name that still equals it
    # follows the parameter's path when the module is reused in another model; a user's own does not.
    __slots__ = ("_auto_name",)

    def __init__(self, data: Any = None, requires_grad: bool = True, dtype: Any = None, name: str | None = None) -> None:
        if data is None:
            data = np.empty(0)
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, name=name)
        self._auto_name: str | None = None

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> Any:  # copy/deepcopy/pickle keep the class and the values
        return (_rebuild_parameter, (self._data, self.requires_grad, self.name, self._auto_name))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool, name: str | None, auto_name: str | None = None) -> Parameter:
    param = Parameter(data, requires_grad=requires_grad, name=name)
    param._auto_name = auto_name
    return param


class _TreeVersion:
    """A counter bumped whenever any module's structure changes (see ``Module.__call__``)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


_tree_version = _TreeVersion()
_STRUCTURAL = (Parameter, list, tuple)  # with Module (added below): values that can change the tree


class _PathCache:
    """What a root module remembers about its last path assignment."""

    __slots__ = ("version", "watched_lists")

    def __init__(self, version: int, watched_lists: list[tuple[list, list]]) -> None:
        self.version = version
        self.watched_lists = watched_lists  # plain lists in the tree, with their contents then

    def lists_changed(self) -> bool:
        for current, snapshot in self.watched_lists:
            if len(current) != len(snapshot) or any(a is not b for a, b in zip(current, snapshot)):
                return True
        return False


class StateDictError(KeyError, ValueError, RuntimeError):
    """``load_state_dict`` found missing, unexpected or wrongly shaped entries.

    A ``RuntimeError`` like PyTorch's, and also a ``KeyError``/``ValueError`` so
    either kind of ``except`` catches it.
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of layers and models: subclass it and define ``forward``.

    >>> import tinygrad_edu as tg
    >>> class TwoLayer(tg.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = tg.nn.Linear(1, 4)
    ...         self.out = tg.nn.Linear(4, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> model = TwoLayer()
    >>> [name for name, _ in model.named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    >>> model(tg.zeros(3, 1)).shape
    (3, 1)
    """

    # Class-level defaults, so a subclass that forgets super().__init__() still works.
    training: bool = True
    _path: str | None = None  # dotted name from the root of the last call ("" for the root)
    _path_cache: _PathCache | None = None

    def __init__(self) -> None:
        pass

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        scope = _graph_state.module_scope
        if not scope:  # a root call: make sure paths and parameter names are current
            cache = self._path_cache
            if cache is None or cache.version != _tree_version.value or (cache.watched_lists and cache.lists_changed()):
                self._assign_paths()
        _graph_state.module_scope = scope + (self,)
        try:
            return self.forward(*args, **kwargs)
        finally:
            _graph_state.module_scope = scope

    def _assign_paths(self) -> None:
        """Give every submodule its dotted ``_path`` and every parameter its name.

        A parameter named by the user keeps that name; one named by a module (or not
        at all) takes its current dotted name, so reusing a module inside a bigger model
        renames ``0.weight`` to ``0.0.weight``.
        """
        changed = False
        watched: list[tuple[list, list]] = []
        for path, module in self.named_modules():
            if module._path != path:
                object.__setattr__(module, "_path", path)
                changed = True
            for value in module.__dict__.values():
                if type(value) is list and (not value or any(isinstance(v, (Module, Parameter)) for v in value)):
                    watched.append((value, list(value)))
        for name, param in self.named_parameters():
            if param.name is None or param.name == param._auto_name:
                param.name = param._auto_name = name
        if changed:  # other roots sharing these modules must re-check
            _tree_version.value += 1
        object.__setattr__(self, "_path_cache", _PathCache(_tree_version.value, watched))

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        previous = self.__dict__.get(name)
        if isinstance(previous, Parameter) and value is not None and not isinstance(value, Parameter):
            raise TypeError(
                f"cannot assign {type(value).__name__} to parameter {name!r} of {type(self).__name__} "
                "(a Parameter or None expected): update its values with .data = ..., or assign a tg.nn.Parameter"
            )
        if isinstance(value, _STRUCTURAL) or isinstance(previous, _STRUCTURAL):
            _tree_version.value += 1
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if isinstance(self.__dict__.get(name), _STRUCTURAL):
            _tree_version.value += 1
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter under ``name`` (same as assigning the attribute)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot register {type(param).__name__} as parameter {name!r}: expected a Parameter or None")
        setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a submodule under ``name`` (same as assigning the attribute)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"module name must be a non-empty string without dots, got {name!r}")
        setattr(self, name, module)

    # ------------------------------------------------------------------ discovery
    def _own_parameters(self) -> Iterator[tuple[str, Parameter]]:
        for key, value in self.__dict__.items():
            if isinstance(value, Parameter):
                yield key, value
            elif type(value) in (list, tuple):
                for i, item in enumerate(value):
                    if isinstance(item, Parameter):
                        yield f"{key}.{i}", item

    def _own_children(self) -> Iterator[tuple[str, Module]]:
        for key, value in self.__dict__.items():
            if isinstance(value, Module):
                yield key, value
            elif type(value) in (list, tuple):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{key}.{i}", item

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules with their attribute names (``"layers.0"`` for a plain list item)."""
        seen: set[int] = set()
        for name, module in self._own_children():
            if id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and every submodule, depth first, with dotted names (this one is ``""``).

        >>> import tinygrad_edu as tg
        >>> [name for name, _ in tg.nn.Sequential(tg.nn.Linear(1, 2), tg.nn.ReLU()).named_modules()]
        ['', '0', '1']
        """
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:  # iterative, so deep nets do not hit the recursion limit
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [(f"{name}.{key}" if name else key, child) for key, child in module._own_children()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every submodule."""
        for _, module in self.named_modules():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name, in registration order (shared ones once).

        >>> import tinygrad_edu as tg
        >>> [(n, p.shape) for n, p in tg.nn.Linear(3, 2).named_parameters()]
        [('weight', (2, 3)), ('bias', (2,))]
        """
        modules = self.named_modules(prefix, remove_duplicate) if recurse else [(prefix, self)]
        seen: set[int] = set()
        for module_name, module in modules:
            for key, param in module._own_parameters():
                if remove_duplicate:
                    if id(param) in seen:
                        continue
                    seen.add(id(param))
                yield (f"{module_name}.{key}" if module_name else key), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter (each once), e.g. to hand to an optimizer."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    # ------------------------------------------------------------------ training helpers
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (to None, or to zeros with ``set_to_none=False``)."""
        for param in self.parameters():
            if set_to_none or param._grad is None:
                param._grad = None
            else:
                param._grad = np.zeros_like(param._data)

    def train(self, mode: bool = True) -> Module:
        """Set ``training`` on this module and every submodule; return ``self``."""
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"training mode is expected to be a bool, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode (``train(False)``); return ``self``."""
        return self.train(False)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule and then on this one (handy for custom init); return ``self``.

        The order is PyTorch's: each child's subtree first (children in order), then the
        module itself, so random initializers draw their numbers in the same sequence.

        >>> import tinygrad_edu as tg
        >>> net = tg.nn.Sequential(tg.nn.Sequential(tg.nn.ReLU(), tg.nn.Tanh()), tg.nn.Sigmoid())
        >>> seen = []
        >>> _ = net.apply(lambda m: seen.append(type(m).__name__))
        >>> seen
        ['ReLU', 'Tanh', 'Sequential', 'Sigmoid', 'Sequential']
        """
        stack: list[tuple[Module, bool]] = [(self, False)]
        while stack:  # post-order without recursion: a module is visited after its children
            module, children_done = stack.pop()
            if children_done:
                fn(module)
                continue
            stack.append((module, True))
            stack.extend((child, False) for child in reversed(list(module.children())))
        return self

    # ------------------------------------------------------------------ state dict
    def state_dict(self, *, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Any]:
        """An ordered dict ``name -> copy of the values`` keyed like PyTorch (``"0.weight"``).

        Shared parameters appear under every name, as in PyTorch. ``keep_vars=True``
        gives the Parameters themselves instead of copies.

        >>> import tinygrad_edu as tg
        >>> list(tg.nn.Linear(2, 1).state_dict())
        ['weight', 'bias']
        """
        result: OrderedDict[str, Any] = OrderedDict()
        for name, param in self.named_parameters(prefix=prefix, remove_duplicate=False):
            result[name] = param if keep_vars else param._data.copy()
        return result

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into the parameters (arrays or Tensors).

        Values are converted to each parameter's dtype. With ``strict`` a missing or
        unexpected key is an error; a shape mismatch is always one. Nothing is
        changed unless every entry is valid. Returns the skipped keys.

        >>> import tinygrad_edu as tg
        >>> a, b = tg.nn.Linear(2, 1), tg.nn.Linear(2, 1)
        >>> b.load_state_dict(a.state_dict())
        IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        >>> bool((a.weight.data == b.weight.data).all())
        True
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict expects a mapping of names to arrays, got {type(state_dict).__name__}")
        own = OrderedDict(self.named_parameters(remove_duplicate=False))
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        problems = []
        if strict and missing:  # PyTorch's wording and order: missing, unexpected, then shapes
            problems.append("Missing key(s) in state_dict: " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.append("Unexpected key(s) in state_dict: " + ", ".join(repr(k) for k in unexpected))
        new_values = []
        for key, param in own.items():
            if key not in state_dict:
                continue
            value = _as_array(state_dict[key], key)
            if value.shape != param.shape:
                problems.append(
                    f"size mismatch for {key!r}: the state_dict has shape {value.shape}, "
                    f"the parameter in the model has shape {param.shape}"
                )
                continue
            new_values.append((param, value))
        if problems:
            raise StateDictError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n  " + "\n  ".join(problems)
            )
        for param, value in new_values:
            param._data = np.array(value, dtype=param.dtype)  # a copy: the model never aliases the dict
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The part inside the parentheses of ``repr``; layers override it (``in_features=1, ...``)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): {_indent(repr(module), 2)}" for name, module in self._own_children()]
        if not children and len(lines) <= 1:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(lines + children)
        return f"{type(self).__name__}(\n  {body}\n)"


_STRUCTURAL = (*_STRUCTURAL, Module)


def _indent(text: str, spaces: int) -> str:
    """Indent every line but the first (nested reprs line up under their key)."""
    return text.replace("\n", "\n" + " " * spaces)


def _as_array(value: Any, key: str) -> np.ndarray:
    if isinstance(value, Tensor):
        return value._data
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"state_dict entry {key!r} has dtype {array.dtype}: expected numbers")
    return array
