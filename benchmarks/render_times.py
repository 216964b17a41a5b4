"""How long it takes to draw and render computation graphs of a given size, per backend.

    python benchmarks/render_times.py                  # 300- and 2,000-node graphs (the second: system dot only)
    python benchmarks/render_times.py --sizes 300 900 --repeats 5

The graphs are MLP losses (``nn.MLP`` with as many layers as the size needs), drawn
with ``max_nodes=None`` so nothing collapses. For each backend found here
(the system ``dot`` and the in-process WebAssembly renderer) it reports the first
render in this process (for WebAssembly that includes compiling the module) and
the best and the median of the following renders (on a busy machine the best is the
fairer number); ``draw`` is building the DOT text.
"""

from __future__ import annotations

import argparse
import statistics
import time

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.viz.render import available_backends, render_source


def loss_graph(target_nodes: int) -> tuple[object, int]:
    """An MLP loss whose graph has about ``target_nodes`` nodes (found by sizing one layer)."""
    base = _mlp_loss(0)[1]
    per_layer = max(1, _mlp_loss(1)[1] - base)  # nodes added by one more Linear + activation
    return _mlp_loss(max(0, round((target_nodes - base) / per_layer)))


def _mlp_loss(hidden_layers: int) -> tuple[object, int]:
    tg.manual_seed(0)
    model = nn.MLP(4, [16] * hidden_layers, 1)
    loss = nn.functional.mse_loss(model(tg.randn(32, 4)), tg.randn(32, 1))
    loss.backward(retain_graph=True)
    return loss, viz.draw_graph(loss, max_nodes=None).node_count


def timed(function, *args, **kwargs) -> tuple[float, object]:
    """Seconds taken by one call, and what it returned."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 2000], help="approximate node counts")
    parser.add_argument("--repeats", type=int, default=3, help="warm renders per size and backend")
    args = parser.parse_args()

    backends = available_backends()
    print(f"backends found: {', '.join(backends) or 'none'}")
    print(f"{'nodes':>6} {'draw (s)':>9} {'backend':>8} {'first (s)':>10} {'warm best (s)':>14} {'warm median (s)':>16} "
          f"{'svg kB':>7}")
    for size in args.sizes:
        loss, nodes = loss_graph(size)
        draw_time, graph = timed(viz.draw_graph, loss, max_nodes=None)
        for backend in backends:
            try:
                first, svg = timed(render_source, graph.source, "svg", backend)
            except viz.RenderError:  # past the in-process renderer's size limit (WASM_MAX_LAYOUT_SIZE)
                print(f"{nodes:>6} {draw_time:>9.3f} {backend:>8} {'refused: too large for this renderer':>40}")
                continue
            warm = [timed(render_source, graph.source, "svg", backend)[0] for _ in range(args.repeats)]
            print(f"{nodes:>6} {draw_time:>9.3f} {backend:>8} {first:>10.3f} {min(warm):>14.3f} "
                  f"{statistics.median(warm):>16.3f} {len(svg) / 1000:>7.0f}")


if __name__ == "__main__":
    main()
