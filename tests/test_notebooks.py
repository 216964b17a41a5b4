"""The docs' notebook runner (docs/run_notebooks.py) and the kernel-free slider (docs/course_slider.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
NOTEBOOK = DOCS / "notebooks" / "course_relu_experiment.ipynb"


def load_docs_module(name: str):
    spec = importlib.util.spec_from_file_location(f"docs_{name}", DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def runner():
    pytest.importorskip("nbclient", reason="the notebook runner uses nbclient (the docs extra)")
    return load_docs_module("run_notebooks")


def executed_notebook(*cells):
    """A notebook as nbclient leaves it: each cell is (source, outputs)."""
    from nbformat.v4 import new_code_cell, new_notebook

    return new_notebook(cells=[new_code_cell(source, outputs=outputs) for source, outputs in cells])


PNG = {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}, "metadata": {}}
TEXT = {"output_type": "execute_result", "data": {"text/plain": "3"}, "metadata": {}, "execution_count": 1}
PRINTED = {"output_type": "stream", "name": "stdout", "text": "hello\n"}


@pytest.mark.parametrize("source, wanted", [
    ("fig = plots.plot_course_summary(result)\nplt.show()", "figure"),
    ("plots.plot_course_summary(result)", "figure"),
    ("widgets.interact(show, k=slider);", "widget"),
    ("def show(k):\n    fig, ax = plt.subplots()\n    plt.show()\nwidgets.interact(show, k=1);", "widget"),
    ("print(result.summary())", "output"),
    ("x = 1\nx", "output"),
    ("x = 1\nx;", None),
    ("import numpy as np\nx = np.ones(3)", None),
    ("def draw():\n    plt.show()", None),  # defined, not called: nothing to show yet
    ("%matplotlib inline", None),
])
def test_which_cells_must_show_something(runner, source, wanted):
    assert runner.expected_output(source) == wanted


def test_a_drawing_cell_without_a_figure_fails(runner):
    # The bug it guards against: plt.show() on a Figure made without pyplot shows nothing.
    silent = executed_notebook(("fig = plots.plot_course_summary(result)\nplt.show()", []))
    assert ["no figure" in problem for problem in runner.missing_output(silent)] == [True]
    text_only = executed_notebook(("plots.plot_course_summary(result)", [TEXT]))
    assert "only text/plain" in runner.missing_output(text_only)[0]
    drawn = executed_notebook(("plots.plot_course_summary(result)", [PNG]))
    assert runner.missing_output(drawn) == []


def test_printing_or_expression_cells_without_output_fail(runner):
    notebook = executed_notebook(("print('hello')", [PRINTED]), ("x = 3\nx", []), ("y = 2", []))
    assert runner.missing_output(notebook) == [
        "cell 1 prints, displays or ends in an expression but shows no output"
    ]


def test_the_output_widget_stand_in_never_sends_on_the_shell_channel(runner):
    """Sending on the shell socket while nbclient awaits the reply there is what delayed replies."""

    class NoShellClient:
        class shell_channel:  # noqa: N801 (mimics KernelClient.shell_channel)
            @staticmethod
            def send(msg):
                raise AssertionError("the stand-in sent a message to the kernel")

    class Executor:
        widget_state = {"w": {"outputs": []}}

    widget = runner.HeadlessOutputWidget("w", {"outputs": []}, NoShellClient(), Executor())
    message = {"msg_type": "display_data", "parent_header": {"msg_id": "m"}, "header": {"msg_type": "display_data"},
               "content": {"data": {"image/png": "iVBOR"}, "metadata": {}}}
    widget.output([], message, None, 0)
    assert Executor.widget_state["w"]["outputs"][0]["data"] == {"image/png": "iVBOR"}  # kept for the notebook
    widget.clear_output([], {"parent_header": {}, "content": {"wait": False}}, 0)
    assert Executor.widget_state["w"]["outputs"] == []  # cleared, and recorded for the saved widget state


def test_the_notebook_in_the_repository_has_no_outputs():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    assert all(not cell.get("outputs") for cell in cells if cell["cell_type"] == "code")
    assert any("seed=SEED" in "".join(cell["source"]) for cell in cells)


def test_the_notebook_runs_and_shows_every_figure(runner, tmp_path):
    for module in ("ipykernel", "ipywidgets", "matplotlib"):
        pytest.importorskip(module, reason="executing the notebook needs the docs extra")
    runner.execute(NOTEBOOK, tmp_path)  # raises on a missing output or a late reply
    executed = json.loads((tmp_path / NOTEBOOK.name).read_text(encoding="utf-8"))
    curves = [cell for cell in executed["cells"] if "plot_course_summary" in "".join(cell.get("source", ""))]
    assert curves and "image/png" in curves[0]["outputs"][0]["data"]


def test_slider_data_holds_every_snapshot_of_both_modes():
    pytest.importorskip("sphinx", reason="docs/course_slider.py is a Sphinx extension")
    sys.path.insert(0, str(DOCS))
    try:
        slider = load_docs_module("course_slider")
    finally:
        sys.path.remove(str(DOCS))
    data = slider.slider_data(width=5, steps=200, snapshot_every=100)
    assert data["seed"] == 1 and len(data["x"]) == len(data["y"]) == 200 and len(data["knots"]) == 11
    for mode in ("all", "output"):
        run = data["modes"][mode]
        assert run["steps"] == [0, 100, 200]
        assert [len(run[key]) for key in ("w1", "b1", "w2", "b2", "test_mse")] == [3] * 5
        assert all(len(row) == 5 for row in run["w1"])
    assert data["modes"]["all"]["w1"][0] == data["modes"]["output"]["w1"][0]  # the same start
    assert data["modes"]["output"]["w1"][-1] == data["modes"]["output"]["w1"][0]  # frozen first layer
    json.dumps(data, allow_nan=False)  # plain JSON for the page
