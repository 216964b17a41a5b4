"""Every op in API.md, swept from ONE table of op specs (add an op: add one row).

Each row says how to call the op on Tensors, the NumPy reference, where its inputs
may lie (a domain per input), how many inputs it takes, whether it is smooth, and
whether its inputs broadcast. Four property tests run over every row:

- forward values and shapes equal the NumPy reference (float64);
- first derivatives pass ``gradcheck`` (float64, random shapes incl. broadcast pairs);
- second derivatives pass ``gradgradcheck`` (piecewise-linear ops too: their inputs
  keep away from the kinks, where the second derivative is 0);
- float32 inputs give float32 outputs and float32 gradients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu.ops import fused
from tinygrad_edu.testing import gradcheck, gradgradcheck
from tinygrad_edu.testing import strategies as tgst

# ---------------------------------------------------------------- input domains (options for tgst.arrays)
REAL = {"low": -2.0, "high": 2.0}
POSITIVE = {"low": 0.25, "high": 3.0}
NONZERO = {"low": -2.0, "high": 2.0, "avoid": [0.0], "margin": 0.3}
AWAY_FROM_0 = {"low": -2.0, "high": 2.0, "avoid": [0.0], "margin": 0.1}
AWAY_FROM_CLIP_ENDS = {"low": -2.0, "high": 2.0, "avoid": [-1.0, 1.0, -0.5, 0.5], "margin": 0.1}
DISTINCT = {"low": -2.0, "high": 2.0, "distinct": True}  # no ties (max/min): grid of step 1/4
DISTINCT_SHIFTED = {"low": -2.0, "high": 2.0, "distinct": True, "grid_offset": 0.0}  # never equals DISTINCT


@dataclass(frozen=True)
class OpSpec:
    name: str
    op: Callable[..., Any]  # on Tensors: op(*tensors, **params)
    reference: Callable[..., Any]  # on arrays: reference(*arrays, **params)
    arity: int = 1
    domains: tuple[dict, ...] = (REAL,)  # one per input (the last one repeats)
    smooth: bool = True  # differentiable everywhere in its domain (else the domain avoids the kinks)
    broadcasts: bool = False  # inputs are drawn with mutually broadcastable shapes
    shapes: Any = None  # a strategy of input-shape tuples, when the defaults do not fit
    params: Callable[[tuple], Any] = field(default=lambda shapes: st.just({}))  # shapes -> strategy of kwargs
    min_dims: int = 0

    def shape_strategy(self) -> Any:
        if self.shapes is not None:
            return self.shapes
        if self.broadcasts:
            return tgst.broadcastable_shapes(self.arity, min_dims=self.min_dims, max_side=3)
        return tgst.shapes(min_dims=self.min_dims, max_side=3).map(lambda shape: (shape,) * self.arity)

    def domain(self, index: int) -> dict:
        return self.domains[min(index, len(self.domains) - 1)]


# ---------------------------------------------------------------- parameter strategies
def axis_and_keepdims(shapes: tuple) -> Any:
    ndim = len(shapes[0])
    axes = [st.none()]
    if ndim:
        axes += [st.integers(-ndim, ndim - 1), st.lists(st.integers(0, ndim - 1), min_size=1, unique=True).map(tuple)]
    return st.fixed_dictionaries({"axis": st.one_of(axes), "keepdims": st.booleans()})


def one_axis(shapes: tuple, extra: int = 0) -> Any:
    ndim = len(shapes[0]) + extra
    return st.fixed_dictionaries({"axis": st.integers(-ndim, ndim - 1)})


def var_params(shapes: tuple) -> Any:
    shape = shapes[0]

    def with_ddof(params: dict) -> Any:
        axis = params["axis"]
        axes = range(len(shape)) if axis is None else [axis] if isinstance(axis, int) else axis
        count = int(np.prod([shape[a] for a in axes]))
        return st.integers(0, min(1, count - 1)).map(lambda ddof: {**params, "ddof": ddof})

    return axis_and_keepdims(shapes).flatmap(with_ddof)


def reshape_params(shapes: tuple) -> Any:
    shape = shapes[0]
    size = int(np.prod(shape))
    targets = [(-1,), (size,), shape[::-1], (1, *shape), (*shape, 1), (size, 1)]
    return st.sampled_from(targets).map(lambda target: {"shape": target})


def flatten_params(shapes: tuple) -> Any:
    ndim = max(len(shapes[0]), 1)
    return st.tuples(st.integers(0, ndim - 1), st.integers(0, ndim - 1)).map(
        lambda pair: {"start": min(pair), "end": max(pair) - ndim}
    )


def squeeze_params(shapes: tuple) -> Any:
    ndim = len(shapes[0])
    return st.one_of(st.none(), st.integers(-ndim, ndim - 1) if ndim else st.none()).map(lambda axis: {"axis": axis})


@st.composite
def expand_params(draw: Any, shapes: tuple) -> dict:
    shape = shapes[0]
    leading = draw(st.lists(st.integers(1, 3), max_size=2))
    target = [draw(st.integers(1, 3)) if n == 1 else draw(st.sampled_from([n, -1])) for n in shape]
    return {"shape": (*leading, *target)}


def index_params(shapes: tuple) -> Any:
    shape = shapes[0]
    return st.one_of(
        hnp.basic_indices(shape, allow_newaxis=True),
        hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2, max_side=4)),
        st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=5).map(np.array),  # repeats scatter-add
    ).map(lambda index: {"index": index})


@st.composite
def cat_shapes(draw: Any) -> tuple:
    base = draw(tgst.shapes(min_dims=1, max_side=3))
    axis = draw(st.integers(0, len(base) - 1))
    lengths = draw(st.lists(st.integers(1, 3), min_size=3, max_size=3))
    return tuple(base[:axis] + (n,) + base[axis + 1 :] for n in lengths)


def cat_params(shapes: tuple) -> Any:
    first = shapes[0]
    axes = [a for a in range(len(first)) if any(s[a] != first[a] for s in shapes)] or list(range(len(first)))
    return st.sampled_from(axes).flatmap(lambda a: st.sampled_from([a, a - len(first)])).map(lambda a: {"axis": a})


@st.composite
def linear_shapes(draw: Any) -> tuple:
    batch = draw(tgst.shapes(max_dims=2, max_side=3))
    features_in, features_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return ((*batch, features_in), (features_out, features_in), (features_out,))


def np_linear(x, weight, bias):
    return x @ weight.T + bias


def np_mse(input, target, reduction):
    squares = (input - target) ** 2
    return {"mean": np.mean, "sum": np.sum, "none": lambda s: s}[reduction](squares)


def where_params(shapes: tuple) -> Any:
    full = np.broadcast_shapes(*shapes)
    return st.integers(0, len(full)).flatmap(
        lambda k: hnp.arrays(np.bool_, full[k:]).map(lambda condition: {"condition": condition})
    )


def permutation(shapes: tuple) -> Any:
    return st.permutations(range(len(shapes[0]))).map(lambda axes: {"axes": tuple(axes)})


def two_axes(shapes: tuple) -> Any:
    ndim = len(shapes[0])
    return st.tuples(st.integers(-ndim, ndim - 1), st.integers(-ndim, ndim - 1)).map(lambda ab: {"a": ab[0], "b": ab[1]})


# ---------------------------------------------------------------- NumPy references that are more than one call
def np_logsumexp(x, axis=None, keepdims=False):
    shift = np.max(x, axis=axis, keepdims=True)
    kept = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
    return kept if keepdims else np.squeeze(kept, axis=tuple(range(x.ndim)) if axis is None else axis)


def np_softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_flatten(x, start, end):
    if x.ndim == 0:
        return x.reshape(1)
    start, end = start % x.ndim, end % x.ndim
    return x.reshape(x.shape[:start] + (-1,) + x.shape[end + 1 :])


def np_squeeze(x, axis):
    if axis is None:
        return np.squeeze(x)
    return np.squeeze(x, axis) if x.shape[axis] == 1 else x  # PyTorch leaves an axis of length > 1


def np_expand(x, shape):
    offset = len(shape) - x.ndim
    return np.broadcast_to(x, tuple(x.shape[i - offset] if n == -1 else n for i, n in enumerate(shape)))


def np_swapaxes(x, a, b):
    return np.swapaxes(x, a, b)


# ---------------------------------------------------------------- PyTorch-named methods: parameters and references
DISTINCT_MAGNITUDES = {"low": -2.0, "high": 2.0, "distinct": True, "grid_offset": 0.0625}  # no |x| ties, never 0
WITH_ONE_ZERO_AT_MOST = {"low": -1.0, "high": 1.0, "distinct": True, "grid_offset": 0.0}  # 0 may occur, once


def np_norm(x, p, axis=None, keepdims=False):
    magnitude = np.abs(x)
    if p == np.inf:
        return np.max(magnitude, axis=axis, keepdims=keepdims)
    if p == 0:
        return np.sum(magnitude != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
    return np.sum(magnitude**p, axis=axis, keepdims=keepdims) ** (1 / p)


def unique_axes(shapes: tuple) -> Any:
    ndim = len(shapes[0])
    return st.lists(st.integers(0, ndim - 1), min_size=1, unique=True).map(lambda axes: {"axes": tuple(axes)})


@st.composite
def repeat_params(draw: Any, shapes: tuple) -> dict:
    extra = draw(st.integers(0, 1))
    return {"sizes": tuple(draw(st.integers(1, 2)) for _ in range(len(shapes[0]) + extra))}


@st.composite
def split_params(draw: Any, shapes: tuple) -> dict:
    shape = shapes[0]
    axis = draw(st.integers(0, len(shape) - 1))
    return {"axis": axis, "size": draw(st.integers(1, shape[axis]))}


@st.composite
def gather_params(draw: Any, shapes: tuple) -> dict:
    shape = shapes[0]
    axis = draw(st.integers(0, len(shape) - 1))
    index_shape = tuple(draw(st.integers(1, 3)) if d == axis else draw(st.integers(1, n)) for d, n in enumerate(shape))
    return {"axis": axis, "index": draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[axis] - 1)))}


def np_gather(x, axis, index):
    return np.take_along_axis(x[tuple(slice(0, n) if d != axis else slice(None) for d, n in enumerate(index.shape))], index, axis)


@st.composite
def index_select_params(draw: Any, shapes: tuple) -> dict:
    shape = shapes[0]
    axis = draw(st.integers(0, len(shape) - 1))
    return {"axis": axis, "index": draw(st.lists(st.integers(0, shape[axis] - 1), min_size=1, max_size=4)).copy()}


def mask_params(shapes: tuple) -> Any:
    shape = shapes[0]
    return st.integers(0, len(shape)).flatmap(lambda k: hnp.arrays(np.bool_, shape[k:]).map(lambda mask: {"mask": mask}))


def diagonal_param(shapes: tuple) -> Any:
    return st.integers(-2, 2).map(lambda k: {"diagonal": k})


@st.composite
def topk_params(draw: Any, shapes: tuple) -> dict:
    shape = shapes[0]
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return {"axis": axis, "k": draw(st.integers(1, shape[axis])), "largest": draw(st.booleans())}


def np_topk(x, axis, k, largest):
    ordered = -np.sort(-x, axis=axis) if largest else np.sort(x, axis=axis)
    return np.take(ordered, np.arange(k), axis=axis)


def np_weighted_pieces(pieces, axis):
    return np.concatenate([piece * (k + 1) for k, piece in enumerate(pieces)], axis=axis)


def weighted_pieces(pieces, axis):
    """The pieces joined again, each scaled differently, so that a piece lost or swapped would show."""
    return tg.cat([piece * (k + 1) for k, piece in enumerate(pieces)], axis)


def einsum_row(equation: str, *sides: str) -> OpSpec:
    """A row for ``tg.einsum(equation, ...)``; ``sides`` spell each operand's shape with the letters
    n, m, k, b (drawn from 1 to 3) or a digit (that length)."""

    def shapes(sizes: tuple) -> tuple:
        lengths = dict(zip("nmkb", sizes))
        return tuple(tuple(int(c) if c.isdigit() else lengths[c] for c in side) for side in sides)

    return OpSpec(f"einsum {equation}", lambda *xs: tg.einsum(equation, *xs), lambda *xs: np.einsum(equation, *xs),
                  len(sides), shapes=st.tuples(*[st.integers(1, 3)] * 4).map(shapes))


# ---------------------------------------------------------------- the table
OPS = [
    # arithmetic, tensor with tensor (broadcasting)
    OpSpec("add", lambda a, b: a + b, np.add, 2, broadcasts=True),
    OpSpec("sub", lambda a, b: a - b, np.subtract, 2, broadcasts=True),
    OpSpec("mul", lambda a, b: a * b, np.multiply, 2, broadcasts=True),
    OpSpec("div", lambda a, b: a / b, np.divide, 2, (REAL, NONZERO), broadcasts=True),
    OpSpec("pow", lambda a, b: a**b, np.power, 2, (POSITIVE, REAL), broadcasts=True),
    # arithmetic with a Python scalar on either side
    OpSpec("add_scalar", lambda a: a + 1.5, lambda a: a + 1.5),
    OpSpec("radd_scalar", lambda a: 1.5 + a, lambda a: 1.5 + a),
    OpSpec("sub_scalar", lambda a: a - 1.5, lambda a: a - 1.5),
    OpSpec("rsub_scalar", lambda a: 1.5 - a, lambda a: 1.5 - a),
    OpSpec("mul_scalar", lambda a: a * -2.5, lambda a: a * -2.5),
    OpSpec("rmul_scalar", lambda a: -2.5 * a, lambda a: -2.5 * a),
    OpSpec("div_scalar", lambda a: a / 4.0, lambda a: a / 4.0),
    OpSpec("rdiv_scalar", lambda a: 2.0 / a, lambda a: 2.0 / a, domains=(NONZERO,)),
    OpSpec("pow_int_scalar", lambda a: a**3, lambda a: a**3),
    OpSpec("pow_negative_scalar", lambda a: a**-2, lambda a: a**-2.0, domains=(NONZERO,)),
    OpSpec("pow_fraction_scalar", lambda a: a**1.5, lambda a: a**1.5, domains=(POSITIVE,)),
    OpSpec("rpow_scalar", lambda a: 2.0**a, lambda a: 2.0**a),
    OpSpec("neg", lambda a: -a, np.negative),
    OpSpec("matmul", lambda a, b: a @ b, np.matmul, 2, shapes=tgst.matmul_shapes(max_side=3)),
    OpSpec("maximum", tg.maximum, np.maximum, 2, (DISTINCT, DISTINCT_SHIFTED), smooth=False, broadcasts=True),
    OpSpec("minimum", tg.minimum, np.minimum, 2, (DISTINCT, DISTINCT_SHIFTED), smooth=False, broadcasts=True),
    # elementwise
    OpSpec("relu", lambda x: x.relu(), lambda x: np.maximum(x, 0), domains=(AWAY_FROM_0,), smooth=False),
    OpSpec("leaky_relu", lambda x: x.leaky_relu(), lambda x: np.where(x > 0, x, 0.01 * x), domains=(AWAY_FROM_0,),
           smooth=False),
    OpSpec("leaky_relu_slope", lambda x: x.leaky_relu(0.2), lambda x: np.where(x > 0, x, 0.2 * x),
           domains=(AWAY_FROM_0,), smooth=False),
    OpSpec("sigmoid", lambda x: x.sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    OpSpec("tanh", lambda x: x.tanh(), np.tanh),
    OpSpec("exp", lambda x: x.exp(), np.exp),
    OpSpec("log", lambda x: x.log(), np.log, domains=(POSITIVE,)),
    OpSpec("sqrt", lambda x: x.sqrt(), np.sqrt, domains=(POSITIVE,)),
    OpSpec("sin", lambda x: x.sin(), np.sin),
    OpSpec("cos", lambda x: x.cos(), np.cos),
    OpSpec("np_sin_cos", lambda x: np.sin(x) * np.cos(x), lambda x: np.sin(x) * np.cos(x)),
    OpSpec("sign", lambda x: x.sign() * x, lambda x: np.sign(x) * x, domains=(AWAY_FROM_0,), smooth=False),
    OpSpec("square", lambda x: x.square(), np.square),
    OpSpec("reciprocal", lambda x: x.reciprocal(), np.reciprocal, domains=(NONZERO,)),
    OpSpec("astype", lambda x: x.astype(x.dtype) * x, lambda x: x * x),  # (a cast to another dtype would round)
    OpSpec("abs", lambda x: x.abs(), np.abs, domains=(AWAY_FROM_0,), smooth=False),
    OpSpec("clip", lambda x: x.clip(-1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0), domains=(AWAY_FROM_CLIP_ENDS,),
           smooth=False),
    OpSpec("clip_low_only", lambda x: x.clip(-0.5, None), lambda x: np.maximum(x, -0.5),
           domains=(AWAY_FROM_CLIP_ENDS,), smooth=False),
    OpSpec("clip_high_only", lambda x: x.clip(None, 0.5), lambda x: np.minimum(x, 0.5),
           domains=(AWAY_FROM_CLIP_ENDS,), smooth=False),
    OpSpec("clamp_min", lambda x: x.clamp(min=-0.5), lambda x: np.maximum(x, -0.5),
           domains=(AWAY_FROM_CLIP_ENDS,), smooth=False),
    # reductions
    OpSpec("sum", lambda x, **p: x.sum(**p), lambda x, **p: np.sum(x, **p), params=axis_and_keepdims),
    OpSpec("mean", lambda x, **p: x.mean(**p), lambda x, **p: np.mean(x, **p), params=axis_and_keepdims),
    OpSpec("amax", lambda x, **p: x.amax(**p), lambda x, **p: np.max(x, **p), domains=(DISTINCT,), smooth=False,
           params=axis_and_keepdims),
    OpSpec("amin", lambda x, **p: x.amin(**p), lambda x, **p: np.min(x, **p), domains=(DISTINCT,), smooth=False,
           params=axis_and_keepdims),
    OpSpec("np_max", lambda x, **p: np.max(x, **p), lambda x, **p: np.max(x, **p), domains=(DISTINCT,), smooth=False,
           params=axis_and_keepdims),
    OpSpec("max_dim_values", lambda x, axis: x.max(axis).values, lambda x, axis: np.max(x, axis), domains=(DISTINCT,),
           smooth=False, params=one_axis, min_dims=1),
    OpSpec("min_dim_values", lambda x, axis: x.min(dim=axis, keepdim=True)[0], lambda x, axis: np.min(x, axis, keepdims=True),
           domains=(DISTINCT,), smooth=False, params=one_axis, min_dims=1),
    OpSpec("var", lambda x, **p: x.var(**p), lambda x, **p: np.var(x, **p), params=var_params),
    OpSpec("std", lambda x, **p: x.std(**p), lambda x, **p: np.std(x, **p), domains=(DISTINCT,), params=var_params,
           shapes=tgst.shapes(min_dims=1, min_side=2, max_side=3).map(lambda s: (s,))),  # (√ has no slope at var 0)
    OpSpec("logsumexp", lambda x, **p: x.logsumexp(**p), np_logsumexp, params=axis_and_keepdims),
    OpSpec("softmax", lambda x, axis: x.softmax(axis), np_softmax, params=one_axis, min_dims=1),
    OpSpec("log_softmax", lambda x, axis: x.log_softmax(axis), lambda x, axis: np.log(np_softmax(x, axis)),
           params=one_axis, min_dims=1),
    # shape
    OpSpec("reshape", lambda x, shape: x.reshape(*shape), np.reshape, params=reshape_params),
    OpSpec("reshape_tuple", lambda x, shape: x.reshape(shape), np.reshape, params=reshape_params),
    OpSpec("permute_reverse", lambda x: x.permute(), np.transpose),
    OpSpec("permute", lambda x, axes: x.permute(*axes), np.transpose, params=permutation),
    OpSpec("np_transpose", lambda x, axes: np.transpose(x, axes), np.transpose, params=permutation),
    OpSpec("transpose", lambda x, a, b: x.transpose(a, b), np_swapaxes, params=two_axes, min_dims=1),
    OpSpec("swapaxes", lambda x, a, b: x.swapaxes(a, b), np_swapaxes, params=two_axes, min_dims=1),
    OpSpec("T", lambda x: x.T, lambda x: x.T),
    OpSpec("mT", lambda x: x.mT, lambda x: np.swapaxes(x, -1, -2), min_dims=2),
    OpSpec("flatten", lambda x, start, end: x.flatten(start, end), np_flatten, params=flatten_params),
    OpSpec("squeeze", lambda x, axis: x.squeeze(axis), np_squeeze, shapes=tgst.shapes(max_side=2).map(lambda s: (s,)),
           params=squeeze_params),
    OpSpec("unsqueeze", lambda x, axis: x.unsqueeze(axis), np.expand_dims, params=lambda s: one_axis(s, extra=1)),
    OpSpec("expand", lambda x, shape: x.expand(*shape), np_expand, params=expand_params),
    OpSpec("broadcast_to", lambda x, shape: x.broadcast_to(shape), np.broadcast_to,
           params=lambda s: expand_params(s).filter(lambda p: -1 not in p["shape"])),
    OpSpec("getitem", lambda x, index: x[index], lambda x, index: x[index], params=index_params, min_dims=1),
    OpSpec("cat", lambda *xs, axis: tg.cat(list(xs), axis=axis), lambda *xs, axis: np.concatenate(xs, axis=axis), 3,
           shapes=cat_shapes(), params=cat_params),
    OpSpec("stack", lambda *xs, axis: tg.stack(list(xs), axis=axis), lambda *xs, axis: np.stack(xs, axis=axis), 2,
           params=lambda s: one_axis(s, extra=1)),
    OpSpec("where", lambda a, b, condition: tg.where(condition, a, b), lambda a, b, condition: np.where(condition, a, b),
           2, broadcasts=True, params=where_params),
    OpSpec("where_method", lambda a, b, condition: a.where(condition, b), lambda a, b, condition: np.where(condition, a, b),
           2, broadcasts=True, params=where_params),
    OpSpec("dot", lambda a, b: a.dot(b), np.dot, 2, shapes=st.integers(1, 4).map(lambda n: ((n,), (n,)))),
    OpSpec("mm", lambda a, b: a.mm(b), np.matmul, 2,
           shapes=st.tuples(*[st.integers(1, 3)] * 3).map(lambda nmk: ((nmk[0], nmk[1]), (nmk[1], nmk[2])))),
    OpSpec("outer", lambda a, b: a.outer(b), np.outer, 2, shapes=st.tuples(st.integers(1, 3), st.integers(1, 3)).map(
        lambda nm: ((nm[0],), (nm[1],)))),
    # PyTorch-named methods and the top-level functions
    OpSpec("add_alpha", lambda a, b: a.add(b, alpha=-1.5), lambda a, b: a - 1.5 * b, 2, broadcasts=True),
    OpSpec("sub_alpha", lambda a, b: tg.sub(a, b, alpha=2), lambda a, b: a - 2 * b, 2, broadcasts=True),
    OpSpec("div_method", lambda a, b: a.div(b), np.divide, 2, (REAL, NONZERO), broadcasts=True),
    OpSpec("pow_method", lambda a: a.pow(2.5), lambda a: a**2.5, domains=(POSITIVE,)),
    OpSpec("log1p", lambda x: x.log1p(), np.log1p, domains=({"low": -0.5, "high": 2.0},)),
    OpSpec("expm1", lambda x: tg.expm1(x), np.expm1),
    OpSpec("np_log1p_expm1", lambda x: np.log1p(np.expm1(x)), lambda x: x),
    OpSpec("rsqrt", lambda x: x.rsqrt(), lambda x: 1 / np.sqrt(x), domains=(POSITIVE,)),
    OpSpec("clone", lambda x: x.clone() * x, lambda x: x * x),
    OpSpec("to_dtype", lambda x: x.to(np.float64).to(x.dtype) * x.type_as(x), lambda x: x * x),
    # (away from 0: a tiny x would underflow x² in Div's second derivative; zeros have their own row)
    OpSpec("prod", lambda x, **p: x.prod(dim=p["axis"], keepdim=p["keepdims"]), lambda x, **p: np.prod(x, **p),
           domains=(AWAY_FROM_0,), params=axis_and_keepdims),
    OpSpec("prod_through_a_zero", lambda x: x.prod(), np.prod, domains=(WITH_ONE_ZERO_AT_MOST,),
           shapes=st.integers(1, 5).map(lambda n: ((n,),))),
    OpSpec("np_prod", lambda x, **p: np.prod(x, **p), lambda x, **p: np.prod(x, **p), domains=(AWAY_FROM_0,),
           params=axis_and_keepdims),
    OpSpec("norm", lambda x, **p: x.norm(dim=p["axis"], keepdim=p["keepdims"]), lambda x, **p: np_norm(x, 2, **p),
           domains=(AWAY_FROM_0,), params=axis_and_keepdims),
    OpSpec("norm_p1", lambda x, **p: tg.norm(x, 1, p["axis"], p["keepdims"]), lambda x, **p: np_norm(x, 1, **p),
           domains=(AWAY_FROM_0,), smooth=False, params=axis_and_keepdims),
    OpSpec("norm_p3", lambda x, **p: x.norm(3, p["axis"]), lambda x, **p: np_norm(x, 3, p["axis"]),
           domains=(AWAY_FROM_0,), params=axis_and_keepdims),
    OpSpec("norm_inf", lambda x, **p: x.norm(float("inf"), p["axis"]), lambda x, **p: np_norm(x, np.inf, p["axis"]),
           domains=(DISTINCT_MAGNITUDES,), smooth=False, params=axis_and_keepdims),
    OpSpec("norm_p0", lambda x: x.norm(0) * x, lambda x: np_norm(x, 0) * x, domains=(AWAY_FROM_0,), smooth=False),
    OpSpec("cumsum", lambda x, axis: x.cumsum(axis), lambda x, axis: np.cumsum(x, axis), params=one_axis, min_dims=1),
    OpSpec("np_cumsum", lambda x: np.cumsum(x), np.cumsum),
    OpSpec("flip", lambda x, axes: x.flip(*axes), lambda x, axes: np.flip(x, axes), params=unique_axes, min_dims=1),
    OpSpec("np_flip", lambda x: np.flip(x), np.flip),
    OpSpec("repeat", lambda x, sizes: x.repeat(*sizes), lambda x, sizes: np.tile(x, sizes), params=repeat_params),
    OpSpec("np_tile", lambda x: np.tile(x, 2), lambda x: np.tile(x, 2)),
    OpSpec("split", lambda x, axis, size: weighted_pieces(x.split(size, axis), axis),
           lambda x, axis, size: np_weighted_pieces(np.split(x, range(size, x.shape[axis], size), axis), axis),
           params=split_params, min_dims=1),
    OpSpec("chunk", lambda x, axis, size: weighted_pieces(tg.chunk(x, size, dim=axis), axis),
           lambda x, axis, size: np_weighted_pieces(
               np.split(x, range(-(-x.shape[axis] // size), x.shape[axis], -(-x.shape[axis] // size)), axis), axis),
           params=split_params, min_dims=1),
    OpSpec("unbind", lambda x, axis: tg.stack([t * (k + 1) for k, t in enumerate(x.unbind(axis))], axis),
           lambda x, axis: np.stack([t * (k + 1) for k, t in enumerate(np.moveaxis(x, axis, 0))], axis),
           params=one_axis, min_dims=1),
    OpSpec("gather", lambda x, axis, index: x.gather(axis, index), np_gather, params=gather_params, min_dims=1),
    OpSpec("index_select", lambda x, axis, index: tg.index_select(x, axis, index),
           lambda x, axis, index: np.take(x, index, axis), params=index_select_params, min_dims=1),
    OpSpec("masked_fill", lambda x, mask: x.masked_fill(mask, -0.5), lambda x, mask: np.where(mask, -0.5, x),
           params=mask_params),
    OpSpec("tril", lambda x, diagonal: x.tril(diagonal), lambda x, diagonal: np.tril(x, diagonal), params=diagonal_param,
           min_dims=2),
    OpSpec("triu", lambda x, diagonal: tg.triu(x, diagonal=diagonal), lambda x, diagonal: np.triu(x, diagonal),
           params=diagonal_param, min_dims=2),
    OpSpec("np_tril_triu", lambda x: np.tril(x) + np.triu(x, 1), lambda x: np.tril(x) + np.triu(x, 1), min_dims=1),
    OpSpec("sort", lambda x, axis: x.sort(axis).values, lambda x, axis: np.sort(x, axis), domains=(DISTINCT,),
           smooth=False, params=one_axis, min_dims=1),
    OpSpec("sort_descending", lambda x: x.sort(descending=True)[0], lambda x: -np.sort(-x), domains=(DISTINCT,),
           smooth=False, min_dims=1),
    OpSpec("np_sort", lambda x: np.sort(x, axis=None), lambda x: np.sort(x, axis=None), domains=(DISTINCT,), smooth=False),
    OpSpec("topk", lambda x, **p: x.topk(p["k"], p["axis"], p["largest"]).values, np_topk, domains=(DISTINCT,),
           smooth=False, params=topk_params, min_dims=1),
    einsum_row("ij,jk->ik", "nm", "mk"),
    einsum_row("bij,bjk->bik", "bnm", "bmk"),
    einsum_row("ij,ij->", "nm", "nm"),
    einsum_row("ii->i", "nn"),
    einsum_row("ii", "nn"),
    einsum_row("iij->ji", "nnm"),
    einsum_row("ij->j", "nm"),
    einsum_row("i,j->ij", "n", "m"),
    einsum_row("i,ij,j", "n", "nm", "m"),
    einsum_row("...ij,jk", "bnm", "mk"),
    einsum_row("...i,...i->...", "b1n", "mn"),
    einsum_row("ij,ij->ij", "1m", "nm"),
    OpSpec("np_einsum", lambda a, b: np.einsum("ij,jk", a, b), lambda a, b: np.einsum("ij,jk", a, b), 2,
           shapes=st.tuples(*[st.integers(1, 3)] * 3).map(lambda nmk: ((nmk[0], nmk[1]), (nmk[1], nmk[2])))),
    # fused ops (one graph node each, used by nn.functional)
    OpSpec("fused_linear", fused.Linear.apply, np_linear, 3, shapes=linear_shapes()),
    OpSpec("fused_mse_loss", lambda a, b, reduction: fused.MSELoss.apply(a, b, reduction=reduction), np_mse, 2,
           params=lambda s: st.sampled_from(["mean", "sum", "none"]).map(lambda r: {"reduction": r})),
]
OPS_BY_NAME = {spec.name: spec for spec in OPS}


def draw_case(data: Any, spec: OpSpec, dtype: Any = np.float64) -> tuple[list[np.ndarray], dict]:
    """Draw input arrays and keyword parameters for one application of ``spec``."""
    shapes = data.draw(spec.shape_strategy(), label="shapes")
    params = data.draw(spec.params(shapes), label="params")
    arrays = [data.draw(tgst.arrays(shape, dtype, **spec.domain(i)), label=f"input {i}") for i, shape in enumerate(shapes)]
    return arrays, params


def as_tensors(arrays: list[np.ndarray]) -> list[tg.Tensor]:
    return [tg.Tensor(a, requires_grad=True) for a in arrays]


# Gradient checks evaluate the op twice per input element; fewer examples keep the suite fast.
FEWER = settings(max_examples=max(5, settings.default.max_examples // 2))
by_name = pytest.mark.parametrize("spec", OPS, ids=lambda spec: spec.name)


def test_the_table_covers_each_row_once_and_kinked_ops_avoid_their_kinks():
    assert len(OPS_BY_NAME) == len(OPS)
    for spec in OPS:
        assert len(spec.domains) in (1, spec.arity), spec.name
        if not spec.smooth:
            assert all(d.get("avoid") or d.get("distinct") for d in spec.domains), spec.name


def op_classes_exercised(spec: OpSpec) -> set[type]:
    """The op classes whose nodes one application of a row creates, in its forward and in its
    backward run with ``create_graph`` (so also the ops its backward calls, like Cos for Sin)."""
    made: set[type] = set()
    remove = tg.add_node_hook(lambda node: made.add(node.function))
    try:
        arrays, params = draw_case_example(spec)
        inputs = as_tensors(arrays)
        out = spec.op(*inputs, **params)
        seed = tg.ones(out.shape, requires_grad=True)  # a seed that needs a gradient too, as in gradgradcheck
        tg.grad(out, inputs, grad_outputs=seed, create_graph=True, allow_unused=True)
    finally:
        remove()
    return made


def draw_case_example(spec: OpSpec) -> tuple[list[np.ndarray], dict]:
    cases = []

    @given(data=st.data())
    @settings(max_examples=1, database=None)
    def draw(data):
        cases.append(draw_case(data, spec))

    draw()
    return cases[-1]


def test_every_built_in_op_and_numpy_function_has_a_row():
    """The table is checked against the declarations: adding an op without a row fails here.

    Every built-in op class must be exercised by some row, forward and backward, so that its
    backward runs under create_graph (where a NumPy call without a differentiable counterpart,
    e.g. np.cos in Sin's backward, would fail); every declared NumPy function must be reachable.
    """
    built_in = {cls for cls in OPS_DECLARED.values() if cls.__module__.startswith("tinygrad_edu.ops")}
    exercised = set().union(*(op_classes_exercised(spec) for spec in OPS))
    assert sorted(cls.__name__ for cls in built_in - exercised) == []


OPS_DECLARED = tg.function.OPS


@by_name
@given(data=st.data())
def test_forward_matches_numpy(spec, data):
    arrays, params = draw_case(data, spec)
    out = spec.op(*as_tensors(arrays), **params)
    expected = np.asarray(spec.reference(*arrays, **params))
    assert isinstance(out, tg.Tensor)
    assert out.shape == expected.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@by_name
@FEWER
@given(data=st.data())
def test_first_derivatives_match_finite_differences(spec, data):
    arrays, params = draw_case(data, spec)
    assert gradcheck(lambda *xs: spec.op(*xs, **params), as_tensors(arrays))


@by_name
@FEWER
@given(data=st.data())
def test_second_derivatives_match_finite_differences(spec, data):
    arrays, params = draw_case(data, spec)
    assert gradgradcheck(lambda *xs: spec.op(*xs, **params), as_tensors(arrays))


@by_name
@FEWER
@given(data=st.data())
def test_float32_inputs_give_float32_outputs_and_gradients(spec, data):
    arrays, params = draw_case(data, spec, dtype=np.float32)
    tensors = as_tensors(arrays)
    out = spec.op(*tensors, **params)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    for tensor in tensors:
        assert tensor.grad is not None and tensor.grad.dtype == np.float32
        assert tensor.grad.shape == tensor.shape


# ---------------------------------------------------------------- PyTorch parity regressions
# Expected values below were computed once with PyTorch 2.13 (CPU) and written in.


def test_pow_exponent_gradient_at_zero_base_matches_pytorch():
    # d/db a^b = a^b·log a: PyTorch masks it to 0 at a = 0 only for b >= 0; for b < 0 it is inf·(-inf) = -inf.
    base = tg.Tensor([0.0, 0.0, 0.0, 2.0], requires_grad=True)
    exponent = tg.Tensor([-1.0, 0.0, 2.0, -1.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = base**exponent
        out.sum().backward()
    np.testing.assert_array_equal(out.data, [np.inf, 1.0, 0.0, 0.5])
    np.testing.assert_array_equal(base.grad, [-np.inf, 0.0, 0.0, -0.25])
    np.testing.assert_allclose(exponent.grad, [-np.inf, 0.0, 0.0, 0.34657359027997264])


def test_scalar_zero_to_a_tensor_power_has_pytorch_exponent_gradient():
    exponent = tg.Tensor([-1.0, 0.5, 0.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (0.0**exponent).sum().backward()
    np.testing.assert_array_equal(exponent.grad, [-np.inf, 0.0, 0.0])


def test_softmax_and_log_softmax_keep_float32_precision_for_large_logits():
    # Without subtracting the max first, 1e4 + log 3 rounds in float32 and log_softmax is off by 2e-5.
    x = tg.Tensor(np.array([[1e4, 1e4, 1e4], [1000.0, 0.0, -1000.0]], dtype=np.float32), requires_grad=True)
    log_probs = x.log_softmax(axis=-1)
    probs = x.softmax(axis=-1)
    assert log_probs.dtype == np.float32 and probs.dtype == np.float32
    np.testing.assert_allclose(log_probs.data, [[-1.0986123085021973] * 3, [0.0, -1000.0, -2000.0]], rtol=1e-7)
    np.testing.assert_allclose(probs.data, [[0.3333333432674408] * 3, [1.0, 0.0, 0.0]], rtol=1e-7)
    probs[:, 0].sum().backward()
    np.testing.assert_allclose(x.grad, [[2 / 9, -1 / 9, -1 / 9], [0.0, 0.0, 0.0]], rtol=1e-6, atol=1e-7)
    assert x.grad.dtype == np.float32


def test_softmax_of_a_row_of_minus_infinity_and_finite_values():
    x = tg.Tensor([[-np.inf, 0.0, 0.0], [-np.inf, -np.inf, 5.0]])
    np.testing.assert_allclose(x.softmax(axis=1).data, [[0.0, 0.5, 0.5], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(x.log_softmax(axis=1).data, [[-np.inf, -np.log(2), -np.log(2)], [-np.inf, -np.inf, 0.0]])


def test_logsumexp_over_an_empty_axis_is_minus_infinity_like_pytorch():
    x = tg.Tensor(np.zeros((0, 3)), requires_grad=True)
    out = x.logsumexp(axis=0)
    np.testing.assert_array_equal(out.data, [-np.inf, -np.inf, -np.inf])
    assert x.logsumexp(axis=0, keepdims=True).shape == (1, 3)
    assert x.logsumexp(axis=1).shape == (0,)
    out.backward(np.ones(3))
    assert x.grad.shape == (0, 3)
    assert x.softmax(axis=0).shape == (0, 3)  # softmax of an empty tensor is empty, not an error


def test_max_and_min_along_a_non_empty_axis_of_an_empty_tensor_are_empty():
    x = tg.Tensor(np.zeros((0, 3)))
    assert x.amax(dim=1).shape == (0,)
    assert x.amin(axis=1, keepdims=True).shape == (0, 1)
    assert x.max(dim=1).values.shape == (0,) and x.max(dim=1).indices.shape == (0,)
    with pytest.raises(ValueError, match="empty"):
        x.amax(dim=0)  # the reduced axis itself is empty: no value (PyTorch raises too)
    with pytest.raises(IndexError, match="empty"):
        x.max(dim=0)
    with pytest.raises(ValueError, match="empty"):
        x.min()


def test_softmax_of_a_row_with_plus_infinity_is_nan_like_pytorch():
    # PyTorch: softmax([inf, 0, 1]) = [nan, nan, nan] (inf - inf); we gave [nan, 0, 0].
    x = tg.Tensor([[np.inf, 0.0, 1.0], [0.0, 0.0, 0.0]])
    with np.errstate(invalid="ignore"):
        probs, log_probs = x.softmax(axis=1), x.log_softmax(axis=1)
    assert np.isnan(probs.data[0]).all() and np.isnan(log_probs.data[0]).all()
    np.testing.assert_allclose(probs.data[1], [1 / 3] * 3)
    np.testing.assert_allclose(log_probs.data[1], [-np.log(3.0)] * 3)


def test_clip_with_array_bounds_that_broadcast_beyond_the_tensor():
    # torch.clamp(x (3,), min=zeros (2, 1), max=1) has shape (2, 3); backward used to fail in NumPy.
    x = tg.Tensor([-0.5, 0.0, 2.0], requires_grad=True)
    out = x.clip(np.array([[0.0], [-1.0]]), 1.0)
    np.testing.assert_array_equal(out.data, [[0.0, 0.0, 1.0], [-0.5, 0.0, 1.0]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 0.0])  # the bounds are inside the interval (gradient 1)


def test_clip_with_lo_above_hi_gives_hi_and_no_gradient_like_pytorch():
    x = tg.Tensor([-2.0, 0.0, 2.0], requires_grad=True)
    out = x.clip(1.0, -1.0)
    np.testing.assert_array_equal(out.data, [-1.0, -1.0, -1.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


def test_permute_without_arguments_reverses_the_axes_like_transpose():
    x = tg.Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    out = x.permute()
    assert out.shape == (4, 3, 2)
    np.testing.assert_array_equal(out.data, np.transpose(x.data))
    (out * tg.Tensor(np.arange(24.0).reshape(4, 3, 2))).sum().backward()
    np.testing.assert_array_equal(x.grad, np.transpose(np.arange(24.0).reshape(4, 3, 2)))
