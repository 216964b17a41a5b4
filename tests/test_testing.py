"""The testing tools themselves: gradcheck, gradgradcheck and numerical_grad (strategies: test_strategies.py)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.testing import GradcheckError, gradcheck, gradgradcheck, numerical_grad


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


# ---------------------------------------------------------------- exact messages and input handling
@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: gradcheck(3, [np.ones(2)]), TypeError,
         "gradcheck: fn must be a callable (the function to check), got int"),
        (lambda: gradcheck(lambda t: t, 3.5j), TypeError, "gradcheck: inputs must be a list of Tensors or arrays, got complex"),
        (lambda: gradcheck(lambda t: t, ["abc"]), TypeError,
         "gradcheck: input 0 is a str; expected a Tensor, a NumPy array, a list or a number"),
        (lambda: gradcheck(lambda t: t, [True]), TypeError,
         "gradcheck: input 0 is a bool; expected a Tensor, a NumPy array, a list or a number"),
        (lambda: gradcheck(lambda t: t, [[[1.0, 2.0], [3.0]]]), TypeError,
         "gradcheck: input 0 cannot be made a float64 tensor: ragged nested list"),
        (lambda: gradcheck(lambda t: t, [tg.Tensor([1.0], dtype=np.float32, requires_grad=True)]), TypeError,
         "gradcheck: input 0 is float32; finite differences need float64 for enough precision "
         "(use t.double() or dtype=np.float64)"),
        (lambda: gradcheck(lambda t: t, [np.ones(2)], rtol=float("nan")), ValueError,
         "gradcheck: rtol must be non-negative and finite, got nan"),
        (lambda: gradcheck(lambda t: t, [np.ones(2)], atol=-1.0), ValueError,
         "gradcheck: atol must be non-negative and finite, got -1.0"),
        (lambda: gradcheck(lambda t: t, [np.ones(2)], eps=True), TypeError, "gradcheck: eps must be a real number, got True"),
        (lambda: gradcheck(lambda t: t, [tg.Tensor([1.0])]), ValueError,
         "gradcheck: no input requires grad, so there is nothing to check"),
        (lambda: gradcheck(lambda t: t.numpy(), [np.ones(2)]), TypeError,
         "gradcheck: fn must return a Tensor or a tuple of Tensors, got ndarray"),
        (lambda: numerical_grad(lambda t: [t, 1.0], [np.ones(2)]), TypeError,
         "numerical_grad: fn must return a Tensor or a tuple of Tensors, got float"),
        (lambda: gradgradcheck(lambda t: None, [np.ones(2)]), TypeError,
         "gradgradcheck: fn must return a Tensor or a tuple of Tensors, got NoneType"),
        (lambda: gradgradcheck(lambda t: t, [np.ones(2)], raise_exception=1), TypeError,
         "gradgradcheck: raise_exception must be True or False, got 1"),
    ],
)
def test_bad_arguments_get_a_message_naming_the_problem(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("inputs", [np.array([0.5, -1.0]), tg.Tensor([0.5, -1.0], dtype=np.float64, requires_grad=True)])
def test_a_single_array_or_tensor_is_taken_as_the_one_input(inputs):
    seen = []
    assert gradcheck(lambda x: seen.append(x.shape) or x.exp(), inputs)
    assert set(seen) == {(2,)}
    assert numerical_grad(lambda x: (x * x).sum(), inputs)[0] == pytest.approx([1.0, -2.0])


def test_lists_and_integer_arrays_become_float64_tensors_that_require_grad():
    seen = []
    assert gradcheck(lambda a, b: seen.append((str(a.dtype), str(b.dtype), a.requires_grad)) or (a * b).sum(),
                     [[1, 2], np.arange(2)])
    assert set(seen) == {("float64", "float64", True)}


def test_lists_become_float64_even_when_the_default_dtype_is_float32():
    seen = []
    previous = tg.get_default_dtype()
    tg.set_default_dtype(np.float32)
    try:
        assert gradcheck(lambda a: seen.append(str(a.dtype)) or a.exp(), [[0.5, 1]])
    finally:
        tg.set_default_dtype(previous)
    assert set(seen) == {"float64"}


def changes_type_where(condition):
    """A function returning x * 2, or a plain float where ``condition(x)`` holds (as a buggy fn might)."""
    return lambda x: 2.0 if condition(float(x.sum().item())) else x * 2


@pytest.mark.parametrize("where", ["above", "below"], ids=["at x + eps", "at x - eps"])
@pytest.mark.parametrize("check", [gradcheck, gradgradcheck, numerical_grad])
def test_fn_returning_something_else_at_a_perturbed_point_is_named(check, where):
    fn = changes_type_where((lambda value: value > 1.0) if where == "above" else (lambda value: value < 1.0))
    with pytest.raises(TypeError, match=f"^{check.__name__}: fn must return a Tensor or a tuple of Tensors, got float"):
        check(fn, [np.array([1.0])])


def test_numerical_grad_refuses_float32_because_it_perturbs_every_input():
    # A float32 input without requires_grad is still perturbed: 1 + 1e-6 rounds away in float32,
    # and the slope of x² at 1 would come out as 1.9 instead of 2.
    with pytest.raises(TypeError, match="^numerical_grad: input 0 is float32; finite differences need float64"):
        numerical_grad(lambda x: (x * x).sum(), [tg.Tensor([1.0, 3.0], dtype=np.float32)])
    # gradcheck perturbs only what it checks: a float32 constant is fine there.
    assert gradcheck(lambda x, c: x * c.double(), [np.ones(2), tg.Tensor([1.0, 3.0], dtype=np.float32)])


def test_numerical_grad_default_step_is_small():
    # The central difference of x³ with step h is 3x² + h²: with the default h = 1e-6, 3x² within 1e-9.
    (slope,) = numerical_grad(lambda x: (x**3).sum(), [np.array([1.0, -2.0])])
    np.testing.assert_allclose(slope, [3.0, 12.0], rtol=0, atol=1e-7)


def test_numerical_grad_of_an_empty_input_or_output():
    grad_x, grad_empty = numerical_grad(lambda x, e: x.sum() + e.sum(), [np.array([1.0, 2.0]), np.zeros((0, 3))])
    np.testing.assert_allclose(grad_x, [1.0, 1.0], rtol=1e-8)
    assert grad_empty.shape == (0, 3)
    (grad_x,) = numerical_grad(lambda x: x[:0], [np.array([1.0, 2.0])])
    np.testing.assert_array_equal(grad_x, [0.0, 0.0])


def test_three_outputs_of_different_sizes_are_checked_and_named():
    x = np.array([0.5, -1.0, 2.0])
    assert gradcheck(lambda x: (x[:2] * 2, x.exp(), x.sum()), [x])
    assert numerical_grad(lambda x: (x[:2] * 2, x.exp(), x.sum()), [x])[0] == pytest.approx([2, 2, 0] + np.exp(x) + 1, rel=1e-6)
    # A third output out[j] = 1 · x[j + 1] whose backward doubles the gradient of x.
    wrong_third = lambda x: (x[:2] * 2, x.exp(), WrongSecondInput.apply(tg.Tensor([1.0, 1.0]), x[1:]))  # noqa: E731
    with pytest.raises(GradcheckError, match=r"at element \(1,\), output 2 element \(0,\): analytical 2\.0 vs numerical (1\.0|0\.9999)"):
        gradcheck(wrong_third, [x])


def test_an_entry_exactly_at_the_tolerance_passes():
    # y = 0·x measures exactly 0; a claimed slope of exactly atol is |1e-5 - 0| <= 1e-5 + 0: accepted.
    class ClaimsAtol(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return 0.0 * x

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 1e-5

    assert gradcheck(ClaimsAtol.apply, [np.array([0.5])], atol=1e-5, rtol=0.0)
    assert not gradcheck(ClaimsAtol.apply, [np.array([0.5])], atol=0.9e-5, rtol=0.0, raise_exception=False)


def test_the_strategies_attribute_is_loaded_on_first_use(monkeypatch):
    import tinygrad_edu.testing as testing

    monkeypatch.delattr(testing, "strategies", raising=False)  # as if never imported
    assert testing.strategies is sys.modules["tinygrad_edu.testing.strategies"]
    with pytest.raises(AttributeError, match="^module 'tinygrad_edu.testing' has no attribute 'gradient'$"):
        testing.gradient  # noqa: B018


# ---------------------------------------------------------------- gradgradcheck's own options
def gradgradcheck_message(fn, inputs, **options) -> str:
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(fn, inputs, **options)
    return str(info.value)


def test_gradgradcheck_is_deterministic_and_its_seed_picks_the_cotangent():
    x = [np.array([0.2, -0.7, 1.1])]
    first = gradgradcheck_message(SinDroppingTheGraph.apply, x)
    assert gradgradcheck_message(SinDroppingTheGraph.apply, x) == first
    assert gradgradcheck_message(SinDroppingTheGraph.apply, x, seed=0) == first
    assert gradgradcheck_message(SinDroppingTheGraph.apply, x, seed=1) != first


def test_gradgradcheck_with_a_constant_an_unused_input_and_a_constant_output():
    x, unused = tg.Tensor([0.3, -0.4], requires_grad=True), tg.Tensor([1.0], requires_grad=True)
    constant = tg.Tensor([2.0, 5.0])
    assert gradgradcheck(lambda x, c: (x * x * c).sum(), [x, constant])
    assert gradgradcheck(lambda x, u: x.exp(), [x, unused])
    assert gradgradcheck(lambda x: tg.ones(3), [x])


class Rounded(tg.Function):
    """x rounded to 4 decimals, with the identity's derivative (1): flat at the scale of a small step."""

    @staticmethod
    def forward(ctx, x):
        return np.round(x, 4)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class HalfSquareWithRoundedDerivative(tg.Function):
    """x²/2 whose derivative is computed as round(x, 4): right to 5e-5, its own slope flat at fine scale."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x / 2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * Rounded.apply(x)


def test_gradgradcheck_measures_with_the_step_and_tolerances_it_is_given():
    x = [np.array([0.123456, -0.654321])]
    assert not gradgradcheck(HalfSquareWithRoundedDerivative.apply, x, raise_exception=False)  # eps = 1e-6: slope 0
    assert gradgradcheck(HalfSquareWithRoundedDerivative.apply, x, eps=0.1)  # slope 1 at the scale of 0.1
    # At eps = 0.01003 the rounding measures a slope of 1.002 (0.2 % off): the tolerances decide.
    assert not gradgradcheck(HalfSquareWithRoundedDerivative.apply, x, eps=0.01003, raise_exception=False)
    assert gradgradcheck(HalfSquareWithRoundedDerivative.apply, x, eps=0.01003, rtol=0.01)
    assert gradgradcheck(HalfSquareWithRoundedDerivative.apply, x, eps=0.01003, rtol=0.0, atol=0.01)
