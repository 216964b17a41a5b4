"""The benchmark workloads and one training-step implementation per engine.

Every engine gets the same data, the same initial weights (float32) and the same
sequence of minibatch indices, so the steps do the same arithmetic and only the
engines' overheads differ.

- C:  the course experiment's step, Linear(1, 20) → ReLU → Linear(20, 1), MSE, SGD lr 0.02,
      40 indices drawn with replacement from 200 points.
- W1: MLP 1 → 64 → 64 → 1, ReLU, MSE, SGD lr 0.05, minibatch 32 of 256 points of sin(3x).
- W2: MLP 784 → 512 → 512 → 10, ReLU, MSE against one-hot targets, SGD lr 0.01, batch 256.
- W3: a chain of 2,000 elementwise links on a (16,) tensor, alternating x·1.0001 + 0.0001
      (a multiply and an add) and ReLU, then sum and backward: 3,001 ops forward and back.

Engines: ``ours`` (tinygrad_edu through ``nn``/``optim``, what a user writes), ``ours_raw``
(tinygrad_edu Tensors and the fused ops with a hand-rolled SGD loop: no Module or Optimizer
overhead), ``torch`` and ``numpy`` (a hand-written forward/backward/update: the floor for
any engine built on NumPy).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

import numpy as np

STEPS_IN_BATCH_PLAN = 4096  # minibatch index rows generated up front, used cyclically
CHAIN_LINKS = 2000


@dataclass
class Problem:
    """One MLP training workload: data, initial weights and the minibatch plan."""

    name: str
    x: np.ndarray
    y: np.ndarray
    weights: list[tuple[np.ndarray, np.ndarray]]  # (W of shape (out, in), b of shape (out,)) per layer
    lr: float
    batches: np.ndarray  # (STEPS_IN_BATCH_PLAN, batch) row indices into x

    @property
    def flops_per_step(self) -> float:
        """Multiply-adds ×2 of forward and backward matmuls (the input needs no gradient)."""
        batch = self.batches.shape[1]
        total = 0.0
        for i, (w, _) in enumerate(self.weights):
            out_f, in_f = w.shape
            matmuls = 2 if i == 0 else 3  # forward, weight grad, and input grad except for layer 0
            total += matmuls * 2.0 * batch * out_f * in_f
        return total


def _pytorch_default_layer(rng: np.random.Generator, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    bound = 1 / np.sqrt(n_in)
    w = rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32)
    b = rng.uniform(-bound, bound, n_out).astype(np.float32)
    return w, b


def _batch_plan(rng: np.random.Generator, n: int, batch: int) -> np.ndarray:
    return rng.integers(0, n, size=(STEPS_IN_BATCH_PLAN, batch))


def course_problem(seed: int = 0, width: int = 20) -> Problem:
    """C: the course's data and init (docs/lessons/05_course_experiment.md)."""
    rng = np.random.default_rng(seed)
    knots = np.sin(12345.0 * np.arange(11))
    x = np.sort(rng.uniform(0, 1, 200))
    y = np.interp(x, np.arange(11) / 10, knots) + rng.normal(0, 0.1, 200)
    w1 = rng.uniform(-1, 1, (width, 1))
    elbows = rng.uniform(0, 1, width)
    b1 = -elbows * w1[:, 0]
    w2, b2 = _pytorch_default_layer(rng, width, 1)
    weights = [(w1.astype(np.float32), b1.astype(np.float32)), (w2, b2)]
    return Problem("C", x.reshape(-1, 1).astype(np.float32), y.reshape(-1, 1).astype(np.float32), weights, 0.02,
                   _batch_plan(rng, 200, 40))


def mlp_problem(name: str, sizes: list[int], x: np.ndarray, y: np.ndarray, lr: float, batch: int,
                rng: np.random.Generator) -> Problem:
    weights = [_pytorch_default_layer(rng, a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    return Problem(name, x.astype(np.float32), y.astype(np.float32), weights, lr, _batch_plan(rng, len(x), batch))


def small_mlp_problem(seed: int = 0) -> Problem:
    """W1: 1 → 64 → 64 → 1 on 256 points of sin(3x)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (256, 1))
    return mlp_problem("W1", [1, 64, 64, 1], x, np.sin(3 * x), 0.05, 32, rng)


def wide_mlp_problem(seed: int = 0, samples: int = 2048) -> Problem:
    """W2: 784 → 512 → 512 → 10 against one-hot targets (synthetic MNIST-sized data)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, 784))
    y = np.eye(10)[rng.integers(0, 10, samples)]
    return mlp_problem("W2", [784, 512, 512, 10], x, y, 0.01, 256, rng)


# --------------------------------------------------------------------------- MLP steps, one per engine
def _cycle(batches: np.ndarray) -> Callable[[], np.ndarray]:
    count = [0]

    def next_batch() -> np.ndarray:
        row = batches[count[0] % len(batches)]
        count[0] += 1
        return row

    return next_batch


def numpy_mlp_step(problem: Problem) -> Callable[[], float]:
    """Hand-written NumPy: forward, backward and SGD update of the MLP (the floor)."""
    layers = [(w.copy(), b.copy()) for w, b in problem.weights]
    x, y, lr, next_batch = problem.x, problem.y, problem.lr, _cycle(problem.batches)
    last = len(layers) - 1

    def step() -> float:
        idx = next_batch()
        h, target = x[idx], y[idx]
        activations = [h]
        for i, (w, b) in enumerate(layers):
            z = h @ w.T
            z += b
            h = np.maximum(z, 0, out=z) if i < last else z
            activations.append(h)
        diff = h - target
        loss = float(np.vdot(diff, diff)) / diff.size
        grad = diff * (2 / diff.size)
        for i in range(last, -1, -1):
            w, b = layers[i]
            inputs = activations[i]
            grad_w = grad.T @ inputs
            grad_b = grad.sum(axis=0)
            if i > 0:
                grad = grad @ w  # before w changes
                grad *= inputs > 0
            w -= lr * grad_w
            b -= lr * grad_b
        return loss

    return step


def torch_mlp_step(problem: Problem) -> Callable[[], float]:
    import torch

    modules: list = []
    for i, (w, b) in enumerate(problem.weights):
        layer = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
        modules += [layer, torch.nn.ReLU()] if i < len(problem.weights) - 1 else [layer]
    model = torch.nn.Sequential(*modules)
    optimizer = torch.optim.SGD(model.parameters(), lr=problem.lr)
    x, y = torch.from_numpy(problem.x), torch.from_numpy(problem.y)
    next_batch = _cycle(torch.from_numpy(problem.batches))

    def step() -> float:
        idx = next_batch()
        loss = torch.nn.functional.mse_loss(model(x[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


def ours_mlp_step(problem: Problem) -> Callable[[], float]:
    """tinygrad_edu as a user writes it: nn.Sequential, F.mse_loss, optim.SGD."""
    import tinygrad_edu as tg
    from tinygrad_edu import nn, optim

    modules: list = []
    for i, (w, b) in enumerate(problem.weights):
        layer = nn.Linear(w.shape[1], w.shape[0], dtype=np.float32)
        layer.weight.data = w.copy()
        layer.bias.data = b.copy()
        modules += [layer, nn.ReLU()] if i < len(problem.weights) - 1 else [layer]
    model = nn.Sequential(*modules)
    optimizer = optim.SGD(model.parameters(), lr=problem.lr)
    mse_loss = nn.functional.mse_loss
    x, y, next_batch = problem.x, problem.y, _cycle(problem.batches)

    def step() -> float:
        idx = next_batch()
        loss = mse_loss(model(tg.Tensor(x[idx])), tg.Tensor(y[idx]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


def ours_raw_step(problem: Problem) -> Callable[[], float]:
    """tinygrad_edu Tensors and fused ops with a hand-rolled SGD loop (no nn, no optim)."""
    import tinygrad_edu as tg
    from tinygrad_edu.ops.fused import Linear, MSELoss

    params = [(tg.Tensor(w, requires_grad=True), tg.Tensor(b, requires_grad=True)) for w, b in problem.weights]
    flat = [p for pair in params for p in pair]
    x, y, lr, next_batch = problem.x, problem.y, problem.lr, _cycle(problem.batches)
    last = len(params) - 1

    def step() -> float:
        idx = next_batch()
        h = tg.Tensor(x[idx])
        for i, (w, b) in enumerate(params):
            h = Linear.apply(h, w, b)
            if i < last:
                h = h.relu()
        loss = MSELoss.apply(h, tg.Tensor(y[idx]))
        for p in flat:
            p.grad = None
        loss.backward()
        for p in flat:
            p.data -= lr * p.grad
        return loss

    return step


# --------------------------------------------------------------------------- W3: a long elementwise chain
def chain_start(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=16).astype(np.float32)


def numpy_chain_step(x0: np.ndarray) -> Callable[[], np.ndarray]:
    def step() -> np.ndarray:
        x, masks = x0, []
        for link in range(CHAIN_LINKS):
            if link % 2 == 0:
                x = x * 1.0001 + 0.0001
            else:
                x = np.maximum(x, 0)
                masks.append(x > 0)
        grad = np.ones_like(x)
        for link in range(CHAIN_LINKS - 1, -1, -1):
            grad = grad * masks[link // 2] if link % 2 else grad * 1.0001
        return grad

    return step


def torch_chain_step(x0: np.ndarray) -> Callable[[], object]:
    import torch

    start = torch.from_numpy(x0.copy()).requires_grad_(True)

    def step() -> object:
        x = start
        for link in range(CHAIN_LINKS):
            x = x * 1.0001 + 0.0001 if link % 2 == 0 else x.relu()
        start.grad = None
        x.sum().backward()
        return start.grad

    return step


def ours_chain_step(x0: np.ndarray) -> Callable[[], object]:
    import tinygrad_edu as tg

    start = tg.Tensor(x0, requires_grad=True)

    def step() -> object:
        x = start
        for link in range(CHAIN_LINKS):
            x = x * 1.0001 + 0.0001 if link % 2 == 0 else x.relu()
        start.grad = None
        x.sum().backward()
        return start.grad

    return step


# --------------------------------------------------------------------------- compiled steps (tg.compile)
def ours_compiled_mlp_step(problem: Problem) -> Callable[[], float]:
    """``ours_mlp_step``'s training step, compiled with ``tg.compile`` (traced once, then replayed)."""
    import tinygrad_edu as tg
    from tinygrad_edu import nn, optim

    modules: list = []
    for i, (w, b) in enumerate(problem.weights):
        layer = nn.Linear(w.shape[1], w.shape[0], dtype=np.float32)
        layer.weight.data = w.copy()
        layer.bias.data = b.copy()
        modules += [layer, nn.ReLU()] if i < len(problem.weights) - 1 else [layer]
    model = nn.Sequential(*modules)
    optimizer = optim.SGD(model.parameters(), lr=problem.lr)
    mse_loss = nn.functional.mse_loss
    x, y, next_batch = problem.x, problem.y, _cycle(problem.batches)

    @tg.compile
    def train(xb: object, yb: object) -> object:
        loss = mse_loss(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    def step() -> float:
        idx = next_batch()
        return train(tg.Tensor(x[idx]), tg.Tensor(y[idx]))

    return step


def ours_compiled_chain_step(x0: np.ndarray) -> Callable[[], object]:
    """``ours_chain_step`` compiled: the 2,000-link chain and its backward replayed as NumPy calls."""
    import tinygrad_edu as tg

    start = tg.Tensor(x0, requires_grad=True)

    @tg.compile
    def chain() -> object:
        x = start
        for link in range(CHAIN_LINKS):
            x = x * 1.0001 + 0.0001 if link % 2 == 0 else x.relu()
        loss = x.sum()
        loss.backward()
        return loss

    def step() -> object:
        start.grad = None
        chain()
        return start.grad

    return step
