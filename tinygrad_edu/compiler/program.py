"""A captured training step: a list of recorded steps, turned into one flat Python function.

The tracer (``tracer.py``) records a ``Program`` while the step runs once eagerly. Each
recorded step reads values from numbered *slots* and writes its results into others:

- ``OpStep``: one op's forward (``Linear``, ``ReLU``, ``MSELoss`` ...).
- ``BackwardStep``: one op's backward, on the values its forward saved in this replay; with
  ``FitStep`` (sum a gradient back over broadcast axes) and ``AddStep`` (gradients from two
  uses of one value) it is the backward pass: a graph derived from the forward one.
- ``ValueStep``: a question about values that ops use as a constant (``t > 0``, argmax).
- ``CopyStep``: a new tensor made inside the step from a value of the step.
- ``StoreGrad``, ``ZeroGrad``, ``OptimizerStep``, ``InPlace``: the effects on the model,
  its ``.grad`` and the optimizer, replayed as they happened.

``Program.source()`` writes the steps out as the body of one Python function, one line of
NumPy work per step, each slot a local variable (``v7``) deleted after its last use; that
function is what a replay calls. Print it (``compiled_step.code``) to see what one training
step really is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import store_one_grad, unbroadcast
from ..function import Context, _as_output_array
from ..grad_mode import no_grad
from ..tensor import Tensor

# What a step is in the drawing: part of the forward pass, of the backward pass, or an update.
FORWARD, BACKWARD, UPDATE = "forward", "backward", "update"


class ReplayContext(Context):
    """The context an op's forward and backward share during a replay (no graph, no inputs).

    Its forward, earlier in the same replay, saved the values its backward reads; there is
    nothing to check, since a replay changes nothing in place between the two.
    """

    @property
    def saved_tensors(self) -> tuple:
        return self._saved


class _Names:
    """The names the generated source uses: ``v<slot>`` for values, a global name for each object."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"np": np, "Tensor": Tensor}
        self._given: dict[int, str] = {}

    def of(self, obj: Any, hint: str) -> str:
        """A global name for ``obj`` in the generated function (the same name for the same object)."""
        name = self._given.get(id(obj))
        if name is None:
            name = self._given[id(obj)] = f"{_identifier(hint)}_{len(self._given)}"
            self.namespace[name] = obj
        return name


def _identifier(text: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in text).strip("_") or "value"
    return cleaned if not cleaned[0].isdigit() else f"_{cleaned}"


def v(slot: int) -> str:
    """The local variable of a slot."""
    return f"v{slot}"


@dataclass(eq=False)
class Step:
    """One recorded action. ``reads``/``writes`` are slot numbers; ``phase`` is for the drawing."""

    name: str
    phase: str
    reads: tuple[int, ...] = ()
    writes: tuple[int, ...] = ()

    def emit(self, names: _Names) -> list[str]:
        """The lines of Python that replay this step."""
        raise NotImplementedError


@dataclass(eq=False)
class OpStep(Step):
    """``v_out = Op.forward(ctx, *inputs, **options)``; constants are kept in their own slots."""

    function: Any = None
    ctx: Any = None
    options: dict = field(default_factory=dict)

    def emit(self, names: _Names) -> list[str]:
        op, ctx = names.of(self.function, self.function.__name__), names.of(self.ctx, "ctx")
        arguments = [v(i) for i in self.reads]
        if self.options:
            arguments.append(f"**{names.of(self.options, 'options')}")
        out = v(self.writes[0])
        return [
            f"{out} = {op}.forward({ctx}, {', '.join(arguments)})",
            # (a forward may answer a NumPy scalar or an int array: made a float array, as Function.apply does)
            f"if {out}.__class__ is not np.ndarray or {out}.dtype.kind != 'f': "
            f"{out} = {names.of(_as_output_array, 'as_output_array')}({out}, [{', '.join(v(i) for i in self.reads)}], {ctx})",
        ]


@dataclass(eq=False)
class BackwardStep(Step):
    """One op's backward: ``grads = Op.backward(ctx, v_grad_output)`` on this replay's saved values.

    ``ctx`` is the context of the op's ``OpStep``. ``outputs`` are (input index, slot).
    """

    function: Any = None
    ctx: Any = None
    outputs: tuple[tuple[int, int], ...] = ()

    def emit(self, names: _Names) -> list[str]:
        op, ctx, grad = names.of(self.function, self.function.__name__), names.of(self.ctx, "ctx"), v(self.reads[0])
        if self.function.backward_accepts_arrays:
            call = f"{op}.backward({ctx}, {grad})"
        else:  # a user's op whose backward is written with Tensor operations
            call = f"{names.of(_tensor_backward, 'tensor_backward')}({op}, {ctx}, {grad})"
        lines = [f"grads = {call}", "if grads.__class__ is not tuple: grads = (grads,)"]
        lines += [f"{v(slot)} = grads[{index}]" for index, slot in self.outputs]
        return lines


def _tensor_backward(function: Any, ctx: ReplayContext, grad_output: np.ndarray) -> tuple:
    """Run a backward written with Tensor operations on arrays: wrap, run without a graph, unwrap."""
    saved = ctx._saved
    ctx._saved = tuple(Tensor._wrap(x) if isinstance(x, np.ndarray) else x for x in saved)
    try:
        with no_grad():
            grads = function.backward(ctx, Tensor._wrap(np.asarray(grad_output)))
    finally:
        ctx._saved = saved
    if type(grads) is not tuple:
        grads = (grads,)
    return tuple(g._data if isinstance(g, Tensor) else g for g in grads)


@dataclass(eq=False)
class FitStep(Step):
    """A gradient made to fit its input: summed over broadcast axes, in the input's dtype."""

    shape: tuple[int, ...] = ()
    dtype: Any = None

    def emit(self, names: _Names) -> list[str]:
        return [f"{v(self.writes[0])} = {names.of(_fit, 'fit')}({v(self.reads[0])}, {self.shape!r}, "
                f"{names.of(self.dtype, 'dtype')})"]


def _fit(grad: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """What ``autograd.fit_gradient`` does to a gradient in a plain backward."""
    if type(grad) is not np.ndarray:
        grad = np.asarray(grad, dtype=dtype)
    if grad.shape != shape:
        grad = unbroadcast(grad, shape)
    return grad if grad.dtype == dtype else grad.astype(dtype)


@dataclass(eq=False)
class AddStep(Step):
    """``v_out = v_a + v_b``: the gradients from two uses of one value."""

    def emit(self, names: _Names) -> list[str]:
        return [f"{v(self.writes[0])} = {v(self.reads[0])} + {v(self.reads[1])}"]


@dataclass(eq=False)
class ValueStep(Step):
    """``v_out = func(*inputs)``: a comparison or another question about values.

    A question with several answers (a tuple) writes each array answer to its slot (-1:
    the traced call answered None there, and a replay must answer None too).
    """

    func: Callable = None  # type: ignore[assignment]
    kwargs: dict = field(default_factory=dict)
    tuple_result: bool = False

    def emit(self, names: _Names) -> list[str]:
        call = f"{names.of(self.func, getattr(self.func, '__name__', 'value'))}({', '.join(v(i) for i in self.reads)}"
        call += f", **{names.of(self.kwargs, 'kwargs')})" if self.kwargs else ")"
        if not self.tuple_result:
            return [f"{v(self.writes[0])} = {call}"]
        pattern = tuple(slot != -1 for slot in self.writes)
        lines = [f"answers = {names.of(_same_kinds, 'same_kinds')}({call}, {pattern!r}, {self.name!r})"]
        lines += [f"{v(slot)} = answers[{i}]" for i, slot in enumerate(self.writes) if slot != -1]
        return lines


def _same_kinds(answers: tuple, pattern: tuple[bool, ...], name: str) -> tuple:
    """Check that a replayed question answers arrays and None where the traced one did."""
    if tuple(a is not None for a in answers) != pattern:
        raise ReplayGuardError(
            f"{name} answered differently in kind (None or not) than when the step was traced; "
            "run this call eagerly (.eager(...)) or trace again (.reset())"
        )
    return answers


@dataclass(eq=False)
class CopyStep(Step):
    """``v_out = copy of v_in`` in a float dtype: ``tg.Tensor(value)`` inside the step."""

    dtype: Any = None

    def emit(self, names: _Names) -> list[str]:
        return [f"{v(self.writes[0])} = np.array({v(self.reads[0])}, dtype={names.of(self.dtype, 'dtype')})"]


@dataclass(eq=False)
class StoreGrad(Step):
    """Add ``v_in`` into ``tensor.grad``, exactly as ``backward()`` does.

    ``copy``: the same array was already stored into another tensor's ``.grad`` (each
    ``.grad`` must be its own array). ``tensor_slot``: the tensor is an argument of the step,
    a different one at each call (-1: a tensor from outside, always the same).
    """

    tensor: Tensor = None  # type: ignore[assignment]
    copy: bool = False
    tensor_slot: int = -1

    def emit(self, names: _Names) -> list[str]:
        tensor = _tensor_name(self, names)
        grad = v(self.reads[0])
        given = f"{{id({grad})}}" if self.copy else "set()"
        return [f"{names.of(store_one_grad, 'store_one_grad')}({tensor}, {grad}, {given})"]


def _tensor_name(step: Any, names: _Names) -> str:
    if step.tensor_slot >= 0:
        return v(step.tensor_slot)
    return names.of(step.tensor, step.tensor.name or "tensor")


@dataclass(eq=False)
class ZeroGrad(Step):
    """``target.zero_grad(set_to_none)`` (an optimizer or a module)."""

    target: Any = None
    set_to_none: bool = True

    def emit(self, names: _Names) -> list[str]:
        return [f"{names.of(self.target, type(self.target).__name__)}.zero_grad(set_to_none={self.set_to_none})"]


@dataclass(eq=False)
class OptimizerStep(Step):
    """``optimizer.step()``: its options (the learning rate ...) are read now, at replay."""

    optimizer: Any = None

    def emit(self, names: _Names) -> list[str]:
        return [f"{names.of(self.optimizer, type(self.optimizer).__name__)}.step()"]


@dataclass(eq=False)
class InPlace(Step):
    """``v_target[...] = v_value`` in place (``t -= x``, ``t[0] = y`` ...).

    ``reads`` are (value, target). A tensor from outside the step (``tensor``) or an argument
    (``tensor_slot``) also gets its version bumped, as eagerly; an intermediate value is
    just an array in a replay.
    """

    tensor: Tensor | None = None
    index: Any = None  # None: the whole tensor
    tensor_slot: int = -1  # as in StoreGrad

    def emit(self, names: _Names) -> list[str]:
        value, target = v(self.reads[0]), v(self.reads[1])
        if self.index is None:
            lines = [f"np.copyto({target}, np.broadcast_to({value}, {target}.shape), casting='same_kind')"]
        else:
            lines = [f"{target}[{names.of(self.index, 'index')}] = {value}"]
        if self.tensor is not None or self.tensor_slot >= 0:
            lines.append(f"{_tensor_name(self, names)}._mark_modified()")
        return lines


@dataclass(eq=False)
class Program:
    """The recorded steps, the slots they use, and where the inputs, leaves and result live."""

    steps: list[Step] = field(default_factory=list)
    slot_count: int = 0
    argument_slots: list[int] = field(default_factory=list)  # the array of each data argument of the step
    argument_tensor_slots: list[int] = field(default_factory=list)  # ... and the Tensor itself (-1: an array)
    leaves: list[tuple[int, Tensor]] = field(default_factory=list)  # (slot, tensor): read at each replay
    constants: list[tuple[int, Any]] = field(default_factory=list)  # (slot, value): the same every time
    result: Any = None  # the structure of what the step returned, with slots in place of tensors
    slot_labels: dict[int, str] = field(default_factory=dict)  # for the drawing
    _function: Callable | None = field(default=None, repr=False)
    _source: str = field(default="", repr=False)

    def new_slot(self, label: str = "") -> int:
        self.slot_count += 1
        if label:
            self.slot_labels[self.slot_count - 1] = label
        return self.slot_count - 1

    def replay(self, arguments: list[Any]) -> Any:
        """Run the program on new data arguments (Tensors or arrays, in the traced order)."""
        if self._function is None:
            self.build()
        return self._function(*arguments)  # type: ignore[misc]

    def source(self) -> str:
        """The Python source of the replay function (see the module docstring)."""
        if self._function is None:
            self.build()
        return self._source

    def build(self) -> None:
        """Write the steps out as one Python function and compile it."""
        names = _Names()
        parameters, lines = [], []
        for slot, tensor_slot in zip(self.argument_slots, self.argument_tensor_slots):
            parameters.append(v(tensor_slot if tensor_slot >= 0 else slot))
            if tensor_slot >= 0:
                lines.append(f"{v(slot)} = {v(tensor_slot)}._data")
        for slot, value in self.constants:
            lines.append(f"{v(slot)} = {names.of(value, 'constant')}")
        for slot, tensor in self.leaves:
            lines.append(f"{v(slot)} = {names.of(tensor, tensor.name or 'parameter')}._data")
        last_reads = self._last_reads()
        for index, step in enumerate(self.steps):
            lines.append(f"# {step.phase}: {step.name}")
            lines += step.emit(names)
            if last_reads.get(index):
                lines.append(f"del {', '.join(v(slot) for slot in last_reads[index])}")
        lines.append(f"return {_result_source(self.result, names)}")
        self._source = f"def replay({', '.join(parameters)}):\n" + "".join(f"    {line}\n" for line in lines)
        exec(compile(self._source, "<tg.compile replay>", "exec"), names.namespace)  # noqa: S102 (our own source)
        self._function = names.namespace["replay"]

    def _last_reads(self) -> dict[int, list[int]]:
        """For each step, the slots it reads for the last time (deleted after it), except the result's."""
        kept = set(_slots_in(self.result)) | {slot for slot, _ in self.constants} | set(self.argument_tensor_slots)
        seen: set[int] = set()
        last: dict[int, list[int]] = {}
        for index in range(len(self.steps) - 1, -1, -1):
            fresh = [s for s in dict.fromkeys(self.steps[index].reads) if s not in seen and s not in kept]
            if fresh:
                last[index] = fresh
            seen.update(self.steps[index].reads)
        return last

    def count(self, phase: str) -> int:
        return sum(1 for step in self.steps if step.phase == phase)


class ReplayGuardError(RuntimeError):
    """A replay met values on which a library op branches differently than when it was traced."""


def _slots_in(structure: Any) -> list[int]:
    if isinstance(structure, _Slot):
        return [structure.index]
    if isinstance(structure, (tuple, list)):
        return [slot for item in structure for slot in _slots_in(item)]
    if isinstance(structure, dict):
        return [slot for item in structure.values() for slot in _slots_in(item)]
    return []


def _result_source(structure: Any, names: _Names) -> str:
    """The expression that rebuilds the step's result: new Tensors where it returned tensors."""
    if isinstance(structure, _Slot):
        return f"Tensor._wrap({v(structure.index)})"
    if isinstance(structure, tuple):
        return "(" + "".join(f"{_result_source(item, names)}, " for item in structure) + ")"
    if isinstance(structure, list):
        return "[" + ", ".join(_result_source(item, names) for item in structure) + "]"
    if isinstance(structure, dict):
        items = ", ".join(f"{names.of(key, 'key')}: {_result_source(item, names)}" for key, item in structure.items())
        return "{" + items + "}"
    return names.of(structure, "returned") if structure is not None else "None"


@dataclass(frozen=True)
class _Slot:
    """Marks where a tensor was in the step's result."""

    index: int
