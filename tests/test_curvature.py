"""Curvature tools: Hessian-vector products, the explicit Hessian, sharpness (analysis/curvature.py)."""

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.analysis import hessian, hvp, sharpness

SPECTRUM = np.array([6.0, 3.5, 2.0, 1.0, 0.25, -0.5, -1.5, -4.0])  # distinct, with negative eigenvalues


def matrix_with_spectrum(eigenvalues, seed=0):
    """A symmetric matrix Q diag(λ) Qᵀ with a random orthogonal Q."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    return q @ np.diag(eigenvalues) @ q.T


def quadratic_problem(eigenvalues=SPECTRUM, seed=0):
    """0.5 xᵀAx over two parameter tensors, a (2, 3) matrix and a (2,) vector (8 entries in all)."""
    a = matrix_with_spectrum(eigenvalues, seed)
    rng = np.random.default_rng(seed + 1)
    w = tg.Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = tg.Tensor(rng.standard_normal(2), requires_grad=True)
    a_tensor = tg.Tensor(a)

    def loss_fn():
        x = tg.cat([w.reshape(6), b], 0)
        return 0.5 * (x @ (a_tensor @ x))

    return a, [w, b], loss_fn


def mlp_problem(activation="tanh", seed=0, n=30):
    """A tg.nn.MLP 1 → 5 → 1 (16 parameters) and its mean-squared-error loss over n points."""
    rng = np.random.default_rng(seed)
    x = tg.Tensor(rng.uniform(-1, 1, (n, 1)))
    y = tg.Tensor(np.sin(3 * x.numpy()))
    model = tg.nn.MLP(1, [5], 1, activation=tg.nn.Tanh if activation == "tanh" else tg.nn.ReLU)
    for p, scale in zip(model.parameters(), (1.5, 0.5, 1.0, 0.5)):
        p.data = rng.normal(0, scale, p.shape)

    def loss_fn(inputs=x, targets=y):
        return tg.nn.functional.mse_loss(model(inputs), targets)

    return model, loss_fn, (x, y)


def flat(arrays):
    return np.concatenate([np.ravel(a) for a in arrays])


# --------------------------------------------------------------------------- hvp and hessian
def test_hvp_is_exact_on_a_quadratic_and_keeps_the_parameter_layout():
    a, params, loss_fn = quadratic_problem()
    rng = np.random.default_rng(5)
    for _ in range(3):
        vectors = [rng.standard_normal(p.shape) for p in params]
        products = hvp(loss_fn, params, vectors)
        assert [h.shape for h in products] == [(2, 3), (2,)]
        np.testing.assert_allclose(flat(products), a @ flat(vectors), rtol=1e-12, atol=1e-12)


def test_hessian_is_exact_on_a_quadratic_with_a_negative_eigenvalue():
    a, params, loss_fn = quadratic_problem()
    h = hessian(loss_fn, params)
    assert h.shape == (8, 8)
    np.testing.assert_allclose(h, a, atol=1e-12)
    np.testing.assert_allclose(np.linalg.eigvalsh(h), np.sort(SPECTRUM), atol=1e-12)


def test_hvp_accepts_tensors_and_leaves_grad_untouched():
    a, params, loss_fn = quadratic_problem()
    vectors = [tg.ones(2, 3), tg.ones(2)]
    products = hvp(loss_fn, params, vectors)
    np.testing.assert_allclose(flat(products), a @ np.ones(8), atol=1e-12)
    assert all(p.grad is None for p in params)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_hvp_matches_finite_differences_of_the_gradient_on_a_small_mlp(activation):
    model, loss_fn, (x, _) = mlp_problem(activation)
    params = list(model.parameters())
    if activation == "relu":  # central differences must not cross a kink
        pre = x.numpy() @ params[0].numpy().T + params[1].numpy()
        assert np.min(np.abs(pre)) > 1e-3
    rng = np.random.default_rng(7)
    vectors = [rng.standard_normal(p.shape) for p in params]
    eps = 1e-5

    def gradient_at(shift):
        originals = [p.data for p in params]
        for p, v in zip(params, vectors):
            p.data = p.data + shift * v
        grads = tg.grad(loss_fn(), params)
        for p, original in zip(params, originals):
            p.data = original
        return flat(g.numpy() for g in grads)

    expected = (gradient_at(eps) - gradient_at(-eps)) / (2 * eps)
    np.testing.assert_allclose(flat(hvp(loss_fn, params, vectors)), expected, rtol=1e-6, atol=1e-7)


def test_hessian_of_an_unused_or_linear_parameter_is_zero():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    unused = tg.Tensor([3.0], requires_grad=True)
    linear = tg.Tensor([4.0], requires_grad=True)
    h = hessian(lambda: (x**3).sum() + (linear * 5.0).sum(), [x, unused, linear])
    np.testing.assert_allclose(h, np.diag([6.0, 12.0, 0.0, 0.0]))


def test_float32_parameters_give_float32_products():
    x = tg.Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    (product,) = hvp(lambda: (x**3).sum(), [x], [np.ones(2)])
    assert product.dtype == np.float32
    np.testing.assert_allclose(product, [6.0, 12.0])


# --------------------------------------------------------------------------- sharpness
def test_constant_model_has_sharpness_exactly_two():
    # L(θ) = mean((y − θ)²): L'' = 2 whatever the data (docs/sharpness.md, and the constant model of docs/lessons/01_gradient_descent.md).
    y = tg.Tensor(np.random.default_rng(0).normal(size=50))
    theta = tg.Tensor(0.7, requires_grad=True)
    loss_fn = lambda: ((y - theta) ** 2).mean()  # noqa: E731
    assert hessian(loss_fn, [theta]).tolist() == [[2.0]]
    assert sharpness(loss_fn, [theta], method="power") == pytest.approx(2.0, abs=1e-12)
    assert sharpness(loss_fn, [theta], method="lanczos") == pytest.approx(2.0, abs=1e-12)


def test_power_and_lanczos_agree_with_eigvalsh_of_the_explicit_hessian_of_a_small_net():
    params, loss_fn, _ = mlp_problem("relu", seed=1)  # a module works as params
    eigenvalues = np.linalg.eigvalsh(hessian(loss_fn, params))
    descending = eigenvalues[::-1]
    largest_magnitude = eigenvalues[np.argmax(np.abs(eigenvalues))]
    rng = np.random.default_rng(0)
    top = sharpness(loss_fn, params, method="lanczos", rng=rng)
    assert isinstance(top, float)
    assert top == pytest.approx(descending[0], rel=1e-8)
    np.testing.assert_allclose(sharpness(loss_fn, params, method="lanczos", k=3, rng=rng), descending[:3], rtol=1e-7)
    power = sharpness(loss_fn, params, method="power", iters=1000, tol=1e-10, rng=rng)
    assert power == pytest.approx(largest_magnitude, rel=1e-6)


def test_power_finds_the_largest_magnitude_and_lanczos_the_largest_algebraic_eigenvalue():
    _, params, loss_fn = quadratic_problem(np.array([2.0, 1.0, 0.5, 0.1, -0.2, -0.3, -1.0, -9.0]))
    rng = np.random.default_rng(3)
    assert sharpness(loss_fn, params, method="power", iters=200, rng=rng) == pytest.approx(-9.0, rel=1e-6)
    assert sharpness(loss_fn, params, method="lanczos", rng=rng) == pytest.approx(2.0, rel=1e-9)
    np.testing.assert_allclose(sharpness(loss_fn, params, method="lanczos", k=2, rng=rng), [2.0, 1.0], rtol=1e-9)
    np.testing.assert_allclose(
        sharpness(loss_fn, params, method="power", k=2, iters=500, tol=1e-10, rng=rng), [-9.0, 2.0], rtol=1e-6
    )


def test_power_iteration_with_k_finds_repeated_eigenvalues():
    _, params, loss_fn = quadratic_problem(np.array([5.0, 5.0, 1.0, 0.5, 0.2, 0.1, 0.0, -0.1]))
    values = sharpness(loss_fn, params, method="power", k=2, iters=300, rng=np.random.default_rng(0))
    np.testing.assert_allclose(values, [5.0, 5.0], rtol=1e-6)


def test_lanczos_stops_early_once_converged():
    # With batches, loss_fn runs once per batch and product: count the products.
    _, params, quadratic = quadratic_problem(np.array([10.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4]))
    calls = []

    def loss_fn(batch):
        calls.append(batch)
        return quadratic()

    value = sharpness(loss_fn, params, method="lanczos", iters=100, tol=1e-6, batches=[1], rng=np.random.default_rng(0))
    assert value == pytest.approx(10.0, rel=1e-10)
    assert len(calls) < 8  # fewer products than parameters: it did not need the whole space


def test_sharpness_does_not_depend_on_how_the_data_is_split_into_batches():
    model, loss_fn, (x, y) = mlp_problem("tanh", n=30)
    params = list(model.parameters())
    full = hvp(loss_fn, params, [np.ones(p.shape) for p in params])
    # Unequal chunks: weighting by batch size makes the average the full-data mean loss.
    chunks = [(x[i:j], y[i:j]) for i, j in ((0, 12), (12, 24), (24, 30))]
    batched = hvp(loss_fn, params, [np.ones(p.shape) for p in params], batches=chunks)
    np.testing.assert_allclose(flat(batched), flat(full), rtol=1e-10)
    rng = np.random.default_rng(0)
    expected = sharpness(loss_fn, params, method="lanczos", rng=rng)
    assert sharpness(loss_fn, params, method="lanczos", batches=chunks, rng=rng) == pytest.approx(expected, rel=1e-8)
    # A DataLoader (batches of 12, 12 and 6) is re-iterated for every product.
    loader = tg.data.DataLoader(tg.data.TensorDataset(x.numpy(), y.numpy()), batch_size=12)
    from_loader = sharpness(loss_fn, model, method="lanczos", batches=loader, rng=rng)
    assert from_loader == pytest.approx(expected, rel=1e-8)


def test_sharpness_runs_under_no_grad_and_leaves_gradients_alone():
    model, loss_fn, _ = mlp_problem("tanh")
    params = list(model.parameters())
    for p in params:
        p.grad = np.full(p.shape, 7.0)
    expected = sharpness(loss_fn, params, method="lanczos", rng=np.random.default_rng(0))
    with tg.no_grad():
        assert sharpness(loss_fn, params, method="lanczos", rng=np.random.default_rng(0)) == expected
    assert all(np.all(p.grad == 7.0) for p in params)


@pytest.mark.filterwarnings("ignore:sharpness .* did not converge")
def test_sharpness_with_the_same_rng_seed_is_reproducible():
    params, loss_fn, _ = mlp_problem("tanh")
    first = sharpness(loss_fn, params, iters=5, tol=0.0, rng=np.random.default_rng(4))
    second = sharpness(loss_fn, params, iters=5, tol=0.0, rng=np.random.default_rng(4))
    assert first == second


def test_not_converging_warns_and_returns_the_last_estimate():
    _, params, loss_fn = quadratic_problem(np.array([1.0, 0.99, 0.98, 0.97, 0.5, 0.4, 0.3, 0.2]))
    with pytest.warns(RuntimeWarning, match="did not converge within iters=3"):
        value = sharpness(loss_fn, params, method="power", iters=3, rng=np.random.default_rng(0))
    assert 0.2 < value <= 1.0


def test_progress_bar_option_runs():
    pytest.importorskip("tqdm", reason="progress=True draws a tqdm progress bar (the viz extra)")
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tqdm may warn about the missing terminal
        assert sharpness(lambda: (x**2).sum(), [x], progress=True) == pytest.approx(2.0)


# --------------------------------------------------------------------------- bad input
def test_vector_shape_mismatch_names_the_parameter_and_both_shapes():
    _, params, loss_fn = quadratic_problem()
    with pytest.raises(ValueError, match=r"vectors\[1\] has shape \(3,\) but params\[1\] has shape \(2,\)"):
        hvp(loss_fn, params, [np.ones((2, 3)), np.ones(3)])
    with pytest.raises(ValueError, match="got 1 vectors for 2 parameters"):
        hvp(loss_fn, params, [np.ones((2, 3))])
    with pytest.raises(TypeError, match="one per parameter"):
        hvp(loss_fn, params, 3.0)
    with pytest.raises(TypeError, match=r"vectors\[0\] has dtype complex128"):
        hvp(loss_fn, params, [np.ones((2, 3), dtype=complex), np.ones(2)])


def test_bad_params_are_refused_clearly():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    loss_fn = lambda: (x**2).sum()  # noqa: E731
    with pytest.raises(ValueError, match=r"params\[1\] \(shape \(2,\)\) does not require grad"):
        hessian(loss_fn, [x, tg.Tensor([1.0, 2.0])])
    with pytest.raises(ValueError, match=r"params\[1\] is the same tensor as params\[0\]"):
        hessian(loss_fn, [x, x])
    with pytest.raises(ValueError, match="params is empty"):
        sharpness(loss_fn, [])
    with pytest.raises(TypeError, match=r"params\[0\] is a ndarray"):
        sharpness(loss_fn, [np.ones(2)])
    with pytest.raises(TypeError, match="params must be a Tensor"):
        sharpness(loss_fn, 3)


def test_bad_losses_are_refused_clearly():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"scalar .*got shape \(2,\)"):
        sharpness(lambda: x**2, [x])
    with pytest.raises(TypeError, match="must return a scalar Tensor, got float"):
        sharpness(lambda: 3.0, [x])
    with pytest.raises(ValueError, match="does not require grad"):
        sharpness(lambda: (x.detach() ** 2).sum(), [x])
    with pytest.raises(FloatingPointError, match="not finite"):
        hvp(lambda: (x * np.inf).sum() * x.sum(), [x], [np.ones(2)])


def test_bad_options_are_refused_clearly():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    loss_fn = lambda: (x**2).sum()  # noqa: E731
    with pytest.raises(ValueError, match="unknown method 'eig'"):
        sharpness(loss_fn, [x], method="eig")
    with pytest.raises(ValueError, match="k=3 eigenvalues asked for, but the parameters have only 2 entries"):
        sharpness(loss_fn, [x], k=3)
    with pytest.raises(ValueError, match="iters must be a positive integer"):
        sharpness(loss_fn, [x], iters=0)
    with pytest.raises(ValueError, match="tol must be a non-negative number"):
        sharpness(loss_fn, [x], tol=-1.0)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        sharpness(loss_fn, [x], rng=0)
    with pytest.raises(ValueError, match="max_params=1"):
        hessian(loss_fn, [x], max_params=1)


def test_exhausted_batches_are_refused_clearly():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    batches = (b for b in [1.0])
    loss_fn = lambda batch: (x**2).sum() * batch  # noqa: E731
    hvp(loss_fn, [x], [np.ones(2)], batches=batches)  # the first pass works
    with pytest.raises(ValueError, match="batches yielded nothing"):
        hvp(loss_fn, [x], [np.ones(2)], batches=batches)


# --------------------------------------------------------------------------- examples/edge_of_stability.py
def load_example():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "edge_of_stability.py"
    spec = importlib.util.spec_from_file_location("edge_of_stability_example", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def test_gd_on_a_quadratic_switches_from_converging_to_diverging_exactly_at_two_over_sharpness():
    example = load_example()
    lam_max, runs = example.quadratic_threshold(eigenvalues=(10.0, 4.0, 1.0, 0.25), factors=(0.99, 1.0, 1.01), steps=200)
    assert lam_max == pytest.approx(10.0, rel=1e-10)
    assert [run.verdict for run in runs] == ["converges", "oscillates", "diverges"]
    assert [run.lr for run in runs] == pytest.approx([0.198, 0.2, 0.202], rel=1e-9)
    assert runs[0].norms[-1] < runs[0].norms[0] < runs[2].norms[-1]


@pytest.mark.parametrize(("lr", "steps"), [(0.4, 600), (0.2, 3000)])
def test_full_batch_gd_drives_the_sharpness_up_to_two_over_eta_and_holds_it_there(lr, steps):
    # docs/sharpness.md, "Neural networks live at the edge of stability": progressive sharpening from well below 2/η, then hovering at the edge.
    run = load_example().train_with_sharpness(lr, steps, every=100)
    edge = 2 / lr
    assert not run.diverged and np.all(np.isfinite(run.losses))
    assert run.sharpness[0] < 0.6 * edge  # starts well below the edge
    assert run.sharpness[-1] == pytest.approx(edge, rel=0.1)  # ends at it
    assert run.sharpness.max() < 1.25 * edge  # and never runs far past it
    assert run.losses[-1] < run.losses[0]  # while the loss still goes down


def test_edge_of_stability_example_runs_and_prints_its_tables(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the example draws its figures with matplotlib (the viz extra)")
    example = load_example()
    result = example.main(["--out", str(tmp_path), "--steps", "40", "--every", "20", "--lrs", "0.1", "0.4"])
    printed = capsys.readouterr().out
    assert "predicted threshold 2/λ_max = 0.2" in printed
    assert "final sharpness" in printed and "test MSE" in printed
    table_rows = [line.split() for line in printed.splitlines() if line.split()[:1] in (["0.1"], ["0.4"])]
    assert [row[3] for row in table_rows] == ["20.0", "5.0"]  # the 2/η column
    assert [run.steps.tolist() for run in result["runs"]] == [[0, 20, 40], [0, 20, 40]]
    assert all(np.all(run.sharpness > 0) for run in result["runs"])
    assert (tmp_path / "edge_of_stability.png").stat().st_size > 0
    assert (tmp_path / "quadratic_threshold.png").stat().st_size > 0


# ---------------------------------------------------------------- audit: bad input
def test_loss_fn_must_be_callable():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="loss_fn must be a callable"):
        hvp(3, [x], [np.ones(2)])


def test_sharpness_tol_must_be_a_number():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="tol"):
        sharpness(lambda: (x * x).sum(), [x], tol="a")


# --------------------------------------------------------------------------- power iteration's stopping rule
@pytest.mark.parametrize("spectrum", [[1.0, 0.99, 0.98, 0.97, 0.5, 0.4, 0.3, 0.2], list(SPECTRUM),
                                      [2.0, 1.0, 0.5, 0.1, -0.2, -0.3, -1.0, -1.9]])
@pytest.mark.parametrize("k", [1, 2])
def test_power_iteration_claims_convergence_only_when_the_estimates_are_within_tol(spectrum, k):
    # λ₂ close to λ₁: the estimate creeps up by less than tol per step while still far from λ₁,
    # so a stop on the change of the estimate returns a loose value without a warning.
    a, params, loss_fn = quadratic_problem(np.array(spectrum))
    eigenvalues = np.linalg.eigvalsh(a)
    expected = eigenvalues[np.argsort(-np.abs(eigenvalues), kind="stable")][:k]
    for tol in (1e-3, 1e-5):
        for seed in range(2):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # these runs must converge within iters
                values = sharpness(loss_fn, params, method="power", k=k, iters=2000, tol=tol, rng=np.random.default_rng(seed))
            np.testing.assert_allclose(values, expected if k > 1 else expected[0], rtol=0, atol=tol * abs(expected[0]))


def test_power_iteration_stops_at_the_first_small_residual_without_extra_products():
    # With batches, loss_fn runs once per batch and product: count the products.
    a, params, quadratic = quadratic_problem(np.array([5.0, -3.0, 2.0, 1.0, 0.5, 0.2, 0.1, 0.0]))
    calls = []

    def loss_fn(batch):
        calls.append(batch)
        return quadratic()

    def run(iters, k):
        calls.clear()
        value = sharpness(loss_fn, params, method="power", k=k, iters=iters, tol=1e-8, batches=[1],
                          rng=np.random.default_rng(0))
        return value, len(calls)

    for k in (1, 2):
        values, products = run(500, k)
        iterations, leftover = divmod(products, k)
        assert leftover == 0  # k products per iteration and nothing more (the residual reuses H V)
        np.testing.assert_allclose(values, [5.0, -3.0][:k] if k > 1 else 5.0, rtol=1e-8)
        with pytest.warns(RuntimeWarning, match=f"did not converge within iters={iterations - 1}"):
            run(iterations - 1, k)  # one iteration fewer is not enough: it stopped at the first chance
