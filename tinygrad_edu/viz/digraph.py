"""``ComputationGraph``: the ``graphviz.Digraph`` that ``draw_graph`` returns.

It keeps every promise of ``graphviz.Digraph`` (``source``, ``save``, ``render``, ``view``,
``pipe`` and the Jupyter hooks, with graphviz's own signatures) and adds one thing: where
the system Graphviz (the ``dot`` program) is missing, SVG output comes from the
in-process renderer instead of failing.

graphviz sends every layout through three methods that it documents as the places to
replace the renderer (``_render`` for files, ``_pipe_lines`` and ``_pipe_lines_string``
for bytes and text). This class overrides those three: with ``dot`` on ``PATH`` they call
graphviz's own functions unchanged; without it they lay the graph out in process, which
writes SVG only; any other format raises ``RendererNotFoundError`` (a
``graphviz.ExecutableNotFound``, the error graphviz raises without ``dot``).
"""

from __future__ import annotations

import os
import pathlib
import shutil
from collections.abc import Iterable, Iterator
from typing import Any

import graphviz
from graphviz.backend import rendering as graphviz_rendering
from graphviz.jupyter_integration import MIME_TYPES

from .render import INSTALL_HINT, RendererNotFoundError, render, render_source, to_svg

_DISPLAY_MIMETYPES = frozenset({"image/svg+xml", "text/plain"})


def system_dot_found() -> bool:
    """True when graphviz can run the system ``dot`` program (it looks it up on ``PATH``)."""
    return shutil.which("dot") is not None


def _in_process(source: str, engine: str, format: str, renderer: str | None, formatter: str | None) -> bytes:
    """Lay ``source`` out without the system Graphviz: SVG only, as graphviz's ``dot`` would write it."""
    if format != "svg" or renderer is not None or formatter is not None:
        wanted = ":".join(part for part in (format, renderer, formatter) if part)
        raise RendererNotFoundError(
            f"format {wanted!r} needs the system Graphviz (the `dot` program, not found on PATH): "
            "`apt-get install graphviz`, `brew install graphviz` or `conda install graphviz`. "
            "Without it, graphs can be written as SVG (format='svg') by the in-process renderer"
        )
    return render_source(source, "svg", backend="wasm", engine=engine, tidy=False)


class ComputationGraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` that draws itself without the system Graphviz too.

    Everything graphviz offers works with graphviz's own arguments: ``source`` (the DOT
    text), ``save()`` (writes the DOT text to a ``.gv`` file), ``render()``, ``view()``,
    ``pipe()``, and inline display in Jupyter. With the ``dot`` program on ``PATH`` these
    run it as graphviz does (any format); without it, SVG comes from the in-process
    renderer. ``draw_graph`` sets ``format="svg"``, so ``graph.render("loss")`` writes
    ``loss.svg`` either way. ``save_image(path)`` writes a picture file like
    ``viz.render`` (tidied SVG, PNG or PDF).

    Attributes set by ``draw_graph``: ``node_count`` (nodes drawn), ``total_nodes``
    (nodes in the full graph) and ``collapsed`` (labels of the collapsed modules).

    >>> import tempfile, pathlib, tinygrad_edu as tg
    >>> from tinygrad_edu import viz
    >>> w = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
    >>> graph = viz.draw_graph((w * w).sum())
    >>> isinstance(graph, graphviz.Digraph), graph.node_count, graph.collapsed
    (True, 5, ())
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pathlib.Path(graph.render(outfile=folder / "square.svg")).name
    'square.svg'
    >>> graph.pipe(encoding="utf-8").count("<svg")
    1
    """

    node_count: int = 0
    total_nodes: int = 0
    collapsed: tuple[str, ...] = ()

    # ------------------------------------------------------------------ our own additions
    def save_image(self, path: Any, format: Any = None, backend: str = "auto") -> Any:
        """Write the picture to ``path`` with ``viz.render`` and return the written path (or paths).

        Unlike graphviz's ``save()``, which writes the DOT text, this writes SVG, PNG or
        PDF (the format from ``format=`` or the file's ending, else SVG).

        >>> import tempfile, pathlib, tinygrad_edu as tg
        >>> from tinygrad_edu import viz
        >>> a = tg.Tensor(2.0, requires_grad=True, name="a")
        >>> viz.draw_graph(a * a).save_image(pathlib.Path(tempfile.mkdtemp()) / "square").name
        'square.svg'
        """
        return render(self, path, format=format, backend=backend)

    def to_svg(self, backend: str = "auto") -> str:
        """The picture as tidied SVG text (see ``viz.to_svg``), cached until the graph changes."""
        cached = getattr(self, "_svg_cache", None)
        if cached is not None and cached[0] == (self.source, backend):
            return cached[1]
        svg = to_svg(self, backend)
        self._svg_cache = ((self.source, backend), svg)
        return svg

    # ------------------------------------------------------------------ graphviz's renderer hooks
    def _render(self, engine: str, format: str | None = None, filepath: Any = None, *,
                renderer: str | None = None, formatter: str | None = None, neato_no_op: Any = None,
                quiet: bool = False, outfile: Any = None, raise_if_result_exists: bool = False,
                overwrite_filepath: bool = False) -> str:
        """graphviz's file renderer (behind ``render()`` and ``view()``), with an in-process fallback."""
        if system_dot_found():
            return graphviz.render(engine, format, filepath, renderer=renderer, formatter=formatter,
                                   neato_no_op=neato_no_op, quiet=quiet, outfile=outfile,
                                   raise_if_result_exists=raise_if_result_exists,
                                   overwrite_filepath=overwrite_filepath)
        # The same checks and file names as graphviz.render(), then the in-process layout.
        if raise_if_result_exists and overwrite_filepath:
            raise ValueError("overwrite_filepath cannot be combined with raise_if_result_exists")
        filepath = None if filepath is None else pathlib.Path(filepath)
        if outfile is not None:
            outfile = pathlib.Path(outfile)
            format = graphviz_rendering.get_format(outfile, format=format)
            filepath = filepath or graphviz_rendering.get_filepath(outfile)
            if not overwrite_filepath and outfile.resolve() == filepath.resolve():
                raise ValueError(f"outfile {outfile.name!r} must be different from input file {filepath.name!r}"
                                 " (pass overwrite_filepath=True to override)")
        elif filepath is None or format is None:
            raise graphviz.RequiredArgumentError("filepath and format are required if outfile is not given")
        else:
            outfile = graphviz_rendering.get_outfile(filepath, format=format, renderer=renderer, formatter=formatter)
        if raise_if_result_exists and outfile.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(outfile)!r}")
        image = _in_process(filepath.read_text(encoding=self.encoding), engine, format, renderer, formatter)
        outfile.write_bytes(image)
        return os.fspath(outfile)

    def _pipe_lines(self, engine: str, format: str, input_lines: Iterator[str], *, input_encoding: str,
                    renderer: str | None = None, formatter: str | None = None, neato_no_op: Any = None,
                    quiet: bool = False) -> bytes:
        """graphviz's byte renderer (behind ``pipe()``), with an in-process fallback."""
        if system_dot_found():
            return graphviz.pipe_lines(engine, format, input_lines, input_encoding=input_encoding,
                                       renderer=renderer, formatter=formatter, neato_no_op=neato_no_op, quiet=quiet)
        return _in_process("".join(input_lines), engine, format, renderer, formatter)

    def _pipe_lines_string(self, engine: str, format: str, input_lines: Iterator[str], *, encoding: str,
                           renderer: str | None = None, formatter: str | None = None, neato_no_op: Any = None,
                           quiet: bool = False) -> str:
        """graphviz's text renderer (behind ``pipe(encoding=...)``), with an in-process fallback."""
        if system_dot_found():
            return graphviz.pipe_lines_string(engine, format, input_lines, encoding=encoding, renderer=renderer,
                                              formatter=formatter, neato_no_op=neato_no_op, quiet=quiet)
        return _in_process("".join(input_lines), engine, format, renderer, formatter).decode(encoding)

    # ------------------------------------------------------------------ Jupyter
    def _repr_image_svg_xml(self) -> str:
        """graphviz's SVG display hook: tidied SVG that scales to the notebook's width, from either renderer."""
        return self.to_svg()

    def _repr_mimebundle_(self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None,
                          **_: Any) -> dict:
        """graphviz's display hook, with its arguments; it never raises, so a notebook cell never fails.

        By default it returns SVG and a one-line text; ``include``/``exclude`` pick among
        graphviz's image types (``image/svg+xml``, ``image/png``, ``image/jpeg``) and
        ``text/plain``. An image that cannot be made here is replaced by ``text/plain``:
        the DOT text and what to install.
        """
        try:
            wanted = set(_DISPLAY_MIMETYPES if include is None else include) - set(exclude or ())
        except TypeError:  # a nonsense argument must not break the display
            wanted = set(_DISPLAY_MIMETYPES)
        bundle: dict[str, Any] = {}
        problems = []
        for mimetype, method_name in MIME_TYPES.items():
            if mimetype in wanted:
                try:
                    bundle[mimetype] = getattr(self, method_name)()
                except Exception as error:
                    problems.append(f"{mimetype}: {error}")
        if problems:
            hint = "" if any(INSTALL_HINT in problem for problem in problems) else f"\n// to see it, {INSTALL_HINT}"
            bundle["text/plain"] = f"{self.source}\n// cannot draw this graph here: {'; '.join(problems)}{hint}"
        elif "text/plain" in wanted:
            bundle["text/plain"] = f"<ComputationGraph: {self.node_count} nodes>"
        return bundle
