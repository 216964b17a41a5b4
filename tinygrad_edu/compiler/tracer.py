"""Recording a training step while it runs once, eagerly: the ``Tracer``.

While a ``Tracer`` is active (a ``with`` block around the first call of a compiled step), it
listens at the few places where a step does its work, and writes each action into a
``Program``:

- ``Function.apply``: every op's forward;
- ``autograd.run_backward``: the backward pass, recorded node by node (each op's backward,
  the sums over broadcast axes, the sums of gradients from several uses);
- ``ops.values.answer``: every question about values that ops then use (masks, indices);
- ``autograd.store_grads``, ``Optimizer.step``, ``zero_grad``, in-place updates: the effects on
  the model, its gradients and the optimizer;
- new Tensors made inside the step from its values (``tg.Tensor(x * 2)``).

Values are followed by the identity of their arrays: each array the step makes gets a slot.
A tensor from outside the step (a parameter) is read again at every replay; anything else an
op is given (a Python number, a constant array) is kept as it was.

What cannot be replayed is refused at once, with the line that did it: reading a value into
Python (``.item()``, ``if t > 0:``), random draws, new parameters or optimizers.
"""

from __future__ import annotations

import heapq
import traceback
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from typing import Any

import numpy as np

from .. import autograd, randomness
from ..function import Function
from ..nn.module import Module, Parameter
from ..ops import inplace, values
from ..optim.optimizer import Optimizer
from ..tensor import Tensor
from .program import (
    BACKWARD, FORWARD, UPDATE, AddStep, BackwardStep, CopyStep, FitStep, InPlace, OpStep, OptimizerStep, Program,
    ReplayContext, StoreGrad, ValueStep, ZeroGrad, _Slot,
)

_PACKAGE_DIR = __file__.rsplit("/compiler/", 1)[0]


class TraceError(RuntimeError):
    """The step does something a replay could not repeat (read a value into Python, draw random numbers ...)."""


class Tracer:
    """Records one run of a step into a ``Program`` (see the module docstring)."""

    def __init__(self, arguments: list[Any]) -> None:
        self.program = Program()
        self.slot_of: dict[int, int] = {}  # id(array) -> the slot holding it
        self.keep: list[Any] = []  # everything whose id is a key above stays alive while tracing
        self.leaf_slot: dict[int, int] = {}  # id(outside tensor) -> its slot
        self.phase = FORWARD
        self.modules: dict[int, Module] = {}  # the modules the step called (their train/eval mode matters)
        self.op_steps: dict[int, OpStep] = {}  # id(graph node) -> the step that replays its forward
        self.paused = False  # (while an op's backward runs: its own ops are not the step's)
        self.argument_tensor_slot: dict[int, int] = {}  # id(Tensor argument) -> the slot holding it
        for index, argument in enumerate(arguments):
            slot = self.program.new_slot(f"argument {index}")
            self.program.argument_slots.append(slot)
            if isinstance(argument, Tensor):
                self._know(argument._data, slot)
                tensor_slot = self.argument_tensor_slot[id(argument)] = self.program.new_slot()
                self.keep.append(argument)
            else:
                self._know(argument, slot)
                tensor_slot = -1
            self.program.argument_tensor_slots.append(tensor_slot)
        self.stored: set[int] = set()  # slots already stored into a .grad

    # ---------------------------------------------------------------- slots
    def _know(self, array: Any, slot: int) -> None:
        self.slot_of[id(array)] = slot
        self.keep.append(array)

    def is_traced(self, array: Any) -> bool:
        """Was ``array`` made by (or given to) the step, rather than coming from outside it?"""
        return id(array) in self.slot_of

    def slot_for(self, value: Any) -> int:
        """The slot an input of a recorded step is read from (known, an outside tensor's, or a constant's)."""
        if isinstance(value, Tensor):
            slot = self.slot_of.get(id(value._data))
            return slot if slot is not None else self._leaf(value)
        if isinstance(value, np.ndarray):
            slot = self.slot_of.get(id(value))
            if slot is not None:
                return slot
        slot = self.program.new_slot("constant")
        self.program.constants.append((slot, value))
        self.keep.append(value)
        return slot

    def _leaf(self, tensor: Tensor) -> int:
        slot = self.leaf_slot.get(id(tensor))
        if slot is None:
            slot = self.leaf_slot[id(tensor)] = self.program.new_slot(tensor.name or "parameter")
            self.program.leaves.append((slot, tensor))
            self.keep.append(tensor)
        return slot

    def output_slot(self, array: Any, label: str) -> int:
        slot = self.program.new_slot(label)
        self._know(array, slot)
        return slot

    # ---------------------------------------------------------------- recording
    def record_op(self, function: type[Function], inputs: tuple, options: dict, output: Tensor) -> None:
        if self.paused:
            return
        reads = tuple(self.slot_for(x) for x in inputs)
        ctx = ReplayContext(function, ())
        # (the replay's context has no inputs: it is told which gradients backward computes)
        needs = output.grad_fn.needs_input_grad if output.grad_fn is not None else (False,) * len(inputs)
        ctx._needs_input_grad = needs
        step = OpStep(function.__name__, self.phase, reads, (), function=function, ctx=ctx,
                      options=self._static_options(function, options))
        step.writes = (self.output_slot(output._data, function.__name__),)
        self.program.steps.append(step)
        if output.grad_fn is not None:
            self.op_steps[id(output.grad_fn)] = step
            self.keep.append(output.grad_fn)

    def _static_options(self, function: type, options: dict) -> dict:
        """Options are kept as they were; an array the step computed among them would not be."""
        for key, value in options.items():
            for part in value if isinstance(value, tuple) else (value,):
                if isinstance(part, np.ndarray) and self.is_traced(part):
                    return self._refuse(
                        f"{function.__name__} was given a value of the step as its option {key}=; "
                        "it would be replayed with this call's value"
                    ) or options
        return options

    def record_answer(self, func: Callable, args: tuple, kwargs: dict, result: Any) -> Any:
        parts = list(args) + list(kwargs.values())
        if self.paused or not any(self._depends_on_step(part) for part in parts):
            return result  # a question about constants: its answer is a constant too
        result = _marked(result)
        reads = tuple(self.slot_for(a) for a in args)
        # Keyword values that are arrays of the step are passed as slots; others stay as given.
        for key, value in kwargs.items():
            if self._depends_on_step(value):
                return self._refuse(f"{getattr(func, '__name__', func)} was asked with a value of the step as {key}=")
        results = result if isinstance(result, tuple) else (result,)
        writes = tuple(self.output_slot(r, getattr(func, "__name__", "value")) if isinstance(r, np.ndarray) else -1
                       for r in results)
        self.program.steps.append(ValueStep(getattr(func, "__name__", "value"), self.phase, reads,
                                            writes if isinstance(result, tuple) else writes[:1], func=func,
                                            kwargs=kwargs, tuple_result=isinstance(result, tuple)))
        return result

    def _depends_on_step(self, value: Any) -> bool:
        if isinstance(value, Tensor):
            return self.is_traced(value._data) or (value.grad_fn is None and value.requires_grad)
        return isinstance(value, np.ndarray) and self.is_traced(value)

    def record_copy(self, source: Any, tensor: Tensor) -> None:
        """``tg.Tensor(value)`` inside the step: a copy of a value of the step."""
        step = CopyStep("copy", self.phase, (self.slot_for(source),), (), dtype=tensor._data.dtype)
        step.writes = (self.output_slot(tensor._data, "copy"),)
        self.program.steps.append(step)

    def record(self, step: Any) -> None:
        self.program.steps.append(step)

    def target_slot(self, tensor: Tensor) -> int:
        """The slot of ``tensor`` if it is an argument of the step (a new one at each call), else -1."""
        return self.argument_tensor_slot.get(id(tensor), -1)

    def record_in_place(self, name: str, tensor: Tensor, value: Any, index: Any) -> None:
        """``tensor`` changed in place to ``value`` (at ``index``, or everywhere)."""
        target = self.slot_for(tensor)
        outside = not self.is_traced(tensor._data)  # a parameter or buffer, not a value of the step
        self.record(InPlace(name, UPDATE, (self.slot_for(value), target), (target,), tensor=tensor if outside else None,
                            index=index, tensor_slot=self.target_slot(tensor)))

    def record_store(self, tensor: Tensor, grad: Any) -> None:
        """``backward()`` adding a total gradient into ``tensor.grad``."""
        slot = self.slot_for(grad)
        self.record(StoreGrad(f"store {tensor.name or 'grad'}", BACKWARD, (slot,), (), tensor=tensor,
                              copy=slot in self.stored, tensor_slot=self.target_slot(tensor)))
        self.stored.add(slot)

    def _refuse(self, what: str) -> None:
        raise TraceError(f"{what} ({_user_line()}). A compiled step replays the NumPy work it recorded; "
                         "see the docs page 'Compiling a training step' for what can be compiled.")

    # ---------------------------------------------------------------- value reads
    def refuse_read(self, tensor: Tensor, how: str) -> None:
        """A value of the step read into Python: a replay would not run that Python again."""
        if self.is_traced(tensor._data):
            self._refuse(
                f"{how} reads a value of the step into Python while it is traced, and a replay would not run "
                "your Python code again. Move it out of the compiled step (return the tensor and read it "
                "after the call), or use tensor operations (tg.where instead of if)"
            )

    # ---------------------------------------------------------------- the backward pass
    def run_backward(self, engine: Any, roots: Any, root_grads: Any, retain_graph: bool, wanted: Any) -> dict:
        """The engine's sweep (``autograd.run_backward``), recording each step as it computes it."""
        heap: list[tuple[int, Any, Tensor]] = []
        at_node: dict[Any, Any] = {}
        totals: dict[int, tuple[Tensor, Any]] = {}
        for root, grad in zip(roots, root_grads):
            self._send(root, grad, heap, at_node, totals, wanted)
        while heap:
            _, node, output = heapq.heappop(heap)
            grad_output = at_node.pop(node)
            if output._retains_grad if wanted is None else id(output) in wanted:
                totals[id(output)] = (output, grad_output)
            step = self.op_steps.get(id(node))
            if step is None:
                self._refuse(f"backward() reached {node.name}, made before the step: compile the whole forward pass")
            self.paused = True
            try:
                grads = engine.call_backward(node, output, grad_output, not node.function.backward_accepts_arrays,
                                             retain_graph)
            finally:
                self.paused = False
            self._record_backward(node, step, grad_output, grads, heap, at_node, totals, wanted)
        return totals

    def _record_backward(self, node: Any, step: OpStep, grad_output: Any, grads: tuple, heap: list, at_node: dict,
                         totals: dict, wanted: Any) -> None:
        outputs, fitted = [], []
        for index, (parent, grad) in enumerate(zip(node.inputs, grads)):
            if grad is None or not isinstance(parent, Tensor) or not parent.requires_grad:
                continue
            array = grad._data if isinstance(grad, Tensor) else grad
            slot = self.slot_of.get(id(array))
            if slot is None:
                slot = self.output_slot(array, f"d {node.name} / input {index}")
            outputs.append((index, slot))
            fitted.append((parent, array, slot))
        self.program.steps.append(BackwardStep(f"{node.name} backward", BACKWARD, (self.slot_for(grad_output),),
                                               tuple(s for _, s in outputs), function=node.function, ctx=step.ctx,
                                               outputs=tuple(outputs)))
        for parent, array, slot in fitted:
            fit = autograd.fit_gradient(array, parent, node, 0, False)
            if fit is not array:
                self.program.steps.append(FitStep("fit", BACKWARD, (slot,), (self.output_slot(fit, "gradient"),),
                                                  shape=parent._data.shape, dtype=parent._data.dtype))
            self._send(parent, fit, heap, at_node, totals, wanted)

    def _send(self, tensor: Tensor, grad: Any, heap: list, at_node: dict, totals: dict, wanted: Any) -> None:
        """``_Gradients.send``, recording the sums of gradients that meet at one tensor."""
        node = tensor.grad_fn
        if node is None:
            if wanted is None or id(tensor) in wanted:
                previous = totals.get(id(tensor))
                totals[id(tensor)] = (tensor, grad if previous is None else self._add(previous[1], grad))
        elif node in at_node:
            at_node[node] = self._add(at_node[node], grad)
        else:
            at_node[node] = grad
            heapq.heappush(heap, (-node.sequence, node, tensor))

    def _add(self, a: Any, b: Any) -> np.ndarray:
        total = a + b
        self.program.steps.append(AddStep("add", BACKWARD, (self.slot_for(a), self.slot_for(b)),
                                          (self.output_slot(total, "gradient"),)))
        return total


def _user_line() -> str:
    """The line of the user's code that is running (outside tinygrad_edu and NumPy)."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not frame.filename.startswith(_PACKAGE_DIR) and "/numpy/" not in frame.filename:
            return f"{frame.filename}, line {frame.lineno}: {frame.line}"
    return "in the traced step"


class TracedMask(np.ndarray):
    """A boolean answer about values of the step (``t > 0``): its truth value cannot be read while tracing."""

    tracer: Tracer | None = None

    def __bool__(self) -> bool:
        if TracedMask.tracer is not None and TracedMask.tracer.is_traced(self):
            TracedMask.tracer._refuse("a Python branch on a value of the step (if t > 0:, bool(...))")
        return bool(np.asarray(self))


def _marked(result: Any) -> Any:
    """Boolean answers become ``TracedMask`` views (same values), so that ``if mask:`` is refused."""
    if isinstance(result, tuple):
        return tuple(_marked(item) for item in result)
    if type(result) is np.ndarray and result.dtype == bool:
        return result.view(TracedMask)
    return result


@contextmanager
def tracing(tracer: Tracer) -> Any:
    """Install the tracer's listeners for the duration of one traced call."""
    with ExitStack() as stack:
        for owner, name, replacement in _listeners(tracer):
            original = owner.__dict__[name]
            setattr(owner, name, replacement(original))
            stack.callback(setattr, owner, name, original)
        values.recorder = _answer_recorder(tracer)
        stack.callback(setattr, values, "recorder", None)
        randomness.refusal = lambda: tracer._refuse(
            "a random draw inside a compiled step would give the same numbers at every replay; draw them "
            "outside the step and pass them in as an argument, or run this step eagerly"
        )
        stack.callback(setattr, randomness, "refusal", None)
        TracedMask.tracer = tracer
        stack.callback(setattr, TracedMask, "tracer", None)
        yield tracer


def _answer_recorder(tracer: Tracer) -> Callable:
    def record(func: Callable, args: tuple, kwargs: dict, result: Any) -> Any:
        return tracer.record_answer(func, args, kwargs, result)

    return record


def _listeners(tracer: Tracer) -> list[tuple[Any, str, Callable]]:
    """(owner, attribute, wrap(original) -> replacement) for every place the tracer listens at."""

    def apply(original: classmethod) -> classmethod:
        def traced_apply(cls: type, *inputs: Any, **options: Any) -> Tensor:
            output = original.__func__(cls, *inputs, **options)
            tracer.record_op(cls, inputs, options, output)
            return output

        return classmethod(traced_apply)

    def run_backward(original: Callable) -> Callable:
        def traced_run_backward(roots: Any, root_grads: Any, retain_graph: bool, create_graph: bool, wanted: Any) -> Any:
            if create_graph or wanted is not None:
                tracer._refuse("tg.grad(...) inside a compiled step (use loss.backward())")
            return tracer.run_backward(autograd, roots, root_grads, retain_graph, wanted)

        return traced_run_backward

    def store_grads(original: Callable) -> Callable:
        def traced_store_grads(totals: dict) -> None:
            for tensor, grad in totals.values():
                tracer.record_store(tensor, grad)
            original(totals)

        return traced_store_grads

    def optimizer_step(original: Callable) -> Callable:
        def traced_step(self: Optimizer, closure: Any = None) -> Any:
            if closure is not None:
                tracer._refuse("optimizer.step(closure) inside a compiled step")
            tracer.record(OptimizerStep(f"{type(self).__name__}.step", UPDATE, optimizer=self))
            return original(self)

        return traced_step

    def zero_grad(original: Callable) -> Callable:
        def traced_zero_grad(self: Any, set_to_none: bool = True) -> None:
            tracer.record(ZeroGrad(f"{type(self).__name__}.zero_grad", UPDATE, target=self, set_to_none=set_to_none))
            return original(self, set_to_none)

        return traced_zero_grad

    def update_in_place(original: Callable) -> Callable:
        def traced_update(self: Tensor, name: str, compute: Callable, *operands: Any) -> Tensor:
            inplace.check_in_place(self, name, operands)
            phase, tracer.phase = tracer.phase, UPDATE
            try:
                with_values = [None]

                def compute_and_keep() -> Any:
                    with_values[0] = compute()
                    return with_values[0]

                result = original(self, name, compute_and_keep, *operands)
                tracer.record_in_place(name, self, with_values[0], None)
                return result
            finally:
                tracer.phase = phase

        return traced_update

    def setitem(original: Callable) -> Callable:
        def traced_setitem(self: Tensor, index: Any, value: Any) -> None:
            original(self, index, value)
            tracer.record_in_place("setitem", self, value, _static_index(tracer, index))

        return traced_setitem

    def tensor_init(original: Callable) -> Callable:
        def traced_init(self: Tensor, data: Any, *args: Any, **kwargs: Any) -> None:
            original(self, data, *args, **kwargs)
            source = data._data if isinstance(data, Tensor) else data
            if isinstance(source, np.ndarray) and tracer.is_traced(source):
                tracer.record_copy(source, self)

        return traced_init

    def refused(what: str) -> Callable:
        def wrap(original: Callable) -> Callable:
            def refuse(*args: Any, **kwargs: Any) -> Any:
                tracer._refuse(f"{what} inside a compiled step (make it once, outside the step)")

            return refuse

        return wrap

    def read(how: str) -> Callable:
        def wrap(original: Callable) -> Callable:
            def checked(self: Tensor, *args: Any, **kwargs: Any) -> Any:
                tracer.refuse_read(self, how)
                return original(self, *args, **kwargs)

            return checked

        return wrap

    def data_property(original: property) -> property:
        def get(self: Tensor) -> np.ndarray:
            tracer.refuse_read(self, ".data")
            return self._data

        return property(get, original.fset, original.fdel, original.__doc__)

    def module_call(original: Callable) -> Callable:
        def traced_call(self: Module, *args: Any, **kwargs: Any) -> Any:
            tracer.modules[id(self)] = self
            return original(self, *args, **kwargs)

        return traced_call

    listeners = [
        (Function, "apply", apply),
        (autograd, "run_backward", run_backward),
        (autograd, "store_grads", store_grads),
        (Optimizer, "step", optimizer_step),
        (Optimizer, "zero_grad", zero_grad),
        (Module, "zero_grad", zero_grad),
        (Module, "__call__", module_call),
        (inplace, "update_in_place", update_in_place),
        (Tensor, "__setitem__", setitem),
        (Tensor, "__init__", tensor_init),
        (Parameter, "__init__", refused("making a new Parameter")),
        (Optimizer, "__init__", refused("making a new optimizer")),
        (Tensor, "data", data_property),
    ]
    for name in ("item", "tolist", "numpy", "__float__", "__int__", "__bool__", "__array__"):
        listeners.append((Tensor, name, read(f".{name.strip('_')}()")))
    return listeners


def _static_index(tracer: Tracer, index: Any) -> Any:
    for part in index if isinstance(index, tuple) else (index,):
        if (isinstance(part, np.ndarray) and tracer.is_traced(part)) or (
            isinstance(part, Tensor) and tracer.is_traced(part._data)
        ):
            tracer._refuse("assigning at an index computed inside the step")
    return index


__all__ = ["TraceError", "Tracer", "TracedMask", "tracing", "_Slot"]
