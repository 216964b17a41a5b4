"""``draw_graph``: a picture of the computation graph behind some tensors.

The picture is a Graphviz description (DOT), built with the ``graphviz`` package, which
needs no program to build it. Drawing it needs a renderer: see ``render.py``.

- Value nodes (records) show a tensor's name, shape and dtype, a summary of its data,
  and its gradient once one exists. They are coloured by role: parameter, input, output.
- Op nodes show the op, coloured by family (arithmetic, activation, reduction, shape, matmul).
- One arrow per operand: ``a + a`` has two arrows from ``a``. Operands whose order
  matters (``a - b``, ``x @ w``) are numbered at the arrow head.
- Modules are clusters; too large a graph collapses its deepest modules (see ``collapse.py``).
- ``grad_flow=True`` draws arrows by gradient size and marks ReLUs that do not fire.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import graphviz
import numpy as np

from . import labels
from .collapse import Hidden, ModuleSpec, Summary, VisibleGraph, simplify
from .digraph import ComputationGraph
from .trace import ModuleCall, OpNode, TracedGraph, ValueNode, flow_gradients, gc_paused, trace

RANKDIRS = ("LR", "RL", "TB", "BT")
# Ops whose operands can be swapped freely; the arrows into any other op are numbered.


def _as_roots(roots: tuple) -> tuple:
    """Accept ``draw_graph(a, b)`` and ``draw_graph([a, b])`` alike."""
    if len(roots) == 1 and isinstance(roots[0], (list, tuple)):
        return tuple(roots[0])
    return roots


class _Builder:
    """Writes one VisibleGraph as DOT statements."""

    def __init__(self, graph: TracedGraph, visible: VisibleGraph, rankdir: str, show_data: bool,
                 show_grad: bool, flows: dict[str, np.ndarray] | None) -> None:
        self.graph, self.visible = graph, visible
        self.vertical_records = rankdir in ("LR", "RL")
        self.show_data, self.show_grad, self.flows = show_data, show_grad, flows
        self.backward_seen = graph.released() or any(
            v.grad is not None for v in graph.values if v.producer is None and v.requires_grad
        )
        self.used_roles: set[str] = set()
        self.used_families: set[str] = set()
        self.dead_relus = False

    # ------------------------------------------------------------------ labels
    def record(self, fields: list[str]) -> str:
        return graphviz.nohtml(labels.record_label([labels.record_field(f) for f in fields], self.vertical_records))

    def grad_line(self, value: ValueNode) -> str | None:
        if not self.show_grad or not value.requires_grad:
            return None
        if value.grad is not None:
            return "grad " + labels.grad_summary(value.grad)
        if self.flows is not None and value.id in self.flows:
            return "grad (flow) " + labels.grad_summary(self.flows[value.id])
        if value.producer is not None and self.backward_seen:
            return "grad: not kept (non-leaf)"
        return "grad: not computed yet"

    def value_attrs(self, value: ValueNode) -> dict[str, str]:
        title = value.name or {"parameter": "leaf", "input": "input"}.get(value.role)
        fields = [title] if title else []
        shape = labels.shape_text(value.array.shape) if value.array.ndim else "scalar"
        fields.append(f"{shape} {value.array.dtype}")
        if self.show_data:
            fields.append("data " + labels.array_summary(value.array))
        grad = self.grad_line(value)
        if grad:
            fields.append(grad)
        self.used_roles.add(value.role)
        return {"label": self.record(fields), "shape": "record", "style": "filled",
                "fillcolor": labels.ROLE_COLOURS[value.role]}

    def op_attrs(self, op: OpNode) -> dict[str, str]:
        self.used_families.add(op.family)
        attrs = {"label": graphviz.nohtml(labels.dot_text(op.name)), "shape": "box", "style": "rounded,filled",
                 "fillcolor": labels.FAMILY_COLOURS[op.family]}
        if self.flows is not None and op.ctx.function.dead_when_zero and op.outputs:
            stats = relu_activity(op.outputs[0].array)
            fields = [op.name, f"inactive {stats[0]:.0%}"]
            if stats[2]:
                fields.append(f"dead units {stats[1]} of {stats[2]}")
            attrs.update(label=self.record(fields), shape="Mrecord")
            if stats[1]:
                self.dead_relus = True
                attrs.update(fillcolor=labels.DEAD_UNIT_COLOUR, color="#b00000", penwidth="2")
        return attrs

    def summary_attrs(self, summary: Summary) -> dict[str, str]:
        fields = [summary.call.label, f"{summary.shapes(summary.inputs)} → {summary.shapes(summary.outputs)}"]
        if summary.parameters:
            fields.append(f"{summary.parameter_count:,} parameters")
            norm = summary.grad_norm()
            if self.show_grad:
                fields.append("grad: not computed yet" if norm is None else f"grad norm {labels.fmt(norm)}")
        dead = 0
        if self.flows is not None:
            dead = sum(relu_activity(op.outputs[0].array)[1] for op in summary.ops if op.ctx.function.dead_when_zero and op.outputs)
            if dead:
                fields.append(f"dead ReLU units {dead}")
                self.dead_relus = True
        self.used_roles.add("collapsed")
        attrs = {"label": self.record(fields), "shape": "record", "style": "filled,bold",
                 "fillcolor": labels.COLLAPSED_COLOUR,
                 "tooltip": f"{summary.node_count} nodes collapsed (draw_graph(..., expand=...) opens it)"}
        if dead:  # dead units stand out even inside a collapsed module
            attrs.update(fillcolor=labels.DEAD_UNIT_COLOUR, color="#b00000", penwidth="2")
        return attrs

    def node_attrs(self, node: Any) -> dict[str, str]:
        if isinstance(node, ValueNode):
            return self.value_attrs(node)
        if isinstance(node, OpNode):
            return self.op_attrs(node)
        if isinstance(node, Summary):
            return self.summary_attrs(node)
        assert isinstance(node, Hidden)
        return {"label": graphviz.nohtml(f"… {node.count:,} more nodes (raise max_nodes to see them)"),
                "shape": "note", "style": "filled", "fillcolor": "#f5f5f5"}

    # ------------------------------------------------------------------ edges
    def edge_attrs(self) -> list[tuple[str, str, dict[str, str]]]:
        levels = _magnitude_levels(self.flows) if self.flows is not None else {}
        ops_by_id = {op.id: op for op in self.graph.ops}
        edges = []
        for edge in self.visible.edges:
            attrs: dict[str, str] = {}
            op = ops_by_id.get(edge.target)
            if op is not None and edge.position is not None and len(op.inputs) > 1 and not op.ctx.function.commutative:
                # Beside the arrow, up and back from its head: the default spot is under the arrowhead.
                attrs.update(headlabel=str(edge.position + 1), labelfontsize="9", labeldistance="1.8",
                             labelangle="-35", labelfontcolor="#333333")
            level = levels.get(edge.value.id)
            if level == "zero":
                attrs.update(style="dashed", color=labels.ZERO_GRAD_COLOUR, tooltip="zero gradient")
            elif isinstance(level, tuple):
                attrs.update(penwidth=f"{0.8 + 3.2 * level[0]:.2f}", color=labels.grad_colour(level[0]),
                             tooltip=f"gradient rms {labels.fmt(level[1])}")
            edges.append((edge.source, edge.target, attrs))
        return edges

    # ------------------------------------------------------------------ assembly
    def fill(self, dot: graphviz.Digraph) -> None:
        by_cluster: dict[str | None, list[Any]] = {}
        for node in self.visible.nodes:
            call = self.visible.cluster.get(node.id)
            by_cluster.setdefault(None if call is None else call.id, []).append(node)
        occupied = _occupied_calls(self.graph.modules, by_cluster)
        for node in by_cluster.get(None, []):
            dot.node(node.id, **self.node_attrs(node))
        for call in self.graph.modules:
            if call.parent is None and call.id in occupied:
                dot.subgraph(self.cluster(call, by_cluster, occupied))
        for source, target, attrs in self.edge_attrs():
            dot.edge(source, target, **attrs)

    def cluster(self, call: ModuleCall, by_cluster: dict, occupied: set[str]) -> graphviz.Digraph:
        sub = graphviz.Digraph(name=f"cluster_{call.id}")
        sub.attr(label=graphviz.nohtml(labels.dot_text(call.label, 80)), style="rounded,dashed", color="#8c8c8c", fontsize="10")
        for node in by_cluster.get(call.id, []):
            sub.node(node.id, **self.node_attrs(node))
        for child in call.children:
            if child.id in occupied:
                sub.subgraph(self.cluster(child, by_cluster, occupied))
        return sub

    def legend(self, dot: graphviz.Digraph, grad_flow: bool) -> None:
        entries: list[tuple[str, dict[str, str]]] = []
        role_names = {"parameter": "parameter", "input": "input / constant", "output": "output (root)"}
        for role, text in role_names.items():
            if role in self.used_roles:
                entries.append((text, {"shape": "record", "style": "filled", "fillcolor": labels.ROLE_COLOURS[role]}))
        if "collapsed" in self.used_roles:
            entries.append(("collapsed module", {"shape": "record", "style": "filled,bold",
                                                 "fillcolor": labels.COLLAPSED_COLOUR}))
        for family, colour in labels.FAMILY_COLOURS.items():
            if family in self.used_families:
                entries.append((f"{family} op", {"shape": "box", "style": "rounded,filled", "fillcolor": colour}))
        if grad_flow and self.dead_relus:
            entries.append(("ReLU with dead units", {"shape": "Mrecord", "style": "filled",
                                                     "fillcolor": labels.DEAD_UNIT_COLOUR, "color": "#b00000"}))
        if not entries:
            return
        sub = graphviz.Digraph(name="cluster_legend")
        sub.attr(label="legend", style="rounded", color="#bdbdbd", fontsize="10")
        if grad_flow:
            entries.append(("arrows: thicker, warmer = larger gradient; dashed = zero", {"shape": "plaintext"}))
        for index, (text, attrs) in enumerate(entries):
            sub.node(f"legend{index}", label=graphviz.nohtml(text), fontsize="9", **attrs)
        # Invisible arrows chain the entries along the rank direction: a row beside a
        # left-to-right drawing, a column beside a top-to-bottom one (the narrow side).
        for index in range(len(entries) - 1):
            sub.edge(f"legend{index}", f"legend{index + 1}", style="invis")
        dot.subgraph(sub)


def relu_activity(output: np.ndarray) -> tuple[float, int, int]:
    """``(inactive fraction, dead units, units)`` of a ReLU's output.

    A unit is one position of the non-batch axes (axis 0 is the batch); it is dead
    when it is zero for every sample. A 0-d or 1-d output has no batch axis, so no
    units are counted.

    >>> relu_activity(np.array([[0.0, 1.0], [0.0, 0.0]]))
    (0.75, 1, 2)
    """
    output = np.asarray(output)
    if output.size == 0:
        return 0.0, 0, 0
    inactive = output <= 0
    if output.ndim < 2:
        return float(inactive.mean()), 0, 0
    dead = inactive.all(axis=0)
    return float(inactive.mean()), int(dead.sum()), int(dead.size)


def _magnitude_levels(flows: dict[str, np.ndarray]) -> dict[str, Any]:
    """Per value: "zero", or (level in [0, 1] on a log scale across the graph, rms)."""
    rms = {key: float(np.sqrt(np.mean(np.square(g, dtype=np.float64)))) if g.size else 0.0 for key, g in flows.items()}
    finite = [r for r in rms.values() if r > 0 and np.isfinite(r)]
    if not finite:
        return {key: "zero" for key, r in rms.items() if r == 0}
    low, high = np.log10(min(finite)), np.log10(max(finite))
    span = high - low
    levels: dict[str, Any] = {}
    for key, r in rms.items():
        if r == 0:
            levels[key] = "zero"
        elif np.isfinite(r):
            levels[key] = ((np.log10(r) - low) / span if span > 0 else 1.0, r)
        else:
            levels[key] = (1.0, r)
    return levels


def _occupied_calls(calls: list[ModuleCall], by_cluster: dict) -> set[str]:
    """Module calls with something visible inside (themselves or a submodule); only these get a cluster."""
    occupied: set[str] = set()
    for call in calls:
        if by_cluster.get(call.id):
            occupied.update(c.id for c in call.ancestors())
    return occupied


def draw_graph(
    *roots: Any,
    max_nodes: int | None = 400,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_data: bool = True,
    collapse: Iterable[ModuleSpec] | ModuleSpec | None = None,
    expand: Iterable[ModuleSpec] | ModuleSpec | None = None,
    grad_flow: bool = False,
    legend: bool = True,
    title: str | None = None,
) -> ComputationGraph:
    """Draw the computation graph that produced ``roots`` (one or more Tensors).

    Only the roots are needed: parameter names and module clusters come from what
    tensors recorded when the modules ran. Options:

    - ``max_nodes``: above this many nodes the deepest modules collapse into one
      summary node each, level by level, until the graph fits (None: never).
    - ``rankdir``: ``"LR"`` (inputs on the left), ``"TB"``, ``"RL"`` or ``"BT"``.
    - ``show_grad`` / ``show_data``: the gradient and data lines of value nodes.
    - ``collapse`` / ``expand``: module paths (``"layers.0"``), class names
      (``"Linear"``) or classes to always collapse / never collapse.
    - ``grad_flow``: arrows by gradient size (dashed where it is zero), ReLU nodes
      with their inactive fraction and dead units.
    - ``legend``, ``title``: the colour key and a caption.

    >>> import tinygrad_edu as tg
    >>> a = tg.Tensor(2.0, requires_grad=True, name="a")
    >>> g = draw_graph(a + a)
    >>> g.node_count, g.source.count("v0 -> op0")
    (3, 2)
    """
    roots = _as_roots(roots)
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    with gc_paused():
        return _draw(roots, max_nodes, rankdir, show_grad, show_data, collapse, expand, grad_flow, legend, title)


def _draw(roots: tuple, max_nodes: int | None, rankdir: str, show_grad: bool, show_data: bool,
          collapse: Any, expand: Any, grad_flow: bool, legend: bool, title: str | None) -> ComputationGraph:
    traced = trace(*roots)
    if grad_flow and traced.released():
        warnings.warn(
            "draw_graph(..., grad_flow=True) after backward(): backward() freed this graph's saved values, so "
            "only the gradients stored on leaves (and on tensors that called retain_grad()) can be shown; the "
            "other values read 'grad: not kept (non-leaf)'. Draw the graph before backward(), or call "
            "loss.backward(retain_graph=True).", UserWarning, stacklevel=3,
        )
    visible = simplify(traced, max_nodes=max_nodes, collapse=collapse, expand=expand)
    flows = flow_gradients(traced) if grad_flow else None
    builder = _Builder(traced, visible, rankdir, show_data, show_grad, flows)

    dot = ComputationGraph(name="computation_graph", format="svg")  # SVG: drawable without the system Graphviz
    dot.attr(rankdir=rankdir, fontname="Helvetica", fontsize="11", nodesep="0.2", ranksep="0.3", labelloc="t")
    dot.attr("node", fontname="Helvetica", fontsize="10", margin="0.06,0.03", height="0.3")
    dot.attr("edge", arrowsize="0.6", color="#555555", fontname="Helvetica")
    builder.fill(dot)
    if legend:
        builder.legend(dot, grad_flow)
    caption = [labels.dot_text(title, 120)] if title else []
    shown = sum(not isinstance(node, Hidden) for node in visible.nodes)
    if shown < visible.total_nodes:
        caption.append(f"{shown} of {visible.total_nodes} nodes shown"
                       + (f", {len(visible.collapsed)} modules collapsed" if visible.collapsed else "")
                       + " (max_nodes / expand= to see more)")
    if caption:
        dot.attr(label=graphviz.nohtml(" · ".join(caption)))
    dot.node_count = len(visible.nodes)
    dot.total_nodes = visible.total_nodes
    dot.collapsed = tuple(call.label for call in visible.collapsed)
    return dot
