"""The Hypothesis strategies of ``tinygrad_edu.testing.strategies``: bounds, defaults, and what they avoid."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.testing import strategies as tgst


# ---------------------------------------------------------------- strategies
# Each test builds its strategy when it runs (not in a decorator at import time), so that
# a mutation run sees which test exercises which strategy. ``run`` draws a fixed set of
# examples (derandomized, no example database), so these tests are deterministic.
def run(strategy, check, max_examples: int = 30) -> None:
    """Call ``check`` on ``max_examples`` values drawn from ``strategy``."""

    @settings(max_examples=max_examples, derandomize=True, database=None, deadline=None)
    @given(strategy)
    def test(value):
        check(value)

    test()


FIND = settings(derandomize=True, database=None, max_examples=1000)


def drawn(strategy, max_examples: int = 50) -> list:
    """The values ``run`` draws, collected."""
    values: list = []
    run(strategy, values.append, max_examples)
    return values


def test_shapes_default_to_up_to_three_axes_of_one_to_four_including_scalars():
    shapes = drawn(tgst.shapes())
    assert all(len(s) <= 3 and all(1 <= n <= 4 for n in s) for s in shapes)
    assert {len(s) for s in shapes} == {0, 1, 2, 3}
    assert {n for s in shapes for n in s} == {1, 2, 3, 4}


def test_shapes_respect_their_bounds():
    shapes = drawn(tgst.shapes(min_dims=2, max_dims=2, min_side=2, max_side=3))
    assert {len(s) for s in shapes} == {2}
    assert {n for s in shapes for n in s} == {2, 3}


def test_broadcastable_shapes_broadcast():
    run(tgst.broadcastable_shapes(3), lambda shapes: np.broadcast_shapes(*shapes))
    triples = drawn(tgst.broadcastable_shapes(3))
    assert {len(t) for t in triples} == {3}


def test_broadcastable_shapes_defaults_and_bounds():
    pairs = drawn(tgst.broadcastable_shapes())
    assert {len(p) for p in pairs} == {2}
    assert {len(s) for p in pairs for s in p} == {0, 1, 2, 3}
    assert {n for p in pairs for s in p for n in s} == {1, 2, 3, 4}
    pairs = drawn(tgst.broadcastable_shapes(2, min_dims=1, max_dims=2, min_side=2, max_side=3))
    assert {len(s) for p in pairs for s in p} == {1, 2}
    assert {n for p in pairs for s in p for n in s} == {2, 3}


def test_matmul_shapes_are_valid_for_np_matmul():
    run(tgst.matmul_shapes(), lambda pair: np.matmul(np.ones(pair[0]), np.ones(pair[1])))


def test_matmul_shapes_include_vectors_and_broadcast_batches():
    find(tgst.matmul_shapes(), lambda pair: len(pair[0]) == 1 and len(pair[1]) >= 3, settings=FIND)
    find(tgst.matmul_shapes(), lambda pair: len(pair[0]) >= 3 and len(pair[1]) >= 3 and pair[0][:-2] != pair[1][:-2],
         settings=FIND)


def test_matmul_shapes_defaults_and_bounds():
    pairs = drawn(tgst.matmul_shapes())
    assert max(len(s) for p in pairs for s in p) == 4  # a matrix with up to 2 batch axes
    assert {n for p in pairs for s in p for n in s} == {1, 2, 3, 4}
    pairs = drawn(tgst.matmul_shapes(max_batch_dims=0, min_side=2, max_side=3))
    assert max(len(s) for p in pairs for s in p) == 2
    assert {n for p in pairs for s in p for n in s} == {2, 3}


def test_floats_default_to_the_interval_from_minus_3_to_3():
    values = drawn(tgst.floats())
    assert all(-3.0 <= v <= 3.0 for v in values) and all(np.isfinite(values))
    assert find(tgst.floats(), lambda v: v > 2.9, settings=FIND) <= 3.0


def test_floats_keep_margin_away_from_avoided_points_pushing_to_the_nearer_side():
    values = drawn(tgst.floats(-1.0, 1.0, avoid=[0.0, 0.5], margin=0.2))
    assert all(abs(v) >= 0.2 - 1e-12 and abs(v - 0.5) >= 0.2 - 1e-12 for v in values)
    assert -0.2 in values and 0.2 in values  # 0 itself went up, small negatives went down
    default_margin = drawn(tgst.floats(avoid=[1]))
    assert all(abs(v - 1.0) >= 0.1 - 1e-12 for v in default_margin) and 0.9 in default_margin


def test_floats_push_a_value_exactly_at_the_margin_no_further():
    # 0.2 is exactly margin away from 0: it is kept, not pushed to 0.2 + margin or -0.2.
    values = drawn(tgst.floats(0.2, 0.2, avoid=[0.0], margin=0.2), max_examples=5)
    assert set(values) == {0.2}


def test_floats_refuse_an_empty_interval():
    with pytest.raises(ValueError, match="floats: low 1.0 is above high 0.0"):
        tgst.floats(1.0, 0.0)
    assert set(drawn(tgst.floats(0.5, 0.5), max_examples=5)) == {0.5}  # a single point is fine


def test_arrays_default_to_float64_values_in_minus_3_to_3_of_any_small_shape():
    arrays = drawn(tgst.arrays())
    assert all(a.dtype == np.float64 and a.ndim <= 3 for a in arrays)
    assert {a.ndim for a in arrays} == {0, 1, 2, 3}
    values = np.concatenate([a.ravel() for a in arrays])
    assert values.min() >= -3.0 and values.max() <= 3.0 and values.min() < -2.9 and values.max() > 2.9
    assert any(len(set(a.ravel().tolist())) < a.size for a in arrays)  # repeats allowed by default


def test_arrays_keep_away_from_the_avoided_points():
    def check(array):
        assert array.dtype == np.float64
        assert np.all(np.abs(array) >= 0.2 - 1e-12) and np.all(np.abs(array - 1.0) >= 0.2 - 1e-12)

    run(tgst.arrays(shape=tgst.shapes(), avoid=[0.0, 1.0], margin=0.2), check)
    values = np.concatenate([a.ravel() for a in drawn(tgst.arrays(shape=(4,), avoid=[0.0]))])
    assert np.all(np.abs(values) >= 0.1 - 1e-12) and {-0.1, 0.1} <= set(values.tolist())


def test_arrays_respect_dtype_and_bounds():
    arrays = drawn(tgst.arrays(shape=(3, 4), dtype=np.float32, low=0.5, high=2.0))
    assert all(a.shape == (3, 4) and a.dtype == np.float32 for a in arrays)
    assert all(np.all((a >= 0.5) & (a <= 2.0)) for a in arrays)


def test_arrays_use_the_elements_strategy_when_given():
    arrays = drawn(tgst.arrays(shape=(2,), elements=st.sampled_from([7.0, 8.0])), max_examples=30)
    assert set(np.concatenate(arrays).tolist()) == {7.0, 8.0}


def test_distinct_arrays_have_no_ties_and_differently_offset_grids_never_meet():
    def check(pair):
        a, b = pair
        assert len(set(a.tolist())) == a.size
        assert not set(a.tolist()) & set(b.tolist())

    run(st.tuples(tgst.arrays(shape=(6,), distinct=True), tgst.arrays(shape=(6,), distinct=True, grid_offset=0.0)), check)


def test_distinct_values_lie_on_the_quarter_grid_from_low_plus_offset_up_to_high():
    values = set(np.concatenate(drawn(tgst.arrays(shape=(3,), low=-1.0, high=1.0, distinct=True))).tolist())
    assert values == {-0.875, -0.625, -0.375, -0.125, 0.125, 0.375, 0.625, 0.875}
    values = set(np.concatenate(drawn(tgst.arrays(shape=(2,), low=0.0, high=1.0, distinct=True, grid_offset=0.0))).tolist())
    assert values == {0.0, 0.25, 0.5, 0.75, 1.0}
    values = set(np.concatenate(drawn(tgst.arrays(shape=(1,), low=0.0, high=0.1, distinct=True, grid_offset=0.0))).tolist())
    assert values == {0.0}  # a single grid point fits
    with pytest.raises(ValueError, match="no grid values between 0.0 and 0.1"):
        tgst.arrays(shape=(1,), low=0.0, high=0.1, distinct=True)  # low + 0.125 is above high


def test_tensors_wrap_arrays():
    tensors = drawn(tgst.tensors(shape=(2,), requires_grad=True), max_examples=30)
    assert all(isinstance(t, tg.Tensor) and t.requires_grad and t.shape == (2,) and t.dtype == np.float64 for t in tensors)
    ones = drawn(tgst.tensors(elements=st.just(1.0)), max_examples=30)
    assert all(np.all(t.numpy() == 1.0) and not t.requires_grad for t in ones)
    assert {t.ndim for t in ones} == {0, 1, 2, 3}
    halves = drawn(tgst.tensors(shape=(3,), dtype=np.float32, low=0.25, high=0.5), max_examples=30)
    assert all(t.dtype == np.float32 and np.all((t.numpy() >= 0.25) & (t.numpy() <= 0.5)) for t in halves)


def test_arrays_refuse_non_float_dtypes():
    with pytest.raises(TypeError, match="arrays: dtype must be a float dtype, got int64"):
        tgst.arrays(shape=(2,), dtype=np.int64)
