"""Gradient descent on the simplest model there is: predict one constant θ for every y.

The loss L(θ) = mean((y_i − θ)²) has gradient dL/dθ = (2/N) Σ (θ − y_i) and Hessian 2, so
one GD step with learning rate α multiplies the error θ − mean(y) by (1 − 2α):

- 0 < α < 1 converges to θ* = mean(y), the error shrinking by |1 − 2α| per step;
- α = 1/2 lands on θ* in a single step;
- α > 1 overshoots further every step: divergence.

The gradient is an average of one "vote" per point, 2(θ − y_i)/N: each point pulls θ
towards itself in proportion to its error. Single-sample SGD follows one vote at a time,
θ ← θ − 2α(θ − y_i), and keeps jittering around mean(y).

Run: ``python examples/constant_model.py [--out DIR] [--seed S]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import optim


def loss_fn(theta: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
    """Mean squared error of the constant prediction θ."""
    return ((y - theta) ** 2).mean()


def gradient_descent(y: np.ndarray, lr: float, steps: int, theta0: float = 0.0) -> np.ndarray:
    """Run GD with the library's autograd and SGD optimizer; return θ after each step (θ_0 first)."""
    theta = tg.Tensor(theta0, requires_grad=True, name="theta")
    data = tg.Tensor(y)
    optimizer = optim.SGD([theta], lr=lr)
    history = [theta.item()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(theta, data).backward()
        optimizer.step()
        history.append(theta.item())
    return np.array(history)


def votes(y: np.ndarray, theta_value: float) -> np.ndarray:
    """Each point's share of dL/dθ, read off the graph: θ is copied once per point and each copy's gradient kept."""
    theta = tg.Tensor(theta_value, requires_grad=True)
    copies = theta.expand(len(y))  # one copy of θ per data point
    copies.retain_grad()
    loss_fn(copies, tg.Tensor(y)).backward()
    assert np.isclose(copies.grad.sum(), theta.grad), "the votes add up to the gradient"
    return copies.grad


def single_sample_sgd(y: np.ndarray, lr: float, steps: int, rng: np.random.Generator, theta0: float = 0.0) -> np.ndarray:
    """SGD on one random point per step: θ ← θ − 2α(θ − y_i)."""
    theta = tg.Tensor(theta0, requires_grad=True)
    optimizer = optim.SGD([theta], lr=lr)
    picks = rng.integers(0, len(y), steps)
    history = [theta.item()]
    for i in picks:
        optimizer.zero_grad()
        loss_fn(theta, tg.Tensor(y[i : i + 1])).backward()
        optimizer.step()
        history.append(theta.item())
    return np.array(history)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="examples/out", help="folder for the figure (default examples/out)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=25, help="GD steps per learning rate")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    y = rng.normal(3.0, 1.0, 20)
    optimum = float(y.mean())
    print(f"{len(y)} points, mean(y) = θ* = {optimum:.6f}")

    results: dict = {"optimum": optimum, "gd": {}}
    print(f"\n{'α':>5} {'|1-2α|':>7} {'θ after':>12} {'error ratio/step':>17}  outcome")
    for lr in (0.05, 0.25, 0.5, 0.9, 1.05):
        history = gradient_descent(y, lr, args.steps)
        errors = np.abs(history - optimum)
        ratio = errors[1] / errors[0]
        outcome = "one step" if errors[1] < 1e-12 else ("diverges" if errors[-1] > errors[0] else "converges")
        results["gd"][lr] = history
        print(f"{lr:>5} {abs(1 - 2 * lr):>7.2f} {history[-1]:>12.6g} {ratio:>17.4f}  {outcome}")

    theta = 1.0
    point_votes = votes(y, theta)
    results["votes"], results["votes_theta"] = point_votes, theta
    print(f"\nAt θ = {theta}: votes (2/N)(θ − y_i) of the first 4 points: {np.round(point_votes[:4], 4)}")
    print(f"their sum {point_votes.sum():.6f} = dL/dθ = 2(θ − mean y) = {2 * (theta - optimum):.6f}")

    sgd = single_sample_sgd(y, 0.05, 400, rng)
    tail = sgd[200:]
    results["sgd"] = sgd
    print(f"\nSingle-sample SGD, α = 0.05: last 200 iterates average {tail.mean():.4f} (θ* = {optimum:.4f}), "
          f"spread (std) {tail.std():.4f}: it keeps moving")

    figure_path = save_figure(results, y, Path(args.out))
    print(f"\nfigure: {figure_path}")
    results["figure"] = figure_path
    return results


def save_figure(results: dict, y: np.ndarray, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from tinygrad_edu.viz.plots import docs_figure, save_figure

    optimum = results["optimum"]
    fig, (ax_theta, ax_error, ax_sgd) = docs_figure(3)
    for lr, history in results["gd"].items():
        ax_theta.plot(np.clip(history, -2, 8), marker=".", label=f"α = {lr}")
        ax_error.semilogy(np.abs(history - optimum) + 1e-17, marker=".", label=f"α = {lr}")
    ax_theta.axhline(optimum, color="k", linestyle="--", linewidth=1, label="mean(y)")
    ax_theta.set(xlabel="step", ylabel="θ (clipped to [−2, 8])", title="GD on the constant model")
    ax_theta.legend(fontsize="small")
    ax_error.set(xlabel="step", ylabel="|θ − mean(y)|", title="error × |1 − 2α| per step", ylim=(1e-16, 1e3))
    ax_sgd.plot(results["sgd"], linewidth=0.8, label="single-sample SGD, α = 0.05")
    ax_sgd.axhline(optimum, color="k", linestyle="--", linewidth=1, label="mean(y)")
    ax_sgd.set(xlabel="step", ylabel="θ", title="SGD follows one vote at a time")
    ax_sgd.legend(fontsize="small")
    return save_figure(fig, out / "constant_model.png")


if __name__ == "__main__":
    main()
