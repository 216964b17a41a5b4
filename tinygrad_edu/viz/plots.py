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


#: The docs' text column is about this many CSS pixels wide; a wider picture is shrunk to it.
DOCS_COLUMN_PX = 740
#: Width in inches of a figure meant for the docs. Text of ``p`` points shows ``p / 72 * 740 / 7.5``
#: pixels tall in the column: matplotlib's default 10 pt becomes 13.7 px (the page's text is 16 px).
DOCS_WIDTH = 7.5
#: The smallest font size, in CSS pixels at the column's width, that ``save_figure`` accepts.
MIN_TEXT_PX = 11.0


def docs_figure(panels: int, panel_height: float = 3.0) -> tuple:
    """A ``DOCS_WIDTH``-wide figure with ``panels`` axes, two per row; an odd last panel spans its row.

    Returns the figure and the list of axes in reading order. Three panels become two side by
    side over one wide one, instead of three squeezed into one row.

    >>> fig, axes = docs_figure(3)
    >>> len(axes), float(fig.get_figwidth())
    (3, 7.5)
    """
    from matplotlib.figure import Figure

    if isinstance(panels, bool) or not isinstance(panels, int) or panels < 1:
        raise ValueError(f"panels must be a positive integer, got {panels!r}")
    rows = -(-panels // 2)
    fig = Figure(figsize=(DOCS_WIDTH, panel_height * rows), layout="constrained")
    layout = [[2 * row, 2 * row + 1] for row in range(rows)]
    if panels % 2:
        layout[-1] = [panels - 1, panels - 1] if panels > 1 else [0, 0]
    mosaic = fig.subplot_mosaic(layout)
    return fig, [mosaic[index] for index in range(panels)]


def smallest_text(fig: Any, column_px: float = DOCS_COLUMN_PX, dpi: float = 150) -> tuple[float, str]:
    """``(size in px, text)`` of the smallest visible text of ``fig`` shown ``column_px`` wide.

    A picture wider than the column is shrunk to it, a narrower one is shown at its own
    size (saved at ``dpi``). The size is the font's size (its em) in CSS pixels; capital
    letters are about 0.73 of it in matplotlib's default font.

    >>> fig, axes = docs_figure(1)
    >>> _ = axes[0].set_title("title", fontsize=10)
    >>> size, text = smallest_text(fig)
    >>> round(size, 1)
    13.7
    """
    from matplotlib.text import Text

    fig.draw_without_rendering()  # tick labels get their text when the figure is laid out
    width_px = float(fig.get_figwidth()) * dpi
    scale = min(1.0, column_px / width_px)
    sizes = []
    for text in fig.findobj(Text):
        axes = text.axes
        if not text.get_visible() or not text.get_text().strip() or (axes is not None and not axes.get_visible()):
            continue
        sizes.append((float(text.get_fontsize()) / 72 * dpi * scale, text.get_text()))
    return min(sizes, default=(float("inf"), ""))


class UnreadableFigureWarning(UserWarning):
    """A figure saved for the docs has text too small for the column, or text cut off at its edge.

    ``docs/generate_figures.py`` fails the docs build on it; anywhere else it is only a warning.
    """


def save_figure(fig: Any, path: Any, dpi: float = 150, min_text_px: float = MIN_TEXT_PX) -> Any:
    """Save a figure meant for the docs, after checking that its text is readable in the column.

    Warns (``UnreadableFigureWarning``, naming the text) when the smallest text would show
    smaller than ``min_text_px`` pixels at the docs' column width (a figure too wide for its
    fonts), or when a text runs off the figure's edge (a title too long for its panel). The
    figure is saved either way. Returns the path as a ``pathlib.Path``.

    >>> import tempfile, pathlib
    >>> fig, axes = docs_figure(2)
    >>> _ = axes[0].plot([0, 1], [1, 0])
    >>> save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "line.png").suffix
    '.png'
    """
    from pathlib import Path

    import warnings

    path = Path(path)
    size, text = smallest_text(fig, DOCS_COLUMN_PX, dpi)
    if size < min_text_px:
        warnings.warn(
            f"{path.name}: the text {text!r} would show {size:.1f} px tall in the docs' {DOCS_COLUMN_PX}-px column "
            f"(at least {min_text_px:g} px wanted): make the figure at most {DOCS_WIDTH} inches wide "
            "(docs_figure) or its fonts larger", UnreadableFigureWarning, stacklevel=2,
        )
    for cut in _texts_cut_off(fig):
        warnings.warn(f"{path.name}: text runs off the edge of the figure: {cut!r}: shorten it or break the line",
                      UnreadableFigureWarning, stacklevel=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def _texts_cut_off(fig: Any) -> list[str]:
    """The visible texts of ``fig`` that reach past its edges (a long title is cut off there)."""
    from matplotlib.text import Text

    fig.draw_without_rendering()
    renderer = fig._get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    # Tick labels are left out: matplotlib keeps labels for ticks outside the view, undrawn.
    tick_labels = {id(label) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
                   for tick in axis.get_major_ticks() + axis.get_minor_ticks() for label in (tick.label1, tick.label2)}
    cut = []
    for text in fig.findobj(Text):
        axes = text.axes
        if (id(text) in tick_labels or not text.get_visible() or not text.get_text().strip()
                or (axes is not None and not axes.get_visible())):
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            cut.append(text.get_text())
    return cut


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
    ax.set(xlim=(lo, hi), ylim=(-1.6, 1.6), title=title, xlabel="x", ylabel="y")
    return ax


def _truth_curve(data: Any) -> tuple[np.ndarray, np.ndarray]:
    """The noiseless test set, sorted by x: the truth to draw."""
    order = np.argsort(data.x_test, kind="stable")
    return np.asarray(data.x_test)[order], np.asarray(data.y_test)[order]


_MODE_NAMES = {"output": "output layer only", "all": "all layers"}


def _mode_name(mode: Any) -> str:
    """How a training mode reads in a legend or title: "output" -> "output layer only"."""
    return _MODE_NAMES.get(mode, str(mode))


def plot_snapshot_grid(run: Any, data: Any, snapshot_indices: Sequence[int] | None = None, ncols: int = 2) -> Any:
    """A grid of ``plot_relu_fit`` panels at several snapshots of a training run.

    ``run`` has stacked weights ``w1, b1, w2, b2`` and ``steps``, ``test_mse`` (a
    ``course.TrainingRun``); ``data`` has ``x_train, y_train`` and the noiseless ``x_test, y_test``
    (a ``course.CourseData``). Two panels per row by default, so that the figure is
    readable at the docs' column width.
    """
    count = len(run.steps)
    if snapshot_indices is None:  # the start, then log-spaced: most of the change happens early
        snapshot_indices = sorted({0, *np.round(np.geomspace(1, max(count - 1, 1), 5)).astype(int).tolist()})
        snapshot_indices = [i for i in snapshot_indices if i < count]
    nrows = -(-len(snapshot_indices) // ncols)
    fig, axes = new_figure(nrows, ncols, size=(DOCS_WIDTH * ncols / 2, 2.9 * nrows + 0.4), squeeze=False)
    x_grid, truth = _truth_curve(data)
    for ax, index in zip(axes.flat, snapshot_indices):
        plot_relu_fit(ax, data.x_train, data.y_train, x_grid, truth, run.w1[index], run.b1[index],
                      run.w2[index], run.b2[index],
                      title=f"step {int(run.steps[index]):,}: test MSE {run.test_mse[index]:.4f}")
    for ax in list(axes.flat)[len(snapshot_indices):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize="small", loc="lower left", ncol=2)
    mode = _mode_name(getattr(run, "mode", ""))
    fig.suptitle(f"width {run.width}, {mode} (lr {getattr(run, 'lr', '?')}): data, truth, fit (red),\n"
                 "each unit's piece (thin) and its elbow (dot; hollow: dead)")
    return fig


def plot_elbow_trajectories(steps: Any, elbows: Any, data_range: tuple[float, float] = (0.0, 1.0),
                            title: str = "", ax: Any = None, max_ranges: float = 4.0) -> Any:
    """Each unit's elbow position against training step; the data's range is a labelled grey band.

    Elbows that leave the band belong to units that may die. The y-axis grows to show
    every line whole, up to ``max_ranges`` data ranges beyond the band; a line that goes
    farther runs along the edge there (dotted), so no unit disappears from the picture.
    The band is named in the legend.
    """
    from matplotlib.lines import Line2D

    fig, target_ax = (None, ax) if ax is not None else new_figure()
    elbows = np.asarray(elbows, dtype=np.float64)
    low, high = float(data_range[0]), float(data_range[1])
    span = high - low
    band = target_ax.axhspan(low, high, color="0.9", zorder=0, label=f"data range [{low:g}, {high:g}]")
    finite = elbows[np.isfinite(elbows)]
    bottom = max(min(low - 0.25 * span, float(finite.min(initial=low))), low - max_ranges * span)
    top = min(max(high + 0.25 * span, float(finite.max(initial=high))), high + max_ranges * span)
    margin = 0.04 * (top - bottom)
    bottom, top = bottom - margin, top + margin
    clipped_any = False
    for j in range(elbows.shape[1]):
        line = elbows[:, j]
        shown = np.clip(line, bottom, top)
        outside = (np.isfinite(line) & (shown != line)) | np.isinf(line)
        solid = ~outside
        solid[1:] |= ~outside[:-1]  # one point past the edge on each side, so the line reaches it
        solid[:-1] |= ~outside[1:]
        target_ax.plot(steps, np.where(solid, shown, np.nan), linewidth=1.2, color=f"C{j % 10}")
        if outside.any():
            clipped_any = True
            target_ax.plot(steps, np.where(outside, shown, np.nan), linewidth=1.2, linestyle=":", color=f"C{j % 10}")
    _steps_axis(target_ax)
    target_ax.set(xlabel="step", ylabel="elbow  −b/w", title=title, ylim=(bottom, top))
    handles = [band]
    if clipped_any:
        handles.append(Line2D([], [], color="0.35", linestyle=":", label="beyond the edge (clipped)"))
    target_ax.legend(handles=handles, loc="best", fontsize="small")
    return fig if fig is not None else target_ax


def plot_course_summary(result: Any) -> Any:
    """Test MSE (log scale) of every run of a ``course.ExperimentResult`` with the ridge levels, and the
    elbow trajectories of its all-layers runs: one row per width."""
    widths = sorted({width for width, _ in result.runs})
    fig, axes = new_figure(len(widths), 2, size=(DOCS_WIDTH, 3.3 * len(widths)), squeeze=False)
    for row, width in enumerate(widths):
        runs = {mode: run for (w, mode), run in result.runs.items() if w == width}
        curves = {}
        for mode, run in runs.items():
            curves[f"{_mode_name(mode)}: test"] = run.test_mse
            curves[f"{_mode_name(mode)}: train"] = run.train_mse
        steps = next(iter(runs.values())).steps
        plot_curves(steps, curves, logy=True, ylabel="MSE", title=f"width {width}: MSE",
                    hlines={"ridge fit (test)": result.ridge[width].test_mse}, ax=axes[row, 0])
        moving = runs.get("all") or next(iter(runs.values()))
        plot_elbow_trajectories(moving.steps, moving.elbows, title=f"width {width}, {_mode_name(moving.mode)}: elbows",
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
                      title=f"width {run.width}, {_mode_name(run.mode)}: step {int(run.steps[index]):,}")
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
