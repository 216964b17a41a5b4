"""LinearLR, OneCycleLR, ReduceLROnPlateau, SequentialLR and chained schedules, against PyTorch.

Values: get_last_lr() (and, for OneCycleLR, each group's momentum or β1) before each of 14
rounds of (optimizer.step(); scheduler.step()), for two parameter groups with lr 0.1 and 0.3
(SGD with momentum 0.9, or Adam), computed with torch 2.13 on this machine and stored here.
ReduceLROnPlateau rows are [lr, lr, num_bad_epochs, cooldown_counter] after each step(metric).
"""

import warnings

import pytest

from tinygrad_edu import nn, optim
from tinygrad_edu.optim import lr_scheduler as L

TORCH = {
    "linear": [
        [0.025, 0.075], [0.035833333333333335, 0.1075], [0.046666666666666676, 0.14],
        [0.057500000000000016, 0.17250000000000001], [0.06833333333333334, 0.20500000000000002],
        [0.07916666666666669, 0.23750000000000004], [0.09000000000000002, 0.2700000000000001],
        [0.09000000000000002, 0.2700000000000001], [0.09000000000000002, 0.2700000000000001],
        [0.09000000000000002, 0.2700000000000001], [0.09000000000000002, 0.2700000000000001],
        [0.09000000000000002, 0.2700000000000001], [0.09000000000000002, 0.2700000000000001],
        [0.09000000000000002, 0.2700000000000001],
    ],
    "linear_default": [
        [0.03333333333333333, 0.09999999999999999], [0.04666666666666667, 0.14],
        [0.060000000000000005, 0.18000000000000002], [0.07333333333333335, 0.22000000000000006],
        [0.08666666666666668, 0.26000000000000006], [0.1, 0.30000000000000004], [0.1, 0.30000000000000004],
        [0.1, 0.30000000000000004], [0.1, 0.30000000000000004], [0.1, 0.30000000000000004],
        [0.1, 0.30000000000000004], [0.1, 0.30000000000000004], [0.1, 0.30000000000000004],
        [0.1, 0.30000000000000004],
    ],
    "linear_decreasing": [
        [0.1, 0.3], [0.08875, 0.26625], [0.07749999999999999, 0.23249999999999998],
        [0.06624999999999999, 0.19874999999999998], [0.05499999999999999, 0.16499999999999998],
        [0.04374999999999999, 0.13124999999999998], [0.032499999999999994, 0.09749999999999999],
        [0.021249999999999995, 0.06374999999999999], [0.009999999999999997, 0.029999999999999992],
        [0.009999999999999997, 0.029999999999999992], [0.009999999999999997, 0.029999999999999992],
        [0.009999999999999997, 0.029999999999999992], [0.009999999999999997, 0.029999999999999992],
        [0.009999999999999997, 0.029999999999999992],
    ],
    "onecycle_cos": [
        [0.040000000000000036, 0.08000000000000007, 0.95, 0.95],
        [0.253326288150591, 0.506652576301182, 0.92777851165098, 0.92777851165098],
        [0.703688047535243, 1.407376095070486, 0.8808658283817454, 0.8808658283817454],
        [0.9907769345935507, 1.9815538691871013, 0.8509607359798385, 0.8509607359798385],
        [0.9836474969297887, 1.9672949938595774, 0.8516352568480485, 0.8516352568480485],
        [0.9190443762697106, 1.8380887525394212, 0.858095594755408, 0.858095594755408],
        [0.8117456539497631, 1.6234913078995261, 0.8688255099070633, 0.8688255099070633],
        [0.6726838364805451, 1.3453676729610902, 0.8827317472789346, 0.8827317472789346],
        [0.5160277246826726, 1.032055449365345, 0.8983974211214172, 0.8983974211214172],
        [0.35773877573965707, 0.7154775514793141, 0.9142263793315516, 0.9142263793315516],
        [0.21394481417223551, 0.42788962834447103, 0.9286058330061084, 0.9286058330061084],
        [0.0992967918932656, 0.1985935837865312, 0.9400706810933978, 0.9400706810933978],
        [0.025476024606159702, 0.050952049212319404, 0.9474527873505334, 0.9474527873505334],
        [4e-06, 8e-06, 0.95, 0.95],
    ],
    "onecycle_linear_three_phase": [
        [0.1, 0.1, 0.95, 0.95], [0.4600000000000001, 0.4600000000000001, 0.9099999999999999, 0.9099999999999999],
        [0.8200000000000001, 0.8200000000000001, 0.87, 0.87], [0.82, 0.82, 0.87, 0.87],
        [0.45999999999999996, 0.45999999999999996, 0.9099999999999999, 0.9099999999999999],
        [0.09999999999999998, 0.09999999999999998, 0.95, 0.95],
        [0.08762500000000001, 0.08762500000000001, 0.95, 0.95],
        [0.07525000000000001, 0.07525000000000001, 0.95, 0.95], [0.062875, 0.062875, 0.95, 0.95],
        [0.0505, 0.0505, 0.95, 0.95], [0.038125000000000006, 0.038125000000000006, 0.95, 0.95],
        [0.025749999999999995, 0.025749999999999995, 0.95, 0.95],
        [0.013374999999999998, 0.013374999999999998, 0.95, 0.95],
        [0.0010000000000000009, 0.0010000000000000009, 0.95, 0.95],
    ],
    "onecycle_adam_betas": [
        [0.020000000000000018, 0.020000000000000018, 0.9, 0.9],
        [0.1266631440752955, 0.1266631440752955, 0.8777785116509802, 0.8777785116509802],
        [0.3518440237676215, 0.3518440237676215, 0.8308658283817456, 0.8308658283817456],
        [0.4953884672967753, 0.4953884672967753, 0.8009607359798385, 0.8009607359798385],
        [0.49182374846489435, 0.49182374846489435, 0.8016352568480486, 0.8016352568480486],
        [0.4595221881348553, 0.4595221881348553, 0.808095594755408, 0.808095594755408],
        [0.40587282697488153, 0.40587282697488153, 0.8188255099070634, 0.8188255099070634],
        [0.33634191824027254, 0.33634191824027254, 0.8327317472789346, 0.8327317472789346],
        [0.2580138623413363, 0.2580138623413363, 0.8483974211214173, 0.8483974211214173],
        [0.17886938786982853, 0.17886938786982853, 0.8642263793315517, 0.8642263793315517],
        [0.10697240708611776, 0.10697240708611776, 0.8786058330061085, 0.8786058330061085],
        [0.0496483959466328, 0.0496483959466328, 0.8900706810933978, 0.8900706810933978],
        [0.012738012303079851, 0.012738012303079851, 0.8974527873505335, 0.8974527873505335],
        [2e-06, 2e-06, 0.9, 0.9],
    ],
    "onecycle_no_momentum": [
        [0.020000000000000018, 0.020000000000000018, 0.9, 0.9], [0.05215390309173468, 0.05215390309173468, 0.9, 0.9],
        [0.14, 0.14, 0.9, 0.9], [0.26, 0.26, 0.9, 0.9], [0.37999999999999995, 0.37999999999999995, 0.9, 0.9],
        [0.4678460969082653, 0.4678460969082653, 0.9, 0.9], [0.5, 0.5, 0.9, 0.9],
        [0.47524231600673683, 0.47524231600673683, 0.9, 0.9], [0.40587282697488153, 0.40587282697488153, 0.9, 0.9],
        [0.30563101096814466, 0.30563101096814466, 0.9, 0.9], [0.19437098903185537, 0.19437098903185537, 0.9, 0.9],
        [0.09412917302511849, 0.09412917302511849, 0.9, 0.9], [0.024759683993263143, 0.024759683993263143, 0.9, 0.9],
        [2e-06, 2e-06, 0.9, 0.9],
    ],
    "sequential_warmup_cosine": [
        [0.010000000000000002, 0.03], [0.03250000000000001, 0.0975], [0.055000000000000014, 0.165],
        [0.07750000000000003, 0.2325], [0.1, 0.3], [0.0965745789630079, 0.2889625322141366],
        [0.08681980515339463, 0.25753048327204936], [0.07222075445642905, 0.21048909769293803], [0.055, 0.155],
        [0.03777924554357096, 0.09951090230706199], [0.023180194846605363, 0.05246951672795062],
        [0.013425421036992097, 0.021037467785863424], [0.01, 0.01], [0.013425421036992097, 0.02103746778586342],
    ],
    "sequential_three": [
        [0.1, 0.3], [0.09000000000000001, 0.27], [0.08100000000000002, 0.24300000000000002], [0.1, 0.3], [0.1, 0.3],
        [0.05, 0.15], [0.05, 0.15], [0.025, 0.075], [0.05, 0.15], [0.06666666666666667, 0.19999999999999998],
        [0.08333333333333333, 0.24999999999999997], [0.09999999999999999, 0.29999999999999993],
        [0.09999999999999999, 0.29999999999999993], [0.09999999999999999, 0.29999999999999993],
    ],
    "chained_linear_exponential": [
        [0.05, 0.15], [0.05625, 0.16875], [0.060750000000000005, 0.18225000000000002],
        [0.06378750000000001, 0.19136250000000005], [0.06561, 0.19683000000000003],
        [0.059049000000000004, 0.17714700000000003], [0.05314410000000001, 0.15943230000000003],
        [0.04782969000000001, 0.14348907000000002], [0.04304672100000001, 0.12914016300000003],
        [0.03874204890000001, 0.11622614670000003], [0.03486784401000001, 0.10460353203000003],
        [0.03138105960900001, 0.09414317882700003], [0.028242953648100012, 0.08472886094430003],
        [0.025418658283290013, 0.07625597484987003],
    ],
    "chained_step_multistep": [
        [0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.05, 0.15], [0.005000000000000001, 0.015],
        [0.005000000000000001, 0.015], [0.0025000000000000005, 0.0075], [0.0025000000000000005, 0.0075],
        [0.0025000000000000005, 0.0075], [0.00012500000000000003, 0.000375], [0.00012500000000000003, 0.000375],
        [0.00012500000000000003, 0.000375], [6.250000000000001e-05, 0.0001875], [6.250000000000001e-05, 0.0001875],
    ],
}

TORCH_PLATEAU = {
    "plateau_default_patience2": [
        [0.1, 0.3, 0, 0], [0.1, 0.3, 0, 0], [0.1, 0.3, 1, 0], [0.1, 0.3, 2, 0], [0.010000000000000002, 0.03, 0, 0],
        [0.010000000000000002, 0.03, 0, 0], [0.010000000000000002, 0.03, 1, 0], [0.010000000000000002, 0.03, 2, 0],
        [0.0010000000000000002, 0.003, 0, 0], [0.0010000000000000002, 0.003, 0, 0],
        [0.0010000000000000002, 0.003, 1, 0], [0.0010000000000000002, 0.003, 2, 0],
        [0.00010000000000000003, 0.00030000000000000003, 0, 0],
        [0.00010000000000000003, 0.00030000000000000003, 1, 0],
        [0.00010000000000000003, 0.00030000000000000003, 0, 0],
        [0.00010000000000000003, 0.00030000000000000003, 1, 0],
        [0.00010000000000000003, 0.00030000000000000003, 2, 0],
        [1.0000000000000004e-05, 3.0000000000000004e-05, 0, 0],
    ],
    "plateau_abs_cooldown": [
        [0.1, 0.3, 0, 0], [0.1, 0.3, 0, 0], [0.1, 0.3, 1, 0], [0.05, 0.15, 0, 2], [0.05, 0.15, 0, 1],
        [0.05, 0.15, 0, 0], [0.05, 0.15, 1, 0], [0.025, 0.075, 0, 2], [0.025, 0.075, 0, 1], [0.025, 0.075, 0, 0],
        [0.025, 0.075, 1, 0], [0.0125, 0.0375, 0, 2], [0.0125, 0.0375, 0, 1], [0.0125, 0.0375, 0, 0],
        [0.0125, 0.0375, 0, 0], [0.0125, 0.0375, 1, 0], [0.00625, 0.01875, 0, 2], [0.00625, 0.01875, 0, 1],
    ],
    "plateau_max_min_lrs": [
        [0.1, 0.3, 0, 0], [0.03, 0.09, 0, 0], [0.01, 0.05, 0, 0], [0.01, 0.05, 0, 0], [0.01, 0.05, 0, 0],
        [0.01, 0.05, 0, 0], [0.01, 0.05, 0, 0], [0.01, 0.05, 0, 0], [0.01, 0.05, 0, 0], [0.01, 0.05, 0, 0],
        [0.01, 0.05, 0, 0], [0.01, 0.05, 0, 0], [0.01, 0.05, 0, 0], [0.01, 0.05, 0, 0], [0.01, 0.05, 0, 0],
        [0.01, 0.05, 0, 0], [0.01, 0.05, 0, 0], [0.01, 0.05, 0, 0],
    ],
    "plateau_eps": [
        [0.1, 0.3, 0, 0], [0.1, 0.3, 0, 0], [0.05, 0.15, 0, 0], [0.025, 0.075, 0, 0], [0.025, 0.0375, 0, 0],
        [0.025, 0.0375, 0, 0], [0.025, 0.0375, 0, 0], [0.025, 0.0375, 0, 0], [0.025, 0.0375, 0, 0],
        [0.025, 0.0375, 0, 0], [0.025, 0.0375, 0, 0], [0.025, 0.0375, 0, 0], [0.025, 0.0375, 0, 0],
        [0.025, 0.0375, 0, 0], [0.025, 0.0375, 0, 0], [0.025, 0.0375, 0, 0], [0.025, 0.0375, 0, 0],
        [0.025, 0.0375, 0, 0],
    ],
}
METRICS = [5.0, 4.0, 4.0, 3.9999, 4.1, 3.0, 3.0, 3.0, 3.0, 2.9, 2.95, 2.95, 2.95, 2.95, 1.0, 1.0, 1.0, 1.0]


def two_groups(kind="sgd"):
    params = [nn.Parameter([0.0]), nn.Parameter([0.0])]
    groups = [{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.3}]
    return optim.Adam(groups, lr=0.1) if kind == "adam" else optim.SGD(groups, lr=0.1, momentum=0.9)


class Chained:
    """Schedulers stepped together on one optimizer (each multiplies the current rate)."""

    def __init__(self, *schedulers):
        self.schedulers = schedulers

    def step(self):
        for scheduler in self.schedulers:
            scheduler.step()

    def get_last_lr(self):
        return self.schedulers[-1].get_last_lr()

    def state_dict(self):
        return [scheduler.state_dict() for scheduler in self.schedulers]

    def load_state_dict(self, states):
        for scheduler, state in zip(self.schedulers, states):
            scheduler.load_state_dict(state)


SCHEDULES = {
    "linear": lambda o: L.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=6),
    "linear_default": lambda o: L.LinearLR(o),
    "linear_decreasing": lambda o: L.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=8),
    "onecycle_cos": lambda o: L.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=14),
    "onecycle_linear_three_phase": lambda o: L.OneCycleLR(
        o, max_lr=1.0, epochs=2, steps_per_epoch=7, anneal_strategy="linear", three_phase=True, pct_start=0.25,
        div_factor=10.0, final_div_factor=100.0),
    "onecycle_adam_betas": lambda o: L.OneCycleLR(o, max_lr=0.5, total_steps=14, base_momentum=0.8, max_momentum=0.9),
    "onecycle_no_momentum": lambda o: L.OneCycleLR(o, max_lr=0.5, total_steps=14, cycle_momentum=False, pct_start=0.5),
    "sequential_warmup_cosine": lambda o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=4), L.CosineAnnealingLR(o, T_max=8, eta_min=0.01)],
        milestones=[4]),
    "sequential_three": lambda o: L.SequentialLR(
        o, [L.ExponentialLR(o, gamma=0.9), L.StepLR(o, step_size=2, gamma=0.5), L.LinearLR(o, start_factor=0.5,
                                                                                          total_iters=3)],
        milestones=[3, 8]),
    "chained_linear_exponential": lambda o: Chained(L.LinearLR(o, start_factor=0.5, total_iters=4),
                                                    L.ExponentialLR(o, gamma=0.9)),
    "chained_step_multistep": lambda o: Chained(L.StepLR(o, step_size=3, gamma=0.5),
                                                L.MultiStepLR(o, milestones=[4, 9], gamma=0.1)),
}


def run(name, steps=14):
    kind = "adam" if "adam" in name else "sgd"
    opt = two_groups(kind)
    scheduler = SCHEDULES[name](opt)
    rows = []
    for _ in range(steps):
        row = list(scheduler.get_last_lr())
        if name.startswith("onecycle"):
            row += [g["betas"][0] if kind == "adam" else g["momentum"] for g in opt.param_groups]
        rows.append(row)
        opt.step()
        scheduler.step()
    return rows


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_values_match_pytorch_exactly(name):
    assert run(name) == TORCH[name]


@pytest.mark.parametrize("name", list(TORCH_PLATEAU))
def test_reduce_lr_on_plateau_matches_pytorch_exactly(name):
    options = {"plateau_default_patience2": dict(patience=2),
               "plateau_abs_cooldown": dict(patience=1, threshold=0.05, threshold_mode="abs", cooldown=2, factor=0.5),
               "plateau_max_min_lrs": dict(mode="max", patience=0, factor=0.3, min_lr=[0.01, 0.05]),
               "plateau_eps": dict(patience=0, factor=0.5, min_lr=0.02, eps=0.02)}[name]
    opt = two_groups()
    scheduler = L.ReduceLROnPlateau(opt, **options)
    rows = []
    for metric in METRICS:
        opt.step()
        scheduler.step(metric)
        rows.append(scheduler.get_last_lr() + [scheduler.num_bad_epochs, scheduler.cooldown_counter])
    assert rows == TORCH_PLATEAU[name]


# ---------------------------------------------------------------- initial_lr belongs to the first scheduler
def test_a_second_scheduler_keeps_the_initial_lr_the_first_one_recorded():
    opt = two_groups()
    L.LinearLR(opt, start_factor=0.5)  # sets lr to half the initial rate at once
    L.ExponentialLR(opt, gamma=0.9)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.3]  # torch 2.13 gives the same
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.15]


def test_warmup_then_cosine_starts_the_cosine_from_the_initial_rate():
    rates = [row[0] for row in run("sequential_warmup_cosine")]
    assert rates[4] == pytest.approx(0.1)  # the cosine's first value is the full rate, not the warmed-up start
    assert max(rates) == pytest.approx(0.1) and rates[0] == pytest.approx(0.01)


# ---------------------------------------------------------------- state dict round trips mid-schedule
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_state_dict_round_trip_mid_schedule_continues_the_same_values(name):
    kind = "adam" if "adam" in name else "sgd"
    opt = two_groups(kind)
    scheduler = SCHEDULES[name](opt)
    for _ in range(5):
        opt.step()
        scheduler.step()
    saved_opt, saved = opt.state_dict(), scheduler.state_dict()
    expected = []
    for _ in range(6):
        opt.step()
        scheduler.step()
        expected.append(scheduler.get_last_lr())

    opt2 = two_groups(kind)
    resumed = SCHEDULES[name](opt2)  # a fresh schedule at its start ...
    opt2.load_state_dict(saved_opt)  # ... given the optimizer's rates ...
    resumed.load_state_dict(saved)  # ... and the schedule's position
    got = []
    for _ in range(6):
        opt2.step()
        resumed.step()
        got.append(resumed.get_last_lr())
    assert got == expected and got == [row[:2] for row in TORCH[name][6:12]]


def test_plateau_state_dict_round_trip_mid_schedule():
    def fresh():
        opt = two_groups()
        return opt, L.ReduceLROnPlateau(opt, patience=1, cooldown=1, factor=0.5)

    opt, scheduler = fresh()
    for metric in METRICS[:7]:
        scheduler.step(metric)
    saved_opt, saved = opt.state_dict(), scheduler.state_dict()
    opt2, resumed = fresh()
    opt2.load_state_dict(saved_opt)
    resumed.load_state_dict(saved)
    for metric in METRICS[7:]:
        scheduler.step(metric)
        resumed.step(metric)
        assert resumed.get_last_lr() == scheduler.get_last_lr()
        assert (resumed.best, resumed.num_bad_epochs) == (scheduler.best, scheduler.num_bad_epochs)


def test_sequential_state_dict_holds_the_inner_schedulers_and_is_not_changed_by_loading():
    opt = two_groups()
    scheduler = SCHEDULES["sequential_three"](opt)
    for _ in range(4):
        scheduler.step()
    saved = scheduler.state_dict()
    assert [s["last_epoch"] for s in saved["_schedulers"]] == [2, 1, -1] and saved["last_epoch"] == 4
    copy_of_saved = {**saved, "_schedulers": list(saved["_schedulers"])}
    SCHEDULES["sequential_three"](two_groups()).load_state_dict(saved)
    assert saved == copy_of_saved
    with pytest.raises(ValueError, match="holds 1 schedulers' states, this SequentialLR has 3"):
        SCHEDULES["sequential_three"](two_groups()).load_state_dict({**saved, "_schedulers": saved["_schedulers"][:1]})


# ---------------------------------------------------------------- behaviour and errors
def test_one_cycle_refuses_to_step_past_its_total():
    opt = two_groups()
    scheduler = L.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(2):
        scheduler.step()
    scheduler.step()  # step 3 is the last one PyTorch allows (total_steps itself)
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        scheduler.step()


def test_one_cycle_with_a_phase_of_no_steps_does_not_divide_by_zero():
    opt = two_groups()
    scheduler = L.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.1)  # warmup ends at step 0
    assert scheduler.get_last_lr() == [1.0, 1.0]


def test_plateau_accepts_tensors_and_numpy_metrics_and_refuses_strings():
    opt = two_groups()
    scheduler = L.ReduceLROnPlateau(opt)
    scheduler.step(nn.Parameter([2.0]).sum())
    scheduler.step(__import__("numpy").float32(1.0))
    assert scheduler.best == 1.0
    with pytest.raises(TypeError, match="metric as a number"):
        scheduler.step("0.5")


@pytest.mark.parametrize("make, error, words", [
    (lambda o: L.LinearLR(o, start_factor=0.0), ValueError, "Starting multiplicative factor"),
    (lambda o: L.LinearLR(o, start_factor=1.5), ValueError, "Starting multiplicative factor"),
    (lambda o: L.LinearLR(o, end_factor=-0.1), ValueError, "Ending multiplicative factor"),
    (lambda o: L.LinearLR(o, total_iters=2.5), TypeError, "total_iters must be an integer"),
    (lambda o: L.OneCycleLR(o, max_lr=1.0), ValueError, "total_steps OR"),
    (lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=0), ValueError, "total_steps must be at least 1"),
    (lambda o: L.OneCycleLR(o, max_lr=[1.0], total_steps=5), ValueError, "max_lr must have the same length"),
    (lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=5, pct_start=1.5), ValueError, "pct_start"),
    (lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=5, anneal_strategy="cosine"), ValueError, "anneal_strategy"),
    (lambda o: L.OneCycleLR(optim.Adagrad([nn.Parameter([0.0])]), max_lr=1.0, total_steps=5), ValueError,
     "support momentum"),
    (lambda o: L.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0"),
    (lambda o: L.ReduceLROnPlateau(o, mode="lowest"), ValueError, "mode 'lowest' is unknown"),
    (lambda o: L.ReduceLROnPlateau(o, threshold_mode="relative"), ValueError, "threshold mode"),
    (lambda o: L.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
    (lambda o: L.ReduceLROnPlateau(o, patience=-1), ValueError, "patience"),
    (lambda o: L.SequentialLR(o, [], milestones=[]), ValueError, "at least one scheduler"),
    (lambda o: L.SequentialLR(o, [L.StepLR(o, 2), L.StepLR(o, 3)], milestones=[]), ValueError, "one more"),
    (lambda o: L.SequentialLR(o, [L.StepLR(o, 2), L.ReduceLROnPlateau(o)], milestones=[2]), ValueError,
     "ReduceLROnPlateau"),
    (lambda o: L.SequentialLR(o, [L.StepLR(two_groups(), 2)], milestones=[]), ValueError, "same optimizer"),
    (lambda o: L.SequentialLR(o, ["StepLR"], milestones=[]), TypeError, "not a scheduler"),
])
def test_invalid_arguments(make, error, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=words):
            make(two_groups())
