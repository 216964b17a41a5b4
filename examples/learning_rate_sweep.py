"""The learning rate as a question of stability: too small is slow, too large diverges.

Gradient descent θ ← θ − η∇L(θ) is a discrete-time dynamical system. On a quadratic
L(θ) = ½ Σ λ_i θ_i² each coordinate is multiplied by (1 − ηλ_i) per step, so GD converges iff
η < 2/λ_max, where λ_max is the largest eigenvalue of the Hessian (the *sharpness*).
Below the limit a larger η is faster; past it the stiffest direction blows up.

A neural network's loss is not a quadratic, but near a point it looks like one: the same
2/λ_max, with λ_max measured by ``analysis.sharpness`` (Hessian-vector products, never the
Hessian itself), predicts which learning rates full-batch GD survives at the start.

Run: ``python examples/learning_rate_sweep.py [--out DIR] [--steps N]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import analysis, course, nn, optim

EIGENVALUES = np.array([1.0, 4.0, 10.0])


def quadratic_loss(theta: tg.Tensor) -> tg.Tensor:
    """½ Σ λ_i θ_i²: a bowl whose Hessian is diag(EIGENVALUES)."""
    return 0.5 * (tg.Tensor(EIGENVALUES) * theta**2).sum()


def run_quadratic(lr: float, steps: int) -> np.ndarray:
    theta = tg.Tensor(np.ones(3), requires_grad=True)
    optimizer = optim.SGD([theta], lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = quadratic_loss(theta)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    return np.array(losses)


def make_net_problem(seed: int) -> tuple:
    """The course's 1-D regression task and a width-20 ReLU net (all 200 points: full-batch GD)."""
    data = course.make_data(seed)
    init = course.initial_weights(20, np.random.default_rng((seed, 20)))
    return data, init


def run_net(data: course.CourseData, init: course.InitialWeights, lr: float, steps: int) -> np.ndarray:
    model = course.build_model(init)
    x, y = tg.Tensor(data.x_train[:, None]), tg.Tensor(data.y_train[:, None])
    optimizer = optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        value = loss.item()
        losses.append(value)
        if not np.isfinite(value) or value > 1e6:
            break  # diverged: stop before overflow
        loss.backward()
        optimizer.step()
    return np.array(losses)


def net_sharpness(data: course.CourseData, init: course.InitialWeights) -> float:
    model = course.build_model(init)
    x, y = tg.Tensor(data.x_train[:, None]), tg.Tensor(data.y_train[:, None])
    return float(analysis.sharpness(lambda: nn.functional.mse_loss(model(x), y), model.parameters(),
                                    method="lanczos", iters=60, rng=np.random.default_rng(0)))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="examples/out", help="folder for the figure (default examples/out)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=300, help="full-batch GD steps per learning rate")
    args = parser.parse_args(argv)

    theta = tg.Tensor(np.ones(3), requires_grad=True)
    measured = analysis.sharpness(lambda: quadratic_loss(theta), [theta], method="lanczos", rng=np.random.default_rng(0))
    limit = 2.0 / measured
    print(f"Quadratic with Hessian eigenvalues {EIGENVALUES.tolist()}: sharpness {measured:.4f}, limit 2/λ_max = {limit:.4f}")
    results: dict = {"quadratic_limit": limit, "quadratic": {}, "net": {}, "steps": args.steps}
    for fraction in (0.05, 0.3, 0.9, 0.99, 1.05):
        losses = run_quadratic(fraction * limit, 100)
        results["quadratic"][fraction] = losses
        verdict = "diverges" if losses[-1] > losses[0] else f"loss {losses[-1]:.2e}"
        print(f"  η = {fraction:>4} × 2/λ_max: after 100 steps {verdict}")

    fractions = np.linspace(0.05, 1.3, 26)
    results["quadratic_scan"] = (fractions, np.array([run_quadratic(f * limit, 100)[-1] for f in fractions]))

    data, init = make_net_problem(args.seed)
    sharp = net_sharpness(data, init)
    net_limit = 2.0 / sharp
    results["net_limit"] = net_limit
    print(f"\nWidth-20 ReLU net on the course data: sharpness at init {sharp:.3f}, 2/λ_max = {net_limit:.4f}")
    for fraction in (0.05, 0.3, 0.6, 0.9, 1.1, 1.25, 1.5, 2.0, 4.0):
        losses = run_net(data, init, fraction * net_limit, args.steps)
        results["net"][fraction] = losses
        if len(losses) < args.steps:
            verdict = f"diverges (loss {losses[-1]:.1e} at step {len(losses) - 1})"
        elif losses[-1] > losses[0]:
            verdict = f"no progress: loss {losses[0]:.3f} → {losses[-1]:.4f} (oscillating, not descending)"
        else:
            verdict = f"loss {losses[0]:.3f} → {losses[-1]:.4f}"
        print(f"  η = {fraction:>4} × 2/λ_max = {fraction * net_limit:.4f}: {verdict}")

    figure_path = save_figure(results, Path(args.out))
    print(f"\nfigure: {figure_path}")
    results["figure"] = figure_path
    return results


def save_figure(results: dict, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from tinygrad_edu.viz.plots import docs_figure, plot_lr_sweep, save_figure

    fig, (ax_quadratic, ax_net, ax_scan) = docs_figure(3, panel_height=3.2)
    plot_lr_sweep({f"η = {f:g}·2/λ_max": v for f, v in results["quadratic"].items()},
                  title=f"quadratic, λ = {EIGENVALUES.tolist()}", ax=ax_quadratic)
    shown = (0.05, 0.3, 0.9, 1.5, 4.0)
    plot_lr_sweep({f"η = {f:g}·2/λ_max": v for f, v in results["net"].items() if f in shown},
                  ylabel="training MSE", title="width-20 ReLU net, full-batch GD", ax=ax_net)
    ax_net.set_ylim(0.05, 20)
    fractions, final = results["quadratic_scan"]
    initial = results["quadratic"][0.05][0]
    ax_scan.semilogy(fractions, np.clip(final / initial, 1e-20, 1e3), marker=".", label="quadratic, 100 steps")
    net_ratio = {f: v[-1] / v[0] if len(v) == results["steps"] and np.isfinite(v[-1]) else 1e3
                 for f, v in results["net"].items()}
    ax_scan.semilogy(list(net_ratio), np.clip(list(net_ratio.values()), 1e-20, 1e3), marker="o",
                     label=f"net, {results['steps']} steps")
    ax_scan.axvline(1.0, color="k", linestyle="--", label="η = 2/λ_max")
    ax_scan.axhline(1.0, color="0.6", linewidth=0.8)
    ax_scan.set(xlabel="η / (2/λ_max)", ylabel="final / initial loss (1e3: diverged)", title="the stability limit")
    ax_scan.legend(fontsize="small")
    return save_figure(fig, out / "learning_rate_sweep.png")


if __name__ == "__main__":
    main()
