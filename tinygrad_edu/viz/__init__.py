"""Pictures of what the engine computed: computation graphs, and plots for the lessons.

- ``draw_graph(*roots, ...)``: the computation graph behind some tensors, as a
  ``graphviz.Digraph`` that notebooks display inline.
- ``render(graph, path, format="svg")``: write it to a file, with the system Graphviz
  when installed and an in-process WebAssembly renderer otherwise.
- ``graph_summary(*roots)``: the same graph as text.
- ``viz.plots``: matplotlib figures for the lessons (matplotlib loads only when a plot is made).

>>> import tinygrad_edu as tg
>>> from tinygrad_edu import viz
>>> w = tg.Tensor([1.0, -1.0], requires_grad=True, name="w")
>>> loss = (w * w).sum()
>>> print(viz.graph_summary(loss, show_data=False))
computation graph: 3 values, 2 ops, 0 modules
  %0 = parameter w  (2,) float64  grad not computed yet
  %1 = Mul(%0, %0)  (2,) float64  grad not computed yet
  %2 = Sum(%1)  () float64  grad not computed yet  <- root
"""

from . import plots  # noqa: F401  (lesson plots; imports matplotlib only inside its functions)
from .digraph import ComputationGraph
from .graph import draw_graph, relu_activity
from .render import RendererNotFoundError, RenderError, available_backends, render, tidy_svg, to_svg
from .text import graph_summary

__all__ = [
    "ComputationGraph", "RenderError", "RendererNotFoundError", "available_backends", "draw_graph",
    "graph_summary", "plots", "relu_activity", "render", "tidy_svg", "to_svg",
]
