"""Fused ops: a dense layer and the squared-error loss, each as ONE graph node.

``x @ W.T + b`` written with the basic ops makes three nodes (Transpose, MatMul,
Add) and ``((input - target) ** 2).mean()`` three more. Each node costs a few
microseconds of Python bookkeeping on top of its NumPy call; for the small
networks of the course that bookkeeping, not the arithmetic, is the running time.
These two ops do the same math in one node each, with the derivative written out:

- ``Linear``:  y = x Wᵀ + b;   dL/dx = g W,   dL/dW = gᵀ x,   dL/db = Σ_rows g
- ``MSELoss``: L = mean((input − target)²);   dL/dinput = 2 (input − target) g / n

Like every built-in op their backward uses only operators and NumPy calls, so it
runs on plain arrays for ``backward()`` and on Tensors under
``grad(..., create_graph=True)`` (second derivatives come free). ``nn.functional.linear``
and ``nn.functional.mse_loss`` use them; the results equal the unfused compositions.
"""

from __future__ import annotations

import numpy as np

from ..function import Function

#: The ``reduction=`` choices of every loss, as in PyTorch.
REDUCTIONS = ("mean", "sum", "none")


class Linear(Function):
    """y = x @ weightᵀ + bias for a 2-D ``weight`` of shape (out, in) and a bias of shape (out,).

    ``x`` has shape (..., in): one sample (in,), a batch (N, in) or more batch axes.
    Apply as ``Linear.apply(x, weight)`` or ``Linear.apply(x, weight, bias)``.

    >>> import numpy as np, tinygrad_edu as tg
    >>> x = tg.Tensor([[1.0, 2.0]])
    >>> w = tg.Tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]], requires_grad=True)
    >>> b = tg.Tensor([0.5, 0.5, 0.5], requires_grad=True)
    >>> y = Linear.apply(x, w, b)
    >>> y.tolist()
    [[1.5, 3.5, 4.5]]
    >>> y.sum().backward()
    >>> w.grad.tolist(), b.grad.tolist()
    ([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]], [1.0, 1.0, 1.0])
    """

    family = "matmul"
    backward_accepts_arrays = True

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1] or (
            bias is not None and bias.shape != weight.shape[:1]
        ):
            _raise_linear_shape_error(x, weight, bias)
        ctx.save_for_backward(x, weight)
        out = x @ weight.T
        if bias is not None:
            if bias.dtype == out.dtype:
                out += bias  # in place: ``out`` is a fresh array, so no second allocation
            else:
                out = out + bias  # mixed dtypes promote as the unfused ``x @ W.T + b`` would
        return out

    @classmethod
    def explain_error(cls, error, arrays, options):
        return error  # forward's own messages name the op and the shapes

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad  # (x, weight) or (x, weight, bias)
        need_x, need_weight = needs[0], needs[1]
        out_features, in_features = weight.shape
        # The weight and bias gradients sum over every batch axis: flatten them into rows.
        rows = grad_output if grad_output.ndim == 2 else grad_output.reshape(-1, out_features)
        grad_x = grad_output @ weight if need_x else None
        grad_weight = None
        if need_weight:
            x_rows = x if x.ndim == 2 else x.reshape(-1, in_features)
            grad_weight = rows.T @ x_rows
        if len(needs) == 2:  # applied without a bias
            return grad_x, grad_weight
        grad_bias = rows.sum(axis=0) if needs[2] else None
        return grad_x, grad_weight, grad_bias


def _raise_linear_shape_error(x, weight, bias) -> None:
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape} "
            f"(the input's last dimension must equal in_features = weight.shape[1] = {weight.shape[1]})"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(
            f"linear: bias of shape {bias.shape} does not fit weight of shape {weight.shape}: "
            f"expected shape ({weight.shape[0]},), one value per output feature"
        )


class MSELoss(Function):
    """Mean squared error between ``input`` and ``target`` (same shape), one node.

    ``reduction="mean"`` (default) averages the squared differences, ``"sum"`` adds
    them, ``"none"`` returns them elementwise. d/dinput = 2 (input − target) · g
    (divided by n for the mean); d/dtarget is its negative.

    >>> import tinygrad_edu as tg
    >>> y = tg.Tensor([1.0, 2.0, 4.0], requires_grad=True)
    >>> loss = MSELoss.apply(y, tg.Tensor([1.0, 1.0, 1.0]))
    >>> loss.item()   # (0 + 1 + 9) / 3
    3.3333333333333335
    >>> loss.backward()
    >>> y.grad.tolist()   # 2 (y - t) / 3
    [0.0, 0.6666666666666666, 2.0]
    """

    family = "loss"
    backward_accepts_arrays = True

    @staticmethod
    def forward(ctx, input, target, reduction="mean"):
        if reduction not in REDUCTIONS:
            raise ValueError(f"mse_loss: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        if input.shape != target.shape:
            raise ValueError(
                f"mse_loss: input shape {input.shape} and target shape {target.shape} differ "
                "(a loss does not broadcast: reshape one of them)"
            )
        diff = input - target
        ctx.reduction = reduction
        ctx.save_for_backward(input, target, diff)
        if reduction == "none":
            return diff * diff
        total = np.vdot(diff, diff)  # Σ diff², one BLAS call in the arrays' dtype
        return np.asarray(total / diff.size if reduction == "mean" else total)

    @classmethod
    def explain_error(cls, error, arrays, options):
        return error  # forward's own messages name the op and the shapes

    @staticmethod
    def backward(ctx, grad_output):
        input, target, diff = ctx.saved_tensors
        if not isinstance(diff, np.ndarray):
            # Under create_graph the saved difference comes back as a constant Tensor;
            # rebuild it from the inputs so that second derivatives see it depend on them.
            diff = input - target
        need_input, need_target = ctx.needs_input_grad
        if ctx.reduction == "none":
            grad = grad_output * diff * 2
        else:
            scale = 2 / diff.size if ctx.reduction == "mean" else 2
            grad = diff * (grad_output * scale)  # scalar first: one pass over the array
        return (grad if need_input else None), (-grad if need_target else None)
