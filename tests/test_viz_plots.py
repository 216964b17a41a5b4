"""viz.plots: the lesson figures say what they show and stay readable in the docs' column."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pytest

from tinygrad_edu import course
from tinygrad_edu.viz import plots

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def tiny_experiment():
    return course.run_experiment(widths=(4,), steps=40, snapshot_every=20, seed=1)


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [text.get_text() for text in legend.get_texts()]


def test_training_legend_names_the_modes_in_words(tiny_experiment):
    fig = plots.plot_course_summary(tiny_experiment)
    texts = legend_texts(fig.axes[0])
    assert {"output layer only: test", "output layer only: train", "all layers: test", "all layers: train"} <= set(texts)
    assert not any(text.startswith(("output:", "all:")) for text in texts)
    assert "all layers" in fig.axes[1].get_title()


def test_snapshot_panels_have_axis_labels(tiny_experiment):
    fig = plots.plot_snapshot_grid(tiny_experiment.runs[4, "all"], tiny_experiment.data)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == 3
    for ax in shown:
        assert ax.get_xlabel() == "x" and ax.get_ylabel() == "y"
    assert "all layers" in fig._suptitle.get_text()


def test_elbow_panel_shows_every_line_and_names_the_data_range():
    steps = np.arange(5) * 100
    elbows = np.array([
        [0.5, 0.5, 0.5, 0.5, 0.5],   # stays inside the data
        [0.8, 1.5, 2.5, 3.2, 3.9],   # leaves the data: must stay in view (it was cut off at 1.5)
        [0.2, -0.4, -1.1, -1.6, -2.0],
        [0.9, 3.0, 20.0, 80.0, np.inf],  # runs away: drawn along the edge, dotted
    ]).T
    ax = plots.plot_elbow_trajectories(steps, elbows, ax=plots.new_figure()[1])
    bottom, top = ax.get_ylim()
    assert bottom < -2.0 and 3.9 < top <= 1.0 + 4.0 + 0.5  # the three finite lines whole, the runaway capped
    drawn = [line for line in ax.get_lines() if line.get_xydata().size]
    for line in drawn:
        y = line.get_ydata()
        assert np.all((y[np.isfinite(y)] >= bottom) & (y[np.isfinite(y)] <= top))
    dotted = [line for line in drawn if line.get_linestyle() == ":"]
    assert len(dotted) == 1 and np.nanmax(dotted[0].get_ydata()) == pytest.approx(top)
    assert legend_texts(ax)[0] == "data range [0, 1]"
    assert "beyond the edge (clipped)" in legend_texts(ax)


def test_docs_figures_are_checked_for_readable_text(tmp_path):
    wide, axes = plots.new_figure(1, 3, size=(15, 3.8))  # the old three-in-a-row layout
    for ax in axes:
        ax.plot([0, 1], [0, 1])
    size, _ = plots.smallest_text(wide)
    assert size == pytest.approx(10 / 72 * 740 / 15)  # 10-pt ticks: 6.9 px in the column
    with pytest.warns(plots.UnreadableFigureWarning, match=r"would show 6.9 px tall in the docs' 740-px column"):
        plots.save_figure(wide, tmp_path / "wide.png")
    assert (tmp_path / "wide.png").exists()  # saved anyway: only the docs build refuses it
    fig, axes = plots.docs_figure(3)
    assert [ax.get_subplotspec().colspan for ax in axes] == [range(0, 1), range(1, 2), range(0, 2)]
    for ax in axes:
        ax.plot([0, 1], [0, 1], label="line")
        ax.legend(fontsize="small")
    assert plots.smallest_text(fig)[0] >= plots.MIN_TEXT_PX
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert plots.save_figure(fig, tmp_path / "docs.png").stat().st_size > 10_000
    with pytest.raises(ValueError, match="positive integer"):
        plots.docs_figure(0)


def test_a_title_cut_off_at_the_edge_is_refused(tmp_path):
    fig, axes = plots.docs_figure(2)
    axes[1].set_title("a title far too long for half of the column: it runs off the right edge")
    with pytest.warns(plots.UnreadableFigureWarning, match="runs off the edge of the figure: 'a title far too long"):
        plots.save_figure(fig, tmp_path / "cut.png")
    axes[1].set_title("a title far too long for half\nof the column: broken in two")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.save_figure(fig, tmp_path / "cut.png")
