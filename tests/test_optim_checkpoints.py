"""Checkpoints of optimizers and schedulers through tg.save / tg.load, with NumPy-scalar hyperparameters.

``tg.save`` stores a NumPy scalar (``lr=np.float64(0.01)``) as a 0-d array; loading must take
a 0-d array where a number is expected and give back a Python float, and resuming must
continue exactly where the saved run was. Wrong values are still refused, by name.
"""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.optim import lr_scheduler as L

f64, f32, i64 = np.float64, np.float32, np.int64

OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=f64(0.05), momentum=f32(0.9), dampening=f64(0.1), weight_decay=f32(0.01),
                               nesterov=False, maximize=np.False_),
    "SGD_nesterov": lambda p: optim.SGD(p, lr=f32(0.05), momentum=f64(0.5), nesterov=np.True_),
    "Adam": lambda p: optim.Adam(p, lr=f32(0.05), betas=(f32(0.8), f64(0.99)), eps=f64(1e-8), weight_decay=f64(0.01),
                                 amsgrad=np.True_),
    "AdamW": lambda p: optim.AdamW(p, lr=f64(0.05), betas=(f64(0.9), f32(0.999)), weight_decay=f32(0.1)),
    "RMSprop": lambda p: optim.RMSprop(p, lr=f32(0.01), alpha=f64(0.9), eps=f32(1e-6), weight_decay=f64(0.01),
                                       momentum=f32(0.5), centered=np.True_),
    "Adagrad": lambda p: optim.Adagrad(p, lr=f64(0.1), lr_decay=f32(0.01), weight_decay=f64(0.01),
                                       initial_accumulator_value=f32(0.1), eps=f64(1e-10)),
}


def _sgd(p):
    return optim.SGD(p, lr=f32(0.1), momentum=f64(0.9))


SCHEDULERS = {  # name: (optimizer, scheduler), with NumPy scalars wherever a number goes
    "StepLR": (_sgd, lambda o: L.StepLR(o, step_size=i64(2), gamma=f32(0.5))),
    "MultiStepLR": (_sgd, lambda o: L.MultiStepLR(o, milestones=[i64(2), 4, 4], gamma=f64(0.5))),
    "ExponentialLR": (_sgd, lambda o: L.ExponentialLR(o, gamma=f32(0.9))),
    "CosineAnnealingLR": (_sgd, lambda o: L.CosineAnnealingLR(o, T_max=i64(5), eta_min=f64(0.01))),
    "LambdaLR": (_sgd, lambda o: L.LambdaLR(o, lambda t: f32(0.9) ** t)),
    "InverseTimeLR": (_sgd, lambda o: L.InverseTimeLR(o, decay=f32(0.5))),
    "LinearLR": (_sgd, lambda o: L.LinearLR(o, start_factor=f32(0.25), end_factor=f64(1.0), total_iters=i64(4))),
    "OneCycleLR": (_sgd, lambda o: L.OneCycleLR(o, max_lr=f32(1.0), total_steps=i64(10), pct_start=f64(0.3))),
    "OneCycleLR_adam": (OPTIMIZERS["Adam"], lambda o: L.OneCycleLR(o, max_lr=[f64(0.5)], total_steps=10,
                                                                    anneal_strategy="linear", three_phase=True)),
    "ReduceLROnPlateau": (_sgd, lambda o: L.ReduceLROnPlateau(o, factor=f32(0.5), patience=i64(0),
                                                              threshold=f64(0.5), min_lr=[f32(0.001)])),
    "SequentialLR": (_sgd, lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=f32(0.5), total_iters=2),
                                                        L.ExponentialLR(o, gamma=f64(0.8))], milestones=[i64(2)])),
}


def train(w, opt, sched, steps):
    """Minimize Σ(w − 3)²; the scheduler steps after the optimizer (with the loss for ReduceLROnPlateau)."""
    for _ in range(steps):
        opt.zero_grad()
        loss = ((w - 3.0) ** 2).sum()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step(loss.item()) if isinstance(sched, L.ReduceLROnPlateau) else sched.step()


def check_resumes_exactly(tmp_path, make_opt, make_sched=None):
    w = nn.Parameter([1.0, -1.0, 0.5])
    opt = make_opt([w])
    sched = make_sched(opt) if make_sched else None
    train(w, opt, sched, 3)
    saved_w = w.data.copy()
    checkpoint = {"optimizer": opt.state_dict()}
    if sched is not None:
        checkpoint["scheduler"] = sched.state_dict()
    tg.save(checkpoint, tmp_path / "checkpoint.npz")
    train(w, opt, sched, 5)

    loaded = tg.load(tmp_path / "checkpoint.npz")
    w2 = nn.Parameter(saved_w)
    opt2 = make_opt([w2])
    sched2 = make_sched(opt2) if make_sched else None  # made before loading, as PyTorch recommends
    opt2.load_state_dict(loaded["optimizer"])
    if sched2 is not None:
        sched2.load_state_dict(loaded["scheduler"])
    for group in opt2.param_groups:  # what came back from the file is made of Python numbers
        for key, value in group.items():
            if key != "params":
                for item in value if isinstance(value, tuple) else [value]:
                    assert type(item) in (bool, int, float, str), (key, value)
    train(w2, opt2, sched2, 5)
    np.testing.assert_array_equal(w2.data, w.data)
    if sched is not None:
        assert sched2.get_last_lr() == sched.get_last_lr() and sched2.last_epoch == sched.last_epoch
        assert all(type(lr) is float for lr in sched2.get_last_lr())
    return opt2, sched2


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_with_numpy_scalar_hyperparameters_resumes_from_a_checkpoint(tmp_path, name):
    check_resumes_exactly(tmp_path, OPTIMIZERS[name])


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_every_scheduler_with_numpy_scalar_arguments_resumes_from_a_checkpoint(tmp_path, name):
    make_opt, make_sched = SCHEDULERS[name]
    check_resumes_exactly(tmp_path, make_opt, make_sched)


def test_every_scheduler_class_is_checkpointed():
    made = {type(make(opt([nn.Parameter([0.0])]))).__name__ for opt, make in SCHEDULERS.values()}
    assert made == set(L.__all__) - {"LRScheduler"}


# ---------------------------------------------------------------- 0-d arrays where numbers go
def test_zero_dimensional_arrays_load_as_python_numbers():
    w = nn.Parameter([1.0])
    opt = optim.Adam([w], lr=0.1)
    w.grad = [1.0]
    opt.step()
    saved = opt.state_dict()
    saved["param_groups"][0].update(lr=np.array(0.25), betas=(np.array(0.5, dtype=np.float32), np.array(0.75)),
                                    eps=np.float32(1e-6), amsgrad=np.array(False), initial_lr=np.array(0.3))
    saved["state"][0]["step"] = np.array(1)
    opt.load_state_dict(saved)
    group = opt.param_groups[0]
    assert (group["lr"], group["betas"], group["amsgrad"], group["initial_lr"]) == (0.25, (0.5, 0.75), False, 0.3)
    assert type(group["lr"]) is float and type(group["eps"]) is float and type(opt.state[w]["step"]) is int
    opt.step()
    assert opt.state[w]["step"] == 2


def test_a_zero_dimensional_parameter_keeps_its_buffers_as_arrays():
    w = nn.Parameter(np.array(2.0))
    opt = optim.Adam([w], lr=0.1)
    w.grad = np.array(1.0)
    opt.step()
    fresh = optim.Adam([w], lr=0.1)
    fresh.load_state_dict(opt.state_dict())
    assert isinstance(fresh.state[w]["exp_avg"], np.ndarray) and fresh.state[w]["step"] == 1
    fresh.step()


@pytest.mark.parametrize("corrupt, error, words", [
    (lambda sd: sd["param_groups"][0].update(lr=np.array([0.1, 0.2])), TypeError, r"param_groups\[0\].*'lr'"),
    (lambda sd: sd["param_groups"][0].update(lr=np.array(-0.5)), ValueError, "Invalid learning rate: -0.5"),
    (lambda sd: sd["param_groups"][0].update(betas=(np.array(0.9), "x")), TypeError, "'betas'"),
    (lambda sd: sd["param_groups"][0].update(amsgrad="yes"), TypeError, "'amsgrad' must be True or False"),
    (lambda sd: sd["param_groups"][0].update(initial_lr="x"), TypeError, "'initial_lr' must be a number"),
    (lambda sd: sd["state"][0].update(step="3"), TypeError, "'step'"),
    (lambda sd: sd["state"][0].update(exp_avg=np.zeros(5)), ValueError, "shape"),
])
def test_wrong_values_in_a_loaded_optimizer_state_are_refused_by_name(corrupt, error, words):
    w = nn.Parameter([1.0, 2.0])
    opt = optim.Adam([w], lr=0.1)
    w.grad = [1.0, 1.0]
    opt.step()
    opt.param_groups[0]["initial_lr"] = 0.1
    saved = opt.state_dict()
    corrupt(saved)
    before = opt.state_dict()
    with pytest.raises(error, match=words):
        opt.load_state_dict(saved)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"] and after["state"][0]["step"] == 1  # unchanged


@pytest.mark.parametrize("corrupt, error, words", [
    (lambda sd: sd.update(base_lrs=["x"]), TypeError, "'base_lrs'.*must be a number, got 'x'"),
    (lambda sd: sd.update(base_lrs=[0.1, 0.2]), ValueError, "'base_lrs' must be a list of 1 entries"),
    (lambda sd: sd.update(last_epoch="3"), TypeError, "'last_epoch' must be a number"),
    (lambda sd: sd.update(gamma=np.array([0.5, 0.5])), TypeError, "'gamma' must be a number"),
    (lambda sd: sd.update(state={}), ValueError, "unexpected entry 'state'"),
])
def test_wrong_values_in_a_loaded_scheduler_state_are_refused_by_name(corrupt, error, words):
    opt = optim.SGD([nn.Parameter([0.0])], lr=0.1)
    sched = L.ExponentialLR(opt, gamma=0.5)
    sched.step()
    saved = sched.state_dict()
    corrupt(saved)
    with pytest.raises(error, match=words):
        sched.load_state_dict(saved)
    assert sched.last_epoch == 1 and sched.base_lrs == [0.1] and sched.gamma == 0.5


def test_an_optimizer_state_dict_given_to_a_scheduler_is_refused():
    opt = optim.SGD([nn.Parameter([0.0])], lr=0.1)
    with pytest.raises(ValueError, match="another scheduler's, or an optimizer's"):
        L.StepLR(opt, step_size=2).load_state_dict(opt.state_dict())
