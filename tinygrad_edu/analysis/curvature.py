"""Curvature of a loss: Hessian-vector products, the explicit Hessian, and sharpness.

The Hessian H of a loss L(θ) has one row and column per parameter, so for a network it is
far too big to write down. What we can afford is its product with a vector, by *double
backward*: the gradient g(θ) = ∇L is computed with ``create_graph=True``, so g is itself
a function in the graph; the scalar g·v (v held fixed) then has gradient

    ∇(g·v) = H v,

which a second backward pass delivers at about the cost of two gradients. ``hvp`` does
exactly that; ``hessian`` stacks the products with the basis vectors (small models only);
``sharpness`` feeds the products to power iteration or Lanczos to find the largest
eigenvalues without ever forming H.

Every function takes ``loss_fn``, a zero-argument function that builds the loss from the
current parameters (a closure over the model and the data), and ``params``, the tensors to
differentiate with respect to (a list, ``model.parameters()``, or a module). For data too
big for one graph pass ``batches=``: an iterable of batches that is gone through on every
product (a list of chunks or a ``DataLoader`` without replacement). Each batch is handed to
``loss_fn`` (unpacked if it is a tuple, ``loss_fn(x, y)``), and the curvature is that of
the average of the batch losses weighted by batch size (the length of the batch's first
array): for a mean loss such as MSE that is exactly the full-data Hessian, while only one
batch's graph is held in memory at a time.

>>> import numpy as np, tinygrad_edu as tg
>>> from tinygrad_edu.analysis import sharpness
>>> y = np.array([0.5, 1.0, 3.0])
>>> theta = tg.Tensor(0.0, requires_grad=True)
>>> round(sharpness(lambda: ((tg.Tensor(y) - theta) ** 2).mean(), [theta]), 6)
2.0
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from ..autograd import grad
from ..grad_mode import enable_grad
from ..randomness import get_rng
from ..tensor import Tensor

__all__ = ["HESSIAN_MAX_PARAMS", "hessian", "hvp", "sharpness"]

#: ``hessian`` refuses models with more parameters than this (an n × n float64 array and n
#: Hessian-vector products): 2000 parameters are 32 MB and a few seconds of products.
HESSIAN_MAX_PARAMS = 2000

Params = Any  # a Tensor, an iterable of Tensors, or a module with .parameters()


def _parameter_list(params: Params) -> list[Tensor]:
    """``params`` as a list of distinct tensors that require grad."""
    if isinstance(params, Tensor):
        items = [params]
    elif callable(getattr(params, "parameters", None)):
        items = list(params.parameters())
    else:
        try:
            items = list(params)
        except TypeError:
            raise TypeError(
                f"params must be a Tensor, a list of Tensors or a module, got {type(params).__name__}"
            ) from None
    if not items:
        raise ValueError("params is empty: pass the tensors to differentiate with respect to")
    seen: dict[int, int] = {}
    for index, p in enumerate(items):
        if not isinstance(p, Tensor):
            raise TypeError(f"params[{index}] is a {type(p).__name__}, not a Tensor")
        if not p.requires_grad:
            raise ValueError(f"params[{index}] (shape {p.shape}) does not require grad: curvature needs requires_grad=True")
        if id(p) in seen:
            raise ValueError(f"params[{index}] is the same tensor as params[{seen[id(p)]}]: list each parameter once")
        seen[id(p)] = index
    return items


def _vector_list(params: list[Tensor], vectors: Any) -> list[np.ndarray]:
    """``vectors`` as arrays of the parameters' shapes and dtypes."""
    if isinstance(vectors, (Tensor, np.ndarray)) and len(params) == 1:
        vectors = [vectors]
    try:
        vectors = list(vectors)
    except TypeError:
        raise TypeError(f"vectors must be a list of arrays, one per parameter, got {type(vectors).__name__}") from None
    if len(vectors) != len(params):
        raise ValueError(f"got {len(vectors)} vectors for {len(params)} parameters: pass one per parameter")
    arrays = []
    for index, (p, v) in enumerate(zip(params, vectors)):
        array = np.asarray(v._data if isinstance(v, Tensor) else v)
        if array.dtype.kind not in "fiub":
            raise TypeError(f"vectors[{index}] has dtype {array.dtype}: expected real numbers")
        if array.shape != p.shape:
            raise ValueError(f"vectors[{index}] has shape {array.shape} but params[{index}] has shape {p.shape}")
        arrays.append(array.astype(p.dtype, copy=False))
    return arrays


def _evaluate_loss(loss_fn: Callable[..., Tensor], batch: Any = None, with_batch: bool = False) -> Tensor:
    """Call ``loss_fn`` (with the batch, unpacked if a tuple) and check it gave a differentiable scalar."""
    with enable_grad():  # the products need the graph even when the caller is under no_grad()
        if not with_batch:
            loss = loss_fn()
        elif isinstance(batch, tuple):
            loss = loss_fn(*batch)
        else:
            loss = loss_fn(batch)
    if not isinstance(loss, Tensor):
        raise TypeError(f"loss_fn must return a scalar Tensor, got {type(loss).__name__}")
    if loss.size != 1:
        raise ValueError(f"loss_fn must return a scalar (one-element) Tensor, got shape {loss.shape}")
    if not loss.requires_grad:
        raise ValueError(
            "loss_fn returned a tensor that does not require grad: it does not depend on params "
            "(is it computed under no_grad(), or from detached values?)"
        )
    return loss


def _batch_size(batch: Any) -> int:
    """Samples in a batch: the length of its first array (1 when it has no length)."""
    first = batch[0] if isinstance(batch, tuple) and batch else batch
    try:
        return len(first)
    except TypeError:
        return 1


class _HessianOperator:
    """v ↦ H v on flat vectors, for one parameter point.

    Without batches the gradient graph (forward + first backward, ``create_graph=True``) is
    built once and reused by every product (``retain_graph=True``): power iteration and
    Lanczos then pay only for the second backward. With batches it is rebuilt per batch
    and product, so memory stays at one batch's graph.
    """

    def __init__(self, loss_fn: Callable[..., Tensor], params: list[Tensor], batches: Iterable | None) -> None:
        if not callable(loss_fn):
            raise TypeError(f"loss_fn must be a callable returning the scalar loss, got {type(loss_fn).__name__}")
        self.loss_fn, self.params, self.batches = loss_fn, params, batches
        self.shapes = [p.shape for p in params]
        self.sizes = [p.size for p in params]
        self.n = int(sum(self.sizes))
        self.gradients = None if batches is not None else self._gradients(_evaluate_loss(loss_fn))

    def _gradients(self, loss: Tensor) -> list[Tensor | None]:
        with enable_grad():
            return list(grad(loss, self.params, create_graph=True, allow_unused=True))

    def _product(self, gradients: list[Tensor | None], vectors: list[np.ndarray], retain: bool) -> list[np.ndarray]:
        """∇(g·v): the second backward. Gradients that are constant in θ contribute nothing."""
        with enable_grad():
            terms = [(g * Tensor._wrap(v)).sum() for g, v in zip(gradients, vectors) if g is not None and g.requires_grad]
            if not terms:
                return [np.zeros(p.shape, dtype=p.dtype) for p in self.params]
            dot = terms[0]
            for term in terms[1:]:
                dot = dot + term
            products = grad(dot, self.params, retain_graph=retain, allow_unused=True)
        return [np.zeros(p.shape, dtype=p.dtype) if h is None else h._data for p, h in zip(self.params, products)]

    def apply(self, vectors: list[np.ndarray]) -> list[np.ndarray]:
        """H v for ``vectors`` shaped like the parameters."""
        if self.gradients is not None:
            result = self._product(self.gradients, vectors, retain=True)
        else:
            result, total_weight = [np.zeros(p.shape, dtype=np.float64) for p in self.params], 0
            for batch in self.batches:
                weight = _batch_size(batch)
                loss = _evaluate_loss(self.loss_fn, batch, with_batch=True)
                for total, part in zip(result, self._product(self._gradients(loss), vectors, retain=False)):
                    total += weight * part
                total_weight += weight
            if total_weight == 0:
                raise ValueError(
                    "batches yielded nothing; a generator is used up after one pass: pass a list or a DataLoader"
                )
            result = [(total / total_weight).astype(p.dtype) for total, p in zip(result, self.params)]
        for index, h in enumerate(result):
            if not np.all(np.isfinite(h)):
                raise FloatingPointError(
                    f"the Hessian-vector product for params[{index}] is not finite: the loss or its gradient is "
                    "inf/NaN at these parameters (did training diverge?)"
                )
        return result

    def __call__(self, flat: np.ndarray) -> np.ndarray:
        """H v for a flat float64 vector of length n."""
        pieces = np.split(flat, np.cumsum(self.sizes)[:-1])
        vectors = [piece.reshape(shape).astype(p.dtype) for piece, shape, p in zip(pieces, self.shapes, self.params)]
        return np.concatenate([h.ravel() for h in self.apply(vectors)]).astype(np.float64)


def hvp(
    loss_fn: Callable[..., Tensor], params: Params, vectors: Sequence[Any], *, batches: Iterable | None = None
) -> list[np.ndarray]:
    """Hessian-vector products H v by double backward, without forming the Hessian.

    ``vectors`` holds one array (or Tensor) per parameter, of that parameter's shape; the
    result is a list of arrays in the same layout: the blocks of H v. ``loss_fn`` takes no
    argument (or one batch when ``batches`` is given, see the module docstring).

    >>> import numpy as np, tinygrad_edu as tg
    >>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
    >>> loss_fn = lambda: x[0] ** 2 * x[1]      # H = [[2·x1, 2·x0], [2·x0, 0]] = [[4, 2], [2, 0]]
    >>> hvp(loss_fn, [x], [np.array([1.0, 0.0])])
    [array([4., 2.])]
    """
    params = _parameter_list(params)
    arrays = _vector_list(params, vectors)
    return [np.array(h) for h in _HessianOperator(loss_fn, params, batches).apply(arrays)]  # own copies


def hessian(
    loss_fn: Callable[..., Tensor],
    params: Params,
    *,
    batches: Iterable | None = None,
    max_params: int = HESSIAN_MAX_PARAMS,
) -> np.ndarray:
    """The full Hessian as an (n, n) array over the flattened parameters (small models only).

    Column j is H e_j, one Hessian-vector product per parameter, in the order of ``params``
    with each tensor flattened row-major (as ``np.concatenate([p.ravel() for p in params])``).
    The result is symmetrized, (H + Hᵀ)/2, to remove rounding differences. Models with more
    than ``max_params`` parameters (default ``HESSIAN_MAX_PARAMS`` = 2000) are refused: use
    ``hvp`` or ``sharpness`` instead.

    >>> import numpy as np, tinygrad_edu as tg
    >>> A = np.array([[2.0, 1.0], [1.0, -3.0]])
    >>> x = tg.Tensor([0.3, -0.7], requires_grad=True)
    >>> hessian(lambda: 0.5 * (x @ (tg.Tensor(A) @ x)), [x])
    array([[ 2.,  1.],
           [ 1., -3.]])
    """
    params = _parameter_list(params)
    n = sum(p.size for p in params)
    if n > max_params:
        raise ValueError(
            f"hessian() of {n} parameters would need {n} Hessian-vector products and an {n}×{n} array; "
            f"the limit is max_params={max_params}. Use hvp() or sharpness() for large models"
        )
    operator = _HessianOperator(loss_fn, params, batches)
    columns = [operator(basis) for basis in np.eye(n)]
    matrix = np.array(columns).T
    return 0.5 * (matrix + matrix.T)


def sharpness(
    loss_fn: Callable[..., Tensor],
    params: Params,
    iters: int = 100,
    method: str = "power",
    k: int = 1,
    tol: float = 1e-6,
    rng: np.random.Generator | None = None,
    *,
    batches: Iterable | None = None,
    progress: bool = False,
) -> float | np.ndarray:
    """The top Hessian eigenvalue (a float) or the top ``k`` (an array), from Hessian-vector products.

    - ``method="power"``: power iteration (subspace iteration for k > 1). It finds the
      eigenvalue(s) **largest in magnitude**, with their sign: if the most negative eigenvalue
      is bigger in size than the most positive one, that is what it returns. Results are
      ordered by magnitude, largest first. Converges at rate |λ₂/λ₁| per step.
    - ``method="lanczos"``: Lanczos with full reorthogonalization. It returns the
      **largest algebraic** eigenvalue(s), in descending order, and usually needs far fewer
      products (tens, not hundreds).

    Stops after ``iters`` iterations (k products each for power, one for Lanczos) or when
    converged: when the residual ‖H u − θ u‖ of every wanted Ritz pair (θ, u) is at most ``tol``
    times the largest |θ| (power computes it from the products it has; Lanczos has it from the
    tridiagonal matrix). Some eigenvalue of H then lies within that distance of each θ, and the
    top estimate is usually far closer (its error shrinks like the residual squared). Not
    converging warns (``RuntimeWarning``) and returns the last estimate. ``rng`` draws the random start vector (default: the global generator,
    ``tg.manual_seed``); ``progress=True`` shows a tqdm bar.

    >>> import numpy as np, tinygrad_edu as tg
    >>> A = tg.Tensor(np.diag([3.0, 1.0, -5.0]))
    >>> x = tg.Tensor(np.ones(3), requires_grad=True)
    >>> loss_fn = lambda: 0.5 * (x @ (A @ x))
    >>> rng = np.random.default_rng(0)
    >>> round(sharpness(loss_fn, [x], method="lanczos", rng=rng), 6)      # largest eigenvalue
    3.0
    >>> round(sharpness(loss_fn, [x], method="power", iters=200, rng=rng), 4)  # largest in magnitude
    -5.0
    >>> sharpness(loss_fn, [x], method="lanczos", k=2, rng=rng).round(6)
    array([3., 1.])
    """
    if method not in ("power", "lanczos"):
        raise ValueError(f"unknown method {method!r}: use 'power' or 'lanczos'")
    for name, value in (("iters", iters), ("k", k)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.integer, np.floating)):
        raise TypeError(f"tol must be a real number, got {tol!r}")
    if not np.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be a non-negative number, got {tol!r}")
    params = _parameter_list(params)
    operator = _HessianOperator(loss_fn, params, batches)
    if k > operator.n:
        raise ValueError(f"k={k} eigenvalues asked for, but the parameters have only {operator.n} entries")
    rng = get_rng(rng)
    bar = _progress_bar(iters, method) if progress else None
    try:
        run = _power_iteration if method == "power" else _lanczos
        values, converged, residual = run(operator, operator.n, k, iters, tol, rng, bar)
    finally:
        if bar is not None:
            bar.close()
    if not converged:
        warnings.warn(
            f"sharpness ({method}) did not converge within iters={iters}: last relative residual {residual:.2g} "
            f"> tol={tol:g}; returning the last estimate (raise iters or tol)",
            RuntimeWarning,
            stacklevel=2,
        )
    return float(values[0]) if k == 1 else values


def _progress_bar(total: int, method: str) -> Any:
    from tqdm.auto import tqdm  # optional dependency, loaded only when asked for

    return tqdm(total=total, desc=f"sharpness ({method})", leave=False)


def _power_iteration(
    operator: Callable[[np.ndarray], np.ndarray], n: int, k: int, iters: int, tol: float, rng: np.random.Generator, bar: Any
) -> tuple[np.ndarray, bool, float]:
    """Subspace iteration V ← qr(H V) with Rayleigh–Ritz estimates; plain power iteration for k = 1.

    Stops when every Ritz pair (θ, u) has a small residual ‖H u − θ u‖ ≤ tol·max|θ|: then an
    eigenvalue of H lies within that distance of θ. (A small change of θ between steps proves
    nothing: when λ₂ is close to λ₁ the estimate creeps up slowly while still far off.) The
    residual comes from H V, which the iteration computes anyway, so it costs no product.
    """
    basis, _ = np.linalg.qr(rng.standard_normal((n, k)))
    residual = np.inf
    for _ in range(iters):
        images = np.stack([operator(basis[:, j]) for j in range(k)], axis=1)  # H V
        projected = basis.T @ images
        values, rotations = np.linalg.eigh(0.5 * (projected + projected.T))
        order = np.argsort(-np.abs(values), kind="stable")
        values, rotations = values[order], rotations[:, order]
        ritz_vectors, ritz_images = basis @ rotations, images @ rotations  # u and H u
        scale = max(float(np.abs(values[0])), np.finfo(float).tiny)
        residual = float(np.max(np.linalg.norm(ritz_images - ritz_vectors * values, axis=0))) / scale
        if bar is not None:
            bar.update(1)
        if residual <= tol or not np.any(images):  # (H V = 0: every estimate is exactly 0)
            return values, True, residual
        basis, _ = np.linalg.qr(images)
    return values, False, residual


def _lanczos(
    operator: Callable[[np.ndarray], np.ndarray], n: int, k: int, iters: int, tol: float, rng: np.random.Generator, bar: Any
) -> tuple[np.ndarray, bool, float]:
    """Lanczos with full reorthogonalization; the top-k Ritz values of the tridiagonal T.

    Every new vector is orthogonalized (twice) against all previous ones, which keeps the
    basis orthonormal in floating point and avoids the spurious copies of converged
    eigenvalues that plain Lanczos produces. If the Krylov space becomes invariant before k
    values are found (β = 0), it restarts with a fresh random direction orthogonal to it.
    """
    steps = min(iters, n)
    basis = np.zeros((steps, n))
    alphas, betas = np.zeros(steps), np.zeros(steps)
    vector = rng.standard_normal(n)
    basis[0] = vector / np.linalg.norm(vector)
    residual = np.inf
    for j in range(steps):
        image = operator(basis[j])
        alphas[j] = basis[j] @ image
        image -= alphas[j] * basis[j]
        if j > 0:
            image -= betas[j - 1] * basis[j - 1]
        for _ in range(2):
            image -= basis[: j + 1].T @ (basis[: j + 1] @ image)
        betas[j] = np.linalg.norm(image)
        if bar is not None:
            bar.update(1)
        tridiagonal = np.diag(alphas[: j + 1]) + np.diag(betas[:j], 1) + np.diag(betas[:j], -1)
        ritz_values, ritz_vectors = np.linalg.eigh(tridiagonal)
        scale = max(float(np.max(np.abs(ritz_values))), np.finfo(float).tiny)
        top = np.argsort(-ritz_values, kind="stable")[:k]
        if len(top) == k:
            residual = float(np.max(betas[j] * np.abs(ritz_vectors[-1, top]))) / scale
            if residual <= tol:
                return ritz_values[top], True, residual
        if j + 1 == steps:
            return ritz_values[top], len(top) == k and j + 1 == n, residual
        if betas[j] <= 1e-12 * scale:  # invariant subspace: its Ritz values are exact; look elsewhere
            betas[j] = 0.0
            image = rng.standard_normal(n)
            for _ in range(2):
                image -= basis[: j + 1].T @ (basis[: j + 1] @ image)
        basis[j + 1] = image / np.linalg.norm(image)
    raise AssertionError("unreachable")
