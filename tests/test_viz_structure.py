"""The drawn graph's structure: which nodes and arrows it has, what they say, and what is marked.

The DOT text of a drawing is parsed back into nodes (id -> attributes) and arrows
(tail, head, attributes), and compared with what the computation was. These tests pin the
meaning of the picture: one arrow per operand, one arrow per tensor into a collapsed
module, a ReLU marked dead only when one of its units is inactive on every input.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import viz
from tinygrad_edu.nn.module import _module_calls
from tinygrad_edu.viz import labels

_ATTRIBUTE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')
_STATEMENT = re.compile(r"^\s*(\w+)(?: -> (\w+))?(?: \[(.*)\])?\s*$")


def parse(graph) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict[str, str]]]]:
    """(nodes, edges) of a drawing's DOT text; legend entries are left out."""
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, dict[str, str]]] = []
    for line in graph.source.splitlines():
        match = _STATEMENT.match(line)
        if match is None or match.group(1) in ("node", "edge", "graph") or match.group(1).startswith("legend"):
            continue
        text = match.group(3) or ""
        attrs = {key: value[1:-1] if value.startswith('"') else value for key, value in _ATTRIBUTE.findall(text)}
        if match.group(2) is None:
            nodes[match.group(1)] = attrs
        else:
            edges.append((match.group(1), match.group(2), attrs))
    return nodes, edges


def fields(attrs: dict[str, str]) -> list[str]:
    """The fields of a record label ("a|b|c" -> ["a", "b", "c"]), unescaped."""
    label = attrs["label"].strip("{}")
    return [field.replace("\\", "") for field in re.split(r"(?<!\\)\|", label)]


def title(attrs: dict[str, str]) -> str:
    return fields(attrs)[0] if attrs.get("shape") in ("record", "Mrecord") else attrs["label"]


def named_edges(graph) -> list[tuple[str, str, str | None]]:
    """Arrows as (tail title, head title, operand number or None), in drawing order."""
    nodes, edges = parse(graph)
    return [(title(nodes[a]), title(nodes[b]), attrs.get("headlabel")) for a, b, attrs in edges]


# ---------------------------------------------------------------------- nodes and arrows
def test_every_value_op_and_operand_of_a_small_expression():
    x = tg.Tensor([[1.0, -2.0]], name="x")
    w = tg.Tensor([[0.5], [1.5]], requires_grad=True, name="w")
    b = tg.Tensor([0.25], requires_grad=True, name="b")
    h = x @ w
    h.name = "h"
    z = h - b
    z.name = "z"
    loss = (z.relu() * z).sum()
    loss.name = "loss"
    graph = viz.draw_graph(loss, legend=False)
    nodes, edges = parse(graph)
    assert sorted(title(a) for a in nodes.values()) == sorted(
        ["x", "w", "MatMul", "h", "b", "Sub", "z", "ReLU", "(1, 1) float64", "Mul", "(1, 1) float64", "Sum", "loss"]
    )
    assert sorted(named_edges(graph), key=str) == sorted([
        ("x", "MatMul", "1"), ("w", "MatMul", "2"), ("MatMul", "h", None),
        ("h", "Sub", "1"), ("b", "Sub", "2"), ("Sub", "z", None),
        ("z", "ReLU", None), ("ReLU", "(1, 1) float64", None),
        ("(1, 1) float64", "Mul", None), ("z", "Mul", None), ("Mul", "(1, 1) float64", None),
        ("(1, 1) float64", "Sum", None), ("Sum", "loss", None),
    ], key=str)
    roles = {title(attrs): attrs.get("fillcolor") for attrs in nodes.values() if attrs.get("shape") == "record"}
    assert roles["w"] == roles["b"] == labels.ROLE_COLOURS["parameter"]
    assert roles["x"] == labels.ROLE_COLOURS["input"] and roles["loss"] == labels.ROLE_COLOURS["output"]
    assert fields(nodes["v0"]) == ["x", "(1, 2) float64", "data [1, -2]"]


# ---------------------------------------------------------------------- dead ReLU units
def relu_drawing(pre_activation: np.ndarray):
    x = tg.Tensor(pre_activation, requires_grad=True, name="pre")
    loss = x.relu().sum()
    loss.name = "loss"
    graph = viz.draw_graph(loss, grad_flow=True)
    nodes, _ = parse(graph)
    relu = next(attrs for attrs in nodes.values() if title(attrs) == "ReLU")
    return graph, relu


def test_a_relu_is_marked_dead_only_for_a_unit_inactive_on_every_input():
    # 4 samples, 3 units: unit 0 never fires, unit 1 fires on some samples, unit 2 on all.
    pre = np.array([[-1.0, -1.0, 1.0], [-2.0, 1.0, 2.0], [-1.0, -3.0, 1.0], [-0.5, 2.0, 3.0]])
    graph, relu = relu_drawing(pre)
    assert fields(relu) == ["ReLU", "inactive 50%", "dead units 1 of 3"]
    assert relu["fillcolor"] == labels.DEAD_UNIT_COLOUR
    assert "ReLU with dead units" in graph.source  # the legend explains the red


def test_a_relu_whose_units_each_fire_somewhere_is_not_marked_dead():
    # Every unit is inactive on some samples (half of all entries), but each fires at least once.
    pre = np.array([[-1.0, -1.0, 1.0], [2.0, 1.0, -2.0], [-1.0, -3.0, 1.0], [0.5, 2.0, -3.0]])
    graph, relu = relu_drawing(pre)
    assert fields(relu) == ["ReLU", "inactive 50%", "dead units 0 of 3"]
    assert relu["fillcolor"] == labels.FAMILY_COLOURS["activation"]
    assert "ReLU with dead units" not in graph.source


class Block:
    """A module (by nn.Module's protocol for the visualizer) that uses its input three times."""

    _path = "block"

    def __init__(self) -> None:
        self.scale = tg.Tensor([2.0, 3.0], requires_grad=True, name="block.scale")

    def __call__(self, x):
        token = _module_calls.set(_module_calls.get() + (self,))
        try:
            return (x * self.scale + x).relu() - x
        finally:
            _module_calls.reset(token)


def test_a_collapsed_module_gets_one_arrow_per_tensor_that_enters_it():
    x = tg.Tensor([[1.0, -1.0], [0.5, -3.0]], name="x")  # data: drawn outside the module
    y = Block()(x)
    loss = (y * y).sum()  # the module's output is used twice outside: two operands, two arrows
    graph = viz.draw_graph(loss, collapse="block", grad_flow=True, legend=False)
    nodes, edges = parse(graph)
    summary = next(key for key, attrs in nodes.items() if attrs["label"].startswith("block"))
    into = [(a, b) for a, b, _ in edges if b == summary]
    assert into == [("v0", summary)]  # x enters once, though three ops inside use it
    out_of = [(a, b) for a, b, _ in edges if a == summary]
    assert len(out_of) == 2 and len(set(out_of)) == 1
    assert fields(nodes[summary])[:3] == ["block: Block", "(2, 2) → (2, 2)", "2 parameters"]
    # Unit (column) 1 never fires: x·scale + x = 4x is -4 and -12; unit 0 (3x: 3 and 1.5) fires on both rows.
    assert "dead ReLU units 1" in fields(nodes[summary])
    assert len(nodes) == 6  # x, the summary, then Mul, its output, Sum and the loss outside


def test_dead_units_in_a_collapsed_module_are_counted_over_the_batch():
    x = tg.Tensor([[1.0, -1.0], [0.5, -3.0]], name="x")
    block = Block()
    block.scale = tg.Tensor([2.0, -9.0], requires_grad=True, name="block.scale")  # unit 1: -8x = 8 and 24
    loss = block(x).sum()
    nodes, _ = parse(viz.draw_graph(loss, collapse="block", grad_flow=True, legend=False))
    summary = next(attrs for attrs in nodes.values() if attrs["label"].startswith("block"))
    assert "dead ReLU units" not in summary["label"]


# ---------------------------------------------------------------------- the gradient view after backward
def test_grad_flow_after_a_plain_backward_warns_once_and_says_what_to_do():
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    loss = ((a * 3).tanh() * 2).sum()
    loss.backward()
    with pytest.warns(UserWarning, match=r"retain_graph=True") as record:
        viz.draw_graph(loss, grad_flow=True)
    assert len(record) == 1
    assert "before backward()" in str(record[0].message)
    assert record[0].filename == __file__  # points at the caller's line


def test_no_warning_when_the_gradient_view_can_show_everything():
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    loss = (a * 3).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        viz.draw_graph(loss, grad_flow=True)  # before backward
        loss.backward(retain_graph=True)
        viz.draw_graph(loss, grad_flow=True)  # graph kept
        other = (a * 2).sum()
        other.backward()
        viz.draw_graph(other)  # not the gradient view: "not kept" is the plain truth there


# ---------------------------------------------------------------------- legibility
def contrast_on_white(colour: str) -> float:
    """WCAG contrast ratio of a #rrggbb colour against white."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_gradient_arrows_are_readable_on_white():
    a = tg.Tensor(np.linspace(0.01, 1, 6), requires_grad=True, name="a")
    loss = (((a * 1e-3).tanh() * 10).exp() * 0.5).sum()
    _, edges = parse(viz.draw_graph(loss, grad_flow=True))
    used = {attrs["color"] for _, _, attrs in edges if "color" in attrs}
    assert len(used) >= 3  # several magnitudes, several colours
    for colour in used | set(labels.GRAD_COLOURS) | {labels.ZERO_GRAD_COLOUR}:
        assert contrast_on_white(colour) >= 4.5, colour


def _box(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = zip(*points)
    return min(xs), min(ys), max(xs), max(ys)


def _overlap(first: tuple, second: tuple) -> bool:
    return first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and second[1] < first[3]


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_operand_numbers_are_not_under_the_arrowheads(rankdir):
    x = tg.Tensor([[1.0, 2.0]], name="x")
    w = tg.Tensor([[0.5], [-1.0]], requires_grad=True, name="w")
    b = tg.Tensor([0.1], requires_grad=True, name="b")
    svg = viz.to_svg(viz.draw_graph(((x @ w - b) / 2.0).sum(), legend=False, rankdir=rankdir), backend="wasm")
    checked = 0
    for edge in re.findall(r'<g id="edge\d+" class="edge">(.*?)</g>', svg, flags=re.DOTALL):
        number = re.search(r'<text[^>]*x="([-\d.]+)" y="([-\d.]+)"[^>]*font-size="([\d.]+)"[^>]*>(\d)</text>', edge)
        if number is None:
            continue
        x_text, y_text, size = (float(v) for v in number.groups()[:3])
        text_box = (x_text - 0.35 * size, y_text - 0.75 * size, x_text + 0.35 * size, y_text)
        head = re.search(r'<polygon[^>]*points="([^"]+)"', edge).group(1)
        head_box = _box([tuple(map(float, p.split(","))) for p in head.split()])
        assert not _overlap(text_box, head_box), (number.group(4), text_box, head_box)
        checked += 1
    assert checked == 6  # MatMul, Sub and Div: two numbered operands each
