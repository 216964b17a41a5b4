"""``Module`` and ``Parameter``: the containers that hold a model's weights.

A Module keeps its parameters and submodules as ordinary attributes. Whatever is
assigned to it is searched when you ask for ``parameters()``: a ``Parameter``, a
``Module``, or a plain ``list``/``tuple`` holding either (so ``self.layers = [...]``
works like PyTorch's ``ModuleList``). Order is assignment order, and names are
dotted paths like PyTorch's (``"0.weight"``, ``"net.2.bias"``), so a ``state_dict``
loads into the equivalent ``torch.nn`` model.

Calling a module (``model(x)``) runs ``forward``. While it runs, the module is on a
(per-thread) stack of module calls, and a node hook records that stack on every graph
node made meanwhile (``node.module_scope``), so the visualizer can draw the modules as
clusters and name the parameters as ``named_parameters()`` does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from contextvars import ContextVar

from ..function import Context, add_node_hook
from ..ops.convert import check_device, to_arguments
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

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True, dtype: Any = None, name: str | None = None) -> None:
        if data is None:
            data = np.empty(0)
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, name=name)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> Any:  # copy/deepcopy/pickle keep the class and the values
        return (_rebuild_parameter, (self._data, self.requires_grad, self.name))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool, name: str | None) -> Parameter:
    return Parameter(data, requires_grad=requires_grad, name=name)


#: The modules being called, outermost first. Per thread (each thread has its own context), as
#: grad mode is; a ContextVar because reading it is cheap and the node hook reads it for every op.
_module_calls: ContextVar[tuple] = ContextVar("tinygrad_edu_module_calls", default=())


def _record_module_scope(node: Context) -> None:
    """Node hook: note on every new graph node which modules were running."""
    calls = _module_calls.get()
    if calls:
        node.module_scope = calls


add_node_hook(_record_module_scope)


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

    # A class-level default, so a subclass that forgets super().__init__() still works.
    training: bool = True

    def __init__(self) -> None:
        pass

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        token = _module_calls.set(_module_calls.get() + (self,))
        try:
            return self.forward(*args, **kwargs)
        finally:
            _module_calls.reset(token)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        previous = self.__dict__.get(name)
        if isinstance(previous, Parameter) and value is not None and not isinstance(value, Parameter):
            raise TypeError(
                f"cannot assign {type(value).__name__} to parameter {name!r} of {type(self).__name__} "
                "(a Parameter or None expected): update its values with .data = ..., or assign a tg.nn.Parameter"
            )
        object.__setattr__(self, name, value)

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

    # ------------------------------------------------------------------ dtype and device
    def to(self, *args: Any, dtype: Any = None, device: Any = None, non_blocking: bool = False) -> Module:
        """Cast every parameter and buffer to a float dtype, in place; return ``self`` (PyTorch's
        ``Module.to``): ``model.to(np.float32)``, ``model.to(tensor)`` (its dtype), ``model.to('cpu')``.

        The Parameter objects stay the same (only their data changes), so an optimizer made
        before keeps working. The only device is ``'cpu'``; ``'cuda'`` raises.

        >>> import numpy as np, tinygrad_edu as tg
        >>> model = tg.nn.Linear(2, 1)
        >>> weight = model.weight
        >>> model.to(np.float32) is model, model.weight is weight, model.weight.dtype
        (True, True, dtype('float32'))
        """
        dtype, _ = to_arguments(args, dtype, device, "Module.to")
        if dtype is not None:
            for tensor in self._tensors():
                if tensor.dtype != dtype:
                    tensor.data = tensor._data.astype(dtype)  # (the gradient, if any, is cast along)
        return self

    def float(self) -> Module:
        """Cast every parameter and buffer to float32 in place (``to(np.float32)``); return ``self``."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Cast every parameter and buffer to float64 in place; return ``self``."""
        return self.to(np.float64)

    def half(self) -> Module:
        """Cast every parameter and buffer to float16 in place; return ``self``."""
        return self.to(np.float16)

    def cpu(self) -> Module:
        """``self``: the CPU is the only device."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Raises: tinygrad_edu runs on the CPU with NumPy."""
        check_device("cuda" if device is None else f"cuda:{device}", "Module.cuda()")
        return self

    def _tensors(self) -> Iterator[Tensor]:
        """Every parameter, and every other Tensor held by a module (its buffers), each once."""
        seen: set[int] = set()
        for module in self.modules():
            for value in module.__dict__.values():
                for item in (value if type(value) in (list, tuple) else (value,)):
                    if isinstance(item, Tensor) and id(item) not in seen:
                        seen.add(id(item))
                        yield item

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
