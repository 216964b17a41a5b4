"""Two steps of every optimizer and option, computed by hand, on L(w) = w² from w = 1 (gradient 2w).

Each expected value is written out from the published update rule, independently of the
library's code; tests/test_optim_trajectories.py checks 100 steps against PyTorch.
"""

import math

import pytest

from tinygrad_edu import nn, optim


def two_steps(make_optimizer, start=1.0):
    """Minimize w² from ``start`` with the optimizer; the iterates after steps 1 and 2."""
    w = nn.Parameter([start])
    opt = make_optimizer([w])
    values = []
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        values.append(float(w.data[0]))
    return values


# ---------------------------------------------------------------- SGD
SGD_CASES = {
    # g = 2w: w1 = 1 - 0.1·2 = 0.8, w2 = 0.8 - 0.1·1.6 = 0.64
    "plain": (dict(lr=0.1), [0.8, 0.64]),
    # b1 = g1 = 2 (the first buffer is the gradient, undamped), w1 = 0.8; b2 = 0.9·2 + 1.6 = 3.4, w2 = 0.46
    "momentum": (dict(lr=0.1, momentum=0.9), [0.8, 0.46]),
    # b2 = 0.9·2 + (1 − 0.5)·1.6 = 2.6, w2 = 0.8 − 0.26
    "dampening": (dict(lr=0.1, momentum=0.9, dampening=0.5), [0.8, 0.54]),
    # d1 = g + 0.9·b1 = 3.8, w1 = 0.62; g2 = 1.24, b2 = 1.8 + 1.24 = 3.04, d2 = 1.24 + 2.736, w2 = 0.62 − 0.3976
    "nesterov": (dict(lr=0.1, momentum=0.9, nesterov=True), [0.62, 0.2224]),
    # g = 2w + 0.1w = 2.1w: w1 = 1 − 0.21 = 0.79, w2 = 0.79·0.79
    "weight_decay": (dict(lr=0.1, weight_decay=0.1), [0.79, 0.6241]),
    # g = −2w: w1 = 1.2, w2 = 1.2·1.2
    "maximize": (dict(lr=0.1, maximize=True), [1.2, 1.44]),
    # the sign first, then the decay: g = −2w + 0.5w = −1.5w, so w grows by 15 % per step
    # (decay added before the negation would give −2.5w: 1.25, 1.5625)
    "maximize_weight_decay": (dict(lr=0.1, weight_decay=0.5, maximize=True), [1.15, 1.3225]),
    # g1 = −1.5, b1 = −1.5, w1 = 1.15; g2 = −1.5·1.15 = −1.725, b2 = 0.5·(−1.5) + 0.8·(−1.725) = −2.13, w2 = 1.363
    "momentum_dampening_weight_decay_maximize": (
        dict(lr=0.1, momentum=0.5, dampening=0.2, weight_decay=0.5, maximize=True), [1.15, 1.363]),
}


@pytest.mark.parametrize("name", list(SGD_CASES))
def test_sgd(name):
    options, expected = SGD_CASES[name]
    assert two_steps(lambda p: optim.SGD(p, **options)) == pytest.approx(expected, abs=1e-15)


# ---------------------------------------------------------------- Adam and AdamW
def adam_by_hand(lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
                 decoupled=False):
    """Kingma & Ba's Adam (PyTorch's eps placement), with PyTorch's options, for two steps on w²."""
    w, m, v, v_max, values = 1.0, 0.0, 0.0, 0.0, []
    for t in (1, 2):
        g = -2 * w if maximize else 2 * w
        if decoupled:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)
        second = v_max if amsgrad else v
        w = w - lr / (1 - beta1**t) * m / (math.sqrt(second) / math.sqrt(1 - beta2**t) + eps)
        values.append(w)
    return values


ADAM_CASES = {
    "default": (optim.Adam, dict(lr=0.1), dict(lr=0.1)),
    "betas_eps": (optim.Adam, dict(lr=0.1, betas=(0.5, 0.7), eps=0.1), dict(lr=0.1, beta1=0.5, beta2=0.7, eps=0.1)),
    "weight_decay": (optim.Adam, dict(lr=0.1, weight_decay=0.5), dict(lr=0.1, weight_decay=0.5)),
    "maximize": (optim.Adam, dict(lr=0.1, maximize=True), dict(lr=0.1, maximize=True)),
    "maximize_weight_decay": (optim.Adam, dict(lr=0.1, weight_decay=0.5, maximize=True),
                              dict(lr=0.1, weight_decay=0.5, maximize=True)),
    # lr 0.5 halves w, so v falls (2 → 1.5) and amsgrad keeps the larger, earlier v
    "amsgrad": (optim.Adam, dict(lr=0.5, betas=(0.9, 0.5), amsgrad=True), dict(lr=0.5, beta2=0.5, amsgrad=True)),
    "without_amsgrad": (optim.Adam, dict(lr=0.5, betas=(0.9, 0.5)), dict(lr=0.5, beta2=0.5)),
    "decoupled": (optim.Adam, dict(lr=0.1, weight_decay=0.5, decoupled_weight_decay=True),
                  dict(lr=0.1, weight_decay=0.5, decoupled=True)),
    "adamw": (optim.AdamW, dict(lr=0.1), dict(lr=0.1, weight_decay=1e-2, decoupled=True)),
    "adamw_all": (optim.AdamW, dict(lr=0.5, betas=(0.8, 0.5), weight_decay=0.3, amsgrad=True, maximize=True),
                  dict(lr=0.5, beta1=0.8, beta2=0.5, weight_decay=0.3, amsgrad=True, maximize=True, decoupled=True)),
}


@pytest.mark.parametrize("name", list(ADAM_CASES))
def test_adam_and_adamw(name):
    cls, options, hand = ADAM_CASES[name]
    assert two_steps(lambda p: cls(p, **options)) == pytest.approx(adam_by_hand(**hand), abs=1e-14)


def test_adam_cases_differ_where_the_options_matter():
    """The hand values themselves tell the options apart (else the tests above could not)."""
    assert adam_by_hand(0.5, beta2=0.5, amsgrad=True)[1] != pytest.approx(adam_by_hand(0.5, beta2=0.5)[1])
    assert adam_by_hand(0.1, maximize=True)[0] == pytest.approx(1.1, abs=1e-8)  # ascends by about lr
    assert adam_by_hand(0.1, weight_decay=0.5, decoupled=True)[0] == pytest.approx(0.95 - 0.1, abs=1e-8)


# ---------------------------------------------------------------- RMSprop
def rmsprop_by_hand(lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False):
    w, v, mean, buffer, values = 1.0, 0.0, 0.0, 0.0, []
    for _ in range(2):
        g = (-2 * w if maximize else 2 * w) + weight_decay * w
        v = alpha * v + (1 - alpha) * g * g
        mean = alpha * mean + (1 - alpha) * g
        d = math.sqrt(v - mean * mean if centered else v) + eps
        if momentum > 0:
            buffer = momentum * buffer + g / d
            w = w - lr * buffer
        else:
            w = w - lr * g / d
        values.append(w)
    return values


RMSPROP_CASES = {
    "default": dict(lr=0.01),
    "alpha_eps": dict(lr=0.01, alpha=0.5, eps=0.1),
    "weight_decay": dict(lr=0.01, weight_decay=0.5),
    "momentum": dict(lr=0.01, momentum=0.9),
    "centered": dict(lr=0.01, alpha=0.9, centered=True),
    "centered_momentum": dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True),
    "maximize": dict(lr=0.01, maximize=True),
    "all": dict(lr=0.01, alpha=0.8, eps=1e-4, weight_decay=0.5, momentum=0.5, centered=True, maximize=True),
}


@pytest.mark.parametrize("name", list(RMSPROP_CASES))
def test_rmsprop(name):
    options = RMSPROP_CASES[name]
    assert two_steps(lambda p: optim.RMSprop(p, **options)) == pytest.approx(rmsprop_by_hand(**options), abs=1e-14)


def test_rmsprop_first_step_is_ten_times_lr_with_the_default_alpha():
    # v1 = 0.01·g², so the step is lr·g/(0.1·|g|) = 10·lr: no bias correction, unlike Adam
    assert two_steps(lambda p: optim.RMSprop(p, lr=0.01))[0] == pytest.approx(0.9, abs=1e-8)


# ---------------------------------------------------------------- Adagrad
def adagrad_by_hand(lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10, maximize=False):
    w, s, values = 1.0, initial_accumulator_value, []
    for t in (1, 2):
        g = (-2 * w if maximize else 2 * w) + weight_decay * w
        s = s + g * g
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (math.sqrt(s) + eps)
        values.append(w)
    return values


ADAGRAD_CASES = {
    "default": dict(lr=0.5),  # w1 = 1 − 0.5·2/2 = 0.5; w2 = 0.5 − 0.5·1/sqrt(5)
    "lr_decay": dict(lr=0.5, lr_decay=0.5),
    "weight_decay": dict(lr=0.5, weight_decay=0.5),
    "initial_accumulator_value": dict(lr=0.5, initial_accumulator_value=5.0),
    "eps": dict(lr=0.5, eps=0.5),
    "maximize": dict(lr=0.5, maximize=True),
    "all": dict(lr=0.5, lr_decay=0.3, weight_decay=0.5, initial_accumulator_value=1.0, eps=1e-3, maximize=True),
}


@pytest.mark.parametrize("name", list(ADAGRAD_CASES))
def test_adagrad(name):
    options = ADAGRAD_CASES[name]
    assert two_steps(lambda p: optim.Adagrad(p, **options)) == pytest.approx(adagrad_by_hand(**options), abs=1e-14)


def test_adagrad_default_by_hand():
    assert two_steps(lambda p: optim.Adagrad(p, lr=0.5)) == pytest.approx([0.5, 0.5 - 0.5 / math.sqrt(5)], abs=1e-9)


# ---------------------------------------------------------------- the shared prologue
@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.RMSprop, optim.Adagrad])
def test_maximize_flips_the_gradient_before_weight_decay_in_every_optimizer(cls):
    """Maximizing −w² with weight decay equals minimizing w² with it: the decay still pulls toward 0."""
    w_max, w_min = nn.Parameter([1.0, -2.0]), nn.Parameter([1.0, -2.0])
    opt_max = cls([w_max], lr=0.1, weight_decay=0.3, maximize=True)
    opt_min = cls([w_min], lr=0.1, weight_decay=0.3)
    for _ in range(3):
        for w, opt, sign in ((w_max, opt_max, -1.0), (w_min, opt_min, 1.0)):
            opt.zero_grad()
            (sign * (w * w)).sum().backward()
            opt.step()
    assert w_max.data.tolist() == pytest.approx(w_min.data.tolist(), abs=1e-15)
    assert abs(w_min.data).max() < 2.0  # both moved toward 0
