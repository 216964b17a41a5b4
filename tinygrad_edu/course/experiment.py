"""The course's ReLU-visualization experiment, reusable by examples, the demo and the docs.

A 1-hidden-layer ReLU net learns a jagged piecewise-linear target on [0, 1] from 200 noisy
samples. The setup and the numbers the course reports are on the docs page "The course
experiment" (``docs/lessons/05_course_experiment.md``). Everything the experiment needs lives here:

- ``target``: the course's function f, linear between knots at x = k/10 with values sin(12345·k);
- ``make_data``: 200 sorted U(0, 1) training points with N(0, 0.1²) noise, and a noiseless test
  set (the training x plus 1000 evenly spaced points);
- ``initial_weights`` / ``build_model``: Linear(1, width) → ReLU → Linear(width, 1) with the
  course's init (every elbow starts inside the data);
- ``train``: plain SGD on minibatches of 40 indices drawn with replacement, snapshots every
  1000 steps; mode ``"output"`` trains the output layer only (lr 0.2), mode ``"all"`` trains
  every layer (lr 0.02);
- ``ridge_output_layer``: the closed-form comparison for mode ``"output"``;
- ``run_experiment``: all widths and modes from one seed (default ``SEED`` = 1, a typical run).

>>> import numpy as np
>>> from tinygrad_edu import course
>>> np.round(course.knot_values()[:4], 4).tolist()
[0.0, -0.9938, -0.2215, 0.9444]
>>> result = course.run_experiment(widths=(5,), steps=200, snapshot_every=100)
>>> run = result.runs[5, "all"]
>>> run.steps.tolist(), bool(run.test_mse[-1] < run.test_mse[0])
([0, 100, 200], True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import nn, optim
from ..analysis.relu import elbow_history
from ..dtypes import as_float_dtype
from ..grad_mode import no_grad
from ..tensor import Tensor

#: Learning rate of each training mode, as in the course.
MODE_LEARNING_RATES = {"output": 0.2, "all": 0.02}
#: What each mode trains, for printing.
MODE_DESCRIPTIONS = {"output": "output layer only", "all": "all layers"}
WIDTHS = (10, 20, 40)
STEPS = 150_000
BATCH_SIZE = 40
SNAPSHOT_EVERY = 1000
RIDGE_LAMBDA = 1e-5
#: The default seed: a typical run (training all layers beats the output layer alone, a few units
#: die). Seed 0 is an unlucky one whose all-layers run stalls at width 20; the course page shows
#: the spread over seeds.
SEED = 1


# --------------------------------------------------------------------------- target and data
def knot_values() -> np.ndarray:
    """The target's values sin(12345·k) at its knots x = k/10, k = 0..10.

    >>> knot_values().shape
    (11,)
    """
    return np.sin(12345.0 * np.arange(11))


def target(x: Any) -> np.ndarray:
    """The course's target f: linear interpolation of sin(12345·k) between knots x = k/10.

    With t = 10x: f = (t − ⌊t⌋)·sin(12345·⌈t⌉) − (t − ⌈t⌉)·sin(12345·⌊t⌋). At an integer t both
    terms vanish, so there the knot value sin(12345·t) is used.

    >>> float(np.round(target(0.3), 4)), float(np.round(target(0.25), 4))
    (0.9444, 0.3615)
    """
    t = 10.0 * np.asarray(x, dtype=np.float64)
    below, above = np.floor(t), np.ceil(t)
    between = (t - below) * np.sin(12345.0 * above) - (t - above) * np.sin(12345.0 * below)
    return np.where(below == above, np.sin(12345.0 * t), between)


@dataclass
class CourseData:
    """Training and test sets, 1-D arrays. ``y_test`` is noiseless (the truth)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def make_data(
    rng: np.random.Generator | int = SEED, n_train: int = 200, noise: float = 0.1, n_grid: int = 1000
) -> CourseData:
    """Sorted U(0, 1) training x with y = f(x) + N(0, noise²); test = training x + a grid, noiseless.

    >>> data = make_data(0)
    >>> data.x_train.shape, data.x_test.shape, bool(np.all(np.diff(data.x_train) >= 0))
    ((200,), (1200,), True)
    """
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    x = np.sort(rng.uniform(0.0, 1.0, n_train))
    y = target(x) + rng.normal(0.0, noise, n_train)
    x_test = np.concatenate([x, np.linspace(0.0, 1.0, n_grid)])
    return CourseData(x, y, x_test, target(x_test))


# --------------------------------------------------------------------------- the network
@dataclass
class InitialWeights:
    """Weights of Linear(1, width) → ReLU → Linear(width, 1), shaped as in ``nn.Linear``."""

    w1: np.ndarray  # (width, 1)
    b1: np.ndarray  # (width,)
    w2: np.ndarray  # (1, width)
    b2: np.ndarray  # (1,)

    @property
    def width(self) -> int:
        return len(self.b1)


def initial_weights(width: int, rng: np.random.Generator | int = SEED) -> InitialWeights:
    """The course's init: w ~ U(−1, 1), elbows ~ U(0, 1), b = −elbow·w; output layer as PyTorch.

    Putting every elbow inside [0, 1] means no unit starts dead. The output layer gets
    ``nn.Linear``'s default U(−1/√width, 1/√width) for weight and bias.

    >>> init = initial_weights(4, 0)
    >>> bool(np.all((-init.b1 / init.w1[:, 0] >= 0) & (-init.b1 / init.w1[:, 0] <= 1)))
    True
    """
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    w1 = rng.uniform(-1.0, 1.0, (width, 1))
    elbows = rng.uniform(0.0, 1.0, width)
    b1 = -elbows * w1[:, 0]
    bound = 1.0 / np.sqrt(width)
    w2 = rng.uniform(-bound, bound, (1, width))
    b2 = rng.uniform(-bound, bound, 1)
    return InitialWeights(w1, b1, w2, b2)


def build_model(init: InitialWeights, dtype: Any = np.float64) -> nn.Sequential:
    """``nn.Sequential(Linear(1, width), ReLU(), Linear(width, 1))`` holding ``init``'s values.

    >>> model = build_model(initial_weights(3, 0))
    >>> model(Tensor([[0.5]])).shape
    (1, 1)
    """
    dtype = as_float_dtype(dtype)
    scratch = np.random.default_rng(0)  # Linear draws an init we overwrite: keep the global generator untouched
    model = nn.Sequential(
        nn.Linear(1, init.width, dtype=dtype, rng=scratch), nn.ReLU(), nn.Linear(init.width, 1, dtype=dtype, rng=scratch)
    )
    for layer, weight, bias in ((model[0], init.w1, init.b1), (model[2], init.w2, init.b2)):
        layer.weight.data = weight.astype(dtype)
        layer.bias.data = bias.astype(dtype)
    return model


def hidden_features(init: InitialWeights, x: np.ndarray) -> np.ndarray:
    """ReLU(x·w1ᵀ + b1) for 1-D ``x``: one column per hidden unit."""
    return np.maximum(0.0, np.outer(x, init.w1[:, 0]) + init.b1)


def predict(w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: Any, x: np.ndarray) -> np.ndarray:
    """The network's output on 1-D ``x`` from flat weight vectors (for plotting snapshots)."""
    return np.maximum(0.0, np.outer(x, np.ravel(w1)) + np.ravel(b1)) @ np.ravel(w2) + float(np.ravel(b2)[0])


# --------------------------------------------------------------------------- closed form
@dataclass
class RidgeFit:
    """Output-layer weights from ridge regression on fixed hidden features, and their MSEs."""

    weight: np.ndarray
    bias: float
    train_mse: float
    test_mse: float


def ridge_output_layer(init: InitialWeights, data: CourseData, lam: float = RIDGE_LAMBDA) -> RidgeFit:
    """Fit the output layer in closed form on the initial hidden features (mode "output"'s optimum, nearly).

    Minimizes Σ (y − H·w − c)² + λ‖w‖² over w and the bias c (the bias is not penalized,
    as in scikit-learn's ``Ridge``): centre H and y, solve (HᵀH + λI) w = Hᵀy, then c.

    >>> data = make_data(0)
    >>> fit = ridge_output_layer(initial_weights(20, 0), data)
    >>> bool(fit.test_mse < 0.05)
    True
    """
    features = hidden_features(init, data.x_train)
    mean_h, mean_y = features.mean(axis=0), data.y_train.mean()
    centred = features - mean_h
    gram = centred.T @ centred + lam * np.eye(features.shape[1])
    weight = np.linalg.solve(gram, centred.T @ (data.y_train - mean_y))
    bias = float(mean_y - mean_h @ weight)
    train_mse = float(np.mean((features @ weight + bias - data.y_train) ** 2))
    test_pred = hidden_features(init, data.x_test) @ weight + bias
    return RidgeFit(weight, bias, train_mse, float(np.mean((test_pred - data.y_test) ** 2)))


# --------------------------------------------------------------------------- training
@dataclass
class TrainingRun:
    """Snapshots of one training run: row i is the state after ``steps[i]`` SGD steps.

    ``w1, b1, w2`` are (snapshots, width) arrays; ``b2`` and the losses are (snapshots,).
    ``batch_loss`` is the minibatch loss of the step just before the snapshot (NaN at step 0),
    ``train_mse``/``test_mse`` the full training and (noiseless) test MSE.
    """

    width: int
    mode: str
    lr: float
    steps: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    batch_loss: np.ndarray
    train_mse: np.ndarray
    test_mse: np.ndarray
    seconds: float = 0.0

    @property
    def elbows(self) -> np.ndarray:
        """Elbow −b/w of every unit at every snapshot (NaN where w = 0)."""
        return elbow_history(self.w1, self.b1)


def _check_mode(mode: str) -> str:
    if mode not in MODE_LEARNING_RATES:
        raise ValueError(f"unknown training mode {mode!r}: use 'output' (output layer only) or 'all' (all layers)")
    return mode


def train(
    model: nn.Sequential,
    data: CourseData,
    mode: str = "all",
    steps: int = STEPS,
    lr: float | None = None,
    batch_size: int = BATCH_SIZE,
    snapshot_every: int = SNAPSHOT_EVERY,
    rng: np.random.Generator | int = SEED,
    progress: Callable[[int], Any] | None = None,
) -> TrainingRun:
    """Train ``model`` in place with plain SGD on MSE; return its snapshots.

    Minibatch indices are drawn i.i.d. with replacement, all of them up front (one NumPy
    call instead of one per step). ``progress(n)`` is called after every ``snapshot_every``
    steps with the number of steps just done (``tqdm``'s ``update`` fits). Mode ``"output"``
    freezes the first layer (``requires_grad=False`` on its weight and bias, left so).

    >>> data = make_data(0)
    >>> run = train(build_model(initial_weights(5, 0)), data, "output", steps=300, snapshot_every=100)
    >>> run.test_mse.shape, bool(run.test_mse[-1] < run.test_mse[0])
    ((4,), True)
    """
    mode = _check_mode(mode)
    for name, value in (("steps", steps), ("batch_size", batch_size), ("snapshot_every", snapshot_every)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (0 if name == "steps" else 1):
            raise ValueError(f"{name} must be a {'non-negative' if name == 'steps' else 'positive'} integer, got {value!r}")
    lr = MODE_LEARNING_RATES[mode] if lr is None else float(lr)
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    first, last = model[0], model[2]
    dtype = first.weight.dtype
    x_train = data.x_train.astype(dtype).reshape(-1, 1)
    y_train = data.y_train.astype(dtype).reshape(-1, 1)
    x_train_t, x_test_t = Tensor(x_train), Tensor(data.x_test.reshape(-1, 1), dtype=dtype)
    if mode == "output":
        first.weight.requires_grad_(False)
        first.bias.requires_grad_(False)
        optimizer = optim.SGD(last.parameters(), lr=lr)
        # The frozen first layer maps each training point to the same ReLU features at every
        # step, so compute them once; each step then runs only the output layer.
        with no_grad():
            train_inputs = model[1](first(x_train_t)).numpy()

        def forward(batch: Tensor) -> Tensor:
            return nn.functional.linear(batch, last.weight, last.bias)
    else:
        optimizer = optim.SGD(model.parameters(), lr=lr)
        train_inputs, forward = x_train, model
    indices = rng.integers(0, len(x_train), size=(steps, batch_size))
    loss_fn = nn.functional.mse_loss
    wrap = Tensor._wrap  # batches are fresh float arrays of the right dtype: skip the checks of Tensor()
    snapshots: list[tuple] = []

    def snapshot(step: int, batch_loss: float) -> None:
        with no_grad():
            train_mse = float(np.mean((model(x_train_t).numpy()[:, 0] - data.y_train) ** 2))
            test_mse = float(np.mean((model(x_test_t).numpy()[:, 0] - data.y_test) ** 2))
        snapshots.append((step, first.weight.numpy()[:, 0].copy(), first.bias.numpy().copy(),
                          last.weight.numpy()[0].copy(), float(last.bias.numpy()[0]), batch_loss, train_mse, test_mse))

    start = time.perf_counter()
    snapshot(0, float("nan"))
    done = 0
    while done < steps:
        chunk = min(snapshot_every, steps - done)
        batch_x = train_inputs[indices[done:done + chunk]]  # one gather per chunk, not one per step
        batch_y = y_train[indices[done:done + chunk]]
        for i in range(chunk):
            loss = loss_fn(forward(wrap(batch_x[i])), wrap(batch_y[i]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        done += chunk
        snapshot(done, loss.item())
        if progress is not None:
            progress(chunk)
    seconds = time.perf_counter() - start
    columns = list(zip(*snapshots))
    return TrainingRun(
        width=first.weight.shape[0], mode=mode, lr=lr, steps=np.array(columns[0]),
        w1=np.array(columns[1]), b1=np.array(columns[2]), w2=np.array(columns[3]), b2=np.array(columns[4]),
        batch_loss=np.array(columns[5]), train_mse=np.array(columns[6]), test_mse=np.array(columns[7]),
        seconds=seconds,
    )


# --------------------------------------------------------------------------- the whole experiment
@dataclass
class ExperimentResult:
    """Runs keyed by ``(width, mode)``, ridge fits and initial weights keyed by width, and the data."""

    data: CourseData
    seed: int
    inits: dict[int, InitialWeights] = field(default_factory=dict)
    ridge: dict[int, RidgeFit] = field(default_factory=dict)
    runs: dict[tuple[int, str], TrainingRun] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        """A table of initial and final test MSE, ridge MSE, dead units and time per run."""
        lines = [f"{'width':>5} {'mode':<18} {'lr':>5} {'test MSE init':>13} {'final':>9} {'ridge':>9} "
                 f"{'dead':>4} {'time':>7}"]
        for (width, mode), run in self.runs.items():
            dead = int(np.sum(dead_units_of_run(run, self.data.x_train)))
            lines.append(f"{width:>5} {MODE_DESCRIPTIONS[mode]:<18} {run.lr:>5g} {run.test_mse[0]:>13.4f} "
                         f"{run.test_mse[-1]:>9.4f} {self.ridge[width].test_mse:>9.4f} {dead:>4} {run.seconds:>6.1f}s")
        lines.append(f"total: {sum(r.steps[-1] for r in self.runs.values()):,} steps in {self.seconds:.1f} s")
        return "\n".join(lines)


def dead_units_of_run(run: TrainingRun, x: np.ndarray, snapshot: int = -1) -> np.ndarray:
    """True for hidden units that output zero on every point of ``x`` at a snapshot (default: the last)."""
    pre_activation = np.outer(x, run.w1[snapshot]) + run.b1[snapshot]
    return np.all(pre_activation <= 0, axis=0)


def run_experiment(
    widths: Sequence[int] = WIDTHS,
    modes: Sequence[str] = ("output", "all"),
    steps: int = STEPS,
    seed: int = SEED,
    dtype: Any = np.float64,
    snapshot_every: int = SNAPSHOT_EVERY,
    progress: Callable[[int], Any] | None = None,
) -> ExperimentResult:
    """Run the course experiment: every width and mode, the same data and seed.

    Random streams: the data come from ``default_rng(seed)``; width w's initial weights from
    ``default_rng((seed, w))`` and its minibatch indices from ``default_rng((seed, w, 1))``, so
    both modes start from the same weights and see the same minibatches, and adding a width
    changes nothing else.
    """
    for mode in modes:
        _check_mode(mode)
    start = time.perf_counter()
    result = ExperimentResult(data=make_data(np.random.default_rng(seed)), seed=seed)
    for width in widths:
        init = initial_weights(width, np.random.default_rng((seed, width)))
        result.inits[width] = init
        result.ridge[width] = ridge_output_layer(init, result.data)
        for mode in modes:
            model = build_model(init, dtype)
            result.runs[width, mode] = train(
                model, result.data, mode, steps=steps, snapshot_every=snapshot_every,
                rng=np.random.default_rng((seed, width, 1)), progress=progress,
            )
    result.seconds = time.perf_counter() - start
    return result
