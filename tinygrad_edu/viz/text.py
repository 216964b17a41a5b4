"""``graph_summary``: the computation graph as text, for terminals, logs and tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import labels
from .trace import TracedGraph, ValueNode, gc_paused, trace


def _value_line(value: ValueNode, names: dict[str, str], graph: TracedGraph, show_data: bool, show_grad: bool,
                backward_seen: bool) -> str:
    shape = f"{labels.shape_text(value.array.shape)} {value.array.dtype}"
    if value.producer is None:
        kind = "constant" if value.name == "constant" else value.role
        title = labels.clean_text(value.name) if value.name and value.name != "constant" else ""
        head = f"{names[value.id]} = {kind}" + (f" {title}" if title else "")
    else:
        args = ", ".join(names[v.id] for v in value.producer.inputs)
        head = f"{names[value.id]} = {value.producer.name}({args})"
        if value.tensor is not None and value.tensor.name:
            head += f"  # {labels.clean_text(value.tensor.name)}"
    parts = [head, shape]
    if show_data:
        parts.append("data " + labels.array_summary(value.array))
    if show_grad and value.requires_grad:
        if value.grad is not None:
            parts.append("grad " + labels.grad_summary(value.grad))
        elif value.producer is not None and backward_seen:
            parts.append("grad not kept")
        else:
            parts.append("grad not computed yet")
    module = value.producer.module if value.producer is not None else value.module
    if module is not None:
        parts.append(f"[{module.label}]")
    if value.role == "output":
        parts.append("<- root")
    return "  ".join(parts)


def graph_summary(*roots: Any, show_data: bool = True, show_grad: bool = True, max_lines: int | None = None) -> str:
    """The graph behind ``roots`` as text: one line per tensor, inputs first.

    Each line reads like code: ``%3 = MatMul(%0, %2)``, then the shape and dtype, a
    data summary, the gradient (or "grad not computed yet" before ``backward()``)
    and, in brackets, the module whose call computed it. The header counts values,
    ops and modules. ``max_lines`` keeps the lines nearest the roots.

    >>> import tinygrad_edu as tg
    >>> a = tg.Tensor(3.0, requires_grad=True, name="a")
    >>> print(graph_summary(a * a + 1, show_data=False))
    computation graph: 4 values, 2 ops, 0 modules
      %0 = parameter a  () float64  grad not computed yet
      %1 = Mul(%0, %0)  () float64  grad not computed yet
      %2 = constant  () float64
      %3 = Add(%1, %2)  () float64  grad not computed yet  <- root
    """
    if len(roots) == 1 and isinstance(roots[0], (list, tuple)):
        roots = tuple(roots[0])
    if max_lines is not None:
        if isinstance(max_lines, bool) or not isinstance(max_lines, (int, np.integer)) or max_lines < 1:
            raise ValueError(f"max_lines must be a positive integer or None, got {max_lines!r}")
        max_lines = int(max_lines)
    with gc_paused():
        return _summary(trace(*roots), show_data, show_grad, max_lines)


def _summary(graph: TracedGraph, show_data: bool, show_grad: bool, max_lines: int | None) -> str:
    backward_seen = graph.released() or any(
        v.grad is not None for v in graph.values if v.producer is None and v.requires_grad
    )
    values = [node for node in graph.nodes if isinstance(node, ValueNode)]
    names = {value.id: f"%{index}" for index, value in enumerate(values)}
    hidden = 0
    if max_lines is not None and len(values) > max_lines:
        hidden = len(values) - max_lines
        values = values[hidden:]  # only the lines shown are formatted (huge graphs stay fast)
    lines = [_value_line(value, names, graph, show_data, show_grad, backward_seen) for value in values]
    if hidden:
        lines.insert(0, f"... {hidden} earlier lines not shown (max_lines={max_lines})")
    header = f"computation graph: {len(graph.values)} values, {len(graph.ops)} ops, {len(graph.modules)} modules"
    return "\n".join([header, *("  " + line for line in lines)])
