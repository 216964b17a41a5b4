"""No silent wrong answers: in-place updates and version checks, grad mode per thread, masks,
generators under no_grad, strict arguments (issue: "no silent wrong answers")."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

MODIFIED = "modified by an inplace operation"


# ---------------------------------------------------------------- in-place updates
def test_the_manual_sgd_idiom_updates_the_parameters_in_place():
    model = nn.Linear(2, 1)
    before = [p.data.copy() for p in model.parameters()]
    arrays = [p.data for p in model.parameters()]
    model(tg.ones(3, 2)).sum().backward()
    with tg.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad  # PyTorch's tutorial idiom: -= must change the parameter itself
    for p, old, array in zip(model.parameters(), before, arrays):
        np.testing.assert_allclose(p.data, old - 0.1 * p.grad)
        assert p.data is array and p._version == 1


def test_in_place_methods_compute_what_they_say():
    x = tg.Tensor([1.0, -2.0, 3.0])
    assert x.add_(1.0).tolist() == [2.0, -1.0, 4.0]
    assert x.sub_([1.0, 1.0, 1.0], alpha=2.0).tolist() == [0.0, -3.0, 2.0]
    assert x.mul_(2.0).tolist() == [0.0, -6.0, 4.0]
    assert x.div_(2.0).tolist() == [0.0, -3.0, 2.0]
    assert x.clamp_(min=-1.0, max=1.5).tolist() == [0.0, -1.0, 1.5]
    assert x.fill_(7.0).tolist() == [7.0, 7.0, 7.0]
    assert x.copy_(np.array([1.0, 2.0, 3.0])).tolist() == [1.0, 2.0, 3.0]
    assert x.zero_().tolist() == [0.0, 0.0, 0.0]
    x += 2.0
    x *= 3.0
    x -= 1.0
    x /= 5.0
    assert x.tolist() == [1.0, 1.0, 1.0] and x._version == 12


def test_an_in_place_result_keeps_the_tensors_dtype_and_shape():
    x = tg.Tensor([1.0, 2.0], dtype=np.float32)
    x += np.array([0.5, 0.5])  # a float64 operand: the tensor stays float32, as in PyTorch
    assert x.dtype == np.float32 and x.tolist() == [1.5, 2.5]
    with pytest.raises(ValueError, match=r"\(2, 2\).*\(2,\)"):
        x += np.ones((2, 2))  # an in-place result cannot grow the tensor


def test_in_place_on_a_leaf_that_requires_grad_raises_pytorchs_error():
    w = tg.Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        w += 1.0
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        w.zero_()
    with tg.no_grad():
        w.add_(1.0)
    assert w.tolist() == [2.0]


def test_in_place_that_would_enter_the_graph_is_refused_clearly():
    w = tg.Tensor([1.0], requires_grad=True)
    y = w * 2
    with pytest.raises(RuntimeError, match="out of place"):
        y += 1.0  # y is part of a graph
    plain = tg.Tensor([0.0])
    with pytest.raises(RuntimeError, match="out of place"):
        plain += w  # the operand requires grad: the result would have to be recorded
    assert plain.tolist() == [0.0] and y.tolist() == [2.0]


# ---------------------------------------------------------------- modified saved tensors
def test_backward_refuses_an_input_changed_in_place_after_it_was_saved():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    z = (x * x).sum()
    with tg.no_grad():
        x[0] = 100.0
    with pytest.raises(RuntimeError, match=MODIFIED) as info:
        z.backward()
    assert "Mul" in str(info.value) and "(2,)" in str(info.value)


def test_backward_after_an_optimizer_step_refuses_the_updated_weights():
    layer = nn.Linear(2, 1)
    opt = optim.SGD(layer.parameters(), lr=0.1)
    loss = (layer(tg.ones(4, 2)) ** 2).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_a_saved_output_changed_in_place_is_refused_too():
    x = tg.Tensor([0.5], requires_grad=True)
    y = x.exp()  # Exp saves its output
    out = (y * 1.0).sum()
    with tg.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match=MODIFIED):
        out.backward()


def test_changes_that_backward_does_not_need_are_fine():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # needs only its output, not x
    with tg.no_grad():
        x.add_(1.0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.exp([1.0, 2.0]))
    a = tg.Tensor([3.0], requires_grad=True)
    b = a + 1.0  # Add saves nothing
    with tg.no_grad():
        a.mul_(10.0)
    b.backward()
    assert a.grad.tolist() == [1.0]


def test_writes_through_data_are_not_checked_as_in_pytorch():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    z = (x * x).sum()
    x.data[0] = 5.0  # documented: .data bypasses the version counter
    z.backward()
    assert x.grad.tolist() == [10.0, 4.0] and x._version == 0


# ---------------------------------------------------------------- grad mode per thread
def test_no_grad_in_one_thread_leaves_another_thread_recording():
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def evaluator():
        with tg.no_grad():
            seen["evaluator"] = tg.is_grad_enabled()
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=evaluator)
    thread.start()
    assert entered.wait(5)
    w = tg.Tensor([1.0], requires_grad=True)
    y = (w * 3).sum()  # the trainer records while the evaluator sits in no_grad
    release.set()
    thread.join(5)
    y.backward()
    assert seen["evaluator"] is False and tg.is_grad_enabled() and w.grad.tolist() == [3.0]


def test_a_thread_that_leaves_grad_mode_off_does_not_switch_it_off_elsewhere():
    def worker():
        tg.set_grad_enabled(False)  # a plain call: stays off in this thread only

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(5)
    assert tg.is_grad_enabled()
    seen = []
    fresh = threading.Thread(target=lambda: seen.append(tg.is_grad_enabled()))
    fresh.start()
    fresh.join(5)
    assert seen == [True]  # a new thread starts recording


# ---------------------------------------------------------------- masks, generators, strict flags
def test_a_boolean_tensor_index_is_a_mask_with_the_right_gradient():
    x = tg.Tensor([10.0, 20.0, 30.0], requires_grad=True)
    picked = x[tg.Tensor([True, False, True])]
    assert picked.tolist() == [10.0, 30.0]
    (picked * tg.Tensor([1.0, 2.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 2.0]
    y = tg.Tensor([1.0, 2.0, 3.0])
    y[tg.Tensor([False, True, False])] = 0.0
    assert y.tolist() == [1.0, 0.0, 3.0]
    assert x[tg.Tensor([1.0, 0.0, 1.0])].tolist() == [20.0, 10.0, 20.0]  # a float tensor still indexes by position


def test_no_grad_on_a_generator_function_applies_while_it_runs():
    w = tg.Tensor([1.0], requires_grad=True)

    @tg.no_grad()
    def outputs():
        for k in range(3):
            yield w * k, tg.is_grad_enabled()

    results = list(outputs())
    assert [flag for _, flag in results] == [False] * 3
    assert not any(out.requires_grad for out, _ in results)
    assert tg.is_grad_enabled()  # outside the body, recording is on


@pytest.mark.parametrize("mode", ["no", 1, None, np.array(False)])
def test_set_grad_enabled_needs_a_bool(mode):
    with pytest.raises(TypeError, match="True or False"):
        tg.set_grad_enabled(mode)
    assert tg.is_grad_enabled()


# ---------------------------------------------------------------- numbers
def test_x_to_the_zero_has_slope_zero_even_at_a_subnormal_base():
    x = tg.Tensor([1e-320, 0.0, 2.0], requires_grad=True)
    (x**0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_max_and_min_send_the_gradient_to_the_nan_like_pytorch():
    x = tg.Tensor([1.0, np.nan, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    x.grad = None
    x.min(dim=0).values.backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    two = tg.Tensor([np.nan, 2.0, np.nan], requires_grad=True)
    two.amax().backward()
    assert two.grad.tolist() == [0.5, 0.0, 0.5]


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.softmax(axis=0, dim=1),
        lambda t: t.sum(axis=0, dim=1),
        lambda t: t.mean(axis=0, dim=0),
        lambda t: tg.cat([t, t], axis=0, dim=1),
        lambda t: tg.stack([t, t], axis=0, dim=1),
        lambda t: t.squeeze(axis=0, dim=0),
        lambda t: tg.nn.functional.softmax(t, dim=1, axis=0),
    ],
)
def test_giving_both_dim_and_axis_raises_instead_of_picking_one(call):
    with pytest.raises(TypeError, match="dim= or axis="):
        call(tg.ones(2, 2))


def test_cat_of_numbers_says_it_needs_tensors_of_at_least_one_dimension():
    with pytest.raises(ValueError, match="zero-dimensional"):
        tg.cat([1, 2])
