"""The PyTorch guide's claims: the side-by-side programs differ only by the name ``torch`` -> ``tg``,
the tinygrad_edu one runs, and every top-level function has an entry in the API reference."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from tinygrad_edu.function import FUNCTIONS

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDE = DOCS / "guides" / "moving_to_pytorch.md"


def side_by_side_programs() -> tuple[str, str]:
    """The two Python blocks of the guide's first table: (tinygrad_edu, PyTorch)."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return tuple(re.sub(r"^    ", "", block, flags=re.M) for block in blocks[:2])


def without_imports(program: str) -> list[str]:
    lines = [line for line in program.splitlines() if not re.match(r"(import|from) ", line)]
    return [" ".join(line.split()) for line in lines]  # (continuation lines are aligned differently)


def test_the_two_programs_differ_only_by_the_name_of_the_library():
    ours, theirs = side_by_side_programs()
    assert "import tinygrad_edu as tg" in ours and "import torch" in theirs
    renamed = [line.replace("torch.", "tg.") for line in without_imports(theirs)]
    assert without_imports(ours) == renamed


def test_the_tinygrad_edu_program_runs_and_fits_the_curve():
    ours, _ = side_by_side_programs()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(ours, str(GUIDE), "exec"), {})
    assert float(printed.getvalue()) < 0.01  # the final training loss (the sine's variance is about 0.5)


def test_every_top_level_function_is_in_the_api_reference():
    page = (DOCS / "api" / "functions.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\.\. autofunction:: (\w+)$", page, re.M))
    assert sorted(set(FUNCTIONS) - documented) == []
