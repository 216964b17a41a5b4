"""Execute the documentation's notebooks headlessly with nbclient, as CI does.

    python docs/run_notebooks.py [--out docs/_build/notebooks] [NOTEBOOK ...]

Each notebook runs top to bottom in a fresh ``python3`` kernel; an exception in any cell is
a failure. The executed copies (with outputs) are written to ``--out``, for CI to keep as
artifacts; the notebooks in the repository stay without outputs.

A run also fails when a cell that should show something shows nothing (see ``missing_output``):
a cell that draws must show a figure, a cell that calls ``widgets.interact`` must show a widget
whose figure was drawn (kept in the saved widget state, so the slider works without a browser),
and a cell that prints, displays or ends in an expression must have an output. And it fails when
nbclient read a cell's reply much later than the kernel sent it (see ``HeadlessOutputWidget``).
"""

from __future__ import annotations

import argparse
import ast
import datetime
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbclient.output_widget import OutputWidget

DOCS_DIR = Path(__file__).resolve().parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FIGURE_TYPES = {"image/png", "image/svg+xml"}
# A cell may take this long; the notebooks' cells take seconds in their quick mode.
CELL_TIMEOUT = 300
# nbclient must read a cell's reply within this many seconds of the kernel sending it.
MAX_REPLY_LAG = 2.0


class HeadlessOutputWidget(OutputWidget):
    """nbclient's stand-in for a front end's Output widget, minus the echo back to the kernel.

    ``widgets.interact`` draws into an Output widget. nbclient's stand-in records what is drawn
    there (that is what the saved widget state keeps) and also sends it back to the kernel as a
    ``comm_msg`` on the shell channel, the socket on which nbclient is at that moment awaiting
    the cell's ``execute_reply``. When that send and the reply's arrival coincide, the awaiting
    poll is not woken: the reply sits unread in the socket until the poll's timeout (the cell
    timeout) runs out, then nbclient finds it and carries on. That made about one run in six
    wait out the whole timeout after the slider cell (measured: with a 5 s timeout, 22 of 300
    such cells got their reply 4.5-4.9 s late; re-polling the socket every 0.1 s found each of
    those replies at once; without the echo, 0 of 300 were late). Headless, no front end needs
    the kernel's copy of the widget's outputs, so the stand-in keeps them and sends nothing.
    """

    def sync_state(self) -> None:
        """Keep the outputs (nbclient saves them in the notebook); send nothing to the kernel."""


def output_types(cell: nbformat.NotebookNode) -> set[str]:
    """The MIME types (and stream names) a code cell produced."""
    kinds = set()
    for output in cell.get("outputs", []):
        kinds |= set(output.get("data", {}))
        if output.get("output_type") == "stream":
            kinds.add(output["name"])
    return kinds


def widget_output_types(notebook: nbformat.NotebookNode) -> set[str]:
    """MIME types shown inside Output widgets (where ``interact`` draws), from the saved widget state."""
    state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    kinds = set()
    for model in state.get("state", {}).values():
        if model.get("model_name") == "OutputModel":
            for output in model["state"].get("outputs", []):
                kinds |= set(output.get("data", {}))
    return kinds


def _top_level_calls(tree: ast.Module) -> list[str]:
    """Names of the functions a cell calls itself (``plt.show`` -> "show"), not inside its own defs."""
    names = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return  # code that runs only when called (a widget's callback is checked through the widget)
        if isinstance(node, ast.Call):
            function = node.func
            names.append(function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", ""))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def expected_output(source: str) -> str | None:
    """What a code cell must show: "widget", "figure", "output" or None (nothing required).

    - "widget": it calls ``interact``; it must show the widget, and the widget must draw a figure.
    - "figure": it calls a plotting function (``plot...``) or ``show``; it must show an image.
    - "output": it calls ``print`` or ``display``, or ends in an expression whose value Jupyter
      shows (not silenced with ``;``); it must have an output.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython syntax (magics): no rule
        return None
    calls = _top_level_calls(tree)
    if any(name in ("interact", "interactive") for name in calls):
        return "widget"
    if any(name.startswith("plot") or name in ("show", "imshow") for name in calls):
        return "figure"
    ends_in_expression = bool(tree.body) and isinstance(tree.body[-1], ast.Expr) and not source.rstrip().endswith(";")
    if ends_in_expression or any(name in ("print", "display") for name in calls):
        return "output"
    return None


def missing_output(notebook: nbformat.NotebookNode) -> list[str]:
    """One message per code cell that should show something and shows nothing (or no figure)."""
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        wanted, shown = expected_output(cell.source), output_types(cell)
        if wanted == "widget":
            if WIDGET_VIEW not in shown:
                problems.append(f"cell {index} shows no widget")
            elif not FIGURE_TYPES & widget_output_types(notebook):
                problems.append(f"the widget in cell {index} drew no figure")
        elif wanted == "figure" and not FIGURE_TYPES & shown:
            what = f"only {', '.join(sorted(shown))}" if shown else "nothing"
            problems.append(f"cell {index} draws but shows {what}: no figure (a Figure made without pyplot "
                            "is shown by leaving it as the cell's last value, not by plt.show())")
        elif wanted == "output" and not shown:
            problems.append(f"cell {index} prints, displays or ends in an expression but shows no output")
    return problems


def _timestamp(value: Any) -> float:
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.timestamp()


def execute(path: Path, out_dir: Path, timeout: int = CELL_TIMEOUT) -> float:
    """Run one notebook; its executed copy goes to ``out_dir``. Returns the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    reply_lags: dict[int, float] = {}

    def record_lag(cell: Any, cell_index: int, execute_reply: dict) -> None:
        reply_lags[cell_index] = time.time() - _timestamp(execute_reply["header"]["date"])

    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        on_cell_executed=record_lag,
    )
    client.widget_registry["@jupyter-widgets/output"]["OutputModel"] = HeadlessOutputWidget
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, out_dir / path.name)
    problems = missing_output(notebook)
    problems += [f"nbclient read cell {index}'s reply {lag:.1f} s after the kernel sent it"
                 for index, lag in reply_lags.items() if lag > MAX_REPLY_LAG]
    if problems:
        raise RuntimeError(f"{path.name}: " + "; ".join(problems))
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute the docs' notebooks with nbclient.")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every docs/notebooks/*.ipynb")
    parser.add_argument("--out", type=Path, default=DOCS_DIR / "_build" / "notebooks")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((DOCS_DIR / "notebooks").glob("*.ipynb"))
    failed = 0
    for path in notebooks:
        try:
            seconds = execute(path, args.out)
        except (CellExecutionError, RuntimeError) as error:
            failed += 1
            print(f"FAILED {path}: {error}", file=sys.stderr)
        else:
            print(f"ok     {path.name} executed in {seconds:.1f} s -> {args.out / path.name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
