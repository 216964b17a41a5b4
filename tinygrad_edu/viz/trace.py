"""Read the computation graph behind some tensors into plain data that a drawing can use.

``trace(*roots)`` walks back from the roots through ``tensor.grad_fn`` and
``ctx.inputs`` (the same structure ``backward()`` walks) and returns a ``TracedGraph``:

- a ``ValueNode`` per tensor (and per constant array or Python number an op was given),
- an ``OpNode`` per graph node (``Context``),
- one ``Edge`` per operand (``a + a`` gives two edges from ``a``) and one from each op to its output,
- a ``ModuleCall`` per module seen in ``ctx.module_scope`` (recorded by ``nn``'s node hook),
  nested like the modules, with its dotted path in the outermost module (as ``named_modules()``).

Nodes are listed inputs first and get ids from that order (``v0``, ``op0``, ...), never
from ``id()``, so the same computation always gives the same drawing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..tensor import Tensor
from .labels import module_label


@dataclass(eq=False)
class ModuleCall:
    """A module that ran while the graph was recorded; drawn as a cluster."""

    id: str
    module: Any
    parent: ModuleCall | None
    depth: int  # 1 for a module called from outside any module
    label: str
    path: str | None  # dotted name in the outermost module ("" for that module itself)
    children: list[ModuleCall] = field(default_factory=list)

    def ancestors(self) -> list[ModuleCall]:
        """This call and the calls around it, innermost first."""
        chain, call = [], self
        while call is not None:
            chain.append(call)
            call = call.parent
        return chain


@dataclass(eq=False)
class ValueNode:
    """A tensor (or a constant array given to an op)."""

    id: str
    array: np.ndarray
    tensor: Tensor | None
    role: str  # "parameter", "input", "output" or "intermediate"
    name: str | None
    producer: OpNode | None = None
    module: ModuleCall | None = None
    consumers: list[OpNode] = field(default_factory=list)

    @property
    def grad(self) -> np.ndarray | None:
        """The gradient stored on the tensor (``.grad``), or None."""
        return None if self.tensor is None else self.tensor._grad

    @property
    def requires_grad(self) -> bool:
        return self.tensor is not None and self.tensor.requires_grad


@dataclass(eq=False)
class OpNode:
    """One op application (a ``Context``)."""

    id: str
    ctx: Any
    family: str
    module: ModuleCall | None
    inputs: list[ValueNode] = field(default_factory=list)
    outputs: list[ValueNode] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.ctx.name


@dataclass(eq=False)
class Edge:
    """An arrow; ``value`` is the tensor it carries (whose gradient flows back along it)."""

    source: str
    target: str
    value: ValueNode
    position: int | None = None  # which operand of the target op (0, 1, ...); None for an op's output


@dataclass
class TracedGraph:
    """The whole graph; ``nodes`` lists values and ops together, inputs first (traversal order)."""

    values: list[ValueNode]
    ops: list[OpNode]
    edges: list[Edge]
    modules: list[ModuleCall]
    roots: list[ValueNode]
    nodes: list[ValueNode | OpNode]

    def released(self) -> bool:
        """True when a backward() without retain_graph freed this graph's saved values."""
        return any(getattr(op.ctx, "_released", False) for op in self.ops)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a drawing is built.

    A large graph means hundreds of thousands of new node objects, and each burst of
    allocations makes the collector walk every live tensor again: on a 100,000-node
    graph that is more than half the time. Nothing built here is garbage until the
    drawing is done, so pausing loses nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_roots(roots: tuple) -> list[Tensor]:
    if not roots:
        raise TypeError("draw the graph of at least one Tensor: draw_graph(loss)")
    for position, root in enumerate(roots):
        if not isinstance(root, Tensor):
            raise TypeError(f"graph roots must be Tensors, argument {position} is {type(root).__name__}")
    return list(roots)


class _ScalarConstant:
    """A Python number an op was given (``x * 2.0`` keeps the 2.0 as a float), drawn as a constant."""

    __slots__ = ("array",)

    def __init__(self, value: float, ctx: Any) -> None:
        like = next((x for x in ctx.inputs if isinstance(x, Tensor)), None)
        # Shown in the dtype NumPy computed with: a Python scalar takes the tensor's dtype.
        self.array = np.asarray(value, dtype=like.dtype if like is not None else None)


def _children(item: Any, constants: dict[tuple[int, int], _ScalarConstant]) -> list:
    """What a node points back to: a tensor its producing op, an op its operands.

    A Python float among an op's inputs becomes one ``_ScalarConstant`` per operand
    position (kept in ``constants``), so ``x * 2.0`` draws the 2.0 like a constant tensor.
    """
    if isinstance(item, Tensor):
        return [item.grad_fn] if item.grad_fn is not None else []
    if isinstance(item, (np.ndarray, _ScalarConstant)):
        return []
    children = []
    for position, x in enumerate(item.inputs):
        if isinstance(x, (Tensor, np.ndarray)):
            children.append(x)
        elif type(x) is float:
            key = (id(item), position)
            if key not in constants:
                constants[key] = _ScalarConstant(x, item)
            children.append(constants[key])
    return children


def _postorder(roots: list[Tensor], constants: dict[tuple[int, int], _ScalarConstant]) -> list[Any]:
    """Tensors, arrays and Contexts reachable from the roots, each after everything it depends on.

    Iterative (no recursion limit) and ordered by the operands' positions.
    """
    seen: set[int] = set()
    order: list[Any] = []
    for root in roots:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack: list[tuple[Any, list, int]] = [(root, _children(root, constants), 0)]
        while stack:
            item, children, position = stack.pop()
            while position < len(children):
                child = children[position]
                position += 1
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((item, children, position))
                    stack.append((child, _children(child, constants), 0))
                    break
            else:
                order.append(item)
    return order


class _ModuleCalls:
    """Turns ``ctx.module_scope`` tuples into nested ``ModuleCall`` objects.

    Calls are told apart by the chain of module objects, so a module called twice
    in one graph shows as one cluster. Paths and parameter names are those of the
    outermost module's ``named_modules()``/``named_parameters()``, computed here, at
    drawing time, so they follow the model the drawing shows (a block reused inside a
    bigger model is named from the bigger model).
    """

    def __init__(self) -> None:
        self.by_key: dict[tuple[int, ...], ModuleCall] = {}
        self.calls: list[ModuleCall] = []
        self.paths: dict[int, str] = {}
        self.parameter_names: dict[int, str] = {}
        self.outermost: set[int] = set()

    def lookup(self, scope: tuple) -> ModuleCall | None:
        if not scope:
            return None
        key = tuple(id(module) for module in scope)
        call = self.by_key.get(key)
        if call is None:
            self._learn_names(scope[0])
            module = scope[-1]
            path = self.paths.get(id(module), getattr(module, "_path", None))
            parent = self.lookup(scope[:-1])
            call = ModuleCall(f"m{len(self.calls)}", module, parent, len(scope), module_label(module, path), path)
            self.by_key[key] = call
            self.calls.append(call)
            if parent is not None:
                parent.children.append(call)
        return call

    def _learn_names(self, root: Any) -> None:
        """The dotted names of ``root``'s submodules and parameters (once per outermost module)."""
        if id(root) in self.outermost or not hasattr(root, "named_modules"):
            return
        self.outermost.add(id(root))
        for path, module in root.named_modules():
            self.paths.setdefault(id(module), path)
        for name, param in root.named_parameters():
            self.parameter_names.setdefault(id(param), name)


def _innermost_common(calls: list[ModuleCall | None]) -> ModuleCall | None:
    """The deepest module call that contains all of ``calls`` (None if one is outside every module)."""
    if not calls or any(call is None for call in calls):
        return None
    common = calls[0].ancestors()  # type: ignore[union-attr]
    for call in calls[1:]:
        chain = set(map(id, call.ancestors()))  # type: ignore[union-attr]
        common = [c for c in common if id(c) in chain]
    return common[0] if common else None


def _role(item: Any, is_root: bool) -> str:
    if isinstance(item, (np.ndarray, _ScalarConstant)):
        return "input"
    if item.grad_fn is not None:
        return "output" if is_root else "intermediate"
    return "parameter" if item.requires_grad else "input"


def _default_name(item: Any, role: str) -> str | None:
    if isinstance(item, Tensor) and item.name is not None:
        return item.name
    if isinstance(item, (np.ndarray, _ScalarConstant)):
        return "constant"
    if role == "input" and item._data.size == 1:
        return "constant"
    return None


def trace(*roots: Tensor) -> TracedGraph:
    """The graph reachable from ``roots`` as plain data (see the module docstring).

    >>> import tinygrad_edu as tg
    >>> a = tg.Tensor(2.0, requires_grad=True, name="a")
    >>> g = trace(a + a)
    >>> [v.name or v.role for v in g.values], [op.name for op in g.ops], len(g.edges)
    (['a', 'output'], ['Add'], 3)
    """
    root_list = _check_roots(roots)
    root_ids = {id(root) for root in root_list}
    calls = _ModuleCalls()
    values: dict[int, ValueNode] = {}
    ops: dict[int, OpNode] = {}
    edges: list[Edge] = []
    order: list[ValueNode | OpNode] = []

    constants: dict[tuple[int, int], _ScalarConstant] = {}
    for item in _postorder(root_list, constants):
        if isinstance(item, (Tensor, np.ndarray, _ScalarConstant)):
            role = _role(item, id(item) in root_ids)
            array = item._data if isinstance(item, Tensor) else item.array if isinstance(item, _ScalarConstant) else item
            tensor = item if isinstance(item, Tensor) else None
            node = ValueNode(f"v{len(values)}", array, tensor, role, _default_name(item, role))
            values[id(item)] = node
            if tensor is not None and tensor.grad_fn is not None:
                producer = ops[id(tensor.grad_fn)]
                node.producer, node.module = producer, producer.module
                producer.outputs.append(node)
                edges.append(Edge(producer.id, node.id, node))
            order.append(node)
        else:
            op = OpNode(f"op{len(ops)}", item, item.function.family, calls.lookup(getattr(item, "module_scope", ())))
            for position, operand in enumerate(_children(item, constants)):
                value = values[id(operand)]
                op.inputs.append(value)
                value.consumers.append(op)
                edges.append(Edge(value.id, op.id, value, position))
            ops[id(item)] = op
            order.append(op)

    for value in values.values():
        if value.name is None and value.role == "parameter":  # named as in the model's named_parameters()
            value.name = calls.parameter_names.get(id(value.tensor))
        if value.producer is None and value.consumers and (value.role == "parameter" or value.name == "constant"):
            # Trainable leaves and small constants live in the module that uses them;
            # data inputs stay outside, where they enter the model.
            value.module = _innermost_common([op.module for op in value.consumers])

    unnamed_roots = [values[id(r)] for r in root_list if values[id(r)].name is None and values[id(r)].role == "output"]
    for index, value in enumerate(unnamed_roots):
        value.name = "output" if len(unnamed_roots) == 1 else f"output {index}"

    distinct_roots = list({id(r): values[id(r)] for r in root_list}.values())
    return TracedGraph(list(values.values()), list(ops.values()), edges, calls.calls, distinct_roots, order)


def flow_gradients(graph: TracedGraph) -> dict[str, np.ndarray]:
    """Gradients of the roots with respect to every value that needs one, keyed by node id.

    While the graph is intact (before backward(), or after backward(retain_graph=True))
    they are computed here with ``grad()``, which leaves every ``.grad`` untouched.
    After a plain backward() the saved values are gone; then only the stored
    gradients (leaves, and tensors that called ``retain_grad()``) are known.
    """
    from ..autograd import grad

    wanted = [v for v in graph.values if v.requires_grad]
    roots = [v.tensor for v in graph.roots if v.requires_grad and v.array.size == 1]
    if roots and wanted and not graph.released():
        try:
            grads = grad(roots, [v.tensor for v in wanted], retain_graph=True, allow_unused=True)
        except RuntimeError:  # e.g. a custom op whose backward cannot run again
            grads = None
        if grads is not None:
            return {v.id: np.asarray(g._data) for v, g in zip(wanted, grads) if g is not None}
    return {v.id: v.grad for v in wanted if v.grad is not None}
