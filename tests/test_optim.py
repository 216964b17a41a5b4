"""optim: SGD and Adam update rules (by hand and against PyTorch), groups, state dicts, clipping, errors."""

import math
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


# ---------------------------------------------------------------- SGD by hand (gradient of w² is 2w)
def test_sgd_plain_step():
    assert quadratic_steps(lambda p: optim.SGD(p, lr=0.1), 2) == pytest.approx([0.8, 0.64], abs=1e-15)


def test_sgd_momentum_two_steps():
    # step 1: g = 2, buffer = g = 2 (no dampening on the first step), w = 1 - 0.1·2 = 0.8
    # step 2: g = 1.6, buffer = 0.9·2 + 1.6 = 3.4, w = 0.8 - 0.34 = 0.46
    assert quadratic_steps(lambda p: optim.SGD(p, lr=0.1, momentum=0.9), 2) == pytest.approx([0.8, 0.46], abs=1e-15)


def test_sgd_nesterov_two_steps():
    # step 1: g = 2, b = 2, d = g + 0.9·b = 3.8, w = 1 - 0.38 = 0.62
    # step 2: g = 1.24, b = 0.9·2 + 1.24 = 3.04, d = 1.24 + 0.9·3.04 = 3.976, w = 0.62 - 0.3976 = 0.2224
    values = quadratic_steps(lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True), 2)
    assert values == pytest.approx([0.62, 0.2224], abs=1e-15)


def test_sgd_dampening_applies_from_the_second_step():
    # step 1: b = g = 2, w = 0.8; step 2: g = 1.6, b = 0.9·2 + 0.5·1.6 = 2.6, w = 0.8 - 0.26 = 0.54
    values = quadratic_steps(lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.5), 2)
    assert values == pytest.approx([0.8, 0.54], abs=1e-15)


def test_sgd_weight_decay_adds_to_the_gradient():
    # g = 2w + 0.1·w = 2.1 → w = 1 - 0.21
    assert quadratic_steps(lambda p: optim.SGD(p, lr=0.1, weight_decay=0.1), 1) == pytest.approx([0.79], abs=1e-15)


# ---------------------------------------------------------------- Adam by hand
def test_adam_bias_correction_steps_one_and_two():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    w1 = 1 - lr * 2.0 / (2.0 + eps)  # step 1: m̂ = g = 2, v̂ = g² = 4, so the step is lr·2/(2 + eps)
    g2 = 2 * w1
    m2 = b1 * (1 - b1) * 2.0 + (1 - b1) * g2
    v2 = b2 * (1 - b2) * 4.0 + (1 - b2) * g2**2
    w2 = w1 - lr / (1 - b1**2) * m2 / (math.sqrt(v2) / math.sqrt(1 - b2**2) + eps)
    values = quadratic_steps(lambda p: optim.Adam(p, lr=lr), 2)
    assert values == pytest.approx([w1, w2], abs=1e-14)
    assert values[0] == pytest.approx(0.9, abs=1e-8)


def test_adam_weight_decay_is_l2_added_to_the_gradient():
    # g = 2w + 0.5w = 2.5 at w = 1; first step still moves by lr·g/(|g| + eps)
    values = quadratic_steps(lambda p: optim.Adam(p, lr=0.1, weight_decay=0.5), 1)
    assert values == pytest.approx([1 - 0.1 * 2.5 / (2.5 + 1e-8)], abs=1e-15)


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
}


@pytest.mark.parametrize("name", sorted(TORCH_TRAJECTORIES))
def test_trajectory_matches_pytorch(name):
    make_opt, (torch_w, torch_b) = TORCH_TRAJECTORIES[name]
    w, b = _trajectory(make_opt)
    np.testing.assert_allclose(w, torch_w, rtol=0, atol=1e-13)
    np.testing.assert_allclose(b, torch_b, rtol=0, atol=1e-13)


# ---------------------------------------------------------------- mechanics
@pytest.mark.parametrize("make_opt", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1),
                                      lambda p: optim.Adam(p, lr=0.1, weight_decay=0.1, amsgrad=True)])
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


@pytest.mark.parametrize("make_opt", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                                      lambda p: optim.Adam(p, lr=0.1)])
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


# ---------------------------------------------------------------- clip_grad_norm_
# torch.nn.utils.clip_grad_norm_([p1, p2], max_norm=2.5, norm_type=...) with
# p1.grad = [[3, -4], [1, 2]], p2.grad = [0.5, -6, 2] (float64, torch 2.13):
TORCH_CLIP = {
    2.0: (8.381527307120106, [[0.8948248726462873, -1.1930998301950497], [0.29827495754876243, 0.5965499150975249]],
          [0.14913747877438122, -1.7896497452925746, 0.5965499150975249]),
    1.0: (18.5, [[0.4054053834916008, -0.5405405113221344], [0.1351351278305336, 0.2702702556610672]],
          [0.0675675639152668, -0.8108107669832016, 0.2702702556610672]),
    float("inf"): (6.0, [[1.2499997916667014, -1.6666663888889353], [0.4166665972222338, 0.8333331944444676]],
                   [0.2083332986111169, -2.4999995833334028, 0.8333331944444676]),
    3.0: (6.869168608917909, [[1.0918350291224594, -1.455780038829946], [0.3639450097074865, 0.727890019414973]],
          [0.18197250485374325, -2.183670058244919, 0.727890019414973]),
}


@pytest.mark.parametrize("norm_type", sorted(TORCH_CLIP))
def test_clip_grad_norm_matches_pytorch(norm_type):
    p1, p2, p3 = nn.Parameter(np.zeros((2, 2))), nn.Parameter(np.zeros(3)), nn.Parameter([0.0])
    p1.grad, p2.grad = [[3.0, -4.0], [1.0, 2.0]], [0.5, -6.0, 2.0]
    total = optim.clip_grad_norm_((p for p in [p1, p2, p3]), max_norm=2.5, norm_type=norm_type)
    expected_total, g1, g2 = TORCH_CLIP[norm_type]
    assert float(total) == pytest.approx(expected_total, rel=1e-14)
    np.testing.assert_allclose(p1.grad, g1, rtol=1e-14)
    np.testing.assert_allclose(p2.grad, g2, rtol=1e-14)
    assert p3.grad is None


def test_clip_grad_norm_below_the_limit_leaves_gradients_almost_unchanged():
    w = nn.Parameter([0.0, 0.0])
    w.grad = [0.3, 0.4]
    assert float(optim.clip_grad_norm_(w, max_norm=10.0)) == pytest.approx(0.5)
    np.testing.assert_allclose(w.grad, [0.3, 0.4])
    assert float(optim.clip_grad_norm_([nn.Parameter([1.0])], 1.0)) == 0.0


def test_clip_grad_norm_errors():
    w = nn.Parameter([0.0])
    w.grad = [np.inf]
    with pytest.raises(RuntimeError, match="non-finite"):
        optim.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm"):
        optim.clip_grad_norm_([w], -1.0)
    with pytest.raises(ValueError, match="norm_type"):
        optim.clip_grad_norm_([w], 1.0, norm_type=0)
    with pytest.raises(TypeError):
        optim.clip_grad_norm_([np.zeros(1)], 1.0)


@pytest.mark.parametrize("make_opt", [lambda p: optim.SGD(p, lr=0.5), lambda p: optim.Adam(p, lr=0.5)])
def test_read_only_parameter_data_is_replaced_not_written(make_opt):
    w = nn.Parameter([1.0])
    w.data = np.broadcast_to(np.array([1.0]), (1,))  # a read-only view
    w.grad = [1.0]
    make_opt([w]).step()
    assert w.data.tolist() == pytest.approx([0.5], abs=1e-8) and w.dtype == np.float64


# ---------------------------------------------------------------- audit: bad input
@pytest.mark.parametrize("params", [None, 3, "abc"])
def test_optimizer_params_must_be_iterable(params):
    with pytest.raises(TypeError, match="params must be an iterable"):
        optim.SGD(params, lr=0.1)


def test_clip_grad_norm_parameters_must_be_iterable():
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.clip_grad_norm_(None, 1.0)


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
