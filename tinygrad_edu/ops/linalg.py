"""Linear algebra beyond ``@``: vector norms and Einstein summation (``einsum``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _args
from ..function import Function, declare
from ..tensor import Tensor
from .reduce import Reduction, expand_reduced


# ---------------------------------------------------------------- norms
class Norm(Reduction):
    """‖x‖_p = (Σ |x|^p)^(1/p) over ``dims``; d/dx = sign(x)·(|x| / ‖x‖)^(p-1).

    Special cases, as in PyTorch: p = 2 gives x / ‖x‖; p = 1 gives sign(x); p = ±inf is
    max/min |x|, whose gradient sign(x) is shared among ties; p = 0 counts the non-zero
    entries (gradient 0). Where x = 0 or ‖x‖ = 0 the gradient is 0 (PyTorch's subgradient;
    x / ‖x‖ would be 0/0).
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim=False, p=2.0):
        ctx.shape, ctx.dims, ctx.keepdim, ctx.p = x.shape, dims, keepdim, p
        magnitude = np.abs(x)
        if p == np.inf or p == -np.inf:
            find = np.max if p > 0 else np.min
            if any(x.shape[d] == 0 for d in dims):
                raise ValueError(f"norm: an empty dimension has no {'largest' if p > 0 else 'smallest'} entry (shape {x.shape})")
            out = find(magnitude, axis=dims, keepdims=keepdim)
        elif p == 0:
            out = np.sum(magnitude != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
        elif p == 1:
            out = np.sum(magnitude, axis=dims, keepdims=keepdim)
        elif p == 2:
            out = np.sqrt(np.sum(magnitude * magnitude, axis=dims, keepdims=keepdim))
        else:
            with np.errstate(divide="ignore"):  # 0 ** (negative p) is inf, and the norm then 0, as in PyTorch
                out = np.sum(magnitude**p, axis=dims, keepdims=keepdim) ** (1 / p)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        p = ctx.p
        grad = expand_reduced(grad_output, ctx.shape, ctx.dims, ctx.keepdim)
        norm = expand_reduced(out, ctx.shape, ctx.dims, ctx.keepdim)
        if p == 0:
            return grad * 0.0
        if p == 1:
            return grad * np.sign(x)
        if p == np.inf or p == -np.inf:
            extreme = np.asarray(np.abs(x) == norm)
            share = (extreme / extreme.sum(axis=ctx.dims, keepdims=True)).astype(grad.dtype)
            return grad * np.sign(x) * share
        safe_norm = np.where(norm == 0, 1.0, norm)  # (a norm of 0 means x = 0 there: gradient 0)
        if p == 2:
            return grad * np.where(norm == 0, 0.0, x / safe_norm)
        zero = np.asarray((x == 0) | (norm == 0))  # (a norm of 0 with p < 0: some entry is 0, PyTorch gives 0)
        safe_magnitude = np.where(zero, 1.0, np.abs(x))
        return grad * np.where(zero, 0.0, np.sign(x) * (safe_magnitude / safe_norm) ** (p - 1))


@declare(methods=("norm",), functions=("norm",))
def norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm of x over ``dim`` (all entries when None), as PyTorch's ``norm``.

    ``p`` is a number (2, 1, ``inf``, ``-inf``, 0, or any other), or ``'fro'`` (the default,
    the 2-norm of the entries). The gradient at 0 is 0, PyTorch's choice of subgradient.

    >>> import tinygrad_edu as tg
    >>> tg.Tensor([3.0, -4.0]).norm(), tg.Tensor([3.0, -4.0]).norm(p=1), tg.Tensor([3.0, -4.0]).norm(float("inf"))
    (Tensor(5.), Tensor(7.), Tensor(4.))
    """
    if dtype is not None:
        raise TypeError("norm: dtype= is not supported; cast first, x.to(dtype).norm()")
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(
                f"norm: p={p!r} is not supported: give a number or 'fro' (the nuclear norm 'nuc' needs an SVD, "
                "which tinygrad_edu does not differentiate)"
            )
        p = 2.0
    p = _args.real_number(p, "norm", "p")
    dims = _args.dims_tuple(dim, x.shape, "norm")
    return Norm.apply(x, dims=dims, keepdim=_args.flag(keepdim, "norm: keepdim"), p=p)


# ---------------------------------------------------------------- Einstein summation
class EinSum(Function):
    """Einstein summation, ``out = einsum("ij,jk->ik", a, b)``: multiply the operands entry by
    entry along shared letters and sum over the letters missing from the output.

    The derivative with respect to one operand is again an einsum: the output's gradient
    times the other operands, summed over every letter that operand lacks,
    d/da einsum("ij,jk->ik") · g = einsum("ik,jk->ij", g, b). A letter that occurs in one
    operand only (summed away inside it) gets a gradient that is constant along it, and a
    repeated letter (a diagonal, ``"ii->i"``) gets its gradient on the diagonal.
    """

    family = "matmul"
    backward_accepts_arrays = True
    numpy_functions = (np.einsum,)

    @classmethod
    def numpy_function(cls, func):
        def numpy_einsum(*operands, out=None, optimize=False, **options):
            _args.numpy_options("einsum", {"out": out, **options})
            return einsum(*operands)

        return numpy_einsum

    @classmethod
    def explain_error(cls, error, arrays, options):
        if str(error).startswith("einsum"):
            return error
        return ValueError(f"einsum: {error} (operands of shapes {[tuple(a.shape) for a in arrays]})")

    @staticmethod
    def forward(ctx, *arrays, inputs, output):
        ctx.subscripts, ctx.output = inputs, output
        ctx.sizes = _label_sizes(inputs, [a.shape for a in arrays])
        ctx.save_for_backward(*arrays)
        return np.einsum(f"{','.join(inputs)}->{output}", *arrays)

    @staticmethod
    def backward(ctx, grad_output):
        operands = ctx.saved_tensors
        return tuple(
            _operand_gradient(grad_output, operands, k, ctx.subscripts, ctx.output, ctx.sizes) if needed else None
            for k, needed in enumerate(ctx.needs_input_grad)
        )


def _operand_gradient(grad_output, operands, k, inputs, output, sizes):
    """The gradient of operand ``k``: an einsum of the output's gradient and the other operands."""
    target = inputs[k]
    letters = "".join(dict.fromkeys(target))  # each letter of operand k once, in order
    elsewhere = set(output).union(*(inputs[i] for i in range(len(inputs)) if i != k))
    found = "".join(letter for letter in letters if letter in elsewhere)
    others = [i for i in range(len(inputs)) if i != k]
    equation = ",".join([output] + [inputs[i] for i in others]) + "->" + found
    grad = np.einsum(equation, grad_output, *(operands[i] for i in others))
    if found != letters:  # letters summed inside operand k only: the gradient is the same all along them
        grad = grad.reshape(tuple(sizes[letter] if letter in elsewhere else 1 for letter in letters))
        grad = np.broadcast_to(grad, tuple(sizes[letter] for letter in letters))
    if letters != target:  # a repeated letter: its entries sit on a diagonal, spread with identity matrices
        unused = iter(_unused_letters(inputs + [output]))
        spread, identities, factors = "", [], []
        for position, letter in enumerate(target):
            if letter in target[:position]:
                fresh = next(unused)
                spread += fresh
                identities.append(letter + fresh)
                factors.append(np.eye(sizes[letter], dtype=grad.dtype))
            else:
                spread += letter
        grad = np.einsum(",".join([letters, *identities]) + "->" + spread, grad, *factors)
    return grad


def _label_sizes(inputs: list[str], shapes: list[tuple[int, ...]]) -> dict[str, int]:
    """The length of each letter; a length 1 broadcasts, as in NumPy and PyTorch."""
    sizes: dict[str, int] = {}
    for subscripts, shape in zip(inputs, shapes):
        for letter, n in zip(subscripts, shape):
            known = sizes.get(letter)
            if known is None or known == 1:
                sizes[letter] = n
            elif n not in (1, known):
                raise ValueError(f"einsum: subscript {letter!r} has lengths {known} and {n} in operands of shapes {shapes}")
    return sizes


def _unused_letters(used: list[str]) -> str:
    taken = set("".join(used))
    return "".join(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in taken)


def parse_equation(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    """Split ``"ij,jk->ik"`` into the operands' subscripts and the output's, with ``...``
    written out as letters and the implicit output (no ``->``) made explicit: the letters
    that occur once, in alphabetical order, as NumPy and PyTorch do."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the first argument must be the equation, a string like 'ij,jk->ik', got {type(equation).__name__}")
    equation = equation.replace(" ", "")
    left, arrow, right = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(ndims):
        raise ValueError(f"einsum: the equation {equation!r} names {len(inputs)} operand(s), but {len(ndims)} were given")
    for part in inputs + [right]:
        if not all(c.isalpha() and c.isascii() for c in part.replace("...", "")):
            raise ValueError(f"einsum: subscripts must be letters a-z, A-Z (and ...), got {part!r} in {equation!r}")
    broadcast = max([n - len(s.replace("...", "")) for s, n in zip(inputs, ndims) if "..." in s], default=0)
    ellipsis = _unused_letters([equation])[:broadcast]
    written = []
    for subscripts, ndim in zip(inputs, ndims):
        letters = len(subscripts.replace("...", ""))
        count = ndim - letters if "..." in subscripts else 0
        if letters + count != ndim or count < 0:
            raise ValueError(f"einsum: subscripts {subscripts!r} do not fit an operand with {ndim} dimension(s)")
        written.append(subscripts.replace("...", ellipsis[broadcast - count :] if count else ""))
    if arrow:
        output = right.replace("...", ellipsis)
        for letter in output:
            if letter not in "".join(written):
                raise ValueError(f"einsum: output subscript {letter!r} does not occur in the operands of {equation!r}")
            if output.count(letter) > 1:
                raise ValueError(f"einsum: output subscript {letter!r} occurs more than once in {equation!r}")
    else:
        every = "".join(s.replace("...", "") for s in inputs)
        output = ellipsis + "".join(sorted(c for c in set(every) if every.count(c) == 1))
    return written, output


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation (``torch.einsum``), differentiable to any order.

    ``operands`` may also be given as one list. ``...`` stands for broadcast dimensions;
    without ``->`` the output has the letters that occur once, in alphabetical order.

    >>> import tinygrad_edu as tg
    >>> a, b = tg.ones(2, 3), tg.ones(3, 4)
    >>> tg.einsum("ij,jk->ik", a, b).shape, tg.einsum("ii", tg.eye(3)).item(), tg.einsum("bi,bi->b", a, a).tolist()
    ((2, 4), 3.0, [3.0, 3.0])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise TypeError("einsum() needs at least one operand after the equation")
    tensors = [_args.as_tensor(x, "einsum: every operand") for x in operands]
    inputs, output = parse_equation(equation, [t.ndim for t in tensors])
    return EinSum.apply(*tensors, inputs=inputs, output=output)
