"""``tg.compile``: trace a training step once, replay it as a flat NumPy program.

>>> import tinygrad_edu as tg
>>> from tinygrad_edu import nn, optim
>>> import tinygrad_edu.nn.functional as F
>>> _ = tg.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(1, 8), nn.ReLU(), nn.Linear(8, 1))
>>> opt = optim.SGD(model.parameters(), lr=0.05)
>>> @tg.compile
... def step(x, y):
...     opt.zero_grad()
...     loss = F.mse_loss(model(x), y)
...     loss.backward()
...     opt.step()
...     return loss
>>> x = tg.linspace(-1, 1, 16).reshape(16, 1)
>>> first = step(x, x.abs()).item()     # traced: runs eagerly and records
>>> for _ in range(200):
...     last = step(x, x.abs()).item()  # replayed: NumPy calls only
>>> last < first
True

How it works (see the docs page "Compiling a training step"): the first call with given
argument shapes, dtypes and ``requires_grad`` flags runs ``fn`` eagerly under a ``Tracer``
(``tracer.py``), which writes every forward op, every backward step, every gradient stored
and every optimizer update into a ``Program`` (``program.py``). Later calls replay it.
The second call is checked: it runs both ways from the same state and compares (see
``CompiledFunction``); a step that does something the tracer cannot see then runs eagerly,
with a warning, instead of giving a different answer.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..nn.module import Module
from ..tensor import Tensor
from .program import BACKWARD, FORWARD, UPDATE, OptimizerStep, Program, ReplayGuardError, ZeroGrad, _Slot
from .tracer import TraceError, Tracer, tracing


@dataclass(eq=False)
class _Trace:
    """One recorded program, with the train/eval mode of each module it called."""

    program: Program
    modes: list[tuple[Module, bool]]
    checked: bool = False  # has a replay been compared with an eager run?
    eager_only: bool = False  # the comparison failed: run this case eagerly from now on
    uses: int = 0


@dataclass(eq=False)
class _Snapshot:
    """Copies of everything a step may change (values, gradients, versions, optimizer state)."""

    tensors: list[tuple[Tensor, np.ndarray, Any]] = field(default_factory=list)
    optimizers: list[tuple[Any, dict]] = field(default_factory=list)

    @classmethod
    def take(cls, tensors: list[Tensor], optimizers: list[Any]) -> _Snapshot:
        snapshot = cls()
        for tensor in tensors:
            grad = None if tensor._grad is None else np.array(tensor._grad)
            snapshot.tensors.append((tensor, np.array(tensor._data), grad))
        for optimizer in optimizers:
            snapshot.optimizers.append((optimizer, _copy_state(optimizer.state)))
        return snapshot

    def restore(self) -> None:
        for tensor, data, grad in self.tensors:
            np.copyto(tensor._data, data)
            tensor._grad = None if grad is None else np.array(grad)
            tensor._mark_modified()
        for optimizer, state in self.optimizers:
            optimizer.state.clear()
            optimizer.state.update(_copy_state(state))

    def differences(self, other: _Snapshot, rtol: float) -> list[str]:
        """What differs between two snapshots of the same things, beyond ``rtol``."""
        found = []
        for (tensor, data, grad), (_, data2, grad2) in zip(self.tensors, other.tensors):
            label = tensor.name or f"a tensor of shape {tensor.shape}"
            if not _close(data, data2, rtol):
                found.append(f"the values of {label}")
            if (grad is None) != (grad2 is None) or (grad is not None and not _close(grad, grad2, rtol)):
                found.append(f"the gradient of {label}")
        for (optimizer, state), (_, state2) in zip(self.optimizers, other.optimizers):
            for param, entries in state.items():
                for key, value in entries.items():
                    other_value = state2.get(param, {}).get(key)
                    if not _close(np.asarray(value, dtype=float), np.asarray(other_value, dtype=float), rtol):
                        found.append(f"{type(optimizer).__name__}'s state {key!r}")
        return found


def _copy_state(state: dict) -> dict:
    """A copy of an optimizer's state (its arrays copied, its keys, the parameters, kept)."""
    return {param: {key: np.array(value) if isinstance(value, np.ndarray) else value for key, value in entries.items()}
            for param, entries in state.items()}


def _close(a: np.ndarray, b: np.ndarray, rtol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=rtol, equal_nan=True))


class CompiledFunction:
    """A step function that is traced once per kind of arguments and replayed after that.

    Made by ``tg.compile(fn)``. Calling it:

    1. finds the trace for the arguments' kind: the shapes, dtypes and ``requires_grad``
       flags of the tensor (and array) arguments, the other arguments' values, and the
       train/eval mode of the modules the step called. Up to ``cache_size`` kinds are kept.
    2. With none, it runs ``fn`` eagerly while a ``Tracer`` records it, and returns what
       ``fn`` returned.
    3. Else it replays the recorded program: the result has the same structure as ``fn``'s,
       with new Tensors (no graph) where ``fn`` returned tensors.

    The first replay of each trace is checked against an eager run from the same state
    (``check=True``, the default); if they disagree, that kind of call runs eagerly from
    then on, with a ``RuntimeWarning`` naming what differed.
    """

    def __init__(self, fn: Callable, *, cache_size: int = 8, check: bool = True) -> None:
        if not callable(fn):
            raise TypeError(f"tg.compile expects a function, got {type(fn).__name__}")
        if not isinstance(cache_size, int) or isinstance(cache_size, bool) or cache_size < 1:
            raise ValueError(f"cache_size must be a positive int, got {cache_size!r}")
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.cache_size = cache_size
        self.check = check
        self._traces: dict[Any, list[_Trace]] = {}
        self._last: _Trace | None = None

    # ---------------------------------------------------------------- calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key, data = _signature(args, kwargs)
        trace = self._find(key)
        if trace is None:
            return self._trace(key, data, args, kwargs)
        self._last = trace
        trace.uses += 1
        if trace.eager_only:
            return self.fn(*args, **kwargs)
        if not trace.checked and self.check:
            return self._checked_replay(trace, data, args, kwargs)
        return trace.program.replay(data)

    def eager(self, *args: Any, **kwargs: Any) -> Any:
        """Run the function eagerly, as if it were not compiled (nothing is recorded)."""
        return self.fn(*args, **kwargs)

    def reset(self) -> None:
        """Forget every trace: the next call traces again."""
        self._traces.clear()
        self._last = None

    @property
    def program(self) -> Program:
        """The program of the latest call (for ``viz.draw_graph`` and for reading)."""
        if self._last is None:
            raise RuntimeError("this compiled step has not been called yet: call it once, then look at its program")
        return self._last.program

    @property
    def code(self) -> str:
        """The Python source a replay of the latest call runs: one line of NumPy work per step."""
        return self.program.source()

    @property
    def trace_count(self) -> int:
        """How many traces are kept (one per kind of arguments and train/eval modes)."""
        return sum(len(traces) for traces in self._traces.values())

    # ---------------------------------------------------------------- tracing and checking
    def _find(self, key: Any) -> _Trace | None:
        for trace in self._traces.get(key, ()):
            if all(module.training == training for module, training in trace.modes):
                return trace
        return None

    def _trace(self, key: Any, data: list, args: tuple, kwargs: dict) -> Any:
        tracer = Tracer(data)
        with tracing(tracer):
            result = self.fn(*args, **kwargs)
        tracer.program.result = _structure(result, tracer)
        tracer.program.build()
        trace = _Trace(tracer.program, [(module, module.training) for module in tracer.modules.values()])
        if self.trace_count >= self.cache_size:
            self._evict()
        self._traces.setdefault(key, []).append(trace)
        self._last = trace
        return result

    def _evict(self) -> None:
        """Drop the least used trace."""
        key, index = min(((key, i) for key, traces in self._traces.items() for i in range(len(traces))),
                         key=lambda ki: self._traces[ki[0]][ki[1]].uses)
        del self._traces[key][index]
        if not self._traces[key]:
            del self._traces[key]

    def _checked_replay(self, trace: _Trace, data: list, args: tuple, kwargs: dict) -> Any:
        """Replay, then run eagerly from the same state; keep the eager run's effects and compare."""
        tensors, optimizers = _touched(trace.program)
        before = _Snapshot.take(tensors, optimizers)
        try:
            replayed = trace.program.replay(data)
        except ReplayGuardError:
            replayed = None
        after_replay = _Snapshot.take(tensors, optimizers)
        before.restore()
        result = self.fn(*args, **kwargs)
        after_eager = _Snapshot.take(tensors, optimizers)
        rtol = 1e-9 if _all_double(tensors) else 1e-4
        differences = after_eager.differences(after_replay, rtol)
        if replayed is None:
            differences.append("the library took another branch on the new values")
        elif not _same_result(result, replayed, rtol):
            differences.append("the result")
        trace.checked = True
        if differences:
            trace.eager_only = True
            warnings.warn(
                f"tg.compile: replaying {getattr(self.fn, '__name__', 'the step')} gave different "
                f"{', '.join(differences)} than running it; the step does something the tracer cannot see "
                "(see the docs page 'Compiling a training step'), so it runs eagerly from now on",
                RuntimeWarning, stacklevel=3,
            )
        return result

    def __repr__(self) -> str:
        return f"<compiled {getattr(self.fn, '__qualname__', self.fn)}: {self.trace_count} trace(s)>"


def _signature(args: tuple, kwargs: dict) -> tuple[Any, list]:
    """The cache key of a call, and its data arguments (Tensors and arrays) in order."""
    data: list[Any] = []
    key: list[Any] = []
    for position, value in [*enumerate(args), *sorted(kwargs.items())]:
        if isinstance(value, Tensor):
            data.append(value)
            key.append((position, "tensor", value._data.shape, value._data.dtype.str, value.requires_grad))
        elif isinstance(value, np.ndarray):
            data.append(value)
            key.append((position, "array", value.shape, value.dtype.str))
        else:
            try:
                hash(value)
            except TypeError:
                raise TypeError(
                    f"tg.compile: argument {position!r} is a {type(value).__name__}, which cannot be part of the "
                    "cache key: pass Tensors, arrays or hashable values (numbers, strings, tuples)"
                ) from None
            key.append((position, "value", type(value), value))
    return tuple(key), data


def _structure(result: Any, tracer: Tracer) -> Any:
    """What the step returned, with a ``_Slot`` where it returned a tensor."""
    if isinstance(result, Tensor):
        return _Slot(tracer.slot_for(result))
    if isinstance(result, (tuple, list)):
        return type(result)(_structure(item, tracer) for item in result)
    if isinstance(result, dict):
        return {key: _structure(item, tracer) for key, item in result.items()}
    if isinstance(result, np.ndarray):
        raise TraceError("the compiled step returned a NumPy array (a .grad?): a replay would return the same array "
                         "again; return Tensors, and read .grad after the call")
    return result


def _touched(program: Program) -> tuple[list[Tensor], list[Any]]:
    """The tensors and optimizers a program may read or change (for the check of its first replay)."""
    tensors: dict[int, Tensor] = {id(t): t for _, t in program.leaves}
    optimizers: dict[int, Any] = {}
    for step in program.steps:
        target = getattr(step, "optimizer", None) or getattr(step, "target", None)
        if isinstance(step, (OptimizerStep, ZeroGrad)) and target is not None:
            if isinstance(target, Module):
                tensors.update((id(p), p) for p in target.parameters())
            else:
                optimizers[id(target)] = target
                tensors.update((id(p), p) for group in target.param_groups for p in group["params"])
        tensor = getattr(step, "tensor", None)
        if isinstance(tensor, Tensor):
            tensors[id(tensor)] = tensor
    return list(tensors.values()), list(optimizers.values())


def _all_double(tensors: list[Tensor]) -> bool:
    return all(t._data.dtype == np.float64 for t in tensors)


def _same_result(eager: Any, replayed: Any, rtol: float) -> bool:
    if isinstance(eager, Tensor):
        return isinstance(replayed, Tensor) and _close(eager._data, replayed._data, rtol)
    if isinstance(eager, (tuple, list)):
        return len(eager) == len(replayed) and all(_same_result(a, b, rtol) for a, b in zip(eager, replayed))
    if isinstance(eager, dict):
        return eager.keys() == replayed.keys() and all(_same_result(eager[k], replayed[k], rtol) for k in eager)
    return True


def compile(fn: Callable | None = None, *, cache_size: int = 8, check: bool = True) -> Any:  # noqa: A001
    """Compile a step function: trace it once, replay it as NumPy calls (see the module docstring).

    Use it as ``step = tg.compile(step)`` or as a decorator, ``@tg.compile`` or
    ``@tg.compile(cache_size=4)``. ``check=False`` skips the comparison of the first replay
    with an eager run.
    """
    if fn is None:
        return lambda f: CompiledFunction(f, cache_size=cache_size, check=check)
    return CompiledFunction(fn, cache_size=cache_size, check=check)


__all__ = ["BACKWARD", "FORWARD", "UPDATE", "CompiledFunction", "Program", "ReplayGuardError", "TraceError", "compile"]
