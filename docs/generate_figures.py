"""Generate the documentation's figures by running the examples in their quick modes.

Every ``examples/*.py`` script is run as ``python examples/NAME.py --out docs/_generated/NAME``
(plus the quick-mode arguments listed in ``EXTRA_ARGS``), so each page can show the figures
of the example it explains from ``/_generated/NAME/FILE.png``. Nothing here is committed:
``docs/_generated/`` is git-ignored and rebuilt from the code.

``conf.py`` calls ``generate()`` when Sphinx starts, so ``sphinx-build`` is the only command a
reader needs. Figures are regenerated only when the package, the examples or this script
changed since the last run (a hash of their contents is kept in ``docs/_generated/.stamp``).

An example whose figure would be unreadable in the docs' column (``viz.plots.save_figure``
warns ``UnreadableFigureWarning``: text too small at the column width, or cut off at the edge)
fails the run like an example that crashes.

Run it alone with ``python docs/generate_figures.py [--force] [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent
ROOT = DOCS_DIR.parent
EXAMPLES_DIR = ROOT / "examples"
OUTPUT_DIR = DOCS_DIR / "_generated"
STAMP = OUTPUT_DIR / ".stamp"

#: Extra command-line arguments per example: the quick modes the docs use.
EXTRA_ARGS: dict[str, list[str]] = {
    "course_relu_experiment": ["--quick", "--no-progress"],
}
#: Examples the docs do not show (none at the moment).
SKIP: set[str] = set()
#: A figure job that takes longer than this is a bug in its quick mode.
TIMEOUT_SECONDS = 600


def example_scripts() -> list[Path]:
    """The example scripts to run, in name order."""
    return [path for path in sorted(EXAMPLES_DIR.glob("*.py")) if path.stem not in SKIP and not path.stem.startswith("_")]


def sources_hash() -> str:
    """A hash of everything the figures depend on: the package, the examples, this script."""
    digest = hashlib.sha256()
    files = sorted((ROOT / "tinygrad_edu").rglob("*.py")) + sorted(EXAMPLES_DIR.glob("*.py")) + [Path(__file__)]
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run_example(script: Path) -> tuple[str, float, str | None]:
    """Run one example into ``docs/_generated/<name>``; (name, seconds, error or None)."""
    name = script.stem
    out = OUTPUT_DIR / name
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(script), "--out", str(out), *EXTRA_ARGS.get(name, [])]
    environment = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    start = time.perf_counter()
    try:
        completed = subprocess.run(
            command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired:
        return name, time.perf_counter() - start, f"timed out after {TIMEOUT_SECONDS} s"
    seconds = time.perf_counter() - start
    (out / "output.txt").write_text(completed.stdout)
    if completed.returncode != 0:
        return name, seconds, f"exit code {completed.returncode}:\n{completed.stderr[-3000:]}"
    unreadable = [line for line in completed.stderr.splitlines() if "UnreadableFigureWarning" in line]
    if unreadable:  # plots.save_figure found text too small for the column, or cut off
        return name, seconds, "figure not readable in the docs:\n" + "\n".join(unreadable)
    return name, seconds, None


def generate(force: bool = False, only: list[str] | None = None, verbose: bool = False) -> dict[str, float]:
    """Run the examples whose figures are missing or stale; {name: seconds} of the runs made.

    Raises ``RuntimeError`` naming every example that failed, so a broken example fails
    the docs build instead of leaving a page without its figure.
    """
    scripts = example_scripts()
    if only:
        unknown = set(only) - {script.stem for script in scripts}
        if unknown:
            raise ValueError(f"no example named {', '.join(sorted(unknown))} in {EXAMPLES_DIR}")
        scripts = [script for script in scripts if script.stem in only]
    stamp = sources_hash()
    if not force and not only and STAMP.is_file() and STAMP.read_text() == stamp:
        if verbose:
            print("[generate_figures] figures are up to date")
        return {}
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        results = list(pool.map(run_example, scripts))
    failures = [f"{name}: {error}" for name, _, error in results if error]
    if verbose:
        for name, seconds, error in results:
            print(f"[generate_figures] {name:<28} {seconds:6.1f} s {'FAILED' if error else 'ok'}")
        print(f"[generate_figures] {len(results)} examples in {time.perf_counter() - start:.1f} s")
    if failures:
        STAMP.unlink(missing_ok=True)
        raise RuntimeError("examples failed while generating the docs' figures:\n" + "\n".join(failures))
    if not only:
        STAMP.write_text(stamp)
    return {name: seconds for name, seconds, _ in results}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="regenerate even if nothing changed")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these examples")
    args = parser.parse_args(argv)
    generate(force=args.force, only=args.only, verbose=True)


if __name__ == "__main__":
    main()
