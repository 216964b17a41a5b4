"""Stochastic gradient descent with PyTorch's momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_number, required


class SGD(Optimizer):
    """θ ← θ − lr·d, where d is the gradient, optionally with momentum (PyTorch's rule).

    With g = grad + weight_decay·θ: without momentum d = g. With momentum μ the buffer
    b starts as g on the first step and then b ← μ·b + (1 − dampening)·g; d = b, or
    d = g + μ·b with ``nesterov=True`` (which needs μ > 0 and dampening = 0).
    ``maximize=True`` ascends instead.

    >>> import tinygrad_edu as tg
    >>> w = tg.nn.Parameter([1.0])
    >>> opt = tg.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> w.data            # g=2 -> 0.8; g=1.6, b=0.9*2+1.6=3.4 -> 0.46
    array([0.46])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = required,  # type: ignore[assignment]
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr is not required:
            check_number(lr, "learning rate")
        check_number(momentum, "momentum")
        check_number(weight_decay, "weight_decay")
        check_number(dampening, "dampening", low=-float("inf"))
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=bool(nesterov), maximize=bool(maximize))
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_number(group["momentum"], "momentum")
        check_number(group["weight_decay"], "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update_group(self, group: dict[str, Any]) -> None:
        # Python floats keep float32 parameters float32 (NumPy scalars would promote).
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        weight_decay = float(group["weight_decay"])
        nesterov, maximize = group["nesterov"], group["maximize"]
        for param in group["params"]:
            grad = param._grad
            if grad is None:
                continue
            if maximize:
                grad = -grad
            if weight_decay != 0:
                grad = grad + weight_decay * param._data
            if momentum != 0:
                state = self.state[param]
                buffer = state.get("momentum_buffer")
                if buffer is None:
                    buffer = state["momentum_buffer"] = np.array(grad, dtype=param._data.dtype)
                else:
                    buffer *= momentum
                    if dampening == 0:
                        buffer += grad
                    else:
                        buffer += (1 - dampening) * grad
                grad = grad + momentum * buffer if nesterov else buffer
            try:
                param._data -= lr * grad  # in place: the parameter keeps its array and dtype
            except ValueError:  # a read-only array (e.g. assigned by the user): replace it
                self._write(param, lr * grad)


__all__ = ["SGD"]
