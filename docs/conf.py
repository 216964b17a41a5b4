"""Sphinx configuration of the tinygrad_edu documentation.

Build: ``pip install -e ".[docs]" && sphinx-build -b html docs docs/_build/html``.
Before reading the pages, ``generate_figures.py`` runs the examples in their quick
modes and writes their plots into ``docs/_generated/`` (git-ignored); graphs in the
pages are drawn by our own ``tinygrad-graph`` directive at build time.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS_DIR.parent))  # the package from this checkout, installed or not
sys.path.insert(0, str(DOCS_DIR))  # generate_figures, course_slider

import generate_figures  # noqa: E402

import tinygrad_edu  # noqa: E402

project = "tinygrad_edu"
author = "the tinygrad_edu authors"
copyright = "the tinygrad_edu authors"  # noqa: A001 (Sphinx's name)
release = tinygrad_edu.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "tinygrad_edu.sphinxext",
    "course_slider",  # docs/course_slider.py: the course experiment with a slider, drawn in the browser
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_generated", "README.md", "**/.ipynb_checkpoints"]

# MyST: ":::" fences for directives, definition lists, and anchors on headings down to
# level 3 so pages can link to "other.md#a-heading".
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# autodoc: members in the order the source defines them (the order a reader meets them),
# signatures with type hints, no separate "Parameters" lists (our docstrings are prose).
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": False}
autosummary_generate = False  # summary tables only; nothing generated into the source tree

# tinygrad-graph writes its SVG files here (inside docs/_generated, git-ignored).
tinygrad_graph_output_dir = "_generated/graphs"

html_theme = "furo"
html_title = f"tinygrad_edu {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_js_files = ["figures.js"]  # pictures link to their full-size image
html_theme_options = {"navigation_with_keys": True}
html_show_sourcelink = False
pygments_style = "friendly"
pygments_dark_style = "monokai"


def _tensor_method_docstring(app, what, name, obj, options, lines) -> None:
    """Give an undocumented ``Tensor`` method the docstring of the op it applies.

    Each Tensor method is a one-line call of an op class (``ops.ReLU.apply(self)``);
    the math and the derivative are documented on the op, so the reference shows them here.
    """
    if lines or what != "method" or not name.startswith("tinygrad_edu.Tensor."):
        return
    import inspect
    import re

    from tinygrad_edu import ops

    try:
        source = inspect.getsource(obj)
    except (OSError, TypeError):
        return
    match = re.search(r"ops\.(\w+)", source)
    if match is None:
        return
    op = getattr(ops, match.group(1), None)
    doc = inspect.getdoc(op) if op is not None else None
    if doc:
        kind = "class" if isinstance(op, type) else "func"
        lines.extend([f"Applies :{kind}:`tinygrad_edu.ops.{match.group(1)}`: " + doc.splitlines()[0], ""])
        lines.extend(doc.splitlines()[1:])


def _generate_figures(app) -> None:
    # TINYGRAD_DOCS_SKIP_FIGURES=1 skips the examples for a quick look at the text of the pages.
    if os.environ.get("TINYGRAD_DOCS_SKIP_FIGURES") != "1":
        generate_figures.generate(verbose=True)


_BARS = re.compile(r"(?<![\\|])\|(?=\S)([^|`]*?\S)\|(?!\|)")


def _escape_bars(app, what, name, obj, options, lines) -> None:
    """Let docstrings write |x| for absolute values and norms.

    Our docstrings are plain text read by people first; in reStructuredText ``|x|`` would be a
    substitution reference. Bars are escaped outside code: doctest blocks, literal blocks
    (after ``::``) and ``inline literals`` are left as they are.
    """
    in_doctest = False
    literal_indent: int | None = None
    expect_literal = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if not stripped:
            in_doctest = False
            continue
        if expect_literal:
            literal_indent, expect_literal = indent, False
        if literal_indent is not None:
            if indent >= literal_indent:
                continue
            literal_indent = None
        if stripped.startswith(">>>"):
            in_doctest = True
        if in_doctest:
            continue
        if stripped.endswith("::"):
            expect_literal = True
        parts = re.split(r"(``.*?``)", line)
        lines[index] = "".join(part if part.startswith("``") else _BARS.sub(r"\\|\1\\|", part) for part in parts)


def setup(app) -> None:
    app.connect("autodoc-process-docstring", _tensor_method_docstring)
    app.connect("autodoc-process-docstring", _escape_bars)
    app.connect("builder-inited", _generate_figures)
