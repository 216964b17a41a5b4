"""Mutation testing of one part of tinygrad_edu at a time, with mutmut (3.x).

A mutation run plants small bugs (a flipped sign, ``<`` for ``<=``, a dropped argument, a
changed constant) one at a time and runs the tests on each: a mutant that no test notices
"survives" and shows a behaviour nothing pins down. See docs/testing.md.

    pip install mutmut
    python tools/mutation.py --list                     # the targets and their tests
    python tools/mutation.py testing                    # mutate tinygrad_edu/testing/
    python tools/mutation.py ops --only tinygrad_edu/ops/unary.py --max-children 2

The run happens in a scratch copy of the repository (``--workdir``, by default
``~/.cache/tinygrad_edu-mutation/<target>``), so the checkout gets no ``mutants/`` folder and
each target keeps its own settings: only its files are mutated, and only its tests run (mutmut
then runs, for each mutant, just the tests that call the mutated function). Running again is
incremental: mutmut re-tests the functions that changed. To read a survivor::

    cd ~/.cache/tinygrad_edu-mutation/testing && python -m mutmut show <mutant name>
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: target -> (files to mutate, as globs; the tests that exercise them)
TARGETS: dict[str, tuple[list[str], list[str]]] = {
    "testing": (
        ["tinygrad_edu/testing/*"],
        ["tests/test_testing.py", "tests/test_strategies.py", "tests/test_gradcheck_rejects.py"],
    ),
    "ops": (
        ["tinygrad_edu/ops/*"],
        ["tests/test_ops.py", "tests/test_op_examples.py", "tests/test_fused_ops.py", "tests/test_scalar_operands.py"],
    ),
    "autograd": (
        ["tinygrad_edu/autograd.py"],
        ["tests/test_autograd.py", "tests/test_function.py", "tests/test_memory.py"],
    ),
    "function": (
        ["tinygrad_edu/function.py"],
        ["tests/test_function.py", "tests/test_autograd.py", "tests/test_memory.py"],
    ),
    "optim": (
        ["tinygrad_edu/optim/*"],
        ["tests/test_optim.py", "tests/test_lr_scheduler.py"],
    ),
    "serialization": (
        ["tinygrad_edu/serialization.py"],
        ["tests/test_serialization.py"],
    ),
    "nn": (
        ["tinygrad_edu/nn/*"],
        ["tests/test_nn.py", "tests/test_nn_functional.py", "tests/test_init_formulas.py", "tests/test_op_examples.py",
         "tests/test_fused_ops.py"],
    ),
}

#: mutmut's statuses that count as caught (the tests failed, or ran past the time limit)
CAUGHT = {"killed", "timeout", "caught by type check"}


def repository_files() -> list[str]:
    """The repository's files as git sees them: tracked, plus untracked ones that are not ignored."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return [name for name in listing.stdout.split("\0") if name and (ROOT / name).is_file()]


def sync_copy(workdir: Path) -> None:
    """Make ``workdir`` a copy of the repository's files, rewriting only those that changed.

    Unchanged files keep their timestamps, so mutmut's cache of results stays valid.
    """
    files = repository_files()
    for name in files:
        source, target = ROOT / name, workdir / name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    wanted = set(files)
    for path in workdir.rglob("*"):  # files deleted from the repository go from the copy too
        relative = path.relative_to(workdir).as_posix()
        if path.is_file() and relative not in wanted and not relative.startswith("mutants/"):
            path.unlink()


def toml_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{value}"' for value in values) + "]"


def write_settings(workdir: Path, mutate: list[str], tests: list[str]) -> None:
    """Put the target's files and tests into the copy's ``[tool.mutmut]`` (the rest stays as in the repository)."""
    pyproject = workdir / "pyproject.toml"
    text = pyproject.read_text()
    for key, value in (("only_mutate", mutate), ("pytest_add_cli_args_test_selection", tests)):
        text, found = re.subn(rf"(?m)^{key} = .*$", f"{key} = {toml_list(value)}", text)
        if not found:
            raise SystemExit(f"pyproject.toml has no '{key} = ...' line under [tool.mutmut]")
    pyproject.write_text(text)


def statuses(workdir: Path, env: dict[str, str]) -> dict[str, str]:
    """Every mutant's status, from ``mutmut results --all true``."""
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=workdir, env=env, capture_output=True, text=True, check=True,
    )
    found = {}
    for line in listing.stdout.splitlines():
        name, colon, status = line.strip().rpartition(": ")
        if colon and "__mutmut_" in name:
            found[name] = status
    return found


def report(found: dict[str, str], workdir: Path) -> None:
    """The counts, the score, and the surviving mutants."""
    counts = Counter(found.values())
    caught = sum(counts[status] for status in CAUGHT)
    judged = sum(counts.values()) - counts["skipped"] - counts["not checked"]
    print(f"\n{len(found)} mutants: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    if judged:
        print(f"score: {caught}/{judged} caught = {100 * caught / judged:.1f} % (before setting equivalent mutants aside)")
    survivors = sorted(name for name, status in found.items() if status not in CAUGHT | {"skipped"})
    if survivors:
        print(f"\nNot caught ({len(survivors)}); read one with: cd {workdir} && python -m mutmut show NAME")
        for name in survivors:
            print(f"  {name}: {found[name]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?", choices=sorted(TARGETS), help="the part of the package to mutate")
    parser.add_argument("--list", action="store_true", help="show the targets, their files and tests")
    parser.add_argument("--only", metavar="FILE", help="mutate this one file of the target (a path from the repository root)")
    parser.add_argument("--tests", nargs="+", metavar="TEST", help="run these test files instead of the target's")
    parser.add_argument("--max-children", type=int, default=2, help="mutants tested in parallel (default 2)")
    parser.add_argument("--workdir", type=Path, help="scratch copy (default ~/.cache/tinygrad_edu-mutation/TARGET)")
    args = parser.parse_args(argv)
    if args.list or not args.target:
        for name, (mutate, tests) in TARGETS.items():
            print(f"{name:14} mutates {' '.join(mutate)}\n{'':14} tests   {' '.join(tests)}")
        return 0
    mutate, tests = TARGETS[args.target]
    if args.only:
        mutate = [args.only]
    tests = args.tests or tests
    workdir = args.workdir or Path.home() / ".cache" / "tinygrad_edu-mutation" / args.target
    workdir.mkdir(parents=True, exist_ok=True)
    sync_copy(workdir)
    write_settings(workdir, mutate, tests)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}  # mutmut sets up its own paths
    print(f"mutating {' '.join(mutate)} in {workdir}\ntests: {' '.join(tests)}", flush=True)
    mutmut_run = [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children)]
    if subprocess.run(mutmut_run, cwd=workdir, env=env).returncode != 0:
        print("mutmut run failed (see above)", file=sys.stderr)
        return 1
    # mutmut keeps an earlier verdict for a function that did not change, even when the tests
    # did: test the survivors of earlier runs again, against today's tests.
    found = statuses(workdir, env)
    survivors = sorted(name for name, status in found.items() if status not in CAUGHT | {"skipped"})
    if survivors:
        print(f"\ntesting the {len(survivors)} mutants not caught so far against the current tests", flush=True)
        if subprocess.run(mutmut_run + survivors, cwd=workdir, env=env).returncode != 0:
            print("mutmut run failed (see above)", file=sys.stderr)
            return 1
        found = statuses(workdir, env)
    report(found, workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
