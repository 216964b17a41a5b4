"""Layers: ``Linear``, activations, and the containers ``Sequential``, ``ModuleList`` and ``MLP``."""

from __future__ import annotations

import copy
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..dtypes import as_float_dtype, get_default_dtype
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter


def _check_size(value: Any, name: str, allow_zero: bool = True) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {value}")
    return int(value)


class Linear(Module):
    """y = x @ Wᵀ + b with ``weight`` W of shape (out_features, in_features).

    Initialized like PyTorch: W and b uniform in [-1/sqrt(in_features), 1/sqrt(in_features)]
    (``kaiming_uniform_`` with a = sqrt(5)), drawn from ``rng`` or the global generator.

    >>> import tinygrad_edu as tg
    >>> layer = tg.nn.Linear(3, 2)
    >>> layer
    Linear(in_features=3, out_features=2, bias=True)
    >>> layer(tg.ones(5, 3)).shape
    (5, 2)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.in_features = _check_size(in_features, "in_features")
        self.out_features = _check_size(out_features, "out_features")
        dtype = get_default_dtype() if dtype is None else as_float_dtype(dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype=dtype)) if bias else None
        self.reset_parameters(rng=rng)

    def reset_parameters(self, rng: np.random.Generator | None = None) -> None:
        """Draw fresh weights with PyTorch's default scheme."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Module):
    """max(0, x) elementwise.

    >>> import tinygrad_edu as tg
    >>> tg.nn.ReLU()(tg.Tensor([-1.0, 3.0])).tolist()
    [0.0, 3.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    """x for x > 0, ``negative_slope``·x otherwise.

    >>> import tinygrad_edu as tg
    >>> tg.nn.LeakyReLU(0.1)
    LeakyReLU(negative_slope=0.1)
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float, np.floating, np.integer)):
            raise TypeError(f"negative_slope must be a number, got {negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def forward(self, x: Any) -> Any:
        return x


class _Order:
    """A container's modules in order (an object, not a tuple, so nobody searches it for submodules)."""

    __slots__ = ("modules",)

    def __init__(self, modules: Iterable[Module]) -> None:
        self.modules = tuple(modules)


class _ModuleSequence(Module):
    """Modules stored under the keys "0", "1", ...: indexing, iteration, len, append."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for module in modules:
            self.append(module)

    _order: _Order | None = None  # the modules in order, read from __dict__ again after any change

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, "_order", None)
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        object.__setattr__(self, "_order", None)
        super().__delattr__(name)

    def _keys(self) -> list[str]:
        return [key for key, value in self.__dict__.items() if isinstance(value, Module)]

    def _items(self) -> tuple[Module, ...]:
        """The modules in order (kept between calls: a forward reads it once per call)."""
        if self._order is None:
            object.__setattr__(self, "_order", _Order(value for value in self.__dict__.values() if isinstance(value, Module)))
        return self._order.modules

    def _renumber(self, modules: list[Module]) -> None:
        for key in self._keys():
            delattr(self, key)
        for i, module in enumerate(modules):
            setattr(self, str(i), module)

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[Module]:
        return iter(self._items())

    def _index(self, index: Any) -> int:
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, got {type(index).__name__}")
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for {type(self).__name__} of length {n}")
        return int(index) % n

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self._slice(index)
        return self._items()[self._index(index)]

    def _slice(self, index: slice) -> Module:
        raise NotImplementedError

    def __setitem__(self, index: int, module: Module) -> None:
        _check_module(module)
        setattr(self, self._keys()[self._index(index)], module)

    def __delitem__(self, index: int | slice) -> None:
        items = list(self._items())
        if isinstance(index, slice):
            del items[index]
        else:
            del items[self._index(index)]
        self._renumber(items)

    def append(self, module: Module) -> _ModuleSequence:
        """Add a module at the end; returns ``self``."""
        _check_module(module)
        setattr(self, str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> _ModuleSequence:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        _check_module(module)
        items = list(self._items())
        items.insert(index, module)
        self._renumber(items)


def _check_module(module: Any) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"{type(module).__name__} is not a Module (did you forget to instantiate it, e.g. ReLU()?)")
    return module


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters are registered (names ``"0.weight"``, ...).

    >>> import tinygrad_edu as tg
    >>> layers = tg.nn.ModuleList([tg.nn.Linear(2, 2) for _ in range(3)])
    >>> len(layers), len(list(layers.parameters()))
    (3, 6)
    """

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward: iterate over it in your model's forward")

    def _slice(self, index: slice) -> ModuleList:
        return ModuleList(self._items()[index])  # renumbered from 0, like PyTorch

    def __repr__(self) -> str:
        """Like PyTorch's: runs of identical modules are shown once, as ``(0-2): 3 x Linear(...)``."""
        reprs = [repr(module) for module in self]
        if not reprs:
            return "ModuleList()"
        runs: list[list[Any]] = []  # [first index, last index, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [
            f"({first}): {text}" if first == last else f"({first}-{last}): {last - first + 1} x {text}"
            for first, last, text in runs
        ]
        body = "\n  ".join(line.replace("\n", "\n  ") for line in lines)
        return f"{type(self).__name__}(\n  {body}\n)"


class Sequential(_ModuleSequence):
    """Applies its modules one after the other; indexable (ints, negative ints, slices) and iterable.

    ``Sequential(OrderedDict([("fc", Linear(1, 2)), ...]))`` names the children.

    >>> import tinygrad_edu as tg
    >>> net = tg.nn.Sequential(tg.nn.Linear(1, 20), tg.nn.ReLU(), tg.nn.Linear(20, 1))
    >>> print(net)
    Sequential(
      (0): Linear(in_features=1, out_features=20, bias=True)
      (1): ReLU()
      (2): Linear(in_features=20, out_features=1, bias=True)
    )
    >>> net[-1].out_features, len(net[:2])
    (1, 2)
    """

    def __init__(self, *modules: Module | OrderedDict) -> None:
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            Module.__init__(self)
            for key, module in modules[0].items():
                self.add_module(key, _check_module(module))
        else:
            super().__init__(modules)

    def _slice(self, index: slice) -> Sequential:
        # A plain Sequential that keeps the original keys (like PyTorch), even when slicing an MLP.
        return Sequential(OrderedDict(list(zip(self._keys(), self._items()))[index]))

    def forward(self, x: Any) -> Any:
        for module in self._items():
            x = module(x)
        return x


def _activation_factory(activation: Any) -> Callable[[], Module]:
    if isinstance(activation, Module):
        return lambda: copy.deepcopy(activation)
    if isinstance(activation, type) or (callable(activation) and not isinstance(activation, np.ufunc)):
        return activation
    raise TypeError(f"activation must be a Module class (e.g. nn.ReLU) or instance, got {activation!r}")


def _make_activation(make: Callable[[], Module], activation: Any) -> Module:
    try:
        module = make()
    except TypeError as error:  # e.g. F.relu, which needs the input: not a factory of modules
        raise TypeError(
            f"activation must be a Module class (e.g. nn.ReLU) or instance; calling {activation!r} with no "
            f"arguments failed ({error})"
        ) from None
    return _check_module(module)


class MLP(Sequential):
    """A multilayer perceptron: Linear, activation, Linear, activation, ..., Linear.

    ``MLP(1, [64, 64], 1)`` has the same layout (and state-dict keys) as
    ``torch.nn.Sequential(Linear(1, 64), ReLU(), Linear(64, 64), ReLU(), Linear(64, 1))``:
    the linear layers are at the even positions, so the keys are ``"0.weight"``,
    ``"0.bias"``, ``"2.weight"``, ..., ``"{2k}.bias"`` for k = len(hidden).
    ``activation`` is a Module class or factory (called once per hidden layer) or an
    instance (copied per layer). No activation follows the last layer.

    >>> import tinygrad_edu as tg
    >>> mlp = tg.nn.MLP(1, [64, 64], 1)
    >>> list(mlp.state_dict())
    ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']
    >>> mlp(tg.zeros(8, 1)).shape
    (8, 1)
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int],
        out_features: int,
        activation: Any = ReLU,
        bias: bool = True,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        if isinstance(hidden, (int, np.integer)):
            raise TypeError(f"hidden must be a sequence of layer widths such as [{hidden}], got the integer {hidden}")
        if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
            raise TypeError(f"hidden must be a sequence of layer widths such as [64, 64], got {hidden!r}")
        widths = [_check_size(in_features, "in_features", allow_zero=False)]
        widths += [_check_size(w, "hidden width", allow_zero=False) for w in hidden]
        widths.append(_check_size(out_features, "out_features", allow_zero=False))
        make_activation = _activation_factory(activation)
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(Linear(n_in, n_out, bias=bias, dtype=dtype, rng=rng))
            if i < len(widths) - 2:
                layers.append(_make_activation(make_activation, activation))
        super().__init__(*layers)
        object.__setattr__(self, "in_features", widths[0])
        object.__setattr__(self, "hidden", tuple(widths[1:-1]))
        object.__setattr__(self, "out_features", widths[-1])


__all__ = ["Identity", "LeakyReLU", "Linear", "MLP", "ModuleList", "ReLU", "Sequential", "Sigmoid", "Tanh"]
