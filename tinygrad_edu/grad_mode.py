"""Grad mode: whether operations record the computation graph.

The state lives in one small object, ``state``, that every op reads on its hot path.
It also holds the modules currently being called (set by ``nn.Module.__call__``,
outermost first), which ops record on their graph nodes so the visualizer can draw
modules as clusters and name parameters.
"""

from __future__ import annotations

import contextlib
from typing import Any


class _GraphState:
    __slots__ = ("grad_enabled", "module_scope")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.module_scope: tuple = ()


state = _GraphState()


def is_grad_enabled() -> bool:
    """Return True when new operations record the graph.

    >>> import tinygrad_edu as tg
    >>> with tg.no_grad():
    ...     tg.is_grad_enabled()
    False
    """
    return state.grad_enabled


class _SetGradMode(contextlib.ContextDecorator):
    _mode: bool

    def _recreate_cm(self) -> _SetGradMode:
        # A decorated function reuses one object for every call; a fresh copy per call
        # keeps the saved previous mode right when the function calls itself.
        fresh = object.__new__(type(self))
        fresh._mode = self._mode
        return fresh

    def __enter__(self) -> None:
        self._previous = state.grad_enabled
        state.grad_enabled = self._mode

    def __exit__(self, *exc_info: object) -> None:
        state.grad_enabled = self._previous


class _NoArgumentDecorator(_SetGradMode):
    """Also usable bare as ``@no_grad`` (without parentheses), like PyTorch."""

    def __new__(cls, func: Any = None) -> Any:
        self = super().__new__(cls)
        if func is None:
            return self
        if not callable(func):
            raise TypeError(f"{cls.__name__}() takes no arguments (or a function to decorate), got {func!r}")
        return self(func)


class no_grad(_NoArgumentDecorator):
    """Context manager and decorator: operations inside record no graph.

    Their outputs have ``requires_grad=False``. Use it for evaluation and for
    optimizer updates.

    >>> import tinygrad_edu as tg
    >>> w = tg.ones(3, requires_grad=True)
    >>> with tg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    _mode = False


class enable_grad(_NoArgumentDecorator):
    """Context manager and decorator that turns recording back on inside ``no_grad``.

    >>> import tinygrad_edu as tg
    >>> with tg.no_grad():
    ...     with tg.enable_grad():
    ...         tg.is_grad_enabled()
    True
    """

    _mode = True


class set_grad_enabled(_SetGradMode):
    """Set grad mode to ``mode``, like ``torch.set_grad_enabled``.

    As a plain call it switches the mode at once (and it stays switched); as a
    context manager the previous mode comes back at the end of the block; as a
    decorator it applies to each call of the function only.

    >>> import tinygrad_edu as tg
    >>> with tg.set_grad_enabled(False):
    ...     tg.is_grad_enabled()
    False
    >>> _ = tg.set_grad_enabled(False); tg.is_grad_enabled()
    False
    >>> _ = tg.set_grad_enabled(True); tg.is_grad_enabled()
    True
    """

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._previous = state.grad_enabled
        state.grad_enabled = self._mode  # takes effect now, as in PyTorch (so a plain call works)

    def __enter__(self) -> None:
        if "_previous" not in self.__dict__:  # a fresh copy made for one call of a decorated function
            self._previous = state.grad_enabled
        state.grad_enabled = self._mode

    def __call__(self, func: Any) -> Any:
        state.grad_enabled = self._previous  # decorating must not switch the mode outside the function
        return super().__call__(func)
