"""Memory checks: peak memory of a W2 step (tracemalloc) and cyclic garbage per step (gc).

NumPy reports its array buffers to ``tracemalloc``, so the traced peak of one training
step is the memory the step needed, arrays and Python objects together. It is compared
with the arrays that must exist in any implementation of the step: the parameters,
their gradients, and the activations kept for backward (the input batch, each hidden
layer's output, the network's output and the target).
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

import numpy as np

from workloads import Problem


def required_bytes(problem: Problem) -> dict[str, int]:
    """Bytes of the arrays any implementation of one MLP step must hold at its peak."""
    batch = problem.batches.shape[1]
    itemsize = np.dtype(np.float32).itemsize
    parameters = sum(w.size + b.size for w, b in problem.weights) * itemsize
    widths = [problem.weights[0][0].shape[1]] + [w.shape[0] for w, _ in problem.weights]
    activations = batch * (sum(widths) + widths[-1]) * itemsize  # every layer's input and output, plus the target
    return {"parameters": parameters, "gradients": parameters, "activations": activations,
            "total": 2 * parameters + activations}


def peak_step_bytes(make_step: Callable[[Problem], Callable], problem: Problem, steps: int = 3) -> int:
    """Traced peak of one step, after ``steps`` warm-up steps, counting everything alive then.

    Tracing starts before the model is built, so parameters and gradients are counted;
    the data set itself is allocated before and is not (each step copies its minibatch,
    which is counted).
    """
    gc.collect()
    tracemalloc.start()
    try:
        step = make_step(problem)
        for _ in range(steps):
            step()
        gc.collect()
        tracemalloc.reset_peak()
        step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def cyclic_garbage_per_step(step: Callable[[], object], steps: int = 5) -> int:
    """Objects that only the cycle collector could free, left by ``steps`` training steps."""
    step()  # warm-up: lazily created caches are not garbage
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(steps):
            step()
        return gc.collect()
    finally:
        if was_enabled:
            gc.enable()
