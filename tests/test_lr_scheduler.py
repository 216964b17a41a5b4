"""optim.lr_scheduler: values over steps (PyTorch's, hard-coded), semantics, state dicts, errors."""

import math

import numpy as np
import pytest

from tinygrad_edu import nn, optim
from tinygrad_edu.optim import lr_scheduler as L

# get_last_lr() before each of 14 (optimizer.step(); scheduler.step()) rounds, for two
# parameter groups with lr 0.1 and 0.3, computed with torch 2.13 on this machine.
TORCH_VALUES = {
    "step": [
        [0.1, 0.3],
        [0.1, 0.3],
        [0.1, 0.3],
        [0.05, 0.15],
        [0.05, 0.15],
        [0.05, 0.15],
        [0.025, 0.075],
        [0.025, 0.075],
        [0.025, 0.075],
        [0.0125, 0.0375],
        [0.0125, 0.0375],
        [0.0125, 0.0375],
        [0.00625, 0.01875],
        [0.00625, 0.01875],
    ],
    "multistep": [
        [0.1, 0.3],
        [0.1, 0.3],
        [0.03, 0.09],
        [0.03, 0.09],
        [0.03, 0.09],
        [0.0026999999999999997, 0.0081],
        [0.0026999999999999997, 0.0081],
        [0.0026999999999999997, 0.0081],
        [0.0026999999999999997, 0.0081],
        [0.0008099999999999998, 0.00243],
        [0.0008099999999999998, 0.00243],
        [0.0008099999999999998, 0.00243],
        [0.0008099999999999998, 0.00243],
        [0.0008099999999999998, 0.00243],
    ],
    "exponential": [
        [0.1, 0.3],
        [0.09000000000000001, 0.27],
        [0.08100000000000002, 0.24300000000000002],
        [0.07290000000000002, 0.21870000000000003],
        [0.06561000000000002, 0.19683000000000003],
        [0.05904900000000002, 0.17714700000000003],
        [0.05314410000000002, 0.15943230000000003],
        [0.04782969000000002, 0.14348907000000002],
        [0.043046721000000024, 0.12914016300000003],
        [0.03874204890000002, 0.11622614670000003],
        [0.03486784401000002, 0.10460353203000003],
        [0.03138105960900001, 0.09414317882700003],
        [0.028242953648100012, 0.08472886094430003],
        [0.025418658283290013, 0.07625597484987003],
    ],
    "cosine": [
        [0.1, 0.3],
        [0.08681980515339464, 0.25753048327204936],
        [0.05500000000000001, 0.155],
        [0.023180194846605363, 0.05246951672795062],
        [0.01, 0.01],
        [0.023180194846605363, 0.0524695167279506],
        [0.05500000000000002, 0.15500000000000003],
        [0.08681980515339469, 0.25753048327204947],
        [0.10000000000000006, 0.3000000000000001],
        [0.0868198051533947, 0.25753048327204947],
        [0.05500000000000005, 0.15500000000000008],
        [0.023180194846605412, 0.05246951672795075],
        [0.01, 0.01],
        [0.023180194846605363, 0.0524695167279506],
    ],
    "cosine_long": [
        [0.1, 0.3],
        [0.09045084971874738, 0.27135254915624213],
        [0.06545084971874737, 0.19635254915624212],
        [0.03454915028125263, 0.10364745084375789],
        [0.009549150281252633, 0.028647450843757895],
        [0.0, 0.0],
        [0.009549150281252628, 0.02864745084375788],
        [0.03454915028125265, 0.10364745084375791],
        [0.06545084971874741, 0.19635254915624217],
        [0.09045084971874744, 0.27135254915624224],
        [0.10000000000000006, 0.3000000000000001],
        [0.09045084971874746, 0.2713525491562423],
        [0.06545084971874743, 0.1963525491562422],
        [0.03454915028125267, 0.10364745084375795],
    ],
    "lambda": [
        [0.1, 0.3],
        [0.095, 0.285],
        [0.09025, 0.27075],
        [0.0857375, 0.25721249999999996],
        [0.081450625, 0.24435187499999994],
        [0.07737809374999999, 0.2321342812499999],
        [0.07350918906249998, 0.22052756718749994],
        [0.06983372960937498, 0.2095011888281249],
        [0.06634204312890622, 0.19902612938671868],
        [0.0630249409724609, 0.18907482291738273],
        [0.05987369392383787, 0.1796210817715136],
        [0.05688000922764597, 0.1706400276829379],
        [0.05403600876626367, 0.16210802629879098],
        [0.051334208327950485, 0.15400262498385145],
    ],
}

SCHEDULES = {
    "step": lambda o: L.StepLR(o, step_size=3, gamma=0.5),
    "multistep": lambda o: L.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "exponential": lambda o: L.ExponentialLR(o, gamma=0.9),
    "cosine": lambda o: L.CosineAnnealingLR(o, T_max=4, eta_min=0.01),
    "cosine_long": lambda o: L.CosineAnnealingLR(o, T_max=5),
    "lambda": lambda o: L.LambdaLR(o, lambda t: 0.95**t),
}


def two_group_optimizer():
    params = [nn.Parameter([0.0]), nn.Parameter([0.0])]
    return optim.SGD([{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.3}], lr=0.1)


def run(make_scheduler, steps=14):
    opt = two_group_optimizer()
    scheduler = make_scheduler(opt)
    values = []
    for _ in range(steps):
        values.append(scheduler.get_last_lr())
        opt.step()
        scheduler.step()
    return values, opt, scheduler


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_values_match_pytorch_exactly(name):
    values, _, _ = run(SCHEDULES[name])
    assert values == TORCH_VALUES[name]


def test_cosine_recursion_agrees_with_the_closed_form():
    values, _, _ = run(lambda o: L.CosineAnnealingLR(o, T_max=6, eta_min=0.02), steps=20)
    for t, (lr, _) in enumerate(values):
        assert lr == pytest.approx(0.02 + (0.1 - 0.02) * (1 + math.cos(math.pi * t / 6)) / 2, abs=1e-12)


def test_inverse_time_decay():
    values, _, _ = run(lambda o: L.InverseTimeLR(o, decay=0.25), steps=6)
    assert values == [[0.1 / (1 + 0.25 * t), 0.3 / (1 + 0.25 * t)] for t in range(6)]


def test_construction_sets_initial_lr_and_takes_the_initial_step():
    opt = two_group_optimizer()
    scheduler = L.ExponentialLR(opt, gamma=0.5)
    assert scheduler.last_epoch == 0 and scheduler.base_lrs == [0.1, 0.3]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.3]
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.3]
    scheduler.step()
    assert scheduler.last_epoch == 1 and [g["lr"] for g in opt.param_groups] == [0.05, 0.15]
    assert scheduler.get_last_lr() == [0.05, 0.15]
    scheduler.get_last_lr().append(1.0)  # a copy: cannot corrupt the scheduler
    assert scheduler.get_last_lr() == [0.05, 0.15]


def test_resuming_with_last_epoch():
    opt = two_group_optimizer()
    with pytest.raises(KeyError, match="initial_lr"):
        L.StepLR(opt, step_size=2, last_epoch=3)
    for group in opt.param_groups:
        group["initial_lr"] = group["lr"]
    scheduler = L.LambdaLR(opt, lambda t: 1.0 / (t + 1), last_epoch=3)
    assert scheduler.last_epoch == 4 and scheduler.get_last_lr() == pytest.approx([0.1 / 5, 0.3 / 5])


def test_lambda_list_per_group_and_errors():
    opt = two_group_optimizer()
    scheduler = L.LambdaLR(opt, [lambda t: 1.0, lambda t: 0.5**t])
    scheduler.step()
    assert scheduler.get_last_lr() == [0.1, 0.15]
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        L.LambdaLR(opt, [lambda t: 1.0])
    with pytest.raises(TypeError, match="callable"):
        L.LambdaLR(opt, 0.5)


def test_state_dict_round_trip_continues_the_schedule():
    values, opt, scheduler = run(lambda o: L.CosineAnnealingLR(o, T_max=7), steps=3)
    saved = scheduler.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 3
    expected = []
    for _ in range(3):
        scheduler.step()
        expected.append(scheduler.get_last_lr())
    opt2 = two_group_optimizer()
    opt2.load_state_dict(opt.state_dict())
    resumed = L.CosineAnnealingLR(opt2, T_max=7)
    resumed.load_state_dict(saved)
    for group, lr in zip(opt2.param_groups, saved["_last_lr"]):
        group["lr"] = lr
    got = []
    for _ in range(3):
        resumed.step()
        got.append(resumed.get_last_lr())
    assert got == expected
    lambda_state = L.LambdaLR(two_group_optimizer(), lambda t: 1.0).state_dict()
    assert "lr_lambdas" not in lambda_state


@pytest.mark.parametrize("make, error", [
    (lambda o: L.StepLR(o, step_size=0), ValueError),
    (lambda o: L.StepLR(o, step_size=1.5), TypeError),
    (lambda o: L.StepLR(o, step_size=2, gamma=-0.1), ValueError),
    (lambda o: L.MultiStepLR(o, milestones=[5, 2]), ValueError),
    (lambda o: L.ExponentialLR(o, gamma="0.9"), TypeError),
    (lambda o: L.CosineAnnealingLR(o, T_max=0), ValueError),
    (lambda o: L.InverseTimeLR(o, decay=-1.0), ValueError),
    (lambda o: L.StepLR(o, step_size=2, last_epoch=-2), ValueError),
    (lambda o: L.StepLR(object(), step_size=2), TypeError),
])
def test_invalid_arguments(make, error):
    with pytest.raises(error):
        make(two_group_optimizer())


# ---------------------------------------------------------------- audit: bad input
def _sgd():
    return optim.SGD([nn.Parameter([1.0])], lr=0.1)


def test_multisteplr_milestones_must_be_a_list():
    with pytest.raises(TypeError, match="milestones"):
        L.MultiStepLR(_sgd(), 5)


@pytest.mark.parametrize("result", ["a", None, [0.5]])
def test_lambdalr_must_return_a_number(result):
    with pytest.raises(TypeError, match="lr_lambda returned"):
        L.LambdaLR(_sgd(), lambda step: result)


def test_lambdalr_accepts_numpy_numbers():
    sched = L.LambdaLR(_sgd(), lambda step: np.float64(0.5))
    assert sched.get_last_lr() == [0.05]


def test_scheduler_load_state_dict_needs_a_dict():
    with pytest.raises(TypeError, match="state_dict"):
        L.StepLR(_sgd(), 1).load_state_dict(None)


# ---------------------------------------------------------------- audit: step(epoch), PyTorch's deprecated form
# get_last_lr() after step(3), step(), step(7), step(), step(), step(5), step(0), step(), step(10), step(),
# step() from lr 0.1, computed with torch 2.13 (it warns, and uses each schedule's closed form).
EPOCH_CALLS = [3, None, 7, None, None, 5, 0, None, 10, None, None]
TORCH_EPOCH_VALUES = {
    "step": [0.05, 0.05, 0.025, 0.025, 0.0125, 0.05, 0.1, 0.1, 0.0125, 0.0125, 0.00625],
    "multistep": [0.05, 0.05, 0.0125, 0.0125, 0.0125, 0.0125, 0.1, 0.1, 0.0125, 0.0125, 0.0125],
    "cosine": [0.023180194846605363, 0.01, 0.08681980515339464, 0.1, 0.08681980515339464, 0.023180194846605356,
               0.1, 0.08681980515339464, 0.055000000000000014, 0.023180194846605398, 0.01],
}


@pytest.mark.parametrize("name", list(TORCH_EPOCH_VALUES))
def test_step_with_an_epoch_uses_the_closed_form_like_pytorch(name):
    opt = optim.SGD([nn.Parameter([0.0])], lr=0.1)
    make = {"step": lambda: L.StepLR(opt, step_size=3, gamma=0.5),
            "multistep": lambda: L.MultiStepLR(opt, milestones=[2, 5, 5], gamma=0.5),
            "cosine": lambda: L.CosineAnnealingLR(opt, T_max=4, eta_min=0.01)}[name]
    sched = make()
    values = []
    for epoch in EPOCH_CALLS:
        if epoch is None:
            sched.step()
        else:
            with pytest.warns(UserWarning, match="deprecated"):
                sched.step(epoch)
        values.append(sched.get_last_lr()[0])
    assert values == TORCH_EPOCH_VALUES[name]  # exactly
    assert sched.last_epoch == 12 and opt.param_groups[0]["lr"] == values[-1]
    with pytest.raises(ValueError, match="epoch"), pytest.warns(UserWarning):
        sched.step(-1)
