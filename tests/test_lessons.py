"""The examples in examples/: each runs in a fast mode and shows its lesson."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def constant_model():
    return load("constant_model")


@pytest.fixture(scope="module")
def linear_model():
    return load("linear_model")


# --------------------------------------------------------------------------- constant model
def test_constant_model_example_runs_and_saves_its_figure(constant_model, tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the example draws its figures with matplotlib (the viz extra)")
    results = constant_model.main(["--out", str(tmp_path)])
    assert results["figure"].exists() and results["figure"].stat().st_size > 10_000
    assert "one step" in capsys.readouterr().out
    optimum = results["optimum"]
    for lr, history in results["gd"].items():
        errors = np.abs(history - optimum)
        if lr < 1:
            assert errors[-1] < errors[0]
        # the error is multiplied by exactly |1 − 2α| every step
        np.testing.assert_allclose(errors[1:4], abs(1 - 2 * lr) * errors[:3], rtol=1e-9, atol=1e-14)


def test_constant_model_half_step_lands_in_one_step(constant_model):
    y = np.random.default_rng(1).normal(5, 2, 17)
    history = constant_model.gradient_descent(y, 0.5, 1, theta0=-3.0)
    assert abs(history[1] - y.mean()) < 1e-12


def test_constant_model_converges_to_the_mean_and_diverges_past_one(constant_model):
    y = np.random.default_rng(2).normal(1, 1, 10)
    assert abs(constant_model.gradient_descent(y, 0.25, 60)[-1] - y.mean()) < 1e-9
    assert abs(constant_model.gradient_descent(y, 0.95, 800)[-1] - y.mean()) < 1e-9
    diverging = constant_model.gradient_descent(y, 1.05, 60)
    assert abs(diverging[-1] - y.mean()) > 100 * abs(diverging[0] - y.mean())


def test_constant_model_votes_are_errors(constant_model):
    y = np.array([0.0, 1.0, 5.0])
    np.testing.assert_allclose(constant_model.votes(y, 2.0), 2 * (2.0 - y) / 3, atol=1e-15)


def test_constant_model_sgd_hovers_around_the_mean(constant_model):
    y = np.random.default_rng(3).normal(3, 1, 20)
    history = constant_model.single_sample_sgd(y, 0.05, 2000, np.random.default_rng(4))
    tail = history[500:]
    assert abs(tail.mean() - y.mean()) < 0.15 and tail.std() > 0.05  # near the mean, still moving


# --------------------------------------------------------------------------- linear model
def test_linear_model_example_shows_its_lessons(linear_model, tmp_path):
    pytest.importorskip("matplotlib", reason="the example draws its figures with matplotlib (the viz extra)")
    results = linear_model.main(["--out", str(tmp_path)])
    assert results["figure"].exists()
    x, y, optimum = results["x"], results["y"], results["optimum"]
    assert optimum == pytest.approx(np.sum(x * y) / np.sum(x * x), rel=1e-12)
    assert abs(results["gd"][0.5][1] - optimum) < 1e-12  # α = 1/(2 mean x²): one step
    diverging = results["gd"][1.05]
    assert abs(diverging[-1] - optimum) > abs(diverging[0] - optimum)
    np.testing.assert_allclose(results["votes"], 2 * (optimum * x - y) * x / len(x), atol=1e-15)
    assert abs(results["votes"].sum()) < 1e-12  # at the optimum the votes cancel


def test_linear_model_closed_form_and_stability_limit(linear_model):
    rng = np.random.default_rng(5)
    x = rng.normal(0, 3, 25)
    y = -0.7 * x + rng.normal(0, 1, 25)
    optimum = linear_model.closed_form(x, y)
    limit = 1 / np.mean(x**2)
    assert abs(linear_model.gradient_descent(x, y, 0.9 * limit, 200)[-1] - optimum) < 1e-9
    assert abs(linear_model.gradient_descent(x, y, 0.99 * limit, 3000)[-1] - optimum) < 1e-9
    diverging = linear_model.gradient_descent(x, y, 1.01 * limit, 2000)
    assert abs(diverging[-1] - optimum) > 10 * abs(diverging[0] - optimum)
    # votes: error times x
    theta = 0.3
    np.testing.assert_allclose(linear_model.votes(x, y, theta), 2 * (theta * x - y) * x / len(x), atol=1e-12)


# --------------------------------------------------------------------------- learning-rate sweep
def test_learning_rate_sweep_splits_at_two_over_lambda_max(tmp_path):
    pytest.importorskip("matplotlib", reason="the example draws its figures with matplotlib (the viz extra)")
    sweep = load("learning_rate_sweep")
    results = sweep.main(["--out", str(tmp_path), "--steps", "150"])
    assert results["figure"].exists()
    assert results["quadratic_limit"] == pytest.approx(2 / 10, rel=1e-6)
    quadratic = results["quadratic"]
    assert quadratic[0.99][-1] < quadratic[0.99][0]  # just below the limit: converges (slowly)
    assert quadratic[1.05][-1] > 1e3 * quadratic[1.05][0]  # just above: diverges
    assert quadratic[0.3][-1] < 1e-3 * quadratic[0.05][-1]  # too small is slow
    fractions, final = results["quadratic_scan"]
    initial = quadratic[0.05][0]
    assert np.all(final[fractions < 1] < initial) and np.all(final[fractions > 1.01] > initial)
    net = results["net"]
    for fraction in (0.05, 0.3, 0.9):  # below the limit measured at init: the loss goes down
        assert np.all(np.isfinite(net[fraction])) and net[fraction][-1] < net[fraction][0]
    for fraction in (2.0, 4.0):  # far past it: diverges (the run stops once the loss explodes)
        assert len(net[fraction]) < 150 and net[fraction][-1] > 1e3 * net[fraction][0]


# --------------------------------------------------------------------------- SGD noise and decay
def test_sgd_noise_decay_and_replacement(tmp_path):
    pytest.importorskip("matplotlib", reason="the example draws its figures with matplotlib (the viz extra)")
    example = load("sgd_noise_and_decay")
    results = example.main(["--out", str(tmp_path), "--epochs", "12", "--repeats", "2"])
    assert results["figure"].exists()
    assert results["tail_distance_decayed"] < 0.6 * results["tail_distance_constant"]
    assert results["gd_sign_flips"] > 0.9  # GD's too-large step: a deterministic zig-zag
    assert np.linalg.norm(results["gd"][-1] - results["optimum"]) < 1e-3
    with_r, without_r = (np.mean(v) for v in results["replacement"].values())
    assert with_r < 0.1 and without_r < 0.1


# --------------------------------------------------------------------------- ReLU elbows
def test_relu_elbows_example(tmp_path):
    pytest.importorskip("matplotlib", reason="the example draws its figures with matplotlib (the viz extra)")
    example = load("relu_elbows")
    results = example.main(["--out", str(tmp_path), "--units", "200000"])
    assert results["figure"].exists()
    assert results["hand_error"] < 1e-12
    np.testing.assert_allclose(results["hand_elbows"].elbows, np.arange(10) / 10, atol=1e-15)
    assert results["median_abs_elbow"] == pytest.approx(1.0, abs=0.02)
    assert results["fraction_in_data"] == pytest.approx(0.25, abs=0.005)
    assert results["fraction_dead"] == pytest.approx(0.375, abs=0.005)
    dead, gradient = results["dead_small"], results["gradient_size"]
    assert np.all(gradient[dead] == 0) and np.all(gradient[~dead] > 0)


# --------------------------------------------------------------------------- the course experiment
def test_course_example_quick_mode(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the example draws its figures with matplotlib (the viz extra)")
    example = load("course_relu_experiment")
    outcome = example.main(["--out", str(tmp_path), "--steps", "1000", "--no-progress"])
    result = outcome["result"]
    assert set(result.runs) == {(20, "output"), (20, "all")}
    for run in result.runs.values():
        assert run.test_mse[-1] < run.test_mse[0]
    names = {path.name for path in outcome["figures"]}
    assert names == {"course_snapshots_w20_output.png", "course_snapshots_w20_all.png", "course_training.png"}
    assert all(path.exists() for path in outcome["figures"])
    printed = capsys.readouterr().out
    assert "ridge" in printed and "wall time" in printed
