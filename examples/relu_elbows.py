"""A ReLU network on 1-D input is a sum of elbows, and some elbows are dead.

A hidden unit max(0, w·x + b) is an "elbow": flat zero on one side of x = −b/w, a line of
slope w on the other. The output layer adds the elbows up with weights, so the network is
piecewise linear with a kink at every elbow. This example

1. builds a net by hand (no training) that reproduces the course's jagged target exactly:
   one unit per knot, elbow at the knot, output weight = the change of slope there;
2. draws N(0, 1) weights and biases for 200,000 units: the elbow −b/w is then a ratio of
   two standard normals, i.e. standard-Cauchy distributed, with median |elbow| = 1 and tails
   so heavy that many elbows land far from the data;
3. counts the units that are zero on all of the data in [0, 1] (for N(0, 1) init, 3/8 of
   them): they get exactly zero gradient, shown by one backward pass.

Run: ``python examples/relu_elbows.py [--out DIR] [--units N]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import analysis, course, nn


def hand_built_net() -> nn.Sequential:
    """Linear(1, 10) → ReLU → Linear(10, 1) equal to the course target on [0, 1], weights set by hand."""
    knots = np.arange(11) / 10
    values = course.knot_values()
    slopes = np.diff(values) / np.diff(knots)  # slope of each of the 10 segments
    net = nn.Sequential(nn.Linear(1, 10), nn.ReLU(), nn.Linear(10, 1))
    net[0].weight.data = np.ones((10, 1))
    net[0].bias.data = -knots[:10]  # unit j bends at knot j
    net[2].weight.data = np.diff(slopes, prepend=0.0)[None, :]  # each elbow adds the change of slope
    net[2].bias.data = values[:1]
    return net


def random_elbows(units: int, seed: int) -> tuple[nn.Linear, analysis.Elbows]:
    """A Linear(1, units) layer with N(0, 1) weights and biases, and its elbows."""
    rng = np.random.default_rng(seed)
    layer = nn.Linear(1, units)
    nn.init.normal_(layer.weight, 0.0, 1.0, rng=rng)
    nn.init.normal_(layer.bias, 0.0, 1.0, rng=rng)
    return layer, analysis.relu_elbows(layer)


def dead_unit_gradients(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One backward pass through a small N(0, 1)-initialized net: dead units' first-layer gradients are exactly 0."""
    rng = np.random.default_rng(seed)
    net = nn.Sequential(nn.Linear(1, 8), nn.ReLU(), nn.Linear(8, 1))
    nn.init.normal_(net[0].weight, 0.0, 1.0, rng=rng)
    nn.init.normal_(net[0].bias, 0.0, 1.0, rng=rng)
    x = np.linspace(0, 1, 50)[:, None]
    dead = analysis.dead_relus(net, x)
    loss = nn.functional.mse_loss(net(tg.Tensor(x)), tg.Tensor(course.target(x)))
    loss.backward()
    gradient_size = np.abs(net[0].weight.grad[:, 0]) + np.abs(net[0].bias.grad)
    return dead, gradient_size


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="examples/out", help="folder for the figure (default examples/out)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--units", type=int, default=200_000, help="units drawn for the Cauchy histogram")
    args = parser.parse_args(argv)
    results: dict = {}

    net = hand_built_net()
    grid = np.linspace(0, 1, 1001)
    with tg.no_grad():
        output = net(tg.Tensor(grid[:, None])).numpy()[:, 0]
    error = float(np.max(np.abs(output - course.target(grid))))
    elbows = analysis.relu_elbows(net)
    results.update(hand_net=net, hand_error=error, hand_elbows=elbows)
    print(f"hand-built net, 10 units: elbows at {np.round(elbows.elbows, 3).tolist()}")
    print(f"max |net(x) − f(x)| on 1001 points of [0, 1]: {error:.2e} (a sum of elbows is exactly the interpolant)")

    layer, random = random_elbows(args.units, args.seed)
    finite = random.elbows[np.isfinite(random.elbows)]
    median = float(np.median(np.abs(finite)))
    within = float(np.mean((finite >= 0) & (finite <= 1)))
    far = float(np.mean(np.abs(finite) > 10))
    dead = analysis.dead_relus(layer, np.linspace(0, 1, 101))
    results.update(random_elbows=random.elbows, median_abs_elbow=median, fraction_in_data=within,
                   fraction_dead=float(dead.mean()))
    print(f"\n{args.units:,} units with w, b ~ N(0, 1): elbow −b/w is standard Cauchy")
    print(f"  median |elbow| = {median:.4f} (Cauchy: 1)")
    print(f"  elbows inside the data [0, 1]: {within:.4f} (Cauchy: arctan(1)/π = 0.25); |elbow| > 10: {far:.4f} "
          f"(Cauchy: {1 - 2 / np.pi * np.arctan(10):.4f})")
    print(f"  units zero on all of [0, 1] (dead from the start): {dead.mean():.4f} (b ≤ 0 and w + b ≤ 0: 3/8 = 0.375)")

    course_init = course.initial_weights(10_000, args.seed)
    course_dead = float(np.mean(np.all(course.hidden_features(course_init, grid) <= 0, axis=0)))
    print(f"  the course's init (elbows uniform in [0, 1]) leaves {course_dead:.4f} of its units dead")

    dead_small, gradient_size = dead_unit_gradients(args.seed + 1)
    results.update(dead_small=dead_small, gradient_size=gradient_size)
    print(f"\nsmall net, 8 N(0, 1) units on x in [0, 1]: dead {dead_small.astype(int).tolist()}")
    print(f"  |dL/dw| + |dL/db| of each unit: {np.round(gradient_size, 4).tolist()}  (exactly 0 where dead)")

    figure_path = save_figure(results, Path(args.out))
    print(f"\nfigure: {figure_path}")
    results["figure"] = figure_path
    return results


def save_figure(results: dict, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from tinygrad_edu.viz.plots import docs_figure, plot_elbow_histogram, plot_relu_fit, save_figure

    fig, (ax_fit, ax_hist) = docs_figure(2, panel_height=3.4)
    net = results["hand_net"]
    grid = np.linspace(0, 1, 501)
    data = course.make_data(0)  # the course's noisy samples, for scale
    plot_relu_fit(ax_fit, data.x_train, data.y_train, grid, course.target(grid), net[0].weight.numpy(),
                  net[0].bias.numpy(), net[2].weight.numpy(), net[2].bias.numpy(),
                  title="hand-built:\n10 elbows = the target")
    ax_fit.set_ylim(-1.6, 2.1)  # room above the curve for the legend, so no elbow marker hides behind it
    ax_fit.legend(fontsize="small", loc="upper center", ncol=2)
    plot_elbow_histogram(results["random_elbows"], ax=ax_hist,
                         title=f"elbows of N(0, 1) units: Cauchy\n({results['fraction_dead']:.1%} dead on [0, 1])")
    ax_hist.set_ylim(0, 0.6)  # room above the peak for the legend
    ax_hist.legend(fontsize="small", loc="upper left")
    return save_figure(fig, out / "relu_elbows.png")


if __name__ == "__main__":
    main()
