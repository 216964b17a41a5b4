"""Fit a noisy 1-D function with an MLP: the whole training stack in one script.

The pieces are the ones a PyTorch script uses, under the same names: ``nn.MLP`` (Linear,
ReLU, Linear, ReLU, Linear), ``optim.SGD`` with momentum, a decaying learning rate
(``lr_scheduler.StepLR``: the rate drops tenfold at two thirds of the epochs, so the
noisy late steps become small), and a ``data.DataLoader`` that reshuffles the
training set every epoch. The test set is the noiseless function on a grid, so the
test MSE measures how well the network found the function under the noise (σ = 0.1,
so a fit that merely tracked the noise would have a training MSE near 0.01).

Run: ``python examples/fit_1d_mlp.py [--epochs N] [--out DIR]``. With the defaults it
runs in a few seconds (about 2 s of training on an idle machine) and reaches a test MSE
below 0.005 (0.0015 with seed 0); the figure shows the data, the truth, the fit and
the loss curves.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import data, nn, optim
from tinygrad_edu.nn import functional as F
from tinygrad_edu.optim.lr_scheduler import StepLR

NOISE = 0.1


def truth(x: np.ndarray) -> np.ndarray:
    """The function to learn: a wave on a slope."""
    return np.sin(2.0 * x) + 0.3 * x


def make_data(seed: int, n_train: int = 256, n_test: int = 400) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x_train = rng.uniform(-3.0, 3.0, (n_train, 1))
    y_train = truth(x_train) + rng.normal(0.0, NOISE, x_train.shape)
    x_test = np.linspace(-3.0, 3.0, n_test).reshape(-1, 1)
    return x_train, y_train, x_test, truth(x_test)


def evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with tg.no_grad():
        return F.mse_loss(model(tg.Tensor(x)), y).item()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=300, help="passes over the training set (default 300)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.02, help="initial learning rate (default 0.02)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="examples/out", help="folder for the figure (default examples/out)")
    parser.add_argument("--quiet", action="store_true", help="print only the final result")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    tg.manual_seed(args.seed)  # the initial weights and the shuffling
    x_train, y_train, x_test, y_test = make_data(args.seed)
    loader = data.DataLoader(data.TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True)
    model = nn.MLP(1, [64, 64], 1)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    scheduler = StepLR(optimizer, step_size=max(1, 2 * args.epochs // 3), gamma=0.1)
    if not args.quiet:
        print(model)
        print(f"{len(x_train)} noisy training points, {len(loader)} batches of {args.batch_size} per epoch")

    train_curve, test_curve = [], []
    report_every = max(1, args.epochs // 10)
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        scheduler.step()
        train_curve.append(total / len(x_train))
        test_curve.append(evaluate(model, x_test, y_test))
        if not args.quiet and (epoch % report_every == 0 or epoch == 1):
            print(f"epoch {epoch:4d}  lr {scheduler.get_last_lr()[0]:.4f}  "
                  f"train MSE {train_curve[-1]:.5f}  test MSE {test_curve[-1]:.5f}")
    seconds = time.perf_counter() - start
    test_mse = test_curve[-1]
    print(f"final test MSE {test_mse:.5f} against the noiseless function ({args.epochs} epochs, {seconds:.1f} s)")

    figure = plot(Path(args.out), model, x_train, y_train, x_test, y_test, train_curve, test_curve)
    print(f"figure: {figure}")
    return {"test_mse": test_mse, "train_curve": train_curve, "test_curve": test_curve, "figure": figure,
            "seconds": seconds}


def plot(out: Path, model: nn.Module, x_train, y_train, x_test, y_test, train_curve, test_curve) -> Path:
    import matplotlib

    matplotlib.use("Agg")

    out.mkdir(parents=True, exist_ok=True)
    with tg.no_grad():
        fit = model(tg.Tensor(x_test)).numpy()
    from tinygrad_edu.viz.plots import docs_figure, save_figure

    fig, (left, right) = docs_figure(2, panel_height=3.4)
    left.scatter(x_train[:, 0], y_train[:, 0], s=8, color="0.6", label="training data (noisy)")
    left.plot(x_test[:, 0], y_test[:, 0], "k--", label="truth")
    left.plot(x_test[:, 0], fit[:, 0], color="C1", lw=2, label="MLP fit")
    left.set(xlabel="x", ylabel="y", title="MLP(1, [64, 64], 1) fit")
    left.legend(fontsize="small")
    epochs = np.arange(1, len(train_curve) + 1)
    right.semilogy(epochs, train_curve, label="train MSE (noisy targets)")
    right.semilogy(epochs, test_curve, label="test MSE (noiseless)")
    right.axhline(NOISE**2, color="0.5", ls=":", label="noise variance σ²")
    right.set(xlabel="epoch", ylabel="MSE", title="loss curves")
    right.legend(fontsize="small")
    return save_figure(fig, out / "fit_1d_mlp.png")


if __name__ == "__main__":
    main()
