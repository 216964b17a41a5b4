"""Memory behaviour of training: no reference cycles, saved arrays freed after backward.

The graph holds its nodes by ordered lists of inputs and each node holds its output only
weakly, so a finished step is freed by reference counting alone; the cycle collector
never has work to do. (Timing lives in benchmarks/, not here.)
"""

import gc
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.ops.fused import Linear, MSELoss


def _garbage_left_by(step, steps: int = 3) -> int:
    step()  # warm-up: caches filled on first use are not garbage
    gc.collect()
    gc.disable()
    try:
        for _ in range(steps):
            step()
        return gc.collect()
    finally:
        gc.enable()


def _raw_training_step(dtype=np.float32):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(200, 1)).astype(dtype), rng.normal(size=(200, 1)).astype(dtype)
    w1, b1 = tg.Tensor(rng.normal(size=(20, 1)).astype(dtype), requires_grad=True), tg.zeros(20, dtype=dtype, requires_grad=True)
    w2, b2 = tg.Tensor(rng.normal(size=(1, 20)).astype(dtype), requires_grad=True), tg.zeros(1, dtype=dtype, requires_grad=True)
    params = [w1, b1, w2, b2]

    def step():
        idx = rng.integers(0, 200, 40)
        loss = MSELoss.apply(Linear.apply(Linear.apply(tg.Tensor(x[idx]), w1, b1).relu(), w2, b2), tg.Tensor(y[idx]))
        for p in params:
            p.grad = None
        loss.backward()
        with tg.no_grad():
            for p in params:
                p.data = p.data - 0.02 * p.grad
        return loss.item()

    return step


def test_a_fused_training_step_leaves_no_cyclic_garbage():
    assert _garbage_left_by(_raw_training_step()) == 0


def test_an_unfused_step_with_every_kind_of_op_leaves_no_cyclic_garbage():
    w = tg.Tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)

    def step():
        h = (w @ w.T).tanh() + w[:, :3].exp() * 0.5 - w.sum(axis=1, keepdims=True).sigmoid()
        loss = (h.relu() ** 2).mean() + tg.cat([w, w]).max() + h.logsumexp(axis=0).sum()
        w.grad = None
        loss.backward()
        return loss.item()

    assert _garbage_left_by(step) == 0


def test_double_backward_leaves_no_cyclic_garbage():
    x = tg.Tensor([0.3, -0.2, 0.9], requires_grad=True)

    def step():
        (g,) = tg.grad((x.tanh() ** 3).sum(), x, create_graph=True)
        (h,) = tg.grad((g * g).sum(), x)
        return h

    assert _garbage_left_by(step) == 0


def test_the_graph_is_freed_by_reference_counting_when_the_loss_goes():
    gc.disable()
    try:
        w = tg.Tensor(np.ones((2, 2)), requires_grad=True)
        loss = ((w @ w).relu() * 3.0).sum()
        node = weakref.ref(loss.grad_fn)
        hidden = weakref.ref(loss.grad_fn.inputs[0])
        loss.backward()
        del loss
        assert node() is None and hidden() is None
    finally:
        gc.enable()


def test_backward_frees_saved_arrays_unless_asked_to_retain():
    w = tg.Tensor(np.ones(3), requires_grad=True)
    loss = (w * w).exp().sum()
    nodes = [loss.grad_fn, loss.grad_fn.inputs[0].grad_fn]
    loss.backward()
    for node in nodes:
        with pytest.raises(RuntimeError, match="freed after backward"):
            _ = node.saved_tensors
    kept = (w * w).exp().sum()
    kept.backward(retain_graph=True)
    (saved_output,) = kept.grad_fn.inputs[0].grad_fn.saved_tensors
    np.testing.assert_allclose(saved_output.data, np.exp(1.0))


def test_a_training_step_through_nn_and_optim_leaves_no_cyclic_garbage():
    # The course's loop: Module calls (which record the module scope), F.mse_loss, optim.SGD.
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(200, 1)).astype(np.float32), rng.normal(size=(200, 1)).astype(np.float32)
    model = tg.nn.Sequential(tg.nn.Linear(1, 20, dtype=np.float32), tg.nn.ReLU(), tg.nn.Linear(20, 1, dtype=np.float32))
    optimizer = tg.optim.SGD(model.parameters(), lr=0.02)

    def step():
        idx = rng.integers(0, 200, 40)
        loss = tg.nn.functional.mse_loss(model(tg.Tensor(x[idx])), tg.Tensor(y[idx]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    assert _garbage_left_by(step) == 0
    assert all(p.dtype == np.float32 for p in model.parameters())  # no silent float64 promotion in the update
