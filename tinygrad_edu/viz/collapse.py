"""Make a traced graph small enough to read: collapse modules, and cut what still does not fit.

A collapsed module call becomes one ``Summary`` node (its input and output shapes,
parameter count and gradient norm) in place of everything computed inside it.
``simplify`` collapses the deepest modules first, a whole level at a time so that
layers of one kind look alike, until at most ``max_nodes`` nodes remain. A graph
without modules (or one that is still too large) keeps the nodes nearest the roots
and shows one "… N more nodes" node for the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .labels import shape_text
from .trace import Edge, ModuleCall, OpNode, TracedGraph, ValueNode

ModuleSpec = str | type


@dataclass(eq=False)
class Summary:
    """A collapsed module call, drawn as one node."""

    id: str
    call: ModuleCall
    inputs: list[ValueNode] = field(default_factory=list)
    outputs: list[ValueNode] = field(default_factory=list)
    parameters: list[ValueNode] = field(default_factory=list)
    ops: list[OpNode] = field(default_factory=list)
    node_count: int = 0

    @property
    def parameter_count(self) -> int:
        return int(sum(p.array.size for p in self.parameters))

    def grad_norm(self) -> float | None:
        """The norm of all parameter gradients inside, or None when none has been computed."""
        grads = [p.grad for p in self.parameters if p.grad is not None]
        if not grads:
            return None
        return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads)))

    def shapes(self, values: list[ValueNode]) -> str:
        return ", ".join(shape_text(v.array.shape) for v in values) or "none"


@dataclass(eq=False)
class Hidden:
    """Stands for the nodes cut off when even collapsing every module was not enough."""

    id: str
    count: int


Node = ValueNode | OpNode | Summary | Hidden


@dataclass
class VisibleGraph:
    """What gets drawn: nodes in drawing order, edges, and the cluster each node sits in."""

    nodes: list[Node]
    edges: list[Edge]
    cluster: dict[str, ModuleCall | None]
    collapsed: list[ModuleCall]
    total_nodes: int


def _matches(call: ModuleCall, spec: ModuleSpec) -> bool:
    if isinstance(spec, type):
        return isinstance(call.module, spec)
    return call.path == spec or type(call.module).__name__ == spec


def _resolve(graph: TracedGraph, specs: Iterable[ModuleSpec] | ModuleSpec | None, option: str) -> set[int]:
    """ids of the module calls named by ``collapse=``/``expand=`` (paths, class names or classes)."""
    if specs is None:
        return set()
    if isinstance(specs, (str, type)):
        specs = [specs]
    elif not hasattr(specs, "__iter__"):
        raise TypeError(f"{option}= takes module paths, class names or classes (or a list of them), got {specs!r}")
    chosen: set[int] = set()
    for spec in specs:
        if not isinstance(spec, (str, type)):
            raise TypeError(f"{option}= takes module paths, class names or classes, got {type(spec).__name__}")
        hits = [call for call in graph.modules if _matches(call, spec)]
        if not hits:
            known = sorted({repr(c.path) for c in graph.modules if c.path is not None}) or ["(no modules in this graph)"]
            raise ValueError(f"{option}={spec!r} matches no module in this graph; module paths here: {', '.join(known)}")
        chosen.update(id(call) for call in hits)
    return chosen


def _sizes(graph: TracedGraph) -> dict[int, int]:
    """Number of nodes inside each module call (its own and its submodules')."""
    sizes = {id(call): 0 for call in graph.modules}
    for node in [*graph.values, *graph.ops]:
        if node.module is not None:
            for call in node.module.ancestors():
                sizes[id(call)] += 1
    return sizes


def _choose_collapsed(graph: TracedGraph, max_nodes: int | None, collapse: set[int], expand: set[int]) -> set[int]:
    """The module calls to collapse: those asked for, then the deepest levels until it fits."""
    sizes = _sizes(graph)
    by_id = {id(call): call for call in graph.modules}
    protected = set()  # an expanded module and everything around it must stay open
    for call in graph.modules:
        if id(call) in expand:
            protected.update(id(c) for c in call.ancestors())

    def outermost(chosen: set[int]) -> set[int]:
        """Drop calls inside other chosen calls: the outer summary already stands for them."""
        return {c for c in chosen if not any(id(a) in chosen for a in by_id[c].ancestors()[1:])}

    collapsed = set(collapse)  # asked for explicitly: collapsed even when the graph is small
    total = len(graph.values) + len(graph.ops)
    while True:
        collapsed = outermost(collapsed)
        count = total - sum(sizes[c] - 1 for c in collapsed)
        if max_nodes is None or count <= max_nodes:
            return collapsed
        candidates = [
            call for call in graph.modules
            if id(call) not in protected and not any(id(a) in collapsed for a in call.ancestors())
        ]
        if not candidates:
            return collapsed
        deepest = max(call.depth for call in candidates)
        collapsed |= {id(call) for call in candidates if call.depth == deepest}


def _truncate(nodes: list[Node], edges: list[Edge], roots: list[str], keep: int) -> tuple[list[Node], list[Edge]]:
    """Keep the ``keep`` nodes nearest the roots (breadth first against the arrows)."""
    sources: dict[str, list[str]] = {}
    for edge in edges:
        sources.setdefault(edge.target, []).append(edge.source)
    kept: set[str] = set()
    frontier = list(dict.fromkeys(roots))
    while frontier and len(kept) < keep:
        next_frontier = []
        for node_id in frontier:
            if node_id in kept or len(kept) >= keep:
                continue
            kept.add(node_id)
            next_frontier.extend(sources.get(node_id, []))
        frontier = next_frontier
    hidden = Hidden("hidden", len(nodes) - len(kept))
    new_edges, cut_into = [], []
    for edge in edges:
        if edge.source in kept and edge.target in kept:
            new_edges.append(edge)
        elif edge.target in kept and edge.target not in cut_into:
            cut_into.append(edge.target)
            new_edges.append(Edge(hidden.id, edge.target, edge.value, edge.position))
    return [hidden, *[n for n in nodes if n.id in kept]], new_edges


def simplify(
    graph: TracedGraph,
    max_nodes: int | None = 400,
    collapse: Iterable[ModuleSpec] | ModuleSpec | None = None,
    expand: Iterable[ModuleSpec] | ModuleSpec | None = None,
) -> VisibleGraph:
    """Collapse modules (and as a last resort cut nodes) until at most ``max_nodes`` remain.

    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.viz.trace import trace
    >>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
    >>> y = x
    >>> for _ in range(10):
    ...     y = y * 2
    >>> visible = simplify(trace(y.sum()), max_nodes=8)
    >>> len(visible.nodes), visible.total_nodes, visible.nodes[0].count
    (8, 33, 26)
    """
    if max_nodes is not None:
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, (int, np.integer)) or max_nodes < 2:
            raise ValueError(f"max_nodes must be an integer >= 2 or None, got {max_nodes!r}")
        max_nodes = int(max_nodes)
    by_id = {id(call): call for call in graph.modules}
    collapsed_ids = _choose_collapsed(
        graph, max_nodes, _resolve(graph, collapse, "collapse"), _resolve(graph, expand, "expand")
    )
    summaries = {cid: Summary(f"s{by_id[cid].id}", by_id[cid]) for cid in collapsed_ids}

    def summary_of(node: ValueNode | OpNode) -> Summary | None:
        if node.module is None:
            return None
        for call in reversed(node.module.ancestors()):  # outermost first
            if id(call) in summaries:
                return summaries[id(call)]
        return None

    representative: dict[str, str] = {}
    nodes: list[Node] = []
    placed: set[str] = set()
    cluster: dict[str, ModuleCall | None] = {}
    for node in graph.nodes:
        summary = summary_of(node)
        if summary is None:
            representative[node.id] = node.id
            nodes.append(node)
            cluster[node.id] = node.module
            continue
        representative[node.id] = summary.id
        summary.node_count += 1
        if isinstance(node, ValueNode) and node.role == "parameter":
            summary.parameters.append(node)
        elif isinstance(node, OpNode):
            summary.ops.append(node)
        if summary.id not in placed:
            placed.add(summary.id)
            nodes.append(summary)
            cluster[summary.id] = summary.call.parent

    edges: list[Edge] = []
    seen_pairs: set[tuple[str, str, str]] = set()
    summary_by_node_id = {s.id: s for s in summaries.values()}
    for edge in graph.edges:
        source, target = representative[edge.source], representative[edge.target]
        if source == target:
            continue
        if target in summary_by_node_id:
            inputs = summary_by_node_id[target].inputs
            if edge.value not in inputs:
                inputs.append(edge.value)
        if source in summary_by_node_id:
            outputs = summary_by_node_id[source].outputs
            if edge.value not in outputs:
                outputs.append(edge.value)
        # One arrow per operand into an op (a + a shows two); into a summary one per tensor.
        if target in summary_by_node_id:
            if (source, target, edge.value.id) in seen_pairs:
                continue
            seen_pairs.add((source, target, edge.value.id))
        edges.append(Edge(source, target, edge.value, edge.position))
    for value in graph.roots:
        summary = summary_by_node_id.get(representative[value.id])
        if summary is not None and value not in summary.outputs:
            summary.outputs.append(value)

    if max_nodes is not None and len(nodes) > max_nodes:
        nodes, edges = _truncate(nodes, edges, [representative[v.id] for v in graph.roots], max_nodes - 1)
        cluster["hidden"] = None
    collapsed = [call for call in graph.modules if id(call) in summaries]  # in drawing order
    return VisibleGraph(nodes, edges, cluster, collapsed, len(graph.values) + len(graph.ops))

