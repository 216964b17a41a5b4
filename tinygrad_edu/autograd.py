"""The reverse-mode engine: ``backward()`` and ``grad()``.

Read it top to bottom; it is the algorithm of the lesson:

1. ``backward`` and ``grad`` check their arguments and seed the gradient of each root
   (1 for a scalar loss).
2. ``run_backward`` visits the graph's nodes from the latest created down. A node is
   always created after the nodes of its inputs, so in this order every node comes after
   all of its consumers: by the time it is visited, the gradient of its output is complete.
3. ``call_backward`` runs one node's backward, the chain rule of its op: on plain arrays
   for an ordinary backward, on Tensors (recording a graph) when ``create_graph`` asks
   for derivatives of the gradient.
4. ``fit_gradient`` makes each input's gradient match that input: summed over the axes
   along which it was broadcast (``unbroadcast``), in its dtype, as an array or a Tensor.
5. ``_Gradients.send`` hands it on: to the node that made the input, or, for a leaf, into
   a running total that ends up in ``.grad`` (``store_grads``).
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from .dtypes import to_float_array
from .function import Context
from .grad_mode import set_grad_enabled
from .tensor import Tensor


class GradientShapeError(ValueError, RuntimeError):
    """A gradient whose shape does not fit its tensor.

    A ``ValueError`` like every shape error of tinygrad_edu, and a ``RuntimeError`` like
    PyTorch's error for a ``backward(gradient=...)`` of the wrong shape, so ported code
    that catches either keeps working.
    """


# ---------------------------------------------------------------- 1. the entry points
def backward(output: Tensor, gradient: Any = None, retain_graph: bool = False) -> None:
    """Accumulate the gradient of ``output`` into the ``.grad`` of every leaf it depends on.

    A scalar (one-element) output needs no ``gradient``; otherwise pass an array of
    the output's shape (the vector in the vector-Jacobian product). Gradients add up
    across calls until cleared. Unless ``retain_graph`` is set the saved values are
    freed, and a second backward through the same graph raises ``RuntimeError``.

    >>> import tinygrad_edu as tg
    >>> a = tg.Tensor(3.0, requires_grad=True)
    >>> b = a + a
    >>> (b + b).backward()
    >>> a.grad
    array(4.)
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"backward() needs a Tensor, got {type(output).__name__}")
    if not output.requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    root_grad = root_gradient(output, gradient, as_tensor=False)
    totals = run_backward([output], [root_grad], retain_graph=retain_graph, create_graph=False, wanted=None)
    store_grads(totals)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    With ``create_graph=True`` the results carry their own graph, so they can be
    differentiated again (Hessian-vector products, gradient penalties).

    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor(2.0, requires_grad=True)
    >>> (dy,) = tg.grad(x ** 3, x, create_graph=True)   # 3x² = 12
    >>> (d2y,) = tg.grad(dy, x)                          # 6x = 12
    >>> float(dy.item()), float(d2y.item())
    (12.0, 12.0)
    """
    outputs = _tensor_tuple(outputs, "outputs")
    inputs = _tensor_tuple(inputs, "inputs")
    grad_outputs = _grad_outputs_list(grad_outputs, len(outputs))
    if any(not x.requires_grad for x in inputs):
        raise RuntimeError("grad(): one of the inputs does not require grad")
    if any(not y.requires_grad for y in outputs):
        raise RuntimeError("grad(): one of the outputs does not require grad (it does not depend on the inputs)")
    root_grads = [root_gradient(y, g, as_tensor=create_graph, what="grad_outputs") for y, g in zip(outputs, grad_outputs)]
    retain_graph = create_graph if retain_graph is None else retain_graph
    wanted = {id(x) for x in inputs}
    totals = run_backward(outputs, root_grads, retain_graph=retain_graph, create_graph=create_graph, wanted=wanted)
    return tuple(_grad_result(x, totals, allow_unused) for x in inputs)


def root_gradient(output: Tensor, gradient: Any, as_tensor: bool, what: str = "gradient") -> Any:
    """The gradient a root starts with: ones for a one-element output, else the given one."""
    data = output._data
    if gradient is None:
        if data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs: this output has shape {data.shape}; "
                f"pass {what}= (an array of the same shape)"
            )
        grad = np.ones(data.shape, data.dtype) if data.ndim else np.array(1, data.dtype)
    elif isinstance(gradient, Tensor):
        grad = gradient if as_tensor else gradient._data
    else:
        try:
            grad = to_float_array(gradient, data.dtype)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{what}: {error}") from None
    if grad.shape != data.shape:
        raise GradientShapeError(f"{what} has shape {tuple(grad.shape)} but the output has shape {data.shape}: they must match")
    if isinstance(grad, Tensor):
        return grad if grad.dtype == data.dtype else grad.astype(data.dtype)
    grad = grad.astype(data.dtype, copy=False)
    return Tensor._wrap(grad) if as_tensor else grad


# ---------------------------------------------------------------- 2. visiting the nodes
def run_backward(
    roots: Sequence[Tensor], root_grads: Sequence[Any], retain_graph: bool, create_graph: bool, wanted: set[int] | None
) -> dict[int, tuple[Tensor, Any]]:
    """Propagate the roots' gradients through the graph; return the totals that were asked for.

    ``wanted`` holds the ids of the tensors whose gradients ``grad()`` returns; ``None``
    means what ``backward()`` keeps: every leaf, and every tensor that called
    ``retain_grad()``. The result maps ``id(tensor)`` to ``(tensor, total gradient)``.
    """
    pending = _Gradients(wanted)
    for root, root_grad in zip(roots, root_grads):
        pending.send(root, root_grad)
    with set_grad_enabled(create_graph):  # the backward pass itself is recorded only for create_graph
        while pending.heap:
            _, node, output = heappop(pending.heap)  # the latest node still waiting
            grad_output = pending.at_node.pop(node)  # its output's gradient, complete now
            if output._retains_grad if wanted is None else id(output) in wanted:
                pending.totals[id(output)] = (output, grad_output)
            as_tensors = create_graph or not node.function.backward_accepts_arrays
            input_grads = call_backward(node, output, grad_output, as_tensors, retain_graph)
            for index, (parent, grad) in enumerate(zip(node.inputs, input_grads)):
                if grad is not None and isinstance(parent, Tensor) and parent.requires_grad:
                    pending.send(parent, fit_gradient(grad, parent, node, index, create_graph))
    return pending.totals


class _Gradients:
    """The gradients of one backward pass that have not reached their destination yet.

    A gradient sent to a tensor made by an op waits at that op's node, summed with the
    other gradients of the same output, until the node is visited (the latest node
    first: a heap keyed by creation time). A gradient sent to a leaf adds to its total.
    Nodes do not keep their output tensors (that would be a reference cycle), so the
    heap carries each node's output along: the consumer that sent the gradient knows it.
    """

    def __init__(self, wanted: set[int] | None) -> None:
        self.wanted = wanted
        self.heap: list[tuple[int, Context, Tensor]] = []
        self.at_node: dict[Context, Any] = {}
        self.totals: dict[int, tuple[Tensor, Any]] = {}

    def send(self, tensor: Tensor, grad: Any) -> None:
        """Hand ``grad`` to ``tensor``: to the node that made it, or into a leaf's running total."""
        node = tensor.grad_fn
        if node is None:
            if self.wanted is None or id(tensor) in self.wanted:
                previous = self.totals.get(id(tensor))
                self.totals[id(tensor)] = (tensor, grad if previous is None else previous[1] + grad)
        elif node in self.at_node:
            self.at_node[node] = self.at_node[node] + grad
        else:
            self.at_node[node] = grad
            heappush(self.heap, (-node.sequence, node, tensor))


# ---------------------------------------------------------------- 3. one node's backward
def call_backward(node: Context, output: Tensor, grad_output: Any, as_tensors: bool, retain_graph: bool) -> tuple:
    """Run ``node``'s backward (the chain rule of its op): one gradient (or None) per input.

    The saved values are lent to the backward for this call; after it they are freed,
    unless ``retain_graph`` keeps them for another backward through the same graph.
    """
    node.unpack_saved(output, as_tensors)
    if as_tensors and not isinstance(grad_output, Tensor):
        grad_output = Tensor._wrap(grad_output)
    try:
        grads = node.function.backward(node, grad_output)
    finally:
        if retain_graph:
            node.drop_unpacked()
        else:
            node.release()
    if type(grads) is not tuple:
        grads = (grads,)
    if len(grads) != len(node.inputs):
        _raise_gradient_count_error(node, grads)
    return grads


def _raise_gradient_count_error(node: Context, grads: tuple) -> None:
    count = len(node.inputs)
    if len(grads) == 1 and isinstance(grads[0], list) and len(grads[0]) == count:
        raise RuntimeError(
            f"{node.name}.backward returned a list of {count} gradients: return a tuple, one per input "
            "(a list is taken as one gradient, an array)"
        )
    raise RuntimeError(
        f"{node.name}.backward returned {len(grads)} gradient(s) but the op has {count} "
        "input(s): return one per input (None where there is none)"
    )


# ---------------------------------------------------------------- 4. fitting a gradient to its input
def fit_gradient(grad: Any, tensor: Tensor, node: Context, index: int, as_tensor: bool) -> Any:
    """Make a gradient fit input ``index`` of ``node``: array or Tensor, its shape, its dtype."""
    data = tensor._data
    if not as_tensor and type(grad) is np.ndarray and grad.shape == data.shape and grad.dtype == data.dtype:
        return grad  # the usual case: nothing to do
    try:
        if as_tensor:
            grad = grad if isinstance(grad, Tensor) else Tensor._wrap(to_float_array(grad, tensor.dtype, copy=False))
        else:
            grad = grad._data if isinstance(grad, Tensor) else to_float_array(grad, tensor.dtype, copy=False)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{node.name}.backward returned {type(grad).__name__} for input {index}: expected an array, a Tensor or None ({error})"
        ) from None
    if grad.shape != tensor.shape:
        try:
            grad = unbroadcast(grad, tensor.shape)
        except GradientShapeError:
            raise RuntimeError(
                f"{node.name}.backward returned a gradient of shape {tuple(grad.shape)} for input {index}, "
                f"which has shape {tensor.shape}"
            ) from None
    return grad if grad.dtype == tensor.dtype else grad.astype(tensor.dtype)


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` over the axes along which an operand of ``shape`` was broadcast.

    The one place where broadcasting is undone: every op relies on it. Works on
    arrays and on Tensors alike.

    >>> import numpy as np
    >>> unbroadcast(np.ones((4, 2, 3)), (2, 1)).tolist()
    [[12.0], [12.0]]
    """
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise GradientShapeError(f"gradient of shape {tuple(grad.shape)} cannot be reduced to shape {shape}")
    summed = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1)
    if summed:
        grad = grad.sum(axis=summed, keepdims=True)
    if grad.shape[extra:] != shape:
        raise GradientShapeError(f"gradient of shape {tuple(grad.shape)} cannot be reduced to shape {shape}")
    return grad.reshape(shape)


# ---------------------------------------------------------------- 5. storing the results
def store_grads(totals: dict[int, tuple[Tensor, Any]]) -> None:
    """Add each total into its tensor's ``.grad`` (see ``store_one_grad``)."""
    given: set[int] = set()
    for tensor, grad in totals.values():
        store_one_grad(tensor, grad, given)


def store_one_grad(tensor: Tensor, grad: Any, given: set[int]) -> None:
    """Add ``grad`` into ``tensor.grad``; every ``.grad`` is its own writable array.

    A backward may pass one array on to several inputs (``Add`` does), so an array
    already given to another tensor (its id is in ``given``), a view, or a read-only
    array is copied.
    """
    grad = grad._data if isinstance(grad, Tensor) else grad
    if tensor._grad is not None:
        tensor._grad = np.asarray(tensor._grad + grad)  # a new array, not +=: someone may hold the old one
        return
    dtype = tensor._data.dtype
    if id(grad) in given or grad.base is not None or not grad.flags.writeable or grad.dtype != dtype:
        grad = np.array(grad, dtype=dtype)
    given.add(id(grad))
    tensor._grad = grad


def _grad_result(tensor: Tensor, totals: dict, allow_unused: bool) -> Tensor | None:
    """What ``grad()`` returns for one input: its total as a Tensor, or None if it got none."""
    if id(tensor) not in totals:
        if not allow_unused:
            raise RuntimeError(
                "grad(): one of the inputs was not used to compute the outputs; pass allow_unused=True to get None for it"
            )
        return None
    total = totals[id(tensor)][1]
    return total if isinstance(total, Tensor) else Tensor._wrap(np.array(total, dtype=tensor.dtype))


def _tensor_tuple(value: Any, what: str) -> tuple[Tensor, ...]:
    if isinstance(value, Tensor):
        return (value,)
    if isinstance(value, (str, bytes, dict, np.ndarray)) or not hasattr(value, "__iter__"):
        raise TypeError(f"grad(): {what} must be a Tensor or a sequence of Tensors, got {type(value).__name__}")
    items = tuple(value)
    if not items:
        raise ValueError(f"grad(): {what} is empty: pass at least one Tensor")
    for item in items:
        if not isinstance(item, Tensor):
            raise TypeError(f"grad(): {what} must be Tensors, got {type(item).__name__}")
    return items


def _grad_outputs_list(grad_outputs: Any, count: int) -> list:
    if grad_outputs is None:
        return [None] * count
    if isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != count:
        raise ValueError(f"grad(): {len(grad_outputs)} grad_outputs for {count} outputs")
    return grad_outputs
