"""Plot helpers for the lessons (matplotlib, imported inside each function).

Every function returns a ``matplotlib.figure.Figure`` built without pyplot, so nothing
depends on a display or on global figure state: save it with ``fig.savefig(path)``, or show
it in a notebook by leaving it as a cell's last value. Functions that draw into existing
axes take ``ax=`` and return the axes.

Inputs are plain arrays (or objects with array attributes, like ``course.TrainingRun``), so
the plots work for any experiment, not only the course's.

>>> from tinygrad_edu.viz import plots
>>> fig = plots.plot_curves([0, 1, 2], {"loss": [1.0, 0.5, 0.25]}, logy=True)
>>> len(fig.axes)
1
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def new_figure(nrows: int = 1, ncols: int = 1, size: tuple[float, float] | None = None, **kwargs: Any) -> tuple:
    """A ``Figure`` and its axes array (squeezed like ``plt.subplots``), with no pyplot involved.

    >>> fig, ax = new_figure()
    >>> type(fig).__name__
    'Figure'
    """
    from matplotlib.figure import Figure

    size = size or (4.5 * ncols, 3.4 * nrows)
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes


def _steps_axis(ax: Any) -> None:
    """Label a step axis 0, 50k, 100k, ... so long runs keep readable ticks."""
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value / 1000:g}k" if abs(value) >= 1000 else f"{value:g}"))


def plot_curves(
    x: Any, curves: Mapping[str, Any], logy: bool = False, xlabel: str = "step", ylabel: str = "",
    title: str = "", hlines: Mapping[str, float] | None = None, ax: Any = None,
) -> Any:
    """Line plot of several named series against one x (training curves). ``hlines`` adds labelled levels.

    Returns the figure (or ``ax`` when one is given).
    """
    fig, target_ax = (None, ax) if ax is not None else new_figure()
    for label, values in curves.items():
        target_ax.plot(np.asarray(x), np.asarray(values), label=label)
    for index, (label, level) in enumerate((hlines or {}).items()):
        target_ax.axhline(level, color=f"C{len(curves) + index}", linestyle="--", linewidth=1, label=label)
    if logy:
        target_ax.set_yscale("log")
    if xlabel == "step":
        _steps_axis(target_ax)
    target_ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if curves or hlines:
        target_ax.legend(fontsize="small")
    return fig if fig is not None else target_ax


def plot_relu_fit(
    ax: Any, x_data: Any, y_data: Any, x_grid: Any, y_true: Any, w1: Any, b1: Any, w2: Any, b2: Any,
    title: str = "", pieces: bool = True, dead: Any = None,
) -> Any:
    """Draw a 1-hidden-layer ReLU net on 1-D input as a sum of elbows, into ``ax``.

    Shows the data (dots), the truth (dashed), the fit (thick), each unit's piece
    w2_j·max(0, w1_j·x + b1_j) (thin, unless ``pieces=False``) and each elbow −b1_j/w1_j as a
    marker on the fit (hollow for units flagged in ``dead``). Returns ``ax``.
    """
    from ..analysis.relu import elbows_from_weights, unit_contributions

    x_grid = np.asarray(x_grid)
    w1, b1, w2 = (np.ravel(np.asarray(a, dtype=np.float64)) for a in (w1, b1, w2))
    bias = float(np.ravel(b2)[0])
    contributions = unit_contributions(w1, b1, w2, x_grid)
    fit = contributions.sum(axis=1) + bias
    ax.plot(x_data, y_data, ".", color="0.55", markersize=3, label="data")
    ax.plot(x_grid, y_true, "--", color="k", linewidth=1, label="truth")
    if pieces:
        for j in range(contributions.shape[1]):
            ax.plot(x_grid, contributions[:, j], linewidth=0.6, alpha=0.6, color=f"C{j % 10}")
    ax.plot(x_grid, fit, color="C3", linewidth=2, label="fit")
    elbows = elbows_from_weights(w1, b1)
    lo, hi = float(np.min(x_grid)), float(np.max(x_grid))
    inside = np.isfinite(elbows) & (elbows >= lo) & (elbows <= hi)
    dead = np.zeros(len(w1), bool) if dead is None else np.asarray(dead, bool)
    at_elbow = unit_contributions(w1, b1, w2, elbows[inside]).sum(axis=1) + bias if inside.any() else []
    colors = [f"C{j % 10}" for j in np.flatnonzero(inside)]
    ax.scatter(elbows[inside], at_elbow, s=22, zorder=3, edgecolors=colors,
               facecolors=["none" if d else c for d, c in zip(dead[inside], colors)], label="elbows")
    ax.set(xlim=(lo, hi), ylim=(-1.6, 1.6), title=title)
    return ax


def _truth_curve(data: Any) -> tuple[np.ndarray, np.ndarray]:
    """The noiseless test set, sorted by x: the truth to draw."""
    order = np.argsort(data.x_test, kind="stable")
    return np.asarray(data.x_test)[order], np.asarray(data.y_test)[order]


def plot_snapshot_grid(run: Any, data: Any, snapshot_indices: Sequence[int] | None = None, ncols: int = 3) -> Any:
    """A grid of ``plot_relu_fit`` panels at several snapshots of a training run.

    ``run`` has stacked weights ``w1, b1, w2, b2`` and ``steps``, ``test_mse`` (a
    ``course.TrainingRun``); ``data`` has ``x_train, y_train`` and the noiseless ``x_test, y_test``
    (a ``course.CourseData``).
    """
    count = len(run.steps)
    if snapshot_indices is None:  # the start, then log-spaced: most of the change happens early
        snapshot_indices = sorted({0, *np.round(np.geomspace(1, max(count - 1, 1), 5)).astype(int).tolist()})
        snapshot_indices = [i for i in snapshot_indices if i < count]
    nrows = -(-len(snapshot_indices) // ncols)
    fig, axes = new_figure(nrows, ncols, size=(4.0 * ncols, 3.0 * nrows), squeeze=False)
    x_grid, truth = _truth_curve(data)
    for ax, index in zip(axes.flat, snapshot_indices):
        plot_relu_fit(ax, data.x_train, data.y_train, x_grid, truth, run.w1[index], run.b1[index],
                      run.w2[index], run.b2[index],
                      title=f"step {int(run.steps[index]):,}: test MSE {run.test_mse[index]:.4f}")
    for ax in list(axes.flat)[len(snapshot_indices):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize="x-small", loc="lower left")
    mode = {"output": "output layer only", "all": "all layers"}.get(getattr(run, "mode", ""), getattr(run, "mode", ""))
    fig.suptitle(f"width {run.width}, {mode} (lr {getattr(run, 'lr', '?')}): data, truth, fit, each unit's piece "
                 "and its elbow")
    return fig


def plot_elbow_trajectories(steps: Any, elbows: Any, data_range: tuple[float, float] = (0.0, 1.0),
                            title: str = "", ax: Any = None) -> Any:
    """Each unit's elbow position against training step; the data's range is shaded.

    Elbows that leave the shaded band belong to units that may die.
    """
    fig, target_ax = (None, ax) if ax is not None else new_figure()
    elbows = np.asarray(elbows)
    target_ax.axhspan(*data_range, color="0.92", label="data range")
    for j in range(elbows.shape[1]):
        target_ax.plot(steps, elbows[:, j], linewidth=1, color=f"C{j % 10}")
    _steps_axis(target_ax)
    span = data_range[1] - data_range[0]
    target_ax.set(xlabel="step", ylabel="elbow  −b/w", title=title,
                  ylim=(data_range[0] - 0.5 * span, data_range[1] + 0.5 * span))
    return fig if fig is not None else target_ax


def plot_course_summary(result: Any) -> Any:
    """Test MSE (log scale) of every run of a ``course.ExperimentResult`` with the ridge levels, and the
    elbow trajectories of its all-layers runs: one row per width."""
    widths = sorted({width for width, _ in result.runs})
    fig, axes = new_figure(len(widths), 2, size=(10.0, 3.2 * len(widths)), squeeze=False)
    for row, width in enumerate(widths):
        runs = {mode: run for (w, mode), run in result.runs.items() if w == width}
        curves = {}
        for mode, run in runs.items():
            curves[f"{mode}: test"] = run.test_mse
            curves[f"{mode}: train"] = run.train_mse
        steps = next(iter(runs.values())).steps
        plot_curves(steps, curves, logy=True, ylabel="MSE", title=f"width {width}",
                    hlines={"ridge (test)": result.ridge[width].test_mse}, ax=axes[row, 0])
        moving = runs.get("all") or next(iter(runs.values()))
        plot_elbow_trajectories(moving.steps, moving.elbows, title=f"width {width}, elbows ({moving.mode})",
                                ax=axes[row, 1])
    return fig


def animate_snapshots(run: Any, data: Any, path: str, fps: int = 8, every: int = 1) -> str:
    """Write an animated GIF of a run's fit over its snapshots (matplotlib's PillowWriter); return the path."""
    from matplotlib.animation import FuncAnimation, PillowWriter

    x_grid, truth = _truth_curve(data)
    fig, ax = new_figure(size=(5.0, 3.6))
    frames = list(range(0, len(run.steps), max(1, int(every))))

    def draw(index: int) -> list:
        ax.clear()
        plot_relu_fit(ax, data.x_train, data.y_train, x_grid, truth, run.w1[index], run.b1[index],
                      run.w2[index], run.b2[index],
                      title=f"width {run.width}, {run.mode}: step {int(run.steps[index]):,}")
        return []

    FuncAnimation(fig, draw, frames=frames, blit=False).save(path, writer=PillowWriter(fps=fps))
    return str(path)


def plot_lr_sweep(histories: Mapping[str, Any], logy: bool = True, ylabel: str = "loss", title: str = "",
                  ax: Any = None) -> Any:
    """Loss against step for several learning rates; diverging runs are cut where they overflow."""
    curves = {}
    for label, values in histories.items():
        values = np.asarray(values, dtype=np.float64)
        curves[label] = np.where(np.isfinite(values) & (np.abs(values) < 1e12), values, np.nan)
    length = max(len(v) for v in curves.values())
    padded = {k: np.concatenate([v, np.full(length - len(v), np.nan)]) for k, v in curves.items()}
    return plot_curves(np.arange(length), padded, logy=logy, ylabel=ylabel, title=title, ax=ax)


def plot_elbow_histogram(elbows: Any, data_range: tuple[float, float] = (0.0, 1.0), limit: float = 5.0,
                         title: str = "", ax: Any = None) -> Any:
    """Histogram of elbow positions (clipped to ±``limit``), with the standard Cauchy density over it."""
    fig, target_ax = (None, ax) if ax is not None else new_figure()
    elbows = np.asarray(elbows, dtype=np.float64)
    elbows = elbows[np.isfinite(elbows)]
    shown = elbows[np.abs(elbows) <= limit]
    target_ax.hist(shown, bins=80, range=(-limit, limit), density=True, color="C0", alpha=0.6,
                   label=f"elbows ({len(shown)} of {len(elbows)} within ±{limit:g})")
    grid = np.linspace(-limit, limit, 400)
    # The histogram is normalized over the shown window, so scale the density by the mass inside it.
    inside = 2.0 / np.pi * np.arctan(limit)
    target_ax.plot(grid, 1.0 / (np.pi * (1.0 + grid**2)) / inside, color="C3", label="standard Cauchy")
    target_ax.axvspan(*data_range, color="0.85", alpha=0.7, label="data range")
    target_ax.set(xlabel="elbow  −b/w", ylabel="density", title=title)
    target_ax.legend(fontsize="small")
    return fig if fig is not None else target_ax
