"""The training-stack examples run in a fast mode and reach their stated results."""

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


def test_fit_1d_mlp_reaches_a_low_test_mse(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the example draws its figures with matplotlib (the viz extra)")
    results = load("fit_1d_mlp").main(["--epochs", "120", "--quiet", "--out", str(tmp_path)])
    assert results["test_mse"] < 0.012  # the default 300 epochs reach about 0.0015
    assert results["test_curve"][0] > 10 * results["test_mse"]
    assert results["figure"].exists() and results["figure"].stat().st_size > 10_000
    assert "final test MSE" in capsys.readouterr().out


def test_spirals_classification_reaches_a_high_accuracy(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the example draws its figures with matplotlib (the viz extra)")
    module = load("spirals_classification")
    points, labels = module.make_spirals(50, noise=0.0, rng=np.random.default_rng(0))
    assert points.shape == (100, 2) and labels.tolist() == [0] * 50 + [1] * 50
    np.testing.assert_allclose(points[:50], -points[50:])  # the second arm is the first turned by 180°
    results = module.main(["--epochs", "30", "--quiet", "--out", str(tmp_path)])
    assert results["test_accuracy"] > 0.95
    assert results["losses"][-1] < results["losses"][0] / 5
    assert results["figure"].exists() and results["figure"].stat().st_size > 10_000
    assert "final test accuracy" in capsys.readouterr().out
