"""The registry of op declarations: what each op declares becomes Tensor methods, NumPy
dispatch entries and top-level functions (see ``function.py`` for how an op is declared).

- ``declare_op`` is called for every ``Function`` subclass when its class is created.
- ``declare`` does the same for an op written as a composition of other ops.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from . import _args
from .tensor import Tensor

#: Every op class (not the abstract family bases), by qualified name, in declaration order.
OPS: dict[str, type] = {}
#: NumPy function or ufunc -> the callable that answers it when given Tensors.
NUMPY_FUNCTIONS: dict[Any, Callable] = {}
#: Tensor method name -> what declared it (an op class or a composite function).
_METHOD_OWNERS: dict[str, Any] = {}
#: Top-level function name -> the function (``tg.exp``); ``tinygrad_edu`` exports them all.
FUNCTIONS: dict[str, Callable] = {}
#: The families an op may declare (the visualizer has a colour for each).
FAMILIES = ("arithmetic", "activation", "reduction", "shape", "matmul", "loss", "custom")


def declare_op(cls: Any) -> None:
    """Register an op class: its Tensor methods and the NumPy functions it answers.

    Only what the class itself declares counts (``cls.__dict__``): a subclass does not
    take over the method names of the class it extends.
    """
    if cls.family not in FAMILIES:
        raise ValueError(f"{cls.__name__}.family is {cls.family!r}; choose one of {', '.join(FAMILIES)}")
    if not cls.__dict__.get("abstract", False):
        OPS[_qualified_name(cls)] = cls
    for name in cls.__dict__.get("methods", ()):
        _install_method(name, cls.tensor_method(name), cls)
    for func in cls.__dict__.get("numpy_functions", ()):
        NUMPY_FUNCTIONS[func] = cls.numpy_function(func)
    for name in cls.__dict__.get("functions", ()):
        _install_function(name)


def declare(methods: tuple[str, ...] = (), numpy_functions: tuple = (), functions: tuple[str, ...] = ()) -> Callable:
    """Declare a function composed of ops as Tensor method(s) and/or NumPy function(s).

    For ops written as a composition (softmax, var) rather than one ``Function``: the
    decorated function becomes ``Tensor.<name>`` (its first argument is the tensor)
    and answers the given NumPy functions (with NumPy's signature). ``functions`` names
    the methods that are also top-level functions (``tg.var(t)`` is ``t.var()``).
    """

    def register(func: Callable) -> Callable:
        for name in methods:
            _install_method(name, func, func)
        for numpy_func in numpy_functions:
            NUMPY_FUNCTIONS[numpy_func] = func
        for name in functions:
            _install_function(name)
        return func

    return register


def _install_method(name: str, method: Callable, owner: Any) -> None:
    """Set ``Tensor.<name>``; refuse to hide a method that no declaration made."""
    previous = _METHOD_OWNERS.get(name)
    if name in Tensor.__dict__ and previous is None:
        raise ValueError(f"cannot declare Tensor.{name}: Tensor already defines it")
    if previous is not None and _qualified_name(previous) != _qualified_name(owner):
        raise ValueError(f"cannot declare Tensor.{name} for {_qualified_name(owner)}: {_qualified_name(previous)} declares it")
    if isinstance(owner, type):  # a method made for an op class: name it after the method
        method.__name__ = name
        method.__qualname__ = f"Tensor.{name}"
        method.__doc__ = method.__doc__ or owner.__doc__
    _METHOD_OWNERS[name] = owner
    setattr(Tensor, name, method)


def _install_function(name: str) -> None:
    """Make the top-level function ``tg.<name>(input, *args, **kwargs)``: ``input.<name>(*args, **kwargs)``.

    PyTorch's functions take the tensor first (``torch.exp(x)``, ``torch.sum(x, dim=0)``), so
    each one is its method with the tensor as first argument; arrays and numbers are taken
    as constant tensors. The method is looked up when called, as ``t.name()`` would be.
    """
    if name not in _METHOD_OWNERS:
        raise ValueError(f"cannot declare the function {name}: no Tensor method {name} is declared")

    def function(input: Any, *args: Any, **kwargs: Any) -> Any:  # (``input``: PyTorch's name)
        return getattr(_args.as_tensor(input), name)(*args, **kwargs)

    method = getattr(Tensor, name)
    function.__name__ = function.__qualname__ = name
    function.__module__ = "tinygrad_edu"
    description = (inspect.getdoc(method) or "").split(">>>")[0].strip()  # (the examples belong to the method)
    function.__doc__ = f"``tg.{name}(input, ...)`` is ``input.{name}(...)``, as ``torch.{name}``.\n\n{description}"
    self, *rest = inspect.signature(method).parameters.values()  # the method's arguments, ``input`` first
    function.__signature__ = inspect.Signature([self.replace(name="input"), *rest])
    FUNCTIONS[name] = function


def _qualified_name(owner: Any) -> str:
    return f"{owner.__module__}.{owner.__qualname__}"
