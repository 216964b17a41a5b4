"""The ``tinygrad-graph`` directive: its options, and the steps from a code block to an embedded SVG.

Imported by ``tinygrad_edu.sphinxext.setup`` when Sphinx loads the extension: this module needs
Sphinx (and docutils), the rest of ``tinygrad_edu`` does not.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from .svg import find_svg, with_intrinsic_size

NAMESPACE_KEY = "tinygrad_graph_namespace"
COUNTER_KEY = "tinygrad_graph_counter"

# Options that belong to the directive itself, not to draw_graph.
OWN_OPTIONS: dict[str, Callable[[str], Any]] = {
    "root": directives.unchanged_required,
    "caption": directives.unchanged,
    "alt": directives.unchanged,
    "width": directives.length_or_percentage_or_unitless,
    "name": directives.unchanged,
    "hide-code": directives.flag,
    "reset": directives.flag,
}


def _converter_for(default: Any, annotation: Any = None) -> Callable[[str], Any]:
    """An option parser that reads the option text as the type of draw_graph's default.

    ``none`` gives None where a number is expected; options whose default is None take
    one word, or a comma-separated list where draw_graph takes several
    (``:collapse: Linear, ReLU``).
    """
    if isinstance(default, bool):
        return _parse_bool
    if isinstance(default, (int, float)):
        number = directives.nonnegative_int if isinstance(default, int) else float
        return lambda text: None if (text or "").strip().lower() == "none" else number(text)
    if default is None and any(word in str(annotation) for word in ("Iterable", "Sequence", "list")):
        return _parse_words
    if default is None:
        return lambda text: None if (text or "").strip().lower() == "none" else (text or "").strip()
    return directives.unchanged


def _parse_bool(text: str | None) -> bool:
    value = (text or "true").strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _parse_words(text: str | None) -> Any:
    words = [word.strip() for word in (text or "").split(",") if word.strip()]
    if not words or words == ["none"]:
        return None
    return words[0] if len(words) == 1 else words


def draw_graph_options() -> dict[str, tuple[str, Callable[[str], Any]]]:
    """draw_graph's keyword options: ``{"max-nodes": ("max_nodes", parser), ...}``."""
    from tinygrad_edu import viz

    options = {}
    for parameter in inspect.signature(viz.draw_graph).parameters.values():
        if parameter.kind in (parameter.KEYWORD_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            options[parameter.name.replace("_", "-")] = (parameter.name, _converter_for(parameter.default, parameter.annotation))
    return options


class TinygradGraphDirective(SphinxDirective):
    """``tinygrad-graph``: run the block's code, embed the graph of ``:root:`` as SVG."""

    has_content = True
    required_arguments = 0
    optional_arguments = 0
    graph_options: dict[str, tuple[str, Callable[[str], Any]]] = {}
    option_spec: dict[str, Callable[[str], Any]] = dict(OWN_OPTIONS)

    def run(self) -> list[nodes.Node]:
        if "root" not in self.options:
            raise self.error("tinygrad-graph: give the tensor to draw with ':root: NAME'")
        code = "\n".join(self.content)
        namespace = self._namespace()
        printed = self._execute(code, namespace)
        roots = self._roots(namespace)
        svg_path = self._render(roots)

        result: list[nodes.Node] = []
        if "hide-code" not in self.options:
            code_block = nodes.literal_block(code, code, language="python")
            self.set_source_info(code_block)
            result.append(code_block)
            if printed:
                output = nodes.literal_block(printed, printed, language="none", classes=["tinygrad-graph-output"])
                self.set_source_info(output)
                result.append(output)
        result.append(self._figure(svg_path, roots))
        return result

    # ---------------------------------------------------------------- steps
    def _namespace(self) -> dict[str, Any]:
        """The page's shared namespace (a new one on ``:reset:`` or the page's first block)."""
        import tinygrad_edu as tg

        temp = self.env.temp_data
        if "reset" in self.options or NAMESPACE_KEY not in temp:
            tg.manual_seed(self.config.tinygrad_graph_seed)
            temp[NAMESPACE_KEY] = {"__name__": f"tinygrad_graph:{self.env.docname}"}
        return temp[NAMESPACE_KEY]

    def _execute(self, code: str, namespace: dict[str, Any]) -> str:
        """Run the block in the page's namespace; what it printed."""
        import tinygrad_edu as tg

        # A page's code must not change the build's global state for the next page.
        saved_dtype, saved_grad_mode = tg.get_default_dtype(), tg.is_grad_enabled()
        source_name = f"<tinygrad-graph {self.env.docname}:{self.lineno}>"
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(code, source_name, "exec"), namespace)
        except Exception as error:
            lines = traceback.format_exception(type(error), error, error.__traceback__)
            # Keep only the frames of the block itself: the rest is this extension.
            block_lines = [line for line in lines if source_name in line or not line.startswith("  File")]
            raise self.error("tinygrad-graph: the code raised an exception:\n" + "".join(block_lines)) from None
        finally:
            tg.set_default_dtype(saved_dtype)
            tg.set_grad_enabled(saved_grad_mode)
        return printed.getvalue()

    def _roots(self, namespace: dict[str, Any]) -> list[Any]:
        from tinygrad_edu import Tensor

        names = [name for name in re.split(r"[,\s]+", self.options["root"]) if name]
        roots = []
        for name in names:
            if name not in namespace:
                tensors = sorted(key for key, value in namespace.items() if isinstance(value, Tensor))
                raise self.error(
                    f"tinygrad-graph: the code defines no variable {name!r} to draw "
                    f"(tensors it defines: {', '.join(tensors) or 'none'})"
                )
            value = namespace[name]
            if not isinstance(value, Tensor):
                raise self.error(f"tinygrad-graph: {name!r} is a {type(value).__name__}, not a Tensor")
            roots.append(value)
        return roots

    def _graph_kwargs(self) -> dict[str, Any]:
        return {
            keyword: self.options[option]
            for option, (keyword, _) in self.graph_options.items()
            if option in self.options and option not in OWN_OPTIONS
        }

    def _render(self, roots: list[Any]) -> Path:
        """Draw and render the graph; the SVG's path inside the source folder."""
        from tinygrad_edu import viz

        counter = self.env.temp_data.get(COUNTER_KEY, 0) + 1
        self.env.temp_data[COUNTER_KEY] = counter
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", self.env.docname)
        output_dir = Path(self.env.srcdir) / self.config.tinygrad_graph_output_dir
        output_dir.mkdir(parents=True, exist_ok=True)
        target = output_dir / f"{slug}-{counter}.svg"
        try:
            graph = viz.draw_graph(*roots, **self._graph_kwargs())
            written = viz.render(graph, target)
        except (TypeError, ValueError, RuntimeError) as error:
            raise self.error(f"tinygrad-graph: drawing the graph failed: {error}") from None
        svg = find_svg(written, target)
        if svg is None:
            raise self.error(f"tinygrad-graph: the renderer wrote no SVG file at {target}")
        svg.write_text(with_intrinsic_size(svg.read_text(encoding="utf-8")), encoding="utf-8")
        return svg

    def _figure(self, svg_path: Path, roots: list[Any]) -> nodes.figure:
        relative = svg_path.relative_to(Path(self.env.srcdir)).as_posix()
        names = ", ".join(root.name or self.options["root"] for root in roots)
        image = nodes.image(uri="/" + relative, alt=self.options.get("alt", f"computation graph of {names}"))
        if "width" in self.options:
            image["width"] = self.options["width"]
        figure = nodes.figure("", image, classes=["tinygrad-graph"])
        if self.options.get("caption"):
            parsed, _ = self.parse_inline(self.options["caption"], lineno=self.lineno)
            figure += nodes.caption(self.options["caption"], "", *parsed)
        self.add_name(figure)
        self.set_source_info(figure)
        return figure
