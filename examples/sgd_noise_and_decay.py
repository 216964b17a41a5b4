"""SGD noise, learning-rate decay, and two ways to draw minibatches.

With a constant step, SGD never settles: at the optimum the *full* gradient is zero, but a
minibatch gradient is not, so every step kicks the parameters off again and they keep
"dancing" in a cloud around θ* whose size scales with the step. A decaying step
η_t = η_0/(1 + k·t) (``optim.lr_scheduler.InverseTimeLR``) makes the kicks smaller and smaller:
large steps early to travel, small steps late to refine.

That random walk is not the same thing as the oscillation of full-batch GD with a step that
is too large but still stable: GD's zig-zag is deterministic, flips sign every step and
shrinks geometrically.

Minibatches can be drawn with replacement (``DataLoader(replacement=True)``: i.i.d. indices)
or without (``shuffle=True``: a new permutation every epoch). Both settle near θ* with a
decaying step. Over many epochs of a small data set reshuffling ends closer, because every
sample is used exactly once per epoch; for a large data set seen for a few epochs the two
draws are almost the same thing.

Run: ``python examples/sgd_noise_and_decay.py [--out DIR] [--epochs N]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import data, nn, optim
from tinygrad_edu.optim.lr_scheduler import InverseTimeLR


def make_problem(seed: int, n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noisy points around y = 2x − 0.5, and the least-squares optimum (w*, b*) in closed form."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (n, 1))
    y = 2.0 * x - 0.5 + rng.normal(0.0, 0.3, (n, 1))
    design = np.hstack([x, np.ones_like(x)])
    optimum = np.linalg.lstsq(design, y[:, 0], rcond=None)[0]
    return x, y, optimum


def parameters_of(model: nn.Linear) -> np.ndarray:
    return np.array([model.weight.numpy()[0, 0], model.bias.numpy()[0]])


def train_sgd(x: np.ndarray, y: np.ndarray, lr: float, epochs: int, decay: float | None = None,
              replacement: bool = True, batch_size: int = 4, seed: int = 0) -> np.ndarray:
    """Minibatch SGD on nn.Linear(1, 1); returns (w, b) after every step (the start first)."""
    rng = np.random.default_rng(seed)
    model = nn.Linear(1, 1)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    scheduler = InverseTimeLR(optimizer, decay) if decay is not None else None
    if replacement:
        loader = data.DataLoader(data.TensorDataset(x, y), batch_size=batch_size, replacement=True, rng=rng)
    else:
        loader = data.DataLoader(data.TensorDataset(x, y), batch_size=batch_size, shuffle=True, rng=rng)
    history = [parameters_of(model)]
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            nn.functional.mse_loss(model(xb), yb).backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            history.append(parameters_of(model))
    return np.array(history)


def train_gd(x: np.ndarray, y: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """Full-batch GD on the same model."""
    model = nn.Linear(1, 1)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    xs, ys = tg.Tensor(x), tg.Tensor(y)
    history = [parameters_of(model)]
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(xs), ys).backward()
        optimizer.step()
        history.append(parameters_of(model))
    return np.array(history)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="examples/out", help="folder for the figure (default examples/out)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=20, help="epochs of minibatch SGD (50 steps each)")
    parser.add_argument("--repeats", type=int, default=4, help="seeds for the with/without replacement comparison")
    args = parser.parse_args(argv)
    x, y, optimum = make_problem(args.seed)
    print(f"least-squares optimum (closed form): w* = {optimum[0]:.4f}, b* = {optimum[1]:.4f}")
    results: dict = {"optimum": optimum}

    lr, decay = 0.2, 0.02
    constant = train_sgd(x, y, lr, args.epochs, seed=args.seed)
    decayed = train_sgd(x, y, lr, args.epochs, decay=decay, seed=args.seed)
    results["constant"], results["decayed"] = constant, decayed
    tail = len(constant) // 4
    for name, history in (("constant η = 0.2", constant), (f"η_t = 0.2/(1 + {decay}t)", decayed)):
        distance = np.linalg.norm(history - optimum, axis=1)
        results[f"tail_distance_{'constant' if 'constant' in name else 'decayed'}"] = float(distance[-tail:].mean())
        print(f"SGD, batch 4, {name:<22}: mean distance to θ* over the last quarter {distance[-tail:].mean():.4f}")

    # Full-batch GD: the Hessian of the MSE in (w, b) is 2·E[[x², x], [x, 1]].
    hessian = 2.0 * np.array([[np.mean(x**2), np.mean(x)], [np.mean(x), 1.0]])
    limit = 2.0 / np.linalg.eigvalsh(hessian).max()
    zigzag = train_gd(x, y, 0.95 * limit, 60)
    results["gd"], results["gd_limit"] = zigzag, limit
    side = np.sign(zigzag[1:, 1] - optimum[1])
    flips = float(np.mean(side[1:] != side[:-1]))
    results["gd_sign_flips"] = flips
    print(f"GD at η = 0.95 × 2/λ_max = {0.95 * limit:.3f}: b − b* changes sign on {flips:.0%} of steps (a zig-zag) "
          f"and ends {np.linalg.norm(zigzag[-1] - optimum):.2e} from θ*")

    finals = {"with replacement": [], "without replacement": []}
    for repeat in range(args.repeats):
        for name, replacement in (("with replacement", True), ("without replacement", False)):
            history = train_sgd(x, y, lr, args.epochs, decay=decay, replacement=replacement, seed=100 + repeat)
            finals[name].append(float(np.linalg.norm(history[-1] - optimum)))
    results["replacement"] = finals
    for name, values in finals.items():
        print(f"decayed SGD {name:<20}: final distance to θ*, mean over {args.repeats} seeds {np.mean(values):.4f}")

    figure_path = save_figure(results, Path(args.out))
    print(f"\nfigure: {figure_path}")
    results["figure"] = figure_path
    return results


def save_figure(results: dict, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from tinygrad_edu.viz.plots import docs_figure, save_figure

    optimum = results["optimum"]
    fig, (ax_cloud, ax_distance, ax_zigzag) = docs_figure(3)
    for name, color in (("constant", "C0"), ("decayed", "C1")):
        history = results[name]
        ax_cloud.plot(history[:, 0], history[:, 1], linewidth=0.5, color=color, alpha=0.7, label=name + " η")
        distance = np.linalg.norm(history - optimum, axis=1)
        ax_distance.semilogy(distance, linewidth=0.7, color=color, label=name + " η")
    ax_cloud.plot(*optimum, "k*", markersize=12, label="θ* (closed form)")
    ax_cloud.set(xlabel="w", ylabel="b", title="SGD paths in parameter space")
    ax_cloud.legend(fontsize="small")
    ax_distance.set(xlabel="step", ylabel="‖θ − θ*‖", title="constant η dances,\ndecaying η settles")
    ax_distance.legend(fontsize="small")
    gd = results["gd"]
    ax_zigzag.plot(gd[:, 1] - optimum[1], marker=".", label="GD, η = 0.95·2/λ_max")
    sgd = results["constant"][: len(gd)]
    ax_zigzag.plot(sgd[:, 1] - optimum[1], marker=".", label="SGD, constant η")
    ax_zigzag.axhline(0, color="k", linewidth=0.8)
    ax_zigzag.set(xlabel="step", ylabel="b − b*", title="oscillation vs random walk")
    ax_zigzag.legend(fontsize="small")
    return save_figure(fig, out / "sgd_noise_and_decay.png")


if __name__ == "__main__":
    main()
