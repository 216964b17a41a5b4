"""How much does calling a module cost on top of its forward?

    python benchmarks/module_call.py

``Module.__call__`` pushes the module onto ``grad_mode.state.module_scope`` (so graph
nodes know which module made them) and, on a root call, checks that the cached paths
and parameter names are current. This script times, per call (best of several repeats):

- an identity module: ``m(x)`` against ``m.forward(x)`` (the pure overhead);
- a ``Sequential`` of three layers of the course's model against calling the three
  forwards by hand (overhead of 1 root call + 3 nested calls);
- a full training step of the course's width-20 model (Linear, ReLU, Linear, MSE,
  backward, SGD) for scale.
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402


def per_call(fn, number: int) -> float:
    """Best-of-7 time per call in microseconds."""
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


class Identity(nn.Module):
    def forward(self, x):
        return x


def main() -> dict:
    x = tg.Tensor(np.random.default_rng(0).uniform(0, 1, (40, 1)))
    identity = Identity()
    results = {
        "identity: m(x)": per_call(lambda: identity(x), 200_000),
        "identity: m.forward(x)": per_call(lambda: identity.forward(x), 200_000),
    }
    model = nn.Sequential(nn.Linear(1, 20), nn.ReLU(), nn.Linear(20, 1))
    first, act, last = model
    results["Sequential(Linear, ReLU, Linear): model(x)"] = per_call(lambda: model(x), 20_000)
    results["same, forwards by hand"] = per_call(lambda: last.forward(act.forward(first.forward(x))), 20_000)

    y = tg.Tensor(np.zeros((40, 1)))
    opt = optim.SGD(model.parameters(), lr=0.02)

    def train_step():
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()

    results["training step (forward, MSE, backward, SGD)"] = per_call(train_step, 5_000)
    for name, value in results.items():
        print(f"{name:<48} {value:8.2f} µs")
    overhead = results["identity: m(x)"] - results["identity: m.forward(x)"]
    nested = results["Sequential(Linear, ReLU, Linear): model(x)"] - results["same, forwards by hand"]
    print(f"\nModule.__call__ overhead: {overhead:.2f} µs per call; "
          f"{nested:.2f} µs for a root call with 3 nested calls "
          f"({100 * nested / results['training step (forward, MSE, backward, SGD)']:.0f}% of a training step)")
    return results


if __name__ == "__main__":
    main()
