"""The reverse-mode engine: ``backward()`` and the functional ``grad()``.

Both walk the graph the same way:

1. ``topological_order`` lists the op nodes reachable from the output, every node
   after all of its consumers (an iterative depth-first search over the ordered
   ``inputs``: deterministic, no recursion limit).
2. Each node's backward turns the gradient of its output into gradients of its
   inputs; ``unbroadcast`` sums a broadcast operand's gradient back to its shape.
3. Gradients arriving at the same tensor are added.

Without ``create_graph`` the backward runs on plain arrays under ``no_grad`` (cheap);
with it, on Tensors with recording on, so the result can be differentiated again.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .dtypes import to_float_array
from .function import Context
from .grad_mode import set_grad_enabled
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


def topological_order(root: Context) -> list[Context]:
    """The nodes reachable from ``root``, each listed before the nodes it consumes."""
    visited = {id(root)}
    postorder: list[Context] = []
    stack: list[tuple[Context, int]] = [(root, 0)]
    while stack:
        node, position = stack.pop()
        inputs = node.inputs
        while position < len(inputs):
            parent = inputs[position]
            position += 1
            if isinstance(parent, Tensor) and parent.grad_fn is not None and parent.requires_grad:
                child = parent.grad_fn
                if id(child) not in visited:
                    visited.add(id(child))
                    stack.append((node, position))
                    stack.append((child, 0))
                    break
        else:
            postorder.append(node)
    postorder.reverse()
    return postorder


def _root_gradient(output: Tensor, gradient: Any, create_graph: bool) -> Any:
    if gradient is None:
        if output._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs: this output has shape {output.shape}; "
                "pass gradient= (an array of the same shape) to backward()"
            )
        grad = np.ones_like(output._data)
    else:
        if isinstance(gradient, Tensor):
            grad = gradient if create_graph else np.array(gradient._data)
        else:
            grad = to_float_array(gradient, output.dtype)
        if grad.shape != output.shape:
            raise GradientShapeError(
                f"gradient has shape {tuple(grad.shape)} but the output has shape {output.shape}: they must match"
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
    """
    node_grads: dict[int, Any] = {}
    leaf_grads: dict[int, tuple[Tensor, Any]] = {}
    handed_out: set[int] = set()  # ids of arrays already stored in some .grad
    for output, grad in zip(outputs, root_grads):
        _accumulate(output, grad, node_grads, leaf_grads, capture)

    order = _merged_order(outputs)
    with set_grad_enabled(create_graph):
        for node in order:
            grad_output = node_grads.pop(id(node), None)
            if grad_output is None:
                continue
            if node._released:
                raise RuntimeError(
                    f"trying to backward through the graph a second time ({node.name} was already used and its saved "
                    "values freed): call backward(retain_graph=True) if you need to go through it again"
                )
            output = node.output
            if output is not None:
                if capture is not None and id(output) in capture:
                    capture[id(output)] = grad_output
                elif capture is None and output._retains_grad:
                    _store_grad(output, grad_output, handed_out)
            input_grads = _call_backward(node, grad_output, create_graph)
            for index, (parent, grad) in enumerate(zip(node.inputs, input_grads)):
                if grad is None or not isinstance(parent, Tensor) or not parent.requires_grad:
                    continue
                grad = _fit_gradient(grad, parent, node, index, create_graph)
                _accumulate(parent, grad, node_grads, leaf_grads, capture)
            if not retain_graph:
                node.release()

    if capture is None:
        for leaf, grad in leaf_grads.values():
            _store_grad(leaf, grad, handed_out)


def _merged_order(outputs: Sequence[Tensor]) -> list[Context]:
    if len(outputs) == 1:
        return [] if outputs[0].grad_fn is None else topological_order(outputs[0].grad_fn)
    # Several outputs: a stand-in root whose inputs are the outputs gives one consistent order.
    hub = Context.__new__(Context)
    hub.inputs = tuple(outputs)
    return topological_order(hub)[1:]


def _accumulate(tensor: Tensor, grad: Any, node_grads: dict, leaf_grads: dict, capture: dict | None) -> None:
    node = tensor.grad_fn
    if node is not None:
        key = id(node)
        previous = node_grads.get(key)
        node_grads[key] = grad if previous is None else previous + grad
    elif capture is not None:
        if id(tensor) in capture:
            previous = capture[id(tensor)]
            capture[id(tensor)] = grad if previous is None else previous + grad
    else:
        key = id(tensor)
        previous = leaf_grads.get(key)
        leaf_grads[key] = (tensor, grad if previous is None else previous[1] + grad)


def _call_backward(node: Context, grad_output: Any, create_graph: bool) -> tuple:
    function = node.function
    if create_graph or not function.backward_accepts_arrays:
        node._as_tensors = True
        if not isinstance(grad_output, Tensor):
            grad_output = Tensor._wrap(np.asarray(grad_output))
    else:
        node._as_tensors = False
    grads = function.backward(node, grad_output)
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != len(node.inputs):
        raise RuntimeError(
            f"{node.name}.backward returned {len(grads)} gradient(s) but the op has {len(node.inputs)} input(s): "
            "return one per input (None where there is none)"
        )
    return grads


def _fit_gradient(grad: Any, parent: Tensor, node: Context, index: int, create_graph: bool) -> Any:
    """Make one input gradient match its tensor: type for the mode, shape, dtype."""
    if create_graph:
        if not isinstance(grad, Tensor):
            grad = Tensor._wrap(to_float_array(grad, parent.dtype, copy=False))
    elif isinstance(grad, Tensor):
        grad = grad._data
    elif not isinstance(grad, np.ndarray):
        grad = np.asarray(grad, dtype=parent.dtype)
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
    grad = _as_array(grad)
    if tensor._grad is None:
        if id(grad) in handed_out or grad.base is not None or not grad.flags.writeable or grad.dtype != tensor.dtype:
            grad = np.array(grad, dtype=tensor.dtype)
        handed_out.add(id(grad))
        tensor._grad = grad
    else:
        tensor._grad = tensor._grad + grad


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
    items = (value,) if isinstance(value, Tensor) else tuple(value)
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
    root_grads = [_root_gradient(y, g, create_graph) for y, g in zip(outputs, grad_outputs)]
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
