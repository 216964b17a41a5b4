"""Grad mode: whether new operations record the computation graph.

The mode is per thread, as in PyTorch: ``no_grad()`` in an evaluation thread leaves a
training thread recording. A new thread starts with recording on. (It is kept in a
``contextvars.ContextVar``: each thread has its own context, and reading it is cheap,
which matters because every op reads it.)
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

_grad_enabled: ContextVar[bool] = ContextVar("tinygrad_edu_grad_enabled", default=True)


def is_grad_enabled() -> bool:
    """Return True when new operations record the graph (in this thread).

    >>> import tinygrad_edu as tg
    >>> with tg.no_grad():
    ...     tg.is_grad_enabled()
    False
    """
    return _grad_enabled.get()


def _check_mode(mode: Any) -> bool:
    if mode is True or mode is False:
        return mode
    raise TypeError(f"grad mode must be True or False, got {mode!r}")


class _GradModeSwitch:
    """Sets grad mode for a ``with`` block, or for every call of a decorated function.

    A decorated generator function gets the mode whenever its body runs (each ``next``),
    not only while the generator object is created, as in PyTorch.
    """

    def __init__(self, mode: bool) -> None:
        self.mode = mode
        self._tokens: list[Any] = []  # (a stack: the same switch may be entered again inside its block)

    def __enter__(self) -> None:
        self._tokens.append(_grad_enabled.set(self.mode))

    def __exit__(self, *exc_info: object) -> None:
        _grad_enabled.reset(self._tokens.pop())

    def __call__(self, func: Callable) -> Callable:
        if not callable(func):
            raise TypeError(f"{type(self).__name__} decorates a function, got {func!r}")
        mode = self.mode
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator_in_mode(*args: Any, **kwargs: Any) -> Any:
                return (yield from _run_generator_in_mode(func(*args, **kwargs), mode))

            return generator_in_mode

        @functools.wraps(func)
        def call_in_mode(*args: Any, **kwargs: Any) -> Any:
            with _GradModeSwitch(mode):
                return func(*args, **kwargs)

        return call_in_mode


def _run_generator_in_mode(generator: Any, mode: bool) -> Any:
    """Drive ``generator``, switching to ``mode`` while its body runs and back when it yields.

    Returns what the generator returns (the value of ``yield from``).
    """
    response: Any = None
    throw: BaseException | None = None
    while True:
        try:
            with _GradModeSwitch(mode):
                request = generator.throw(throw) if throw is not None else generator.send(response)
        except StopIteration as stop:
            return stop.value
        response, throw = None, None
        try:
            response = yield request
        except GeneratorExit:
            with _GradModeSwitch(mode):
                generator.close()
            raise
        except BaseException as error:  # thrown in by the caller: deliver it inside the body
            throw = error


class _BareSwitch(_GradModeSwitch):
    """A switch to a fixed mode, usable bare (``@no_grad``) or called (``@no_grad()``), as in PyTorch."""

    _fixed_mode: bool

    def __new__(cls, func: Callable | None = None) -> Any:
        if func is None:
            return super().__new__(cls)
        return cls()(func)  # used bare as a decorator: ``func`` is the decorated function

    def __init__(self, func: Callable | None = None) -> None:
        super().__init__(self._fixed_mode)


class no_grad(_BareSwitch):
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

    _fixed_mode = False


class enable_grad(_BareSwitch):
    """Context manager and decorator that turns recording back on inside ``no_grad``.

    >>> import tinygrad_edu as tg
    >>> with tg.no_grad():
    ...     with tg.enable_grad():
    ...         tg.is_grad_enabled()
    True
    """

    _fixed_mode = True


class set_grad_enabled(_GradModeSwitch):
    """Set grad mode to ``mode`` (True or False), like ``torch.set_grad_enabled``.

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
        if mode is not True and mode is not False:
            _check_mode(mode)
        self.mode = mode
        self._token = _grad_enabled.set(mode)  # takes effect now, as in PyTorch (so a plain call works)

    def __enter__(self) -> None:
        pass  # the call already switched the mode; the end of the block restores the one before it

    def __exit__(self, *exc_info: object) -> None:
        _grad_enabled.reset(self._token)

    def __call__(self, func: Callable) -> Callable:
        _grad_enabled.reset(self._token)  # decorating must not switch the mode outside the function
        return _GradModeSwitch(self.mode)(func)
