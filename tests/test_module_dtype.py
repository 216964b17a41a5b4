"""``Module.float()``, ``double()``, ``half()`` and ``to()`` cast a model in place, as PyTorch does."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


def model() -> nn.Module:
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))


@pytest.mark.parametrize(
    "cast, dtype",
    [(lambda m: m.float(), np.float32), (lambda m: m.half(), np.float16), (lambda m: m.to(np.float32), np.float32),
     (lambda m: m.to(tg.zeros(1, dtype=np.float16)), np.float16), (lambda m: m.to("cpu", tg.float32), np.float32),
     (lambda m: m.to(dtype=np.float32, device="cpu"), np.float32)],
)
def test_every_parameter_is_cast_in_place(cast, dtype):
    net = model()
    before = list(net.parameters())
    values = [p.data.copy() for p in before]
    assert cast(net) is net
    after = list(net.parameters())
    assert all(a is b for a, b in zip(before, after))  # the same Parameter objects
    for param, original in zip(after, values):
        assert param.dtype == dtype and param.requires_grad and param.is_leaf
        np.testing.assert_allclose(param.data, original.astype(dtype))


def test_an_optimizer_made_before_the_cast_trains_the_cast_model():
    net = model()
    optimizer = tg.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net.float()
    x = tg.randn(8, 2, dtype=np.float32)
    first = None
    for _ in range(5):
        optimizer.zero_grad()
        loss = net(x).square().mean()
        loss.backward()
        optimizer.step()
        first = loss.item() if first is None else first
        assert loss.dtype == np.float32
    assert loss.item() < first
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in net.parameters())


def test_double_casts_back_and_keeps_gradients_in_the_new_dtype():
    net = model().float()
    net(tg.ones(1, 2, dtype=np.float32)).sum().backward()
    net.double()
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in net.parameters())


def test_tensors_held_by_a_module_are_cast_like_buffers():
    class WithBuffer(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter([1.0])
            self.running_mean = tg.zeros(3)

    module = WithBuffer().float()
    assert module.running_mean.dtype == np.float32 and module.scale.dtype == np.float32


def test_cpu_is_the_module_and_cuda_raises():
    net = model()
    assert net.cpu() is net and net.to("cpu") is net
    with pytest.raises(RuntimeError, match="runs on the CPU with NumPy"):
        net.cuda()
    with pytest.raises(RuntimeError, match="runs on the CPU with NumPy"):
        net.to("cuda")
    with pytest.raises(TypeError, match="floating point"):
        net.to(np.int64)


def test_assigning_data_of_another_dtype_adopts_it():
    param = nn.Parameter([1.0, 2.0])
    param.grad = np.ones(2)
    param.data = np.array([3.0, 4.0], dtype=np.float32)
    assert param.dtype == np.float32 and param.tolist() == [3.0, 4.0]
    assert param.grad.dtype == np.float32
