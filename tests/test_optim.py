"""optim: mechanics (groups, state dicts, versions, checks at step time), short backward-driven runs
against PyTorch, errors. Clipping: test_optim_clip.py. Every option by hand: test_optim_by_hand.py; 100 steps against
PyTorch: test_optim_trajectories.py; checkpoints through tg.save: test_optim_checkpoints.py."""

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.nn import functional as F


def quadratic_steps(opt_factory, steps, start=1.0):
    """Minimize w² from ``start``; returns the iterates after each step."""
    w = nn.Parameter([start])
    opt = opt_factory([w])
    values = []
    for _ in range(steps):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        values.append(float(w.data[0]))
    return values


# ---------------------------------------------------------------- by hand (every option: tests/test_optim_by_hand.py)
def test_adam_eps_is_added_after_the_square_root():
    # with a tiny gradient, eps dominates: step = lr·g/(|g| + eps) with g = 2e-8
    values = quadratic_steps(lambda p: optim.Adam(p, lr=1.0, eps=1e-8), 1, start=1e-8)
    assert values == pytest.approx([1e-8 - 2e-8 / (2e-8 + 1e-8)], rel=1e-9)


# ---------------------------------------------------------------- against PyTorch trajectories
def _data():
    k = np.arange(24, dtype=np.float64)
    x = np.sin(0.7 * k).reshape(8, 3)
    y = np.cos(0.3 * k[:16]).reshape(8, 2) * 0.5
    w0 = (np.cos(1.3 * np.arange(6)) * 0.4).reshape(2, 3)
    return x, y, w0, np.array([0.1, -0.2])


def _trajectory(make_opt, steps=5):
    """5 steps of mse(tanh(x Wᵀ + b), y) over sliding batches of 4; the same script ran with torch 2.13."""
    x, y, w0, b0 = _data()
    w, b = nn.Parameter(w0), nn.Parameter(b0)
    opt = make_opt([w, b])
    for s in range(steps):
        rows = slice((2 * s) % 8, (2 * s) % 8 + 4)
        opt.zero_grad()
        F.mse_loss((tg.Tensor(x[rows]) @ w.T + b).tanh(), tg.Tensor(y[rows])).backward()
        opt.step()
    return w.data, b.data


# Final (W, b) computed by torch.optim (foreach=False) on this machine, float64.
TORCH_TRAJECTORIES = {
    "sgd_plain": (lambda p: optim.SGD(p, lr=0.1),
                  ([[0.32985190326845526, 0.0880191241583997, -0.3016414370726978],
                    [-0.26179726012435944, 0.14346776939448422, 0.2948467413072182]],
                   [0.045406503167763804, -0.1970504059226232])),
    "sgd_momentum": (lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                     ([[0.2235272322148351, 0.05942004254309635, -0.23906433429303017],
                       [-0.22672371652662093, 0.07467490123825442, 0.1545418222091111]],
                      [-0.051464426510112356, -0.19719271827999413])),
    "sgd_dampening": (lambda p: optim.SGD(p, lr=0.1, momentum=0.8, dampening=0.3),
                      ([[0.28049606874609745, 0.07733727724603474, -0.2686254568637225],
                        [-0.2451328126463999, 0.10654880987860935, 0.22170793833248012]],
                       [0.020071249059890467, -0.18769541100460035])),
    "sgd_nesterov": (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
                     ([[0.1819632231782742, 0.05156618825740979, -0.20951424343742564],
                       [-0.19857768200868714, 0.06537709520417655, 0.11217307908307525]],
                      [-0.0848059396817027, -0.18647555287719955])),
    "sgd_weight_decay": (lambda p: optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.05),
                         ([[0.27227979675035807, 0.06960356333256129, -0.26799848318430264],
                           [-0.23571370028612457, 0.11179535309032677, 0.22774209835230522]],
                          [-0.00994935016025688, -0.1956796208621481])),
    "sgd_maximize": (lambda p: optim.SGD(p, lr=0.01, momentum=0.5, maximize=True),
                     ([[0.4118068154718663, 0.110599611973258, -0.34905532989557486],
                       [-0.29436784225926405, 0.1958240259961369, 0.40750587107659475]],
                      [0.11054968020675968, -0.1992668674559097])),
    "adam_default": (lambda p: optim.Adam(p, lr=0.01),
                     ([[0.3511432524917539, 0.09608797897668823, -0.30117255989512803],
                       [-0.25916241163407855, 0.1400059572092203, 0.34168655657824704]],
                      [0.09524463019608444, -0.19311186000709119])),
    "adam_weight_decay": (lambda p: optim.Adam(p, lr=0.01, weight_decay=0.1),
                          ([[0.3505898472149058, 0.09082221123200838, -0.2978843231959245],
                            [-0.25001186567839606, 0.1393108991852696, 0.34136597571997174]],
                           [0.09405356908423095, -0.1875478146346602])),
    "adam_small_betas_big_eps": (lambda p: optim.Adam(p, lr=0.02, betas=(0.3, 0.8), eps=1e-3),
                                 ([[0.29923741593571984, 0.06425291182726686, -0.27449693083835175],
                                   [-0.22013700589994742, 0.10005494980839981, 0.29345131213443093]],
                                  [0.07106419041121205, -0.20466351941438227])),
    "adam_amsgrad": (lambda p: optim.Adam(p, lr=0.01, betas=(0.9, 0.5), amsgrad=True),
                     ([[0.35676994376853577, 0.10090080064664284, -0.30186027420739825],
                       [-0.26254692955724523, 0.1441653781030664, 0.3444816967849368]],
                      [0.09783488484988336, -0.1930692181690262])),
    "adam_without_amsgrad": (lambda p: optim.Adam(p, lr=0.01, betas=(0.9, 0.5)),
                             ([[0.35453818159621164, 0.0994297288106462, -0.29828701610103825],
                               [-0.2613852684591563, 0.1399096204052658, 0.34297115509489823]],
                              [0.09704484225785218, -0.19265477987812696])),
    "adamw": (lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.1),
        ([[0.34925009122628053, 0.0955482827989578, -0.29957050028890675], [-0.25776109997028634, 0.13917777945451604, 0.3398412422630155]],
         [0.09470974857941931, -0.19218598631285272])),
    "rmsprop_centered_momentum": (lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
        ([[-0.13576421750186637, -0.07341749064399085, -0.11425461843415674], [0.1417222319295505, -0.07102796736931792, 0.016960713242570397]],
         [-0.03933366627618173, -0.19462199151073478])),
    "adagrad_lr_decay": (lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1),
        ([[0.25970597203844115, 0.06586412224932246, -0.25188914539176765], [-0.21763882249841532, 0.10217399227047576, 0.22663462662454448]],
         [0.03694139420510521, -0.19223960681371072])),
    "adam_maximize": (lambda p: optim.Adam(p, lr=0.01, maximize=True),
        ([[0.44900464420324665, 0.1162411690356537, -0.38766430386870254], [-0.3197639396666132, 0.23556661353087655, 0.4399038431309578]],
         [0.10341285667104394, -0.2089526498483952])),
}


@pytest.mark.parametrize("name", sorted(TORCH_TRAJECTORIES))
def test_trajectory_matches_pytorch(name):
    make_opt, (torch_w, torch_b) = TORCH_TRAJECTORIES[name]
    w, b = _trajectory(make_opt)
    np.testing.assert_allclose(w, torch_w, rtol=0, atol=1e-13)
    np.testing.assert_allclose(b, torch_b, rtol=0, atol=1e-13)


# ---------------------------------------------------------------- mechanics
# Every optimizer, with the options that create state buffers switched on.
EVERY_OPTIMIZER = {
    "SGD": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1),
    "Adam": lambda p: optim.Adam(p, lr=0.1, weight_decay=0.1, amsgrad=True),
    "AdamW": lambda p: optim.AdamW(p, lr=0.1, amsgrad=True),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
}


@pytest.mark.parametrize("make_opt", EVERY_OPTIMIZER.values(), ids=list(EVERY_OPTIMIZER))
def test_float32_parameters_stay_float32_and_in_place(make_opt):
    net = nn.MLP(2, [3], 1, dtype=np.float32)
    arrays = [p.data for p in net.parameters()]
    opt = make_opt(net.parameters())
    for _ in range(2):
        opt.zero_grad()
        F.mse_loss(net(tg.ones(4, 2, dtype=np.float32)), np.ones((4, 1))).backward()
        opt.step()
    for param, array in zip(net.parameters(), arrays):
        assert param.dtype == np.float32 and param.data is array
    for state in opt.state.values():
        assert all(v.dtype == np.float32 for v in state.values() if isinstance(v, np.ndarray))


def test_step_skips_parameters_without_grad_and_records_no_graph():
    used, unused = nn.Parameter([1.0]), nn.Parameter([5.0])
    opt = optim.SGD([used, unused], lr=0.5, momentum=0.9)
    (used * 3).sum().backward()
    opt.step()
    assert used.data.tolist() == [-0.5] and unused.data.tolist() == [5.0]
    assert unused not in opt.state and used.grad_fn is None and used.is_leaf


def test_zero_grad_sets_none_or_zeros():
    w = nn.Parameter([1.0, 2.0])
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_param_groups_with_their_own_options():
    a, b = nn.Parameter([1.0]), nn.Parameter([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 1.0, "momentum": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0] and opt.param_groups[0]["momentum"] == 0.0
    (a + b).sum().backward()
    opt.step()
    assert a.data.tolist() == [0.9] and b.data.tolist() == [0.0]
    c = nn.Parameter([0.0])
    opt.add_param_group({"params": [c], "lr": 0.3})
    assert opt.param_groups[2]["lr"] == 0.3 and opt.param_groups[2]["nesterov"] is False
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_closure_is_called_and_its_loss_returned():
    w = nn.Parameter([2.0])
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 4.0 and w.data.tolist() == [1.0]


@pytest.mark.parametrize("make_opt", EVERY_OPTIMIZER.values(), ids=list(EVERY_OPTIMIZER))
def test_optimizer_state_dict_round_trip_resumes_identically(make_opt):
    def loss_step(w, opt):
        opt.zero_grad()
        ((w - 3.0) ** 2).sum().backward()
        opt.step()

    w = nn.Parameter([1.0, -1.0])
    opt = make_opt([w])
    for _ in range(3):
        loss_step(w, opt)
    saved_w, saved = w.data.copy(), opt.state_dict()
    assert list(saved) == ["state", "param_groups"] and saved["param_groups"][0]["params"] == [0]
    assert set(saved["state"]) == {0}
    for _ in range(2):
        loss_step(w, opt)
    expected = w.data.copy()

    w2 = nn.Parameter(saved_w)
    opt2 = make_opt([w2])
    opt2.load_state_dict(saved)
    for _ in range(2):
        loss_step(w2, opt2)
    np.testing.assert_array_equal(w2.data, expected)
    # the saved dict was copied in, not aliased
    assert all(v is not saved["state"][0].get(k) for k, v in opt2.state[w2].items() if isinstance(v, np.ndarray))


def test_optimizer_state_dict_restores_hyperparameters_and_checks_layout():
    a, b = nn.Parameter([1.0]), nn.Parameter([2.0, 3.0])
    opt = optim.Adam([a, b], lr=0.5)
    (a.sum() + b.sum()).backward()
    opt.step()
    saved = opt.state_dict()
    fresh = optim.Adam([nn.Parameter([0.0]), nn.Parameter([0.0, 0.0])], lr=0.01)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == 0.5 and fresh.state[fresh.param_groups[0]["params"][1]]["step"] == 1
    with pytest.raises(ValueError, match="parameter group"):
        optim.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="group 0 has 2 parameters, the optimizer.s has 1"):
        optim.Adam([nn.Parameter([0.0])]).load_state_dict(saved)
    with pytest.raises(ValueError, match="shape"):
        optim.Adam([nn.Parameter([0.0]), nn.Parameter([0.0])]).load_state_dict(saved)


@pytest.mark.parametrize("call, error, message", [
    (lambda w: optim.SGD(w, lr=-0.1), ValueError, "learning rate"),
    (lambda w: optim.SGD(w, lr=0.1, momentum=-1), ValueError, "momentum"),
    (lambda w: optim.SGD(w, lr=0.1, weight_decay=-1), ValueError, "weight_decay"),
    (lambda w: optim.SGD(w, lr=0.1, nesterov=True), ValueError, "Nesterov"),
    (lambda w: optim.SGD(w, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError, "Nesterov"),
    (lambda w: optim.SGD(w), ValueError, "required optimization parameter lr"),
    (lambda w: optim.SGD(w, lr="fast"), TypeError, "number"),
    (lambda w: optim.Adam(w, lr=-1e-3), ValueError, "learning rate"),
    (lambda w: optim.Adam(w, betas=(1.0, 0.999)), ValueError, "beta parameter at index 0"),
    (lambda w: optim.Adam(w, betas=(0.9, -0.1)), ValueError, "beta parameter at index 1"),
    (lambda w: optim.Adam(w, eps=-1.0), ValueError, "epsilon"),
    (lambda w: optim.Adam(w, weight_decay=-1.0), ValueError, "weight_decay"),
    (lambda w: optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda w: optim.SGD(w[0], lr=0.1), TypeError, "single Tensor"),
    (lambda w: optim.SGD(set(w), lr=0.1), TypeError, "set"),
    (lambda w: optim.SGD({"params": w}, lr=0.1), TypeError, "wrap a single group"),
    (lambda w: optim.SGD([np.zeros(2)], lr=0.1), TypeError, "Tensors"),
    (lambda w: optim.SGD([w[0] * 2], lr=0.1), ValueError, "non-leaf"),
    (lambda w: optim.SGD([{"lr": 0.1}], lr=0.1), ValueError, "params"),
    (lambda w: optim.SGD([{"params": w}]), ValueError, "required optimization parameter lr"),
    (lambda w: optim.SGD([{"params": w, "lr": -1.0}], lr=0.1), ValueError, "learning rate"),
    (lambda w: optim.SGD(w, lr=0.1, maximize="False"), TypeError, "'maximize' must be True or False"),
    (lambda w: optim.AdamW(w, weight_decay=-0.1), ValueError, "Invalid weight_decay value: -0.1"),
    (lambda w: optim.AdamW(w, betas=(0.9,)), ValueError, "pair"),
    (lambda w: optim.AdamW(w, betas=(0.9, "x")), TypeError, "betas"),
    (lambda w: optim.RMSprop(w, lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    (lambda w: optim.RMSprop(w, alpha=-0.5), ValueError, "Invalid alpha value"),
    (lambda w: optim.RMSprop(w, eps=-1.0), ValueError, "Invalid epsilon value"),
    (lambda w: optim.RMSprop(w, momentum=-0.9), ValueError, "Invalid momentum value"),
    (lambda w: optim.RMSprop(w, centered=1), TypeError, "'centered' must be True or False"),
    (lambda w: optim.Adagrad(w, lr_decay=-1.0), ValueError, "Invalid lr_decay value"),
    (lambda w: optim.Adagrad(w, initial_accumulator_value=-1.0), ValueError, "Invalid initial_accumulator_value"),
    (lambda w: optim.Adagrad(w, eps=float("nan")), ValueError, "Invalid epsilon value: nan"),
    (lambda w: optim.Adagrad(w, weight_decay=np.array([0.1, 0.2])), TypeError, "'weight_decay' must be a number"),
])
def test_invalid_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call([nn.Parameter([1.0])])


def test_duplicate_parameter_in_a_group_warns():
    w = nn.Parameter([1.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optim.SGD([w, w], lr=0.1)
    assert any("duplicate" in str(c.message) for c in caught)


def test_repr_lists_the_groups():
    text = repr(optim.SGD([nn.Parameter([1.0])], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    momentum: 0.9" in text


@pytest.mark.parametrize("make_opt", EVERY_OPTIMIZER.values(), ids=list(EVERY_OPTIMIZER))
def test_read_only_parameter_data_is_replaced_not_written(make_opt):
    source = np.array([1.0])
    w = nn.Parameter([1.0])
    w.data = np.broadcast_to(source, (1,))  # a read-only view
    w.grad = [1.0]
    make_opt([w]).step()
    assert w.data[0] < 1.0 and w.dtype == np.float64 and w.data.flags.writeable
    assert source.tolist() == [1.0]  # the array it viewed is untouched


# ---------------------------------------------------------------- audit: bad input
@pytest.mark.parametrize("params", [None, 3, "abc"])
def test_optimizer_params_must_be_iterable(params):
    with pytest.raises(TypeError, match="params must be an iterable"):
        optim.SGD(params, lr=0.1)


def _adam_state_dict():
    param = nn.Parameter(np.ones(3))
    optimizer = optim.Adam([param])
    param.grad = np.ones(3)
    optimizer.step()
    return optimizer.state_dict()


@pytest.mark.parametrize(
    "corrupt, error, words",
    [
        (lambda sd: sd["state"][0].update(exp_avg="abc"), TypeError, "'exp_avg'"),
        (lambda sd: sd["param_groups"][0].update(lr="x"), TypeError, "'lr' must be a number"),
        (lambda sd: sd.update(param_groups="x"), ValueError, "param_groups"),
        (lambda sd: sd.update(state=[1]), ValueError, "state"),
    ],
)
def test_optimizer_load_state_dict_refuses_corrupt_entries(corrupt, error, words):
    state_dict = _adam_state_dict()
    corrupt(state_dict)
    param = nn.Parameter(np.ones(3))
    optimizer = optim.Adam([param], lr=0.5)
    with pytest.raises(error, match=words):
        optimizer.load_state_dict(state_dict)
    assert optimizer.param_groups[0]["lr"] == 0.5 and not optimizer.state


# ---------------------------------------------------------------- version counter
@pytest.mark.parametrize("make_opt", EVERY_OPTIMIZER.values(), ids=list(EVERY_OPTIMIZER))
def test_step_bumps_the_version_of_each_updated_parameter_only(make_opt):
    used, unused = nn.Parameter([1.0, 2.0]), nn.Parameter([3.0])
    opt = make_opt([used, unused])
    versions = (used._version, unused._version)
    (used * used).sum().backward()
    opt.step()
    assert (used._version, unused._version) == (versions[0] + 1, versions[1])
    opt.step()
    assert used._version == versions[0] + 2
    opt.zero_grad()
    opt.step()  # no gradients: nothing changes, nothing is bumped
    opt.load_state_dict(opt.state_dict())
    assert (used._version, unused._version) == (versions[0] + 2, versions[1])


# ---------------------------------------------------------------- hyperparameters read at each step
def test_a_changed_group_option_applies_at_the_next_step():
    w = nn.Parameter([1.0])
    opt = optim.SGD([w], lr=0.1)
    w.grad = [1.0]
    opt.step()
    opt.param_groups[0]["lr"] = 0.5
    opt.param_groups[0]["maximize"] = True
    opt.step()
    assert w.data.tolist() == pytest.approx([0.9 + 0.5])


@pytest.mark.parametrize("key, value, error, words", [
    ("lr", "x", TypeError, r"param_groups\[1\]: hyperparameter 'lr' must be a number, got 'x' \(str\)"),
    ("lr", None, TypeError, "'lr' must be a number, got None"),
    ("lr", np.array([0.1, 0.2]), TypeError, "'lr' must be a number"),
    ("lr", -0.1, ValueError, r"param_groups\[1\]: Invalid learning rate: -0.1"),
    ("lr", float("nan"), ValueError, "Invalid learning rate: nan"),
    ("betas", (0.9, "x"), TypeError, "'betas' must be a pair of numbers"),
    ("betas", (0.9, 1.0), ValueError, "Invalid beta parameter at index 1: 1.0"),
    ("amsgrad", "False", TypeError, "'amsgrad' must be True or False, got 'False'"),
])
def test_a_bad_value_put_into_a_group_is_reported_at_step_and_changes_nothing(key, value, error, words):
    first, second = nn.Parameter([1.0]), nn.Parameter([2.0])
    opt = optim.Adam([{"params": [first]}, {"params": [second]}], lr=0.1)
    first.grad, second.grad = [1.0], [1.0]
    opt.param_groups[1][key] = value
    with pytest.raises(error, match=words):
        opt.step()
    assert first.data.tolist() == [1.0] and second.data.tolist() == [2.0] and not opt.state


def test_a_removed_group_option_is_reported_by_name():
    w = nn.Parameter([1.0])
    opt = optim.RMSprop([w])
    w.grad = [1.0]
    del opt.param_groups[0]["alpha"]
    with pytest.raises(KeyError, match="no 'alpha' entry"):
        opt.step()


@pytest.mark.parametrize("scalar", [np.float64, np.float32])
def test_numpy_scalar_hyperparameters_keep_float32_parameters_float32(scalar):
    w = nn.Parameter(np.ones(3, dtype=np.float32))
    opt = optim.Adam([w], lr=scalar(0.1), betas=(scalar(0.9), scalar(0.99)), eps=scalar(1e-8))
    w.grad = np.ones(3, dtype=np.float32)
    opt.step()
    assert w.dtype == np.float32 and opt.state[w]["exp_avg"].dtype == np.float32
    assert w.data.tolist() == pytest.approx([0.9] * 3, abs=1e-6)
