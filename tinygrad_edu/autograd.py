"""The reverse-mode engine: ``backward()`` and the functional ``grad()``.

Both walk the graph the same way:

1. Every node (``Context``) gets a sequence number when its op runs, and an op's
   inputs always exist before the op, so a node's number is larger than the numbers
   of all the nodes it consumes. Visiting nodes from the largest number down therefore
   reaches each node after all of its consumers: a topological order for free
   (PyTorch's engine does the same). A heap holds the nodes that have received a
   gradient; nodes that get none are never visited. No recursion, deterministic.
2. Each node's backward turns the gradient of its output into gradients of its
   inputs; ``unbroadcast`` sums a broadcast operand's gradient back to its shape.
3. Gradients arriving at the same tensor are added.

Without ``create_graph`` the backward runs on plain arrays under ``no_grad`` (cheap);
with it, on Tensors with recording on, so the result can be differentiated again.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from .dtypes import to_float_array
from .function import Context
from .grad_mode import state
from .tensor import Tensor


class GradientShapeError(ValueError, RuntimeError):
    """A gradient whose shape does not match its tensor (both a ValueError and a RuntimeError)."""


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` over the axes along which an operand of ``shape`` was broadcast.

    The one place where broadcasting is undone: every op relies on it. Works on
    arrays and on Tensors alike.

    >>> import numpy as np
    >>> unbroadcast(np.ones((4, 2, 3)), (2, 1)).tolist()
    [[12.0], [12.0]]
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise GradientShapeError(f"gradient of shape {tuple(grad.shape)} cannot be reduced to shape {shape}")
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape != shape:
        if grad.shape[extra:] != shape:
            raise GradientShapeError(f"gradient of shape {tuple(grad.shape)} cannot be reduced to shape {shape}")
        grad = grad.reshape(shape)
    return grad


def _root_gradient(output: Tensor, gradient: Any, create_graph: bool, what: str = "gradient") -> Any:
    if gradient is None:
        if output._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs: this output has shape {output.shape}; "
                "pass gradient= (an array of the same shape) to backward()"
            )
        # (np.array(1) is several times cheaper than np.ones for the usual 0-d loss)
        grad = np.array(1, output.dtype) if output.ndim == 0 else np.ones(output.shape, output.dtype)
    else:
        if isinstance(gradient, Tensor):
            grad = gradient if create_graph else np.array(gradient._data)
        else:
            try:
                grad = to_float_array(gradient, output.dtype)
            except (TypeError, ValueError) as error:
                raise type(error)(f"{what}: {error}") from None
        if grad.shape != output.shape:
            raise GradientShapeError(
                f"{what} has shape {tuple(grad.shape)} but the output has shape {output.shape}: they must match"
            )
        if not create_graph and grad.dtype != output.dtype:
            grad = grad.astype(output.dtype)
    if create_graph and not isinstance(grad, Tensor):
        grad = Tensor._wrap(grad)
    return grad


def _run_engine(
    outputs: Sequence[Tensor],
    root_grads: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[int, Any] | None,
) -> None:
    """Propagate ``root_grads`` from ``outputs`` to the leaves.

    With ``capture`` (a dict keyed by ``id`` of the wanted tensors) gradients are
    collected there and ``.grad`` is untouched (``grad()``); without it they
    accumulate into leaves' ``.grad`` and retained non-leaves (``backward()``).

    The loop body runs once per node of every training step, so the common case (an
    array-accepting backward whose gradients already have the input's shape and dtype)
    is handled inline; everything else goes through ``_call_backward``/``_fit_gradient``.
    """
    node_grads: dict[Context, Any] = {}  # gradient of each node's output, summed over its consumers
    # Heap of (-sequence number, node, the node's output tensor): latest node first. The output
    # comes along because nodes do not keep their outputs (see ``Context.output``).
    ready: list[tuple[int, Context, Tensor]] = []
    leaf_grads: dict[int, tuple[Tensor, Any]] = {}
    handed_out: set[int] = set()  # ids of arrays already stored in some .grad
    for output, grad in zip(outputs, root_grads):
        node = output.grad_fn
        if node is None:
            _accumulate_leaf(output, grad, leaf_grads, capture)
        elif node in node_grads:
            node_grads[node] = node_grads[node] + grad
        else:
            node_grads[node] = grad
            heappush(ready, (-node._sequence, node, output))

    previous_mode = state.grad_enabled  # (set directly: a context manager object per call costs more)
    state.grad_enabled = create_graph
    try:
        while ready:
            _, node, output = heappop(ready)
            grad_output = node_grads.pop(node)
            if node._released:
                raise RuntimeError(
                    f"trying to backward through the graph a second time ({node.name} was already used and its saved "
                    "values freed): call backward(retain_graph=True) if you need to go through it again"
                )
            if capture is not None:
                if id(output) in capture:
                    capture[id(output)] = grad_output
            elif output._retains_grad:
                _store_grad(output, grad_output, handed_out)
            function = node.function
            if create_graph or not function.backward_accepts_arrays:
                input_grads = _call_backward(node, output, grad_output)
            else:
                node._as_tensors = False
                input_grads = function.backward(node, grad_output)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            inputs = node.inputs
            if len(input_grads) != len(inputs):
                _raise_gradient_count_error(node, input_grads)
            for index, grad in enumerate(input_grads):
                if grad is None:
                    continue
                parent = inputs[index]
                if not isinstance(parent, Tensor) or not parent.requires_grad:
                    continue
                data = parent._data
                # Fast check first: float dtypes are singletons, so ``is`` settles the usual case.
                if create_graph or type(grad) is not np.ndarray or grad.shape != data.shape or (
                    grad.dtype is not data.dtype and grad.dtype != data.dtype
                ):
                    grad = _fit_gradient(grad, parent, node, index, create_graph)
                child = parent.grad_fn
                if child is None:
                    if capture is None:  # (inlined _accumulate_leaf: the usual case, once per parameter)
                        previous = leaf_grads.get(id(parent))
                        leaf_grads[id(parent)] = (parent, grad if previous is None else previous[1] + grad)
                    else:
                        _accumulate_leaf(parent, grad, leaf_grads, capture)
                elif child in node_grads:
                    node_grads[child] = node_grads[child] + grad
                else:
                    node_grads[child] = grad
                    heappush(ready, (-child._sequence, child, parent))
            if not retain_graph:
                node._saved = None  # what release() does, without the call
                node._released = True
    finally:
        state.grad_enabled = previous_mode

    if capture is None:
        for leaf, grad in leaf_grads.values():
            _store_grad(leaf, grad, handed_out)


def _raise_gradient_count_error(node: Context, input_grads: tuple) -> None:
    count = len(node.inputs)
    if len(input_grads) == 1 and isinstance(input_grads[0], list) and len(input_grads[0]) == count:
        raise RuntimeError(
            f"{node.name}.backward returned a list of {count} gradients: return a tuple, one per input "
            "(a list is taken as one gradient, an array)"
        )
    raise RuntimeError(
        f"{node.name}.backward returned {len(input_grads)} gradient(s) but the op has {count} "
        "input(s): return one per input (None where there is none)"
    )


def _accumulate_leaf(tensor: Tensor, grad: Any, leaf_grads: dict, capture: dict | None) -> None:
    """Add ``grad`` to a leaf's running total (or to ``capture`` for ``grad()``)."""
    key = id(tensor)
    if capture is None:
        previous = leaf_grads.get(key)
        leaf_grads[key] = (tensor, grad if previous is None else previous[1] + grad)
    elif key in capture:
        previous = capture[key]
        capture[key] = grad if previous is None else previous + grad


def _call_backward(node: Context, output: Tensor, grad_output: Any) -> Any:
    """Run a backward on Tensors: with ``create_graph``, or for ops that need Tensors.

    The node gets its output for the call only, so a saved output comes back from
    ``saved_tensors`` as the output Tensor itself (differentiable again), and no
    reference from node to output outlives the call.
    """
    node._as_tensors = True
    if not isinstance(grad_output, Tensor):
        grad_output = Tensor._wrap(np.asarray(grad_output))
    node._output = output
    try:
        return node.function.backward(node, grad_output)
    finally:
        node._output = None


def _fit_gradient(grad: Any, parent: Tensor, node: Context, index: int, create_graph: bool) -> Any:
    """Make one input gradient match its tensor: type for the mode, shape, dtype."""
    try:
        if create_graph:
            if not isinstance(grad, Tensor):
                grad = Tensor._wrap(to_float_array(grad, parent.dtype, copy=False))
        elif isinstance(grad, Tensor):
            grad = grad._data
        elif not isinstance(grad, np.ndarray):
            grad = np.asarray(grad, dtype=parent.dtype)  # (NumPy scalars from 0-d ops: the common case here)
        elif grad.dtype.kind not in "biuf":
            grad = to_float_array(grad, parent.dtype, copy=False)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{node.name}.backward returned {type(grad).__name__} for input {index}: expected an array, a Tensor or None ({error})"
        ) from None
    if grad.shape != parent.shape:
        try:
            grad = unbroadcast(grad, parent.shape)
        except GradientShapeError:
            raise RuntimeError(
                f"{node.name}.backward returned a gradient of shape {tuple(grad.shape)} for input {index}, "
                f"which has shape {parent.shape}"
            ) from None
    if grad.dtype != parent.dtype:
        grad = grad.astype(parent.dtype)
    return grad


def _as_array(grad: Any) -> np.ndarray:
    return grad._data if isinstance(grad, Tensor) else np.asarray(grad)


def _store_grad(tensor: Tensor, grad: Any, handed_out: set[int]) -> None:
    """Add ``grad`` into ``tensor.grad``, making sure each ``.grad`` is its own writable array.

    Backward functions may pass one array on to several inputs (``Add`` does), so an
    array already handed to another tensor, a view or a read-only array is copied.
    """
    if type(grad) is not np.ndarray:
        grad = _as_array(grad)
    if tensor._grad is None:
        dtype = tensor._data.dtype
        if id(grad) in handed_out or grad.base is not None or not grad.flags.writeable or grad.dtype != dtype:
            grad = np.array(grad, dtype=dtype)
        handed_out.add(id(grad))
        tensor._grad = grad
    else:
        # A new array, not +=: someone may hold the old one. asarray: ``+`` on 0-d arrays gives a NumPy scalar.
        tensor._grad = np.asarray(tensor._grad + grad)


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
    root_grad = _root_gradient(output, gradient, create_graph=False)
    _run_engine([output], [root_grad], retain_graph, create_graph=False, capture=None)


def _as_tensor_tuple(value: Any, what: str) -> tuple[Tensor, ...]:
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
    outputs = _as_tensor_tuple(outputs, "outputs")
    inputs = _as_tensor_tuple(inputs, "inputs")
    if retain_graph is None:
        retain_graph = create_graph
    if grad_outputs is None or isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad(): {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for x in inputs:
        if not x.requires_grad:
            raise RuntimeError("grad(): one of the inputs does not require grad")
    for y in outputs:
        if not y.requires_grad:
            raise RuntimeError("grad(): one of the outputs does not require grad (it does not depend on the inputs)")
    root_grads = [_root_gradient(y, g, create_graph, "grad_outputs") for y, g in zip(outputs, grad_outputs)]
    capture: dict[int, Any] = {id(x): None for x in inputs}
    _run_engine(outputs, root_grads, retain_graph, create_graph, capture)
    results: list[Tensor | None] = []
    for x in inputs:
        value = capture[id(x)]
        if value is None:
            if not allow_unused:
                raise RuntimeError(
                    "grad(): one of the inputs was not used to compute the outputs; pass allow_unused=True to get None for it"
                )
            results.append(None)
        elif isinstance(value, Tensor):
            results.append(value)
        else:
            results.append(Tensor._wrap(np.array(value, dtype=x.dtype)))
    return tuple(results)
