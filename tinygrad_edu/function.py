"""``Function``: the one way an operation enters the graph.

An op is a subclass with two static methods::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):             # NumPy arrays in, an array out
            y = np.exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):  # d/dx exp(x) = exp(x)
            (y,) = ctx.saved_tensors
            return grad_output * y

and is applied with ``Exp.apply(tensor)``. ``apply`` runs ``forward`` on the arrays
and, when some input requires grad, records a ``Context`` as the output's
``grad_fn``: the graph node that ``backward()`` later visits.

Backward is written with operations that are themselves differentiable, so the
same code gives second derivatives when ``grad(..., create_graph=True)`` asks for
them. The built-in ops go one step further and set ``backward_accepts_arrays``: their
backward uses only operators and NumPy functions, which work on plain arrays as well
as on Tensors (through ``__array_ufunc__``/``__array_function__``). When no graph of
the backward pass is needed, the engine runs them on plain arrays, so first-order
training costs little more than the NumPy calls themselves.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .grad_mode import state
from .tensor import Tensor


_node_counter = itertools.count()


class Context:
    """A node of the computation graph: what one op application recorded.

    ``ctx.name`` is the op's name (``"MatMul"``), ``ctx.inputs`` the arguments it was
    applied to (the Tensors among them are the parents), ``ctx.needs_input_grad``
    tells backward which gradients are wanted. ``forward`` stores what backward
    needs with ``ctx.save_for_backward`` and may set other attributes freely.
    """

    # Slots make the attributes the engine touches on every node cheap to create and
    # read; ``__dict__`` stays so that ``forward`` may still set any attribute it likes.
    __slots__ = (
        "function", "inputs", "module_scope", "_saved", "_as_tensors", "_output", "_released",
        "_needs_input_grad", "_sequence", "__dict__", "__weakref__",
    )

    def __init__(self, function: type[Function], inputs: tuple) -> None:
        self.function = function
        self.inputs = inputs
        self.module_scope = state.module_scope
        self._saved: tuple | None = ()
        self._as_tensors = True
        self._output: Tensor | None = None  # set by the engine only while it runs this node's backward
        self._released = False
        self._needs_input_grad: tuple[bool, ...] | None = None  # computed on first use
        # Creation order: a node is always created after the nodes of its inputs, so the
        # engine visits nodes from the largest number down (see autograd.py).
        self._sequence = next(_node_counter)

    @property
    def name(self) -> str:
        """The op's name, its class name (``"Add"``, ``"MatMul"``)."""
        return self.function.__name__

    @property
    def module_path(self) -> str | None:
        """Dotted path (``"layers.0"``) of the innermost module whose call made this node."""
        return getattr(self.module_scope[-1], "_path", None) if self.module_scope else None

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """One flag per input: does that input need a gradient?"""
        if self._needs_input_grad is None:
            flags = []  # (a loop, not a list comprehension: in Python 3.11 that is one more call)
            for x in self.inputs:
                flags.append(isinstance(x, Tensor) and x.requires_grad)
            self._needs_input_grad = tuple(flags)
        return self._needs_input_grad

    @property
    def output(self) -> Tensor | None:
        """The Tensor this node produced, while the engine runs this node's backward (else None).

        The node never keeps its output: the output holds the node (``grad_fn``), so a
        reference back would make a cycle that only the garbage collector could free.
        The engine knows the output when it reaches the node (it got there from that
        tensor) and lends it for a backward on Tensors, so that ``saved_tensors`` gives a
        saved output back as the output Tensor itself (differentiable again).
        """
        return self._output

    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays (inputs, the output, or anything computed) for backward."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        """What ``save_for_backward`` kept.

        As Tensors when backward runs on Tensors: a saved input comes back as the
        input Tensor itself and a saved output as the output Tensor, so a backward
        written with Tensor ops is differentiable again. Plain arrays when the engine
        runs an array-accepting backward without building a graph.
        """
        if self._released:
            raise RuntimeError(
                f"the saved values of {self.name} were freed after backward(): call "
                "backward(retain_graph=True) the first time to go through the graph again"
            )
        if not self._as_tensors:
            return self._saved  # type: ignore[return-value]
        return tuple(self._as_tensor(value) for value in self._saved)  # type: ignore[union-attr]

    def _as_tensor(self, value: Any) -> Any:
        if not isinstance(value, np.ndarray):
            return value
        for x in self.inputs:
            if isinstance(x, Tensor) and x._data is value:
                return x
        output = self._output
        if output is not None and output._data is value:
            return output
        return Tensor._wrap(value)

    def release(self) -> None:
        """Drop the saved values (called by backward unless ``retain_graph``)."""
        self._saved = None
        self._released = True

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _as_output_array(out: Any, arrays: list, name: str) -> np.ndarray:
    """Turn what a forward returned into a float ndarray (NumPy returns scalars for 0-d)."""
    if isinstance(out, Tensor):
        out = out._data
    elif isinstance(out, (tuple, list)):  # np.asarray would stack them into one array: a silent wrong shape
        raise TypeError(f"{name}.forward returned a {type(out).__name__}: a Function has one output, return a single array")
    array = np.asarray(out)
    if array.dtype.kind != "f":
        if array.dtype.kind not in "biu":
            raise TypeError(f"{name}.forward returned {type(out).__name__} of dtype {array.dtype}: expected a float array")
        dtypes = [a.dtype for a in arrays if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
        array = array.astype(np.result_type(*dtypes) if dtypes else np.float64)
    return array


def _check_keyword_options(cls: type, kwargs: dict) -> None:
    """Keyword options reach ``forward`` unchanged and are not graph inputs: a Tensor that
    requires grad among them would silently get no gradient (PyTorch binds it as an input)."""
    for key, value in kwargs.items():
        if isinstance(value, Tensor) and value.requires_grad:
            raise TypeError(
                f"{cls.__name__}.apply: the keyword argument {key}= is a Tensor that requires grad, but keyword "
                f"options are not inputs of the graph and would get no gradient; pass it positionally "
                f"({cls.__name__}.apply(x, {key})) and return its gradient from backward"
            )


class Function:
    """Base class of every differentiable operation (see the module docstring).

    Subclasses define ``forward(ctx, *inputs)`` on NumPy arrays and
    ``backward(ctx, grad_output)`` returning one gradient per input (a Tensor, an
    array or None). Apply with ``MyOp.apply(*tensors, **options)``; keyword options
    are passed to ``forward`` unchanged and are not inputs of the graph (so a Tensor
    that requires grad must be passed positionally; as a keyword it is refused).

    >>> import numpy as np, tinygrad_edu as tg
    >>> class Cube(tg.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         (x,) = ctx.saved_tensors
    ...         return grad_output * 3 * x ** 2
    >>> x = tg.Tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).sum().backward()
    >>> x.grad
    array([12.])
    """

    #: Set by ops whose backward works on plain arrays too (see module docstring).
    backward_accepts_arrays = False

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad_output)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the inputs' arrays and record the node if needed."""
        ctx = Context(cls, args)
        # This runs for every op of every step, so it does only what it must: one pass over the
        # inputs (their arrays, and whether any needs a gradient); the flags of
        # ``ctx.needs_input_grad`` are computed later, and only by the backwards that ask.
        arrays = []
        any_requires_grad = False
        for x in args:
            if isinstance(x, Tensor):
                arrays.append(x._data)
                if x.requires_grad:
                    any_requires_grad = True
            else:
                arrays.append(x)
        if kwargs and not cls.backward_accepts_arrays:  # (user-defined ops only: the built-ins pass options)
            _check_keyword_options(cls, kwargs)
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except (ValueError, IndexError) as error:
            raise cls.explain_error(error, arrays, kwargs) from None
        if type(out) is not np.ndarray or out.dtype.kind != "f":
            returned = out
            out = _as_output_array(out, arrays, cls.__name__)
            # NumPy gives scalars for 0-d results: a saved output must be the output's own
            # array, or a second derivative would see it as a constant.
            if ctx._saved and any(value is returned for value in ctx._saved):
                ctx._saved = tuple(out if value is returned else value for value in ctx._saved)
        if any_requires_grad and state.grad_enabled:  # some input needs a gradient: record the node
            return Tensor._wrap(out, ctx)
        return Tensor._wrap(out)

    @classmethod
    def explain_error(cls, error: Exception, arrays: list, kwargs: dict) -> Exception:
        """Turn a NumPy error from forward into one that names the op and shapes.

        Ops override this to say more; the default adds the op name and the shapes.
        """
        shapes = ", ".join(str(a.shape) for a in arrays if isinstance(a, np.ndarray))
        return type(error)(f"{cls.__name__}: {error} (input shapes {shapes})")
