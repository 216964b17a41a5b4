"""The course's ReLU-visualization experiment: watch elbows move while a ReLU net learns.

A Linear(1, width) → ReLU → Linear(width, 1) network fits 200 noisy samples of a jagged
piecewise-linear target. Every elbow starts inside the data. Two modes start from the same
weights: (a) train the output layer only (lr 0.2), a linear least-squares problem in the
fixed ReLU features, whose closed-form answer is the ridge fit; (b) train all layers (lr 0.02):
now the elbows move, some towards the target's kinks, some off the edge of the data where
they die. The full setup is in ``tinygrad_edu.course`` and on the course page of the docs.

``--quick`` (default): width 20, both modes, 30,000 steps each (seconds).
``--full``: widths 10, 20 and 40, both modes, 150,000 steps each: the course's 900,000 steps.

Run: ``python examples/course_relu_experiment.py [--quick | --full] [--seed S] [--out DIR] [--gif]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from tinygrad_edu import course


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="width 20, 30,000 steps per mode (the default)")
    size.add_argument("--full", action="store_true", help="widths 10/20/40, 150,000 steps per run (900,000 in all)")
    parser.add_argument("--steps", type=int, default=None, help="steps per run (overrides --quick/--full)")
    parser.add_argument("--widths", type=int, nargs="+", default=None, help="hidden widths (overrides --quick/--full)")
    # Seed 1, as in `tinygrad-edu demo`: a typical run (with seed 0 the all-layers run stalls).
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1, a typical run)")
    parser.add_argument("--float32", action="store_true", help="train in float32 instead of float64")
    parser.add_argument("--gif", action="store_true", help="also write an animated GIF of the all-layers run")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--out", default="examples/out", help="folder for the figures (default examples/out)")
    args = parser.parse_args(argv)
    widths = args.widths or (list(course.WIDTHS) if args.full else [20])
    steps = args.steps if args.steps is not None else (course.STEPS if args.full else 30_000)
    snapshot_every = min(course.SNAPSHOT_EVERY, max(1, steps // 10))

    bar = _progress_bar(len(widths) * 2 * steps, disable=args.no_progress)
    start = time.perf_counter()
    result = course.run_experiment(
        widths=widths, steps=steps, seed=args.seed, dtype=np.float32 if args.float32 else np.float64,
        snapshot_every=snapshot_every, progress=bar.update if bar is not None else None,
    )
    if bar is not None:
        bar.close()
    wall = time.perf_counter() - start
    print(result.summary())
    print(f"wall time {wall:.1f} s ({len(widths) * 2 * steps / wall:,.0f} steps/s)")

    paths = save_figures(result, Path(args.out), gif=args.gif)
    for path in paths:
        print(f"figure: {path}")
    return {"result": result, "figures": paths, "wall_seconds": wall}


def _progress_bar(total: int, disable: bool):
    if disable:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is in the [viz] extra; run without a bar if it is missing
        return None
    return tqdm(total=total, unit="step", unit_scale=True, desc="training", mininterval=0.5)


def save_figures(result: course.ExperimentResult, out: Path, gif: bool = False) -> list[Path]:
    """Snapshot grids (one per run), the MSE/elbow summary and optionally a GIF; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    from tinygrad_edu.viz import plots

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for (width, mode), run in result.runs.items():
        path = out / f"course_snapshots_w{width}_{mode}.png"
        paths.append(plots.save_figure(plots.plot_snapshot_grid(run, result.data), path))
    paths.append(plots.save_figure(plots.plot_course_summary(result), out / "course_training.png"))
    if gif:
        width = max(w for w, _ in result.runs)
        run = result.runs.get((width, "all")) or next(iter(result.runs.values()))
        path = out / f"course_w{width}_{run.mode}.gif"
        plots.animate_snapshots(run, result.data, str(path), every=max(1, len(run.steps) // 60))
        paths.append(path)
    return paths


if __name__ == "__main__":
    main()
