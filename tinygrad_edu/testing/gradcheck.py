"""Finite-difference checks of the analytical gradients.

``numerical_grad`` estimates a gradient with central differences,
``(f(x + eps) - f(x - eps)) / (2 eps)``, one element at a time. ``gradcheck``
compares that estimate with what ``tinygrad_edu.grad`` computes, and
``gradgradcheck`` does the same one level up, for the gradient function itself.

What is compared (the whole Jacobian, entry by entry):

- the numerical Jacobian column of every input element is measured (two evaluations
  of ``fn`` per element, all outputs at once);
- the analytical Jacobian row of every output element is computed (one ``grad()`` call
  per output element, the cotangent being that element's unit vector);
- every entry of one is compared with the same entry of the other, so no wrong entry can
  hide behind another one (as it could in a random combination of rows). The cost is
  ``2 × (input elements)`` forward calls and ``(output elements)`` backward calls.

An entry passes when ``|analytical - numerical| <= atol + rtol * |numerical|``. A NaN or
an infinity on either side fails (it cannot be checked), and so does an analytical
gradient of ``None`` where the numerical one is not zero (it is taken as zeros).

Precision: central differences in float32 lose about half of the seven significant
digits, so the checked tensors must be float64 (a float32 tensor is refused with a
``TypeError``, as PyTorch warns). NumPy arrays, lists and numbers are converted to
float64 tensors that require grad, so ``gradcheck(f, [np.ones(3)])`` just works.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..autograd import grad
from ..tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when analytical and numerical gradients disagree."""


def _check_arguments(
    fn: Any, eps: Any, atol: Any = 0.0, rtol: Any = 0.0, raise_exception: Any = True, name: str = "gradcheck"
) -> None:
    """fn callable; eps a positive step; tolerances non-negative numbers; raise_exception a bool."""
    if not callable(fn):
        raise TypeError(f"{name}: fn must be a callable (the function to check), got {type(fn).__name__}")
    if not isinstance(raise_exception, (bool, np.bool_)):
        raise TypeError(f"{name}: raise_exception must be True or False, got {raise_exception!r}")
    for option, value, positive in (("eps", eps, True), ("atol", atol, False), ("rtol", rtol, False)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name}: {option} must be a real number, got {value!r}")
        if not np.isfinite(value) or value < 0 or (positive and value == 0):
            raise ValueError(f"{name}: {option} must be {'positive' if positive else 'non-negative'} and finite, got {value!r}")


def _prepare_inputs(inputs: Any, name: str = "gradcheck") -> list[Any]:
    """Inputs as a list; arrays, lists and numbers become float64 tensors that require grad."""
    if inputs is None or isinstance(inputs, (str, bytes, dict)) or not (
        isinstance(inputs, (Tensor, np.ndarray)) or hasattr(inputs, "__iter__")
    ):
        raise TypeError(f"{name}: inputs must be a list of Tensors or arrays, got {type(inputs).__name__}")
    items = [inputs] if isinstance(inputs, (Tensor, np.ndarray)) else list(inputs)
    prepared = []
    for index, item in enumerate(items):
        if isinstance(item, Tensor):
            if item.requires_grad and item.dtype != np.float64:
                raise TypeError(
                    f"{name}: input {index} is {item.dtype}; finite differences need float64 for enough "
                    "precision (use t.double() or dtype=np.float64)"
                )
            prepared.append(item)
        elif isinstance(item, (np.ndarray, list, tuple, int, float, np.number)) and not isinstance(item, bool):
            try:
                prepared.append(Tensor(item, dtype=np.float64, requires_grad=True))
            except (TypeError, ValueError) as error:
                raise TypeError(f"{name}: input {index} cannot be made a float64 tensor: {error}") from None
        else:
            raise TypeError(
                f"{name}: input {index} is a {type(item).__name__}; expected a Tensor, a NumPy array, a list or a number"
            )
    return prepared


def _as_outputs(result: Any) -> tuple[Tensor, ...]:
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    for output in outputs:
        if not isinstance(output, Tensor):
            raise TypeError(f"gradcheck: fn must return a Tensor or a tuple of Tensors, got {type(output).__name__}")
    return tuple(outputs)


def _flat_values(outputs: Sequence[Tensor]) -> np.ndarray:
    return np.concatenate([np.asarray(o._data, dtype=np.float64).ravel() for o in outputs])


def _evaluate(fn: Callable, tensors: list[Any], index: int, values: np.ndarray) -> np.ndarray:
    """All outputs of ``fn`` (flattened) with input ``index`` replaced by ``values``."""
    replaced = list(tensors)
    original = tensors[index]
    if isinstance(original, Tensor):
        replaced[index] = Tensor(values, dtype=original.dtype, requires_grad=original.requires_grad)
    else:
        replaced[index] = values
    return _flat_values(_as_outputs(fn(*replaced)))


def _numerical_jacobian(fn: Callable, tensors: list[Any], index: int, eps: float) -> np.ndarray:
    """Central-difference Jacobian of all outputs with respect to input ``index``: (outputs, input elements)."""
    base = np.array(np.asarray(tensors[index]._data if isinstance(tensors[index], Tensor) else tensors[index]), dtype=np.float64)
    flat = base.reshape(-1)
    columns = []
    for element in range(flat.size):
        saved = flat[element]
        flat[element] = saved + eps
        plus = _evaluate(fn, tensors, index, base.copy())
        flat[element] = saved - eps
        minus = _evaluate(fn, tensors, index, base.copy())
        flat[element] = saved
        columns.append((plus - minus) / (2 * eps))
    if not columns:  # an empty input: no columns, one row per output element
        return np.zeros((_flat_values(_as_outputs(fn(*tensors))).size, 0))
    return np.stack(columns, axis=1)


def numerical_grad(fn: Callable, inputs: Any, eps: float = 1e-6, grad_output: Any = None) -> list[np.ndarray]:
    """Central-difference gradient of ``sum(fn(*inputs) * grad_output)`` for every input.

    ``grad_output`` defaults to ones, so for a scalar ``fn`` this is its gradient. One
    array per input (shape of that input), whether or not the input requires grad.

    >>> import numpy as np
    >>> from tinygrad_edu.testing import numerical_grad
    >>> [g] = numerical_grad(lambda x: (x * x).sum(), [np.array([1.0, -2.0])])
    >>> np.round(g, 6)
    array([ 2., -4.])
    """
    _check_arguments(fn, eps, name="numerical_grad")
    tensors = _prepare_inputs(inputs, "numerical_grad")
    outputs = _as_outputs(fn(*tensors))
    size = sum(o._data.size for o in outputs)
    weights = np.ones(size) if grad_output is None else np.asarray(grad_output, dtype=np.float64).ravel()
    if weights.size != size:
        raise ValueError(f"numerical_grad: grad_output has {weights.size} elements but the outputs have {size}")
    grads = []
    for index, tensor in enumerate(tensors):
        jacobian = _numerical_jacobian(fn, tensors, index, eps)
        shape = np.shape(tensor._data if isinstance(tensor, Tensor) else tensor)
        grads.append((weights @ jacobian).reshape(shape) if jacobian.size else np.zeros(shape))
    return grads


def _analytical_vjp(
    outputs: tuple[Tensor, ...], tensors: list[Any], checked: list[int], cotangent: np.ndarray
) -> list[np.ndarray]:
    """``vᵀ J`` for the checked inputs, from ``tinygrad_edu.grad`` (zeros where unused).

    The graph is retained, so one forward pass serves every cotangent.
    """
    pieces, start = [], 0
    for output in outputs:
        pieces.append(cotangent[start : start + output._data.size].reshape(output.shape))
        start += output._data.size
    wanted = [(o, g) for o, g in zip(outputs, pieces) if o.requires_grad]
    results = [np.zeros(tensors[i].shape) for i in checked]
    if not wanted:
        return results
    grads = grad(
        [o for o, _ in wanted],
        [tensors[i] for i in checked],
        grad_outputs=[np.asarray(g, dtype=o.dtype) for o, g in wanted],
        retain_graph=True,
        allow_unused=True,
    )
    for position, value in enumerate(grads):
        if value is not None:
            results[position] = np.asarray(value._data, dtype=np.float64)
    return results


def _analytical_jacobians(outputs: tuple[Tensor, ...], tensors: list[Any], checked: list[int]) -> dict[int, np.ndarray]:
    """The analytical Jacobian of all outputs with respect to each checked input: (outputs, input elements).

    Row ``k`` is ``grad(outputs, inputs, grad_outputs=e_k)`` for the unit vector ``e_k`` of
    output element ``k``, so every entry is computed on its own.
    """
    size = sum(o._data.size for o in outputs)
    rows: dict[int, list[np.ndarray]] = {i: [] for i in checked}
    for row in range(size):
        unit = np.zeros(size)
        unit[row] = 1.0
        for index, value in zip(checked, _analytical_vjp(outputs, tensors, checked, unit)):
            rows[index].append(value.ravel())
    return {i: np.stack(rows[i]) if size else np.zeros((0, int(np.prod(tensors[i].shape)))) for i in checked}


def _output_element(outputs: tuple[Tensor, ...], row: int) -> str:
    """Which output element a flat Jacobian row belongs to: ``"output element (1, 0)"``, or ``"output 1 element (0,)"``."""
    for number, output in enumerate(outputs):
        if row < output._data.size:
            where = tuple(int(i) for i in np.unravel_index(row, output.shape)) if output.shape else ()
            return f"output element {where}" if len(outputs) == 1 else f"output {number} element {where}"
        row -= output._data.size
    raise IndexError(row)  # unreachable: rows come from the outputs' sizes


def _describe_failure(
    input_index: int, shape: tuple, element: int, analytical: float, numerical: float, which: str, wrong: int, total: int
) -> str:
    """The failure message: the input, its element, the output element, both values, how many entries are wrong."""
    where = np.unravel_index(element, shape) if shape else ()
    element_text = tuple(int(i) for i in where)
    return (
        f"gradcheck failed for input {input_index} (shape {tuple(shape)}) at element {element_text}, {which}: "
        f"analytical {analytical!r} vs numerical {numerical!r} (difference {abs(analytical - numerical):.3g}); "
        f"{wrong} of the {total} Jacobian entries of this input disagree"
    )


def gradcheck(
    fn: Callable,
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the analytical gradients of ``fn`` at ``inputs`` against central differences.

    ``fn`` takes the inputs and returns a Tensor (or a tuple of Tensors). The inputs
    that are tensors with ``requires_grad`` are checked (they must be float64); NumPy
    arrays, lists and numbers are turned into float64 tensors and checked too. Every
    entry of the Jacobian (each output element with respect to each input element) is
    compared, and passes when ``|analytical - numerical| <= atol + rtol * |numerical|``;
    NaN or infinite gradients fail. On failure a ``GradcheckError`` (an ``AssertionError``)
    names the input, its element, the output element, and both values; with
    ``raise_exception=False`` the result is ``False`` instead.

    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.testing import gradcheck
    >>> x = tg.Tensor([0.5, -1.0, 2.0], requires_grad=True)
    >>> gradcheck(lambda x: (x * x.tanh()).sum(), [x])
    True
    >>> gradcheck(lambda a, b: a @ b, [np.ones((2, 3)), np.ones((3, 2))])
    True
    """
    _check_arguments(fn, eps, atol, rtol, raise_exception)
    tensors = _prepare_inputs(inputs)
    checked = [i for i, t in enumerate(tensors) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    outputs = _as_outputs(fn(*tensors))
    numerical = {i: _numerical_jacobian(fn, tensors, i, eps) for i in checked}
    analytical = _analytical_jacobians(outputs, tensors, checked)
    for index in checked:
        # ``not <=`` rather than ``>``: a NaN compares False both ways, and must fail.
        bad = ~(np.abs(analytical[index] - numerical[index]) <= atol + rtol * np.abs(numerical[index]))
        if bad.any():
            # The first wrong entry in input-element order, then output order.
            element, row = divmod(int(np.argmax(bad.T)), bad.shape[0])
            message = _describe_failure(
                index, tensors[index].shape, element, float(analytical[index][row, element]),
                float(numerical[index][row, element]), _output_element(outputs, row), int(bad.sum()), bad.size,
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _first_derivative(fn: Callable, tensors: list[Any], seed: int) -> tuple[Callable, list[np.ndarray]]:
    """The function ``inputs -> grad(fn(inputs), checked inputs, v, create_graph=True)`` for a fixed random ``v``."""
    outputs = _as_outputs(fn(*tensors))
    rng = np.random.default_rng(seed)
    cotangents = [rng.standard_normal(o.shape).astype(o.dtype) for o in outputs]

    def derivative(*args: Any) -> tuple[Tensor, ...]:
        checked = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
        results = _as_outputs(fn(*args))
        wanted = [(o, v) for o, v in zip(results, cotangents) if o.requires_grad]
        if not wanted:
            return tuple(Tensor(np.zeros(a.shape)) for a in checked)
        grads = grad([o for o, _ in wanted], checked, grad_outputs=[v for _, v in wanted], create_graph=True,
                     allow_unused=True)
        return tuple(Tensor(np.zeros(a.shape)) if g is None else g for a, g in zip(checked, grads))

    return derivative, cotangents


def gradgradcheck(
    fn: Callable,
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the first-derivative function.

    The first derivative is ``grad(fn(*inputs), inputs, grad_outputs=v, create_graph=True)``
    with a fixed random cotangent ``v`` (from ``seed``); its own gradient must match
    central differences of it. Same arguments and result as ``gradcheck``.

    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.testing import gradgradcheck
    >>> x = tg.Tensor([0.3, -0.7], requires_grad=True)
    >>> gradgradcheck(lambda x: x.sigmoid() * x.exp(), [x])
    True
    """
    _check_arguments(fn, eps, atol, rtol, raise_exception, name="gradgradcheck")
    tensors = _prepare_inputs(inputs, "gradgradcheck")
    derivative, _ = _first_derivative(fn, tensors, seed)
    try:
        return gradcheck(derivative, tensors, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
    except GradcheckError as error:
        raise GradcheckError(f"gradgradcheck (second derivatives): {error}") from None
