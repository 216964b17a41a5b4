"""Sharpness and the edge of stability: gradient descent finds its own limit, λ_max ≈ 2/η.

The sharpness of a loss is the largest eigenvalue λ_max of its Hessian. This example shows two
facts about it, both measured with ``tinygrad_edu.analysis.sharpness`` (Lanczos on
Hessian-vector products, never the Hessian itself):

1. On a quadratic ½ xᵀAx, gradient descent multiplies the component of x along eigenvector i
   by (1 − ηλ_i) per step. It converges for η < 2/λ_max and diverges above, and the switch
   happens exactly at the threshold predicted from the measured sharpness.
2. On the course's 1-D ReLU regression (200 noisy points, width 20, the course's init), full-batch
   GD with learning rate η first makes the loss sharper ("progressive sharpening") until the
   sharpness reaches about 2/η, the value a quadratic could not survive; then it hovers there
   while the loss keeps falling, non-monotonically (Cohen et al., ICLR 2021, "Gradient Descent on
   Neural Networks Typically Occurs at the Edge of Stability"). Large η keep the net in flat
   regions, where it cannot fit the jagged target.

Run: ``python examples/edge_of_stability.py [--long] [--out DIR]``. The default runs four
learning rates for 6,000 steps (a few seconds); ``--long`` runs η = 0.02 ... 0.4 for 100,000
steps each (about a minute in all on a 2-core machine). Figures: ``quadratic_threshold.png`` and
``edge_of_stability.png`` in ``--out`` (default ``examples/out``).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import course, optim
from tinygrad_edu.analysis import sharpness
from tinygrad_edu.nn import functional as F

QUICK = {"lrs": (0.05, 0.1, 0.2, 0.4), "steps": 6_000, "every": 100}
LONG = {"lrs": (0.02, 0.05, 0.1, 0.2, 0.4), "steps": 100_000, "every": 500}
QUADRATIC_EIGENVALUES = (10.0, 4.0, 1.0, 0.25)
THRESHOLD_FACTORS = (0.5, 0.9, 0.99, 1.0, 1.01, 1.1)  # learning rates as multiples of 2/λ_max


# --------------------------------------------------------------------------- the quadratic
@dataclass
class QuadraticRun:
    """GD on ½ xᵀAx at one learning rate: ‖x_t‖ for t = 0..steps and the verdict."""

    lr: float
    factor: float  # lr / (2/λ_max)
    norms: np.ndarray
    verdict: str


def quadratic_threshold(
    eigenvalues: tuple[float, ...] = QUADRATIC_EIGENVALUES,
    factors: tuple[float, ...] = THRESHOLD_FACTORS,
    steps: int = 300,
    seed: int = 0,
) -> tuple[float, list[QuadraticRun]]:
    """Measure λ_max of ½ xᵀAx by Lanczos, then run GD at ``factors`` × 2/λ_max.

    Returns the measured sharpness and one run per factor. The verdict compares ‖x‖ over the
    last 20 steps: shrinking ("converges"), growing ("diverges") or neither ("oscillates").
    """
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    a = tg.Tensor(basis @ np.diag(eigenvalues) @ basis.T)
    x0 = rng.standard_normal(len(eigenvalues))
    x = tg.Tensor(x0, requires_grad=True)
    loss_fn = lambda: 0.5 * (x @ (a @ x))  # noqa: E731
    lam_max = sharpness(loss_fn, [x], method="lanczos", rng=rng)
    runs = []
    for factor in factors:
        lr = factor * 2.0 / lam_max
        x.data = x0.copy()
        optimizer = optim.SGD([x], lr=lr)
        norms = [float(np.linalg.norm(x.data))]
        for _ in range(steps):
            optimizer.zero_grad()
            loss_fn().backward()
            optimizer.step()
            norms.append(float(np.linalg.norm(x.data)))
        rate = (norms[-1] / norms[-21]) ** (1 / 20)
        verdict = "converges" if rate < 1 - 1e-6 else "diverges" if rate > 1 + 1e-6 else "oscillates"
        runs.append(QuadraticRun(lr, factor, np.array(norms), verdict))
    return lam_max, runs


def print_quadratic_table(lam_max: float, runs: list[QuadraticRun]) -> None:
    print(f"Quadratic ½ xᵀAx, eigenvalues {QUADRATIC_EIGENVALUES}: measured λ_max = {lam_max:.6f}, "
          f"predicted threshold 2/λ_max = {2 / lam_max:.6f}")
    print(f"{'η':>9} {'η·λ_max/2':>10} {'|1 − ηλ_max|':>13} {'‖x_T‖/‖x_0‖':>12}  verdict")
    for run in runs:
        print(f"{run.lr:>9.5f} {run.factor:>10.3f} {abs(1 - run.lr * lam_max):>13.4f} "
              f"{run.norms[-1] / run.norms[0]:>12.3g}  {run.verdict}")


# --------------------------------------------------------------------------- the ReLU network
@dataclass
class SharpnessRun:
    """Full-batch GD at one learning rate: sharpness and training loss every ``every`` steps.

    ``losses`` holds the training loss before every step (the non-monotone descent at the edge).
    """

    lr: float
    steps: np.ndarray
    sharpness: np.ndarray
    train_loss: np.ndarray
    losses: np.ndarray
    test_mse: float
    seconds: float
    diverged: bool = False


def train_with_sharpness(lr: float, steps: int, every: int, seed: int = 0, width: int = 20) -> SharpnessRun:
    """Full-batch GD on the course's data and init (same random streams as ``course.run_experiment``)."""
    data = course.make_data(np.random.default_rng(seed))
    model = course.build_model(course.initial_weights(width, np.random.default_rng((seed, width))))
    x, y = tg.Tensor(data.x_train.reshape(-1, 1)), tg.Tensor(data.y_train.reshape(-1, 1))
    optimizer = optim.SGD(model.parameters(), lr=lr)
    loss_fn = lambda: F.mse_loss(model(x), y)  # noqa: E731
    lanczos_rng = np.random.default_rng(seed)
    recorded: list[tuple[int, float, float]] = []
    losses: list[float] = []
    start, diverged = time.perf_counter(), False
    for step in range(steps + 1):
        loss = loss_fn()
        losses.append(loss.item())
        if not np.isfinite(losses[-1]):
            diverged = True
            break
        if step % every == 0 or step == steps:
            top = sharpness(loss_fn, model, method="lanczos", iters=100, rng=lanczos_rng)
            recorded.append((step, top, loss.item()))
        if step == steps:
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with tg.no_grad():
        prediction = model(tg.Tensor(data.x_test.reshape(-1, 1))).numpy()[:, 0]
    test_mse = float(np.mean((prediction - data.y_test) ** 2))
    columns = [np.array(c) for c in zip(*recorded)]
    return SharpnessRun(
        lr, columns[0], columns[1], columns[2], np.array(losses), test_mse, time.perf_counter() - start, diverged
    )


def print_sharpness_table(runs: list[SharpnessRun]) -> None:
    print(f"{'η':>6} {'final sharpness':>15} {'max':>8} {'2/η':>7} {'train loss':>10} {'test MSE':>9} {'time':>7}")
    for run in runs:
        note = "  (diverged)" if run.diverged else ""
        print(f"{run.lr:>6g} {run.sharpness[-1]:>15.2f} {run.sharpness.max():>8.2f} {2 / run.lr:>7.1f} "
              f"{run.train_loss[-1]:>10.4f} {run.test_mse:>9.4f} {run.seconds:>6.1f}s{note}")


# --------------------------------------------------------------------------- figures
def plot_quadratic(lam_max: float, runs: list[QuadraticRun], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tinygrad_edu.viz.plots import DOCS_WIDTH, save_figure

    fig, ax = plt.subplots(figsize=(DOCS_WIDTH, 4.5), constrained_layout=True)
    colours = plt.cm.coolwarm(np.linspace(0, 1, len(runs)))
    for run, colour in zip(runs, colours):
        ax.semilogy(run.norms, color=colour, label=f"η = {run.factor:g} × 2/λ_max ({run.verdict})")
    ax.set_xlabel("GD step")
    ax.set_ylabel("‖x_t‖")
    ax.set_title(f"GD on a quadratic: λ_max = {lam_max:.3g}, threshold 2/λ_max = {2 / lam_max:.3g}")
    ax.legend(fontsize="small")
    save_figure(fig, path)
    plt.close(fig)


def plot_sharpness(runs: list[SharpnessRun], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tinygrad_edu.viz.plots import DOCS_WIDTH, save_figure

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(DOCS_WIDTH, 7), sharex=True, constrained_layout=True)
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(runs)))
    for run, colour in zip(runs, colours):
        top.plot(run.steps, run.sharpness, color=colour, label=f"η = {run.lr:g}")
        top.axhline(2 / run.lr, color=colour, linestyle="--", linewidth=1)
        bottom.semilogy(run.losses, color=colour, linewidth=0.8, label=f"η = {run.lr:g}")
    top.set_ylabel("sharpness λ_max (dashed: 2/η)")
    top.set_yscale("log")
    top.set_title("Full-batch GD on the course's ReLU task (width 20):\nsharpness rises to 2/η")
    top.legend(fontsize="small")
    bottom.set_xlabel("GD step")
    bottom.set_ylabel("training MSE")
    save_figure(fig, path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="examples/out", help="folder for the figures (default examples/out)")
    parser.add_argument("--long", action="store_true", help="η = 0.02 ... 0.4, 100,000 steps each (about a minute)")
    parser.add_argument("--steps", type=int, help="GD steps per learning rate (overrides the mode)")
    parser.add_argument("--every", type=int, help="measure the sharpness every this many steps")
    parser.add_argument("--lrs", type=float, nargs="+", help="learning rates (overrides the mode)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    settings = dict(LONG if args.long else QUICK)
    for key in ("steps", "every", "lrs"):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    lam_max, quadratic_runs = quadratic_threshold(seed=args.seed)
    print_quadratic_table(lam_max, quadratic_runs)
    plot_quadratic(lam_max, quadratic_runs, out / "quadratic_threshold.png")
    print()

    print(f"Full-batch GD on the course's ReLU task (200 points, width 20), {settings['steps']:,} steps, "
          f"sharpness (Lanczos) every {settings['every']} steps:")
    runs = [train_with_sharpness(lr, settings["steps"], settings["every"], seed=args.seed) for lr in settings["lrs"]]
    print_sharpness_table(runs)
    plot_sharpness(runs, out / "edge_of_stability.png")
    print(f"figures: {out / 'quadratic_threshold.png'}, {out / 'edge_of_stability.png'}")
    return {"lambda_max": lam_max, "quadratic": quadratic_runs, "runs": runs}


if __name__ == "__main__":
    main()
