"""Execute the documentation's notebooks headlessly with nbclient, as CI does.

    python docs/run_notebooks.py [--out docs/_build/notebooks] [NOTEBOOK ...]

Each notebook runs top to bottom in a fresh ``python3`` kernel; an exception in any cell is
a failure. The executed copies (with outputs) are written to ``--out``, for CI to keep as
artifacts; the notebooks in the repository stay without outputs. A cell that calls
``widgets.interact`` must show a widget, and the widget must have drawn a figure (kept in the
saved widget state): the slider works without a browser.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

DOCS_DIR = Path(__file__).resolve().parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def output_types(cell: nbformat.NotebookNode) -> set[str]:
    """The MIME types (and stream names) a code cell produced."""
    kinds = set()
    for output in cell.get("outputs", []):
        kinds |= set(output.get("data", {}))
        if output.get("output_type") == "stream":
            kinds.add(output["name"])
    return kinds


# Seconds a cell may take. The notebooks' cells run in seconds; the limit is kept short because
# nbclient sometimes misses the reply to a cell that shows a widget (nbclient issue #312, seen
# here in about one run in six): it then waits the whole timeout before it reads the reply and
# carries on, so a 600 s limit turned a 3 s run into a 10-minute one.
CELL_TIMEOUT = 60


def execute(path: Path, out_dir: Path, timeout: int = CELL_TIMEOUT) -> float:
    """Run one notebook; its executed copy goes to ``out_dir``. Returns the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, out_dir / path.name)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and "widgets.interact" in cell.source:
            if WIDGET_VIEW not in output_types(cell):
                raise RuntimeError(f"{path.name}: cell {index} shows no widget")
            if "image/png" not in widget_output_types(notebook):
                raise RuntimeError(f"{path.name}: the widget in cell {index} drew no figure")
    return seconds


def widget_output_types(notebook: nbformat.NotebookNode) -> set[str]:
    """MIME types shown inside Output widgets (where ``interact`` draws), from the saved widget state."""
    state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    kinds = set()
    for model in state.get("state", {}).values():
        if model.get("model_name") == "OutputModel":
            for output in model["state"].get("outputs", []):
                kinds |= set(output.get("data", {}))
    return kinds


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
