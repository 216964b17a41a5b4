"""A Sphinx extension that draws computation graphs while the docs are built.

Course notes can show the graph of the code they print, always in step with the
library, with no hand-drawn figures. Add the extension in ``conf.py``::

    extensions = ["myst_parser", "tinygrad_edu.sphinxext"]

and write, in a MyST page::

    ```{tinygrad-graph}
    :root: loss
    :rankdir: TB

    import tinygrad_edu as tg
    x = tg.Tensor(3.0, requires_grad=True, name="x")
    loss = (x * x).relu()
    ```

(or ``.. tinygrad-graph::`` in reStructuredText). The code runs at build time; the
graph of the tensor named by ``:root:`` (several names separated by commas or
spaces give several roots) is drawn with :func:`tinygrad_edu.viz.draw_graph`,
rendered to SVG with :func:`tinygrad_edu.viz.render` (system Graphviz when
installed, the in-process WebAssembly renderer otherwise) and embedded as a figure.

Options:

- every keyword option of ``draw_graph``, spelled with dashes: ``:max-nodes: 60``,
  ``:rankdir: TB``, ...
- ``:caption:`` a caption under the graph; ``:alt:`` the image's alternative text;
  ``:width:`` its display width (``80%``, ``400px``); ``:name:`` a label to refer to it.
- ``:hide-code:`` draw the graph without showing the code (and what it printed, which
  is otherwise shown under it).
- ``:reset:`` start from an empty namespace. Otherwise the blocks of one page share
  their variables in order, so a page can build an expression, draw it, then call
  ``backward()`` in the next block and draw it again with its gradients.

Each page's namespace starts with ``tinygrad_edu.manual_seed(tinygrad_graph_seed)``
(config value, default 0), so random tensors draw the same graph on every build.
SVG files are written under ``tinygrad_graph_output_dir`` (default
``_generated/tinygrad_graph``, relative to the source folder: ignore it in git).
A block that raises, or a root name the code does not define, is a build error.

Sphinx is needed only to build docs: this package imports it (through ``.directive``) when
Sphinx calls ``setup``, so ``import tinygrad_edu.sphinxext`` works without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .svg import with_intrinsic_size

if TYPE_CHECKING:  # for the annotations only: Sphinx is imported when the extension is loaded
    from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``tinygrad-graph`` directive and its config values (Sphinx calls this)."""
    import tinygrad_edu

    from .directive import OWN_OPTIONS, TinygradGraphDirective, draw_graph_options

    app.add_config_value("tinygrad_graph_output_dir", "_generated/tinygrad_graph", "env", types=[str])
    app.add_config_value("tinygrad_graph_seed", 0, "env", types=[int])
    graph_options = draw_graph_options()
    spec = {option: parser for option, (_, parser) in graph_options.items()}
    spec.update(OWN_OPTIONS)
    # A subclass per build, whose option_spec lists draw_graph's options as they are today.
    directive = type(
        "TinygradGraphDirective",
        (TinygradGraphDirective,),
        {"graph_options": graph_options, "option_spec": spec},
    )
    app.add_directive("tinygrad-graph", directive)
    return {"version": tinygrad_edu.__version__, "parallel_read_safe": True, "parallel_write_safe": True}


_FROM_DIRECTIVE = ("TinygradGraphDirective", "draw_graph_options")


def __getattr__(name: str) -> Any:
    # ``sphinxext.TinygradGraphDirective`` and ``sphinxext.draw_graph_options`` load Sphinx on first use.
    if name in _FROM_DIRECTIVE:
        from . import directive

        return getattr(directive, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_FROM_DIRECTIVE])  # so autodoc and tab completion see the lazy names


__all__ = ["TinygradGraphDirective", "draw_graph_options", "setup", "with_intrinsic_size"]
