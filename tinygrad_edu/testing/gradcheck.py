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


def _prepare_inputs(inputs: Any, name: str = "gradcheck", perturb_all: bool = False) -> list[Tensor]:
    """Inputs as a list of Tensors; arrays, lists and numbers become float64 tensors that require grad.

    The inputs that will be perturbed must be float64: those that require grad, or all of
    them for ``numerical_grad`` (``perturb_all``).
    """
    if inputs is None or isinstance(inputs, (str, bytes, dict)) or not (
        isinstance(inputs, (Tensor, np.ndarray)) or hasattr(inputs, "__iter__")
    ):
        raise TypeError(f"{name}: inputs must be a list of Tensors or arrays, got {type(inputs).__name__}")
    items = [inputs] if isinstance(inputs, (Tensor, np.ndarray)) else list(inputs)
    prepared = []
    for index, item in enumerate(items):
        if isinstance(item, Tensor):
            if (item.requires_grad or perturb_all) and item.dtype != np.float64:
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


def _as_outputs(result: Any, name: str = "gradcheck") -> tuple[Tensor, ...]:
    """``fn``'s result as a tuple of Tensors (one Tensor, or a tuple or list of them)."""
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    for output in outputs:
        if not isinstance(output, Tensor):
            raise TypeError(f"{name}: fn must return a Tensor or a tuple of Tensors, got {type(output).__name__}")
    return tuple(outputs)


def _flat_values(outputs: Sequence[Tensor]) -> np.ndarray:
    """All output values in one flat float64 array (the rows of the Jacobian, in order)."""
    return np.concatenate([np.asarray(o._data, dtype=np.float64).ravel() for o in outputs])


def _evaluate(fn: Callable, tensors: list[Tensor], index: int, values: np.ndarray, name: str) -> np.ndarray:
    """All outputs of ``fn`` (flattened) with input ``index`` replaced by a tensor holding ``values``."""
    replaced = list(tensors)
    replaced[index] = Tensor(values, dtype=np.float64, requires_grad=tensors[index].requires_grad)
    return _flat_values(_as_outputs(fn(*replaced), name))


def _numerical_jacobian(fn: Callable, tensors: list[Tensor], index: int, eps: float, size: int, name: str) -> np.ndarray:
    """Central-difference Jacobian of all ``size`` outputs with respect to input ``index``: (outputs, input elements).

    Column ``k`` is ``(f(x + eps·e_k) - f(x - eps·e_k)) / (2 eps)``, for the unit vector ``e_k``
    of input element ``k``.
    """
    base = np.array(tensors[index]._data, dtype=np.float64)  # a copy, perturbed one element at a time
    flat = base.reshape(-1)  # a view of base: writing flat[k] changes base
    jacobian = np.zeros((size, flat.size))
    for element in range(flat.size):
        saved = flat[element]
        flat[element] = saved + eps
        plus = _evaluate(fn, tensors, index, base.copy(), name)
        flat[element] = saved - eps
        minus = _evaluate(fn, tensors, index, base.copy(), name)
        flat[element] = saved
        jacobian[:, element] = (plus - minus) / (2 * eps)
    return jacobian


def numerical_grad(fn: Callable, inputs: Any, eps: float = 1e-6, grad_output: Any = None) -> list[np.ndarray]:
    """Central-difference gradient of ``sum(fn(*inputs) * grad_output)`` for every input.

    ``grad_output`` defaults to ones, so for a scalar ``fn`` this is its gradient. One
    array per input (shape of that input), whether or not the input requires grad; every
    input is perturbed, so every Tensor input must be float64.

    >>> import numpy as np
    >>> from tinygrad_edu.testing import numerical_grad
    >>> [g] = numerical_grad(lambda x: (x * x).sum(), [np.array([1.0, -2.0])])
    >>> np.round(g, 6)
    array([ 2., -4.])
    """
    _check_arguments(fn, eps, name="numerical_grad")
    tensors = _prepare_inputs(inputs, "numerical_grad", perturb_all=True)
    size = _flat_values(_as_outputs(fn(*tensors), "numerical_grad")).size
    weights = np.ones(size) if grad_output is None else np.asarray(grad_output, dtype=np.float64).ravel()
    if weights.size != size:
        raise ValueError(f"numerical_grad: grad_output has {weights.size} elements but the outputs have {size}")
    return [
        (weights @ _numerical_jacobian(fn, tensors, index, eps, size, "numerical_grad")).reshape(tensor.shape)
        for index, tensor in enumerate(tensors)
    ]


def _analytical_vjp(
    outputs: tuple[Tensor, ...], tensors: list[Tensor], checked: list[int], cotangent: np.ndarray
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
        grad_outputs=[g for _, g in wanted],
        retain_graph=True,
        allow_unused=True,
    )
    for position, value in enumerate(grads):
        if value is not None:
            results[position] = value._data
    return results


def _analytical_jacobians(outputs: tuple[Tensor, ...], tensors: list[Tensor], checked: list[int]) -> dict[int, np.ndarray]:
    """The analytical Jacobian of all outputs with respect to each checked input: (outputs, input elements).

    Row ``k`` is ``grad(outputs, inputs, grad_outputs=e_k)`` for the unit vector ``e_k`` of
    output element ``k``, so every entry is computed on its own.
    """
    size = sum(o._data.size for o in outputs)
    jacobians = {i: np.zeros((size, tensors[i]._data.size)) for i in checked}
    for row in range(size):
        unit = np.zeros(size)
        unit[row] = 1.0
        for index, value in zip(checked, _analytical_vjp(outputs, tensors, checked, unit)):
            jacobians[index][row] = value.ravel()
    return jacobians


def _output_element(outputs: tuple[Tensor, ...], row: int) -> str:
    """Which output element a flat Jacobian row belongs to: ``"output element (1, 0)"``, or ``"output 1 element (0,)"``."""
    number = 0
    while row >= outputs[number]._data.size:  # skip the outputs before it
        row -= outputs[number]._data.size
        number += 1
    where = tuple(int(i) for i in np.unravel_index(row, outputs[number].shape))
    return f"output element {where}" if len(outputs) == 1 else f"output {number} element {where}"


def _describe_failure(
    input_index: int, shape: tuple, element: int, analytical: float, numerical: float, which: str, wrong: int, total: int
) -> str:
    """The failure message: the input, its element, the output element, both values, how many entries are wrong."""
    where = tuple(int(i) for i in np.unravel_index(element, shape))
    return (
        f"gradcheck failed for input {input_index} (shape {tuple(shape)}) at element {where}, {which}: "
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
    checked = [i for i, t in enumerate(tensors) if t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    outputs = _as_outputs(fn(*tensors))
    size = _flat_values(outputs).size
    numerical = {i: _numerical_jacobian(fn, tensors, i, eps, size, "gradcheck") for i in checked}
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


def _first_derivative(fn: Callable, tensors: list[Tensor], seed: int) -> Callable:
    """The function ``inputs -> grad(fn(inputs), checked inputs, v, create_graph=True)`` for a fixed random ``v``.

    ``v`` has one standard normal value per output element, drawn from ``seed``, so the
    second derivatives of every output are weighted by a value that is almost surely not 0.
    """
    outputs = _as_outputs(fn(*tensors), "gradgradcheck")
    rng = np.random.default_rng(seed)
    cotangents = [rng.standard_normal(o.shape) for o in outputs]

    def derivative(*args: Tensor) -> tuple[Tensor, ...]:
        checked = [a for a in args if a.requires_grad]
        results = _as_outputs(fn(*args), "gradgradcheck")
        wanted = [(o, v) for o, v in zip(results, cotangents) if o.requires_grad]
        if not wanted:  # no output depends on the inputs: the derivative is 0
            return tuple(Tensor(np.zeros(a.shape)) for a in checked)
        grads = grad([o for o, _ in wanted], checked, grad_outputs=[v for _, v in wanted], create_graph=True,
                     allow_unused=True)
        return tuple(Tensor(np.zeros(a.shape)) if g is None else g for a, g in zip(checked, grads))

    return derivative


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
    derivative = _first_derivative(fn, tensors, seed)
    try:
        return gradcheck(derivative, tensors, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
    except GradcheckError as error:
        raise GradcheckError(f"gradgradcheck (second derivatives): {error}") from None
