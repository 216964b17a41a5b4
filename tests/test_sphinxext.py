"""The ``tinygrad-graph`` Sphinx directive, tested by building tiny Sphinx projects in a tmp dir."""

from __future__ import annotations

from html import unescape
import io
import re
from pathlib import Path

import pytest

pytest.importorskip("sphinx", reason="the extension is tested by building sites with Sphinx (the dev extra)")
from sphinx.application import Sphinx  # noqa: E402
from sphinx.util.docutils import docutils_namespace  # noqa: E402

from tinygrad_edu.sphinxext import with_intrinsic_size  # noqa: E402

CONF = 'extensions = ["tinygrad_edu.sphinxext"]\ntinygrad_graph_output_dir = "_graphs"\n'

PAGE = """\
Graphs
======

.. tinygrad-graph::
   :root: y
   :caption: Before backward.

   import tinygrad_edu as tg
   x = tg.Tensor(3.0, requires_grad=True, name="x")
   y = x * x + x
   y.name = "y"

.. tinygrad-graph::
   :root: y
   :rankdir: TB
   :max-nodes: 50

   y.backward()
   print("x.grad =", x.grad)
"""


def build(tmp_path: Path, page: str, conf: str = CONF) -> tuple[Path, str]:
    """Build a one-page HTML project; (output folder, warnings)."""
    source, out = tmp_path / "src", tmp_path / "out"
    source.mkdir()
    (source / "conf.py").write_text(conf)
    (source / "index.rst").write_text(page)
    warnings = io.StringIO()
    with docutils_namespace():
        app = Sphinx(str(source), str(source), str(out), str(tmp_path / "doctrees"), "html",
                     status=io.StringIO(), warning=warnings, freshenv=True)
        app.build()
    return out, warnings.getvalue()


def page_text(html_page: str) -> str:
    """The page's text without tags (highlighted code is split into many spans)."""
    return unescape(re.sub(r"<[^>]+>", "", html_page))


def svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def svg_size(svg: str) -> tuple[float, float]:
    match = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"\s+height="([\d.]+)pt"', svg)
    assert match, "the embedded SVG has no size in points"
    return float(match.group(1)), float(match.group(2))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    return build(tmp_path_factory.mktemp("graphs"), PAGE)


def test_graphs_are_embedded_as_svg_images(built):
    out, warnings = built
    assert warnings == ""
    html = (out / "index.html").read_text()
    sources = re.findall(r'<img[^>]+src="([^"]+\.svg)"', html)
    assert len(sources) == 2
    for src in sources:
        svg = (out / src).read_text()
        assert "<svg" in svg and "</svg>" in svg
        assert {"x", "y", "Mul", "Add"} <= set(svg_texts(svg))
    assert "Before backward." in html and 'class="caption' in html


def test_blocks_of_a_page_share_variables_and_the_second_graph_shows_gradients(built):
    out, _ = built
    html = (out / "index.html").read_text()
    first, second = ((out / src).read_text() for src in re.findall(r'<img[^>]+src="([^"]+\.svg)"', html))
    assert "grad 7" not in svg_texts(first)  # before backward(): no gradient yet
    assert "grad 7" in svg_texts(second)  # d(x² + x)/dx at 3
    # The code is shown, and what it printed under it.
    assert "y.backward()" in page_text(html)
    assert "x.grad = 7.0" in page_text(html)


def test_draw_graph_options_reach_the_drawing(built):
    out, _ = built
    html = (out / "index.html").read_text()
    left_right, top_bottom = (svg_size((out / src).read_text()) for src in re.findall(r'src="([^"]+\.svg)"', html))
    assert left_right[0] > left_right[1]  # rankdir LR (the default): a wide chain
    assert top_bottom[1] > top_bottom[0]  # :rankdir: TB: a tall one


def test_hide_code_and_reset(tmp_path):
    page = """\
Page
====

.. tinygrad-graph::
   :root: a

   import tinygrad_edu as tg
   a = tg.Tensor([1.0], requires_grad=True, name="secret_a") * 2

.. tinygrad-graph::
   :root: b
   :reset:
   :hide-code:

   import tinygrad_edu as tg
   b = tg.Tensor([1.0], requires_grad=True, name="b").exp()
   print("hidden output")
"""
    out, warnings = build(tmp_path, page)
    assert warnings == ""
    text = page_text((out / "index.html").read_text())
    assert "secret_a" in text  # the first block's code is shown
    assert ".exp()" not in text and "hidden output" not in text  # the second one's is not


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (":root: loss\n\n   x = 1", "defines no variable 'loss'"),
        (":root: x\n\n   x = 1", "'x' is a int, not a Tensor"),
        (":root: x\n\n   x = 1 / 0", "ZeroDivisionError"),
        ("\n   x = 1", "give the tensor to draw"),
    ],
)
def test_mistakes_are_build_errors_that_say_what_is_wrong(tmp_path, body, message):
    page = f"Page\n====\n\n.. tinygrad-graph::\n   {body}\n"
    _, warnings = build(tmp_path, page)
    assert "ERROR" in warnings and message in warnings


def test_a_bad_option_value_is_reported(tmp_path):
    page = "Page\n====\n\n.. tinygrad-graph::\n   :root: y\n   :max-nodes: many\n\n   import tinygrad_edu as tg\n   y = tg.ones(1)\n"
    _, warnings = build(tmp_path, page)
    assert "max-nodes" in warnings


def test_with_intrinsic_size_turns_a_responsive_svg_into_a_sized_one():
    responsive = '<svg width="100%" style="max-width: 80pt" viewBox="0.00 0.00 80.00 40.00" xmlns="x"><g/></svg>'
    assert with_intrinsic_size(responsive) == '<svg width="80.00pt" height="40.00pt" viewBox="0.00 0.00 80.00 40.00" xmlns="x"><g/></svg>'
    sized = '<svg width="62pt" height="44pt" viewBox="0 0 62 44"></svg>'
    assert with_intrinsic_size(sized) == sized
