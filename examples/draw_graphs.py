"""Draw computation graphs: what backward() walks, from one neuron to a 20-layer network.

Four pictures, each an SVG file:

1. ``neuron_before_backward.svg`` and ``neuron_after_backward.svg``: micrograd's classic
   neuron o = tanh(x1·w1 + x2·w2 + b), every value named. Before ``backward()`` each value
   says "grad: not computed yet"; afterwards the leaves and the values that called
   ``retain_grad()`` show their gradients (do/dw1 = x1·(1 − o²), ...).
2. ``mlp_gradients.svg``: the loss of a 2-layer MLP (``nn.MLP(1, [16], 1)``) with the
   gradient view: arrows as thick as the gradient they carry, dashed where it is zero,
   and the ReLU marked with the share of its outputs that are zero.
3. ``mlp_collapsed.svg``: the same network with every layer collapsed into one node
   (input and output shapes, parameter count, gradient norm).
4. ``deep_mlp_collapsed.svg``: a 20-layer MLP. Its full graph has over 100 nodes; with
   ``max_nodes=60`` the layers collapse on their own and the picture stays readable.

No system Graphviz is needed: without ``dot`` the SVGs come from the WebAssembly build
of Graphviz that runs inside Python.

Run: ``python examples/draw_graphs.py [--out DIR] [--seed S]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, viz


def neuron() -> tuple[tg.Tensor, list[tg.Tensor]]:
    """micrograd's example neuron; returns the output and the intermediate values."""
    x1 = tg.Tensor(2.0, name="x1")
    x2 = tg.Tensor(0.0, name="x2")
    w1 = tg.Tensor(-3.0, requires_grad=True, name="w1")
    w2 = tg.Tensor(1.0, requires_grad=True, name="w2")
    b = tg.Tensor(6.8813735870195432, requires_grad=True, name="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    for tensor, name in [(x1w1, "x1·w1"), (x2w2, "x2·w2"), (x1w1x2w2, "x1·w1 + x2·w2"), (n, "n"), (o, "o")]:
        tensor.name = name
    return o, [x1w1, x2w2, x1w1x2w2, n]


def mlp_loss(hidden: list[int], seed: int) -> tuple[nn.Module, tg.Tensor]:
    """An MLP fitting sin(3x) on 32 points, and its mean squared error."""
    rng = np.random.default_rng(seed)
    model = nn.MLP(1, hidden, 1, rng=rng)
    x = np.linspace(-1, 1, 32).reshape(-1, 1)
    inputs, targets = tg.Tensor(x, name="x"), tg.Tensor(np.sin(3 * x), name="y")
    loss = nn.functional.mse_loss(model(inputs), targets)
    loss.name = "loss"
    return model, loss


def save(graph: viz.ComputationGraph, path: Path) -> Path:
    """Write the SVG; without any renderer, write the DOT text and say how to get one."""
    try:
        return viz.render(graph, path)
    except viz.RendererNotFoundError as error:
        dot_path = path.with_suffix(".dot")
        dot_path.write_text(graph.source, encoding="utf-8")
        print(f"  {error}\n  wrote the Graphviz source to {dot_path} instead")
        return dot_path


def main(argv: list[str] | None = None) -> dict[str, Path]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="examples/out", help="folder for the SVG files (default examples/out)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the MLPs' initial weights")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}

    # 1. One neuron, before and after backward().
    o, intermediates = neuron()
    written["neuron_before"] = save(viz.draw_graph(o, title="o = tanh(x1·w1 + x2·w2 + b) before backward()"),
                                    out / "neuron_before_backward.svg")
    for tensor in intermediates + [o]:
        tensor.retain_grad()  # non-leaf gradients are freed unless asked for, as in PyTorch
    o.backward()
    written["neuron_after"] = save(viz.draw_graph(o, title="after o.backward()"), out / "neuron_after_backward.svg")
    print("1. micrograd's neuron after backward():")
    print(viz.graph_summary(o))

    # 2. A 2-layer MLP's loss, gradient view. retain_graph keeps the graph intact, so the
    #    visualizer can also measure the gradient reaching every intermediate value.
    model, loss = mlp_loss([16], args.seed)
    loss.backward(retain_graph=True)
    graph = viz.draw_graph(loss, grad_flow=True, rankdir="TB", title="2-layer MLP, gradient view")
    written["mlp_gradients"] = save(graph, out / "mlp_gradients.svg")
    print(f"\n2. 2-layer MLP: {graph.node_count} nodes, loss {loss.item():.4f}")

    # 3. The same network, one node per layer.
    graph = viz.draw_graph(loss, collapse=["Linear", "ReLU"], title="2-layer MLP, layers collapsed")
    written["mlp_collapsed"] = save(graph, out / "mlp_collapsed.svg")
    print(f"3. collapsed: {graph.node_count} nodes ({', '.join(graph.collapsed)})")

    # 4. A 20-layer MLP: too big to read node by node, so its layers collapse by themselves.
    deep, deep_loss = mlp_loss([16] * 19, args.seed)
    deep_loss.backward()
    graph = viz.draw_graph(deep_loss, max_nodes=60, rankdir="TB", title="20-layer MLP (max_nodes=60)")
    written["deep_mlp_collapsed"] = save(graph, out / "deep_mlp_collapsed.svg")
    print(f"4. 20-layer MLP: {graph.total_nodes} nodes in the full graph, {graph.node_count} drawn "
          f"({len(graph.collapsed)} modules collapsed)")

    print("\nwrote " + ", ".join(str(path) for path in written.values()))
    return written


if __name__ == "__main__":
    main()
