"""The testing tools themselves: gradcheck, gradgradcheck, numerical_grad and the strategies."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import find, given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.testing import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from tinygrad_edu.testing import strategies as tgst


class SinDroppingTheGraph(tg.Function):
    """sin with a correct first derivative computed on raw arrays: not differentiable twice."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * np.cos(np.asarray(x))  # np.asarray leaves the graph


class WrongSecondInput(tg.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * a * 2  # the second one is wrong


# ---------------------------------------------------------------- numerical_grad
def test_numerical_grad_of_a_scalar_function_gives_one_gradient_per_input():
    a, b = np.array([1.0, 2.0]), np.array([[3.0], [-1.0]])
    grads = numerical_grad(lambda a, b: (a * a * b).sum(), [a, b])
    assert [g.shape for g in grads] == [(2,), (2, 1)]
    np.testing.assert_allclose(grads[0], 2 * a * b.sum(), rtol=1e-8)
    np.testing.assert_allclose(grads[1], [[5.0], [5.0]], rtol=1e-8)


def test_numerical_grad_of_a_vector_function_weights_the_outputs():
    (g,) = numerical_grad(lambda x: x * x, [np.array([1.0, 3.0])], grad_output=np.array([1.0, -1.0]))
    np.testing.assert_allclose(g, [2.0, -6.0], rtol=1e-8)
    with pytest.raises(ValueError, match="3 elements"):
        numerical_grad(lambda x: x * x, [np.ones(2)], grad_output=np.ones(3))


# ---------------------------------------------------------------- gradcheck
def test_gradcheck_accepts_arrays_and_lists_as_float64_inputs():
    assert gradcheck(lambda a, b: (a @ b).tanh(), [np.arange(6).reshape(2, 3), [[0.1], [0.2], [-0.3]]])


def test_gradcheck_refuses_float32_because_finite_differences_need_float64():
    x = tg.Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda x: x.exp(), [x])


def test_gradcheck_treats_tensors_without_requires_grad_as_constants():
    constant = tg.Tensor(np.ones(3, dtype=np.float32))  # not checked, so float32 is fine
    x = tg.Tensor([0.1, 0.2, 0.3], requires_grad=True)
    assert gradcheck(lambda x, c: x * c.double(), [x, constant])
    with pytest.raises(ValueError, match="nothing to check"):
        gradcheck(lambda c: c * 2, [constant])


@pytest.mark.parametrize("bad", ["abc", None, {"x": 1}])
def test_gradcheck_refuses_inputs_that_are_not_numbers(bad):
    with pytest.raises(TypeError, match="input 0"):
        gradcheck(lambda x: x, [bad])


def test_gradcheck_needs_fn_to_return_tensors():
    with pytest.raises(TypeError, match="return a Tensor"):
        gradcheck(lambda x: x.numpy(), [np.ones(2)])


def test_gradcheck_names_the_input_element_and_both_values():
    a, b = tg.Tensor([1.0, 2.0], requires_grad=True), tg.Tensor([3.0, -4.0], requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSecondInput.apply, [a, b])
    message = str(info.value)
    assert "input 1" in message and "element (0,)" in message
    assert "analytical 2.0" in message and "numerical 1.0" in message
    assert gradcheck(WrongSecondInput.apply, [a, b], raise_exception=False) is False


def test_gradcheck_with_many_outputs_still_checks_every_entry():
    x = tg.Tensor(np.linspace(-1, 1, 40), requires_grad=True)
    assert gradcheck(lambda x: x.sigmoid(), [x])
    with pytest.raises(GradcheckError, match=r"output element \(0,\).*40 of the 1600 Jacobian entries"):
        gradcheck(lambda x: WrongSecondInput.apply(x, x * 1.0), [x])


def test_gradcheck_of_several_outputs_and_unused_inputs():
    x, unused = tg.Tensor([0.5, 1.5], requires_grad=True), tg.Tensor([1.0], requires_grad=True)
    assert gradcheck(lambda x, u: (x.exp(), x.sum() * 2), [x, unused])


def test_gradcheck_of_an_output_that_does_not_depend_on_the_inputs():
    x = tg.Tensor([0.5], requires_grad=True)
    assert gradcheck(lambda x: tg.ones(2), [x])


# ---------------------------------------------------------------- gradgradcheck
def test_gradgradcheck_passes_for_differentiable_backward():
    x = tg.Tensor([0.2, -0.7, 1.1], requires_grad=True)
    assert gradgradcheck(lambda x: (x * x.exp()).tanh(), [x])


def test_gradgradcheck_catches_a_backward_that_leaves_the_graph():
    x = tg.Tensor([0.2, -0.7, 1.1], requires_grad=True)
    assert gradcheck(SinDroppingTheGraph.apply, [x])  # first derivatives are right
    with pytest.raises(GradcheckError, match="input 0"):
        gradgradcheck(SinDroppingTheGraph.apply, [x])


def test_testing_package_imports_without_hypothesis():
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "from tinygrad_edu.testing import gradcheck\n"
        "import tinygrad_edu as tg\n"
        "assert gradcheck(lambda x: x.exp(), [tg.Tensor([1.0], requires_grad=True)])\n"
        "assert 'hypothesis' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- strategies
@given(tgst.broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


@given(tgst.matmul_shapes())
def test_matmul_shapes_are_valid_for_np_matmul(pair):
    np.matmul(np.ones(pair[0]), np.ones(pair[1]))


def test_matmul_shapes_include_vectors_and_broadcast_batches():
    find(tgst.matmul_shapes(), lambda pair: len(pair[0]) == 1 and len(pair[1]) >= 3)
    find(tgst.matmul_shapes(), lambda pair: len(pair[0]) >= 3 and len(pair[1]) >= 3 and pair[0][:-2] != pair[1][:-2])


@given(tgst.arrays(shape=tgst.shapes(), avoid=[0.0, 1.0], margin=0.2))
def test_arrays_keep_away_from_the_avoided_points(array):
    assert array.dtype == np.float64
    assert np.all(np.abs(array) >= 0.2 - 1e-12) and np.all(np.abs(array - 1.0) >= 0.2 - 1e-12)


@given(tgst.arrays(shape=(3, 4), dtype=np.float32, low=0.5, high=2.0))
def test_arrays_respect_dtype_and_bounds(array):
    assert array.shape == (3, 4) and array.dtype == np.float32
    assert np.all((array >= 0.5) & (array <= 2.0))


@given(tgst.arrays(shape=(6,), distinct=True), tgst.arrays(shape=(6,), distinct=True, grid_offset=0.0))
def test_distinct_arrays_have_no_ties_and_differently_offset_grids_never_meet(a, b):
    assert len(set(a.tolist())) == a.size
    assert not set(a.tolist()) & set(b.tolist())


@given(tgst.tensors(shape=(2,), requires_grad=True), tgst.tensors(elements=st.just(1.0)))
def test_tensors_wrap_arrays(t, ones):
    assert isinstance(t, tg.Tensor) and t.requires_grad and t.shape == (2,)
    assert np.all(ones.numpy() == 1.0) and not ones.requires_grad


def test_arrays_refuse_non_float_dtypes():
    with pytest.raises(TypeError, match="float"):
        tgst.arrays(shape=(2,), dtype=np.int64)


def test_the_examples_in_docs_testing_md_run():
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "testing.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/testing.md", "exec"), namespace)


def test_strategies_are_reachable_as_an_attribute_of_the_testing_package():
    code = (
        "import sys; from tinygrad_edu import testing; assert 'hypothesis' not in sys.modules; "
        "s = testing.strategies; assert callable(s.arrays) and callable(s.matmul_shapes); print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# ---------------------------------------------------------------- audit: bad input
@pytest.mark.parametrize("check", [gradcheck, gradgradcheck, numerical_grad])
def test_fn_must_be_callable(check):
    with pytest.raises(TypeError, match="fn must be a callable"):
        check(3, [np.ones(2)])


@pytest.mark.parametrize("inputs", [None, "ab", 3.5j])
def test_inputs_must_be_a_list(inputs):
    with pytest.raises(TypeError, match="inputs"):
        gradcheck(lambda t: t.sum(), inputs)


@pytest.mark.parametrize(
    "options, error, words",
    [
        ({"eps": 0}, ValueError, "eps must be positive"),
        ({"eps": -1e-6}, ValueError, "eps must be positive"),
        ({"eps": "a"}, TypeError, "eps must be a real number"),
        ({"atol": -1}, ValueError, "atol must be non-negative"),
        ({"rtol": float("nan")}, ValueError, "rtol"),
    ],
)
def test_step_and_tolerances_are_checked(options, error, words):
    with pytest.raises(error, match=words):
        gradcheck(lambda t: t.sum(), [np.ones(2)], **options)


def test_numerical_grad_step_zero_is_refused_not_nan():
    with pytest.raises(ValueError, match="eps"):
        numerical_grad(lambda t: t.sum(), [np.ones(2)], eps=0)


# ---------------------------------------------------------------- audit 2: messages name the check that failed
@pytest.mark.parametrize("check", [gradcheck, gradgradcheck, numerical_grad])
def test_errors_name_the_function_that_was_called(check):
    name = check.__name__
    with pytest.raises(TypeError, match=f"^{name}: fn must be a callable"):
        check(3, [np.ones(2)])
    with pytest.raises(TypeError, match=f"^{name}: input 0 is float32"):
        check(lambda t: t.sum(), [tg.Tensor([1.0], dtype=np.float32, requires_grad=True)])


def test_gradgradcheck_failure_says_it_is_about_second_derivatives():
    x = tg.Tensor([0.2, -0.7, 1.1], requires_grad=True)
    with pytest.raises(GradcheckError, match=r"^gradgradcheck \(second derivatives\): .*input 0.*analytical"):
        gradgradcheck(SinDroppingTheGraph.apply, [x])
    assert gradgradcheck(SinDroppingTheGraph.apply, [x], raise_exception=False) is False


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_raise_exception_must_be_a_bool(check):
    with pytest.raises(TypeError, match="raise_exception"):
        check(lambda t: t.sum(), [np.ones(2)], raise_exception="no")
