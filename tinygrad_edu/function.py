"""``Function``: how an operation is declared, and how it enters the graph.

An op is one subclass: its math (``forward`` on NumPy arrays, ``backward`` the chain
rule) and a few class attributes that declare how users reach it::

    class Exp(UnaryOp):
        '''e^x;  d/dx e^x = e^x.'''

        methods = ("exp",)            # t.exp()
        numpy_functions = (np.exp,)   # np.exp(t)
        functions = ("exp",)          # tg.exp(t), as torch.exp

        @staticmethod
        def forward(ctx, x):              # NumPy arrays in, an array out
            y = np.exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):   # the gradient of the output in, one per input out
            (y,) = ctx.saved_tensors
            return grad_output * y

Defining the class is all it takes: the Tensor methods, the NumPy dispatch, the top-level
functions, the colour of its nodes in a drawing and the op-table tests are all derived
from it. The family base class (``UnaryOp``, ``BinaryOp``, ``Reduction`` ...) decides
how the method takes its arguments. ``Exp.apply(t)`` runs ``forward`` and, when a
gradient will be needed, records a ``Context``: the graph node that ``backward()``
later visits.

``backward`` is written with operators and NumPy functions, which work on plain arrays
and, through the dispatch, on Tensors too. For an ordinary ``backward()`` the engine
runs it on arrays (cheap); for ``grad(..., create_graph=True)`` on Tensors, so the
gradient has a graph of its own and can be differentiated again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import tensor as _tensor_module
from .declarations import FAMILIES, FUNCTIONS, NUMPY_FUNCTIONS, OPS, _METHOD_OWNERS, declare, declare_op
from .grad_mode import _grad_enabled
from .tensor import Tensor, graph_clock


#: Called with every new graph node (see ``add_node_hook``).
_node_hooks: list[Callable[[Context], None]] = []


class Context:
    """A node of the computation graph: what one application of an op recorded.

    ``ctx.name`` is the op's name (``"MatMul"``), ``ctx.inputs`` the arguments it was
    applied to (the Tensors among them are the parents), ``ctx.needs_input_grad`` tells
    backward which gradients are wanted. ``forward`` keeps what backward needs with
    ``ctx.save_for_backward`` and may set other attributes freely.
    """

    __slots__ = ("function", "inputs", "sequence", "_saved", "_unpacked", "_released", "_needs_input_grad", "__dict__", "__weakref__")

    def __init__(self, function: type[Function], inputs: tuple) -> None:
        self.function = function
        self.inputs = inputs
        # Creation time on the graph's clock: a node comes after the nodes of its inputs (the
        # engine visits nodes from the latest down), and an in-place change after it is stale.
        self.sequence = next(graph_clock)
        self._saved: tuple = ()
        self._unpacked: tuple | None = None
        self._released = False
        self._needs_input_grad: tuple[bool, ...] | None = None

    @property
    def name(self) -> str:
        """The op's name, its class name (``"Add"``, ``"MatMul"``)."""
        return self.function.__name__

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """One flag per input: does that input need a gradient?"""
        if self._needs_input_grad is None:
            flags = []
            for x in self.inputs:
                flags.append(isinstance(x, Tensor) and x.requires_grad)
            self._needs_input_grad = tuple(flags)
        return self._needs_input_grad

    def save_for_backward(self, *values: Any) -> None:
        """Keep values (inputs, the output, or anything computed from them) for backward."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        """What ``save_for_backward`` kept, as the engine unpacked it for this backward call.

        On Tensors (when the backward builds a graph) a saved input comes back as the
        input Tensor itself and a saved output as the output Tensor, so a backward written
        with Tensor ops is differentiable again; on plain arrays otherwise. Read outside a
        backward (to inspect a graph), the values come back as Tensors.
        """
        if self._unpacked is not None:
            return self._unpacked
        self.unpack_saved(None, as_tensors=True)
        values, self._unpacked = self._unpacked, None
        return values

    def unpack_saved(self, output: Tensor | None, as_tensors: bool) -> None:
        """Make ``saved_tensors`` give the saved values for one backward call (see there).

        Checks that they are still there (not freed by an earlier backward) and that no
        saved input or output was changed in place after this node was made (PyTorch's
        version check; here each in-place change is stamped with the graph's clock).
        """
        if self._released:
            raise RuntimeError(
                f"trying to backward through the graph a second time (the saved values of {self.name} were freed "
                "after backward()): call backward(retain_graph=True) if you need to go through it again"
            )
        if not as_tensors and _tensor_module.last_change_anywhere < self.sequence:
            self._unpacked = self._saved  # nothing anywhere was changed in place since this node was made
            return
        unpacked = []
        for value in self._saved:
            owner = output if output is not None and output._data is value else None  # whose value is it?
            for x in self.inputs:
                if isinstance(x, Tensor) and x._data is value:
                    owner = x
            if owner is not None and owner._changed_at > self.sequence:
                self._raise_modified(owner)
            if as_tensors and isinstance(value, np.ndarray):
                value = Tensor._wrap(value) if owner is None else owner
            unpacked.append(value)
        self._unpacked = tuple(unpacked)

    def _raise_modified(self, tensor: Tensor) -> None:
        named = f" {tensor.name!r}" if tensor.name else ""
        which = "an input" if any(x is tensor for x in self.inputs) else "the output"
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"{which} of {self.name}, a tensor{named} of shape {tensor.shape}, was changed in place after {self.name} "
            f"used it (it is now at version {tensor._version}). Change it out of place (x = x + 1), or compute again "
            "after the change"
        )

    def release(self) -> None:
        """Drop the saved values (backward does this unless ``retain_graph``)."""
        self._saved = ()
        self._unpacked = None
        self._released = True

    def drop_unpacked(self) -> None:
        """Forget the values lent by ``unpack_saved`` (after a backward that keeps the graph)."""
        self._unpacked = None

    def __repr__(self) -> str:
        return f"<{self.name}>"


def add_node_hook(hook: Callable[[Context], None]) -> Callable[[], None]:
    """Call ``hook(node)`` for every graph node created from now on; returns a remover.

    The core needs no hook; higher layers use one to annotate nodes (``nn`` records
    which module was running, so the visualizer can draw modules as clusters).

    >>> import tinygrad_edu as tg
    >>> seen = []
    >>> remove = tg.add_node_hook(lambda node: seen.append(node.name))
    >>> _ = tg.ones(2, requires_grad=True).exp()
    >>> remove(); seen
    ['Exp']
    """
    _node_hooks.append(hook)
    return lambda: _node_hooks.remove(hook) if hook in _node_hooks else None


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

    # ---- the declaration (read by tensor methods, NumPy dispatch, the visualizer and the tests)
    #: Names of the Tensor methods that apply this op (``("exp",)``, ``("__add__", "add")``).
    methods: tuple[str, ...] = ()
    #: NumPy functions and ufuncs that dispatch to this op when given a Tensor.
    numpy_functions: tuple = ()
    #: Methods (among ``methods``) that are also top-level functions: ``tg.exp(t)`` is ``t.exp()``.
    functions: tuple[str, ...] = ()
    #: How the visualizer colours it: arithmetic, activation, reduction, shape, matmul, loss or custom.
    family = "custom"
    #: True when swapping the inputs gives the same result (the drawing then skips operand numbers).
    commutative = False
    #: True when an output of 0 lets no gradient through, so a unit that is 0 on every sample is
    #: dead (ReLU): the visualizer counts and marks such units.
    dead_when_zero = False
    #: True when backward uses only operators and NumPy calls, so it also runs on plain arrays.
    backward_accepts_arrays = False
    #: Set in a family base class's own body: it only shares code and is not an op itself.
    abstract = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declare_op(cls)

    @classmethod
    def tensor_method(cls, name: str) -> Callable:
        """The Tensor method ``name`` (one of ``methods``): by default every argument is passed to ``apply``."""

        def method(self: Tensor, *args: Any, **options: Any) -> Tensor:
            return cls.apply(self, *args, **options)

        return method

    @classmethod
    def numpy_function(cls, func: Any) -> Callable:
        """What answers the NumPy function ``func`` (one of ``numpy_functions``) on Tensors."""
        raise NotImplementedError(f"{cls.__name__} declares NumPy functions but does not say how to call them")

    # ---- the math
    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad_output)")

    # ---- entering the graph
    @classmethod
    def apply(cls, *inputs: Any, **options: Any) -> Tensor:
        """Run ``forward`` on the inputs' arrays; record a graph node if a gradient will be needed."""
        ctx = Context(cls, inputs)
        arrays = []  # what forward gets: the Tensors' arrays, anything else as it is
        needs_grad = False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x._data)
                needs_grad = needs_grad or x.requires_grad
            else:
                arrays.append(x)
        if options:
            _check_options(cls, options)
        try:
            output = cls.forward(ctx, *arrays, **options)
        except (ValueError, IndexError) as error:
            raise cls.explain_error(error, arrays, options) from None
        if type(output) is not np.ndarray or output.dtype.kind != "f":
            output = _as_output_array(output, arrays, ctx)
        if needs_grad and _grad_enabled.get():
            for hook in _node_hooks:
                hook(ctx)
            return Tensor._wrap(output, ctx)
        return Tensor._wrap(output)

    @classmethod
    def explain_error(cls, error: Exception, arrays: list, options: dict) -> Exception:
        """Turn a NumPy error from forward into one that names the op and shapes.

        Ops override this to say more; the default adds the op name and the shapes.
        """
        shapes = ", ".join(str(a.shape) for a in arrays if isinstance(a, np.ndarray))
        return type(error)(f"{cls.__name__}: {error} (input shapes {shapes})")


def _check_options(cls: type, options: dict) -> None:
    """Keyword options reach ``forward`` unchanged and are not graph inputs: a Tensor that
    requires grad among them would silently get no gradient (PyTorch binds it as an input)."""
    for key, value in options.items():
        if isinstance(value, Tensor) and value.requires_grad:
            raise TypeError(
                f"{cls.__name__}.apply: the keyword argument {key}= is a Tensor that requires grad, but keyword "
                f"options are not inputs of the graph and would get no gradient; pass it positionally "
                f"({cls.__name__}.apply(x, {key})) and return its gradient from backward"
            )


def _as_output_array(out: Any, arrays: list, ctx: Context) -> np.ndarray:
    """Turn what a forward returned into a float ndarray (NumPy returns scalars for 0-d).

    A saved output is replaced by the array too: the engine recognizes the output by it.
    """
    name = ctx.name
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
    ctx._saved = tuple(array if value is out else value for value in ctx._saved)
    return array


__all__ = [
    "FAMILIES", "FUNCTIONS", "NUMPY_FUNCTIONS", "OPS", "Context", "Function", "_METHOD_OWNERS", "add_node_hook",
    "declare",
]
