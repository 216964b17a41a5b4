"""Gradient descent on a line through the origin, ŷ = θx.

L(θ) = mean((θx_i − y_i)²) has gradient (2/N) Σ (θx_i − y_i)·x_i and Hessian 2·mean(x²):

- the optimum has a closed form, θ* = Σ x_i y_i / Σ x_i²;
- each point's vote is its error times its x: points far from the origin pull harder;
- GD converges iff 0 < α < 1/mean(x²), and α = 1/(2·mean(x²)) lands on θ* in one step
  (the constant model's α = 1/2, rescaled by the data's scale).

Run: ``python examples/linear_model.py [--out DIR] [--seed S]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import optim


def loss_fn(theta: tg.Tensor, x: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
    return ((theta * x - y) ** 2).mean()


def closed_form(x: np.ndarray, y: np.ndarray) -> float:
    """θ* = Σ x y / Σ x²: where the gradient is zero."""
    return float(np.dot(x, y) / np.dot(x, x))


def gradient_descent(x: np.ndarray, y: np.ndarray, lr: float, steps: int, theta0: float = 0.0) -> np.ndarray:
    """GD with the library's autograd and optimizer; θ after each step (θ_0 first)."""
    theta = tg.Tensor(theta0, requires_grad=True, name="theta")
    xs, ys = tg.Tensor(x), tg.Tensor(y)
    optimizer = optim.SGD([theta], lr=lr)
    history = [theta.item()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(theta, xs, ys).backward()
        optimizer.step()
        history.append(theta.item())
    return np.array(history)


def votes(x: np.ndarray, y: np.ndarray, theta_value: float) -> np.ndarray:
    """Each point's share of dL/dθ, (2/N)(θx_i − y_i)·x_i, read from one copy of θ per point."""
    theta = tg.Tensor(theta_value, requires_grad=True)
    copies = theta.expand(len(x))
    copies.retain_grad()
    loss_fn(copies, tg.Tensor(x), tg.Tensor(y)).backward()
    return copies.grad


def single_sample_sgd(x: np.ndarray, y: np.ndarray, lr: float, steps: int, rng: np.random.Generator) -> np.ndarray:
    theta = tg.Tensor(0.0, requires_grad=True)
    optimizer = optim.SGD([theta], lr=lr)
    history = [0.0]
    for i in rng.integers(0, len(x), steps):
        optimizer.zero_grad()
        loss_fn(theta, tg.Tensor(x[i : i + 1]), tg.Tensor(y[i : i + 1])).backward()
        optimizer.step()
        history.append(theta.item())
    return np.array(history)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="examples/out", help="folder for the figure (default examples/out)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=40, help="GD steps per learning rate")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    x = rng.uniform(-2.0, 2.0, 30)
    y = 1.5 * x + rng.normal(0.0, 0.5, 30)
    optimum = closed_form(x, y)
    limit = 1.0 / np.mean(x**2)
    print(f"{len(x)} points; θ* = Σxy/Σx² = {optimum:.6f}; mean(x²) = {np.mean(x**2):.4f}, "
          f"so the stability limit is α < 1/mean(x²) = {limit:.4f}")

    results: dict = {"x": x, "y": y, "optimum": optimum, "limit": limit, "gd": {}}
    print(f"\n{'α':>8} {'α·mean(x²)':>11} {'θ after':>12}  outcome")
    for fraction in (0.2, 0.5, 0.9, 1.05):
        lr = fraction * limit
        history = gradient_descent(x, y, lr, args.steps)
        errors = np.abs(history - optimum)
        outcome = "one step" if errors[1] < 1e-12 else ("diverges" if errors[-1] > errors[0] else "converges")
        results["gd"][fraction] = history
        print(f"{lr:>8.4f} {fraction:>11.2f} {history[-1]:>12.6g}  {outcome}")

    point_votes = votes(x, y, optimum)
    residuals = optimum * x - y
    results["votes"] = point_votes
    print(f"\nAt θ* the votes (2/N)(θ*x_i − y_i)·x_i cancel: their sum is {point_votes.sum():.1e}.")
    ratio = np.abs(point_votes) / np.abs(residuals)
    print(f"Per unit of error, the point at |x| = {np.abs(x).max():.2f} pulls {ratio.max() / ratio.min():.0f}× harder "
          f"than the one at |x| = {np.abs(x).min():.2f}: the vote is error × x.")

    sgd = single_sample_sgd(x, y, 0.05, 400, rng)
    results["sgd"] = sgd
    print(f"Single-sample SGD, α = 0.05: last 200 iterates average {sgd[200:].mean():.4f} "
          f"(θ* = {optimum:.4f}), std {sgd[200:].std():.4f}")

    figure_path = save_figure(results, Path(args.out))
    print(f"\nfigure: {figure_path}")
    results["figure"] = figure_path
    return results


def save_figure(results: dict, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from tinygrad_edu.viz.plots import docs_figure, save_figure

    x, y, optimum = results["x"], results["y"], results["optimum"]
    fig, (ax_fit, ax_votes, ax_error) = docs_figure(3)
    grid = np.linspace(x.min(), x.max(), 2)
    ax_fit.plot(x, y, ".", color="0.4", label="data")
    ax_fit.plot(grid, optimum * grid, color="C3", label=f"θ* = {optimum:.3f}")
    ax_fit.set(xlabel="x", ylabel="y", title="ŷ = θx at the closed-form optimum")
    ax_fit.legend(fontsize="small")
    residuals = optimum * x - y
    usable = np.abs(residuals) > 1e-9  # a vote per unit of error needs a non-zero error
    ax_votes.plot(x[usable], results["votes"][usable] / residuals[usable], "o", color="C0", markersize=4,
                  label="vote / error, measured")
    ax_votes.plot(grid, 2 * grid / len(x), color="k", linewidth=1, linestyle="--", label="(2/N)·x")
    ax_votes.axhline(0, color="0.6", linewidth=0.8)
    ax_votes.set(xlabel="x", ylabel="vote / error", title="vote = error × x:\nfar points pull harder")
    ax_votes.legend(fontsize="small")
    for fraction, history in results["gd"].items():
        ax_error.semilogy(np.abs(history - optimum) + 1e-17, marker=".", label=f"α = {fraction:g}/mean(x²)")
    ax_error.set(xlabel="step", ylabel="|θ − θ*|", title="stable iff α < 1/mean(x²)", ylim=(1e-16, 1e3))
    ax_error.legend(fontsize="small")
    return save_figure(fig, out / "linear_model.png")


if __name__ == "__main__":
    main()
