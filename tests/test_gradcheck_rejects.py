"""Testing the tester: ``gradcheck`` must reject every wrong gradient, and accept right ones.

A checker is tested like a smoke detector: light a fire it must see. Each op below is a
``tg.Function`` with a deliberately wrong backward (one wrong Jacobian entry, a wrong
gradient for the second input only, wrong entries off the diagonal, NaN or inf, a wrong
second derivative, a forward that is flat at the scale of the step). ``gradcheck`` must
reject each one with a message naming the input, the element and both values, which the
tests compare with values worked out by hand. Correct ops (tiny, non-square, large) must
pass, or the checker would be useless in the other direction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.testing import GradcheckError, gradcheck, gradgradcheck, numerical_grad

MESSAGE = re.compile(
    r"input (?P<input>\d+) \(shape [^)]*\)\) at element \((?P<element>[\d, ]*)\), (?P<output>[^:]*): "
    r"analytical (?P<analytical>\S+) vs numerical (?P<numerical>\S+) \(difference (?P<difference>[^)]*)\); "
    r"(?P<wrong>\d+) of the (?P<total>\d+) Jacobian entries"
)


@dataclass
class Rejection:
    """What a ``GradcheckError`` message says, parsed."""

    input: int
    element: tuple[int, ...]
    output: str
    analytical: float
    numerical: float
    wrong: int
    total: int
    message: str


def rejection(fn, inputs, check=gradcheck, **options) -> Rejection:
    """Run ``check``, expect it to reject ``fn``, and return its parsed message.

    Also checks that ``raise_exception=False`` gives ``False`` for the same case.
    """
    with pytest.raises(GradcheckError) as info:
        check(fn, inputs, **options)
    assert check(fn, inputs, raise_exception=False, **options) is False
    message = str(info.value)
    found = MESSAGE.search(message)
    assert found, f"message does not name input, element and both values: {message}"
    element = tuple(int(i) for i in found["element"].replace(" ", "").split(",") if i)
    analytical, numerical = float(found["analytical"]), float(found["numerical"])
    assert found["difference"] == f"{abs(analytical - numerical):.3g}"
    return Rejection(
        int(found["input"]), element, found["output"], analytical, numerical,
        int(found["wrong"]), int(found["total"]), message,
    )


def grad_array(grad_output) -> np.ndarray:
    """The incoming gradient as a float64 array, to build a (wrong) gradient from."""
    return np.array(grad_output, dtype=np.float64)


# ---------------------------------------------------------------- wrong first derivatives
A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


class LinearMapOneEntryWrong(tg.Function):
    """y = A x for a fixed 2x3 matrix A (Jacobian A: 2 outputs, 3 inputs); dy[1]/dx[2] claimed A[1, 2] + 1."""

    @staticmethod
    def forward(ctx, x):
        return A @ x

    @staticmethod
    def backward(ctx, grad_output):
        g = grad_array(grad_output)
        wrong = A.copy()
        wrong[1, 2] += 1.0
        return g @ wrong


def test_one_wrong_entry_of_a_non_square_jacobian_is_named():
    found = rejection(LinearMapOneEntryWrong.apply, [np.array([0.5, -1.0, 2.0])])
    assert (found.input, found.element, found.output) == (0, (2,), "output element (1,)")
    assert found.analytical == 7.0
    assert found.numerical == pytest.approx(6.0, abs=1e-6)
    assert (found.wrong, found.total) == (1, 6)


class OuterWrongForSecondInput(tg.Function):
    """out[i, j] = a[i] · b[j]; the gradient of b uses a[0] for every row (right only for row 0)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.outer(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = (np.asarray(t) for t in ctx.saved_tensors)
        g = grad_array(grad_output)
        return g @ b, g.sum(axis=0) * a[0]  # should be a @ g


def test_a_gradient_wrong_only_for_the_second_input_names_input_1():
    a, b = np.array([2.0, 3.0]), np.array([1.0, -1.0, 0.5])
    found = rejection(OuterWrongForSecondInput.apply, [a, b])
    # d out[1, 0] / d b[0] is a[1] = 3; the backward claims a[0] = 2.
    assert (found.input, found.element, found.output) == (1, (0,), "output element (1, 0)")
    assert found.analytical == 2.0
    assert found.numerical == pytest.approx(3.0, abs=1e-6)
    assert (found.wrong, found.total) == (3, 18)  # row 1 of the 2x3 output, against each of b's 3 elements


def test_the_right_input_is_not_blamed_when_only_the_other_one_is_checked():
    a = tg.Tensor([2.0, 3.0], requires_grad=True)
    b = tg.Tensor([1.0, -1.0, 0.5])  # a constant: its wrong gradient is never asked for
    assert gradcheck(OuterWrongForSecondInput.apply, [a, b])


class CumsumDiagonalOnly(tg.Function):
    """y[i] = x[0] + ... + x[i]; the backward returns the incoming gradient (the diagonal of J only)."""

    @staticmethod
    def forward(ctx, x):
        return np.cumsum(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output  # should be the reversed cumulative sum of grad_output


def test_entries_wrong_only_off_the_diagonal_are_found():
    found = rejection(CumsumDiagonalOnly.apply, [np.array([0.1, 0.2, 0.3])])
    # J is lower triangular with ones; the first wrong entry is dy[1]/dx[0]: 1, claimed 0.
    assert (found.input, found.element, found.output) == (0, (0,), "output element (1,)")
    assert (found.analytical, found.numerical) == (0.0, pytest.approx(1.0, abs=1e-6))
    assert (found.wrong, found.total) == (3, 9)


class DoubleWithReversedGradient(tg.Function):
    """y = 2x elementwise; the backward reverses the gradient. Summed over all outputs it is right."""

    @staticmethod
    def forward(ctx, x):
        return 2.0 * x

    @staticmethod
    def backward(ctx, grad_output):
        return 2.0 * grad_array(grad_output)[::-1]


def test_a_large_output_whose_column_sums_are_right_is_still_rejected():
    # 1,000 outputs. Weighting all outputs by one hides this bug: each column of the wrong
    # Jacobian (an anti-diagonal) still sums to 2.
    x = np.linspace(-1.0, 1.0, 1000)
    found = rejection(DoubleWithReversedGradient.apply, [x])
    assert (found.input, found.element, found.output) == (0, (0,), "output element (0,)")
    assert (found.analytical, found.numerical) == (0.0, pytest.approx(2.0, abs=1e-6))
    assert (found.wrong, found.total) == (2000, 1000 * 1000)


W = np.linspace(0.5, 1.5, 1000)


class BroadcastScaleOneEntryWrong(tg.Function):
    """out[i, j] = x[i] · W[j] (2 x 1000 outputs from 2 inputs); d out[1, 500] / d x[1] claimed W[500] + 0.01."""

    @staticmethod
    def forward(ctx, x):
        return np.outer(x, W)

    @staticmethod
    def backward(ctx, grad_output):
        g = grad_array(grad_output)
        wrong = g @ W
        wrong[1] += 0.01 * g[1, 500]
        return wrong


def test_one_slightly_wrong_entry_among_thousands_sharing_its_column():
    # Each input element has a column of 1,000 entries. In a random combination of the rows,
    # vᵀJ, this 0.01 error drowns in the tolerance rtol·|vᵀJ| (about 1e-3 · 30); entry by entry
    # it is 10 times the tolerance of 1e-5 + 1e-3 · W[500] = 1e-3.
    found = rejection(BroadcastScaleOneEntryWrong.apply, [np.array([0.3, -0.7])])
    assert (found.input, found.element, found.output) == (0, (1,), "output element (1, 500)")
    assert found.analytical == pytest.approx(W[500] + 0.01, abs=1e-12)
    assert found.numerical == pytest.approx(W[500], abs=1e-6)
    assert (found.wrong, found.total) == (1, 4000)


class ForgetsTheGradient(tg.Function):
    """x * 3 whose backward returns None: the engine treats a missing gradient as zero."""

    @staticmethod
    def forward(ctx, x):
        return 3.0 * x

    @staticmethod
    def backward(ctx, grad_output):
        return None


def test_a_missing_gradient_counts_as_zero_and_is_rejected():
    found = rejection(ForgetsTheGradient.apply, [np.array([1.0, 2.0])])
    assert (found.input, found.element, found.analytical) == (0, (0,), 0.0)
    assert found.numerical == pytest.approx(3.0, abs=1e-6)


# ---------------------------------------------------------------- NaN and inf
def gradient_with(value: float, at: int):
    """An op computing x² whose backward puts ``value`` at element ``at`` of the right gradient."""

    class Square(tg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            right = grad_array(grad_output) * 2.0 * np.asarray(x)
            right[at] = value if grad_array(grad_output)[at] != 0 else right[at]
            return right

    return Square.apply


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_analytical_gradients_are_rejected(value):
    found = rejection(gradient_with(value, at=1), [np.array([0.5, 1.5, -2.0])])
    assert (found.input, found.element, found.output) == (0, (1,), "output element (1,)")
    assert np.isnan(found.analytical) if np.isnan(value) else found.analytical == value
    assert found.numerical == pytest.approx(3.0, abs=1e-6)
    assert found.wrong == 1


class NanEverywhere(tg.Function):
    """A backward that returns NaN for every element (0/0 in a real bug)."""

    @staticmethod
    def forward(ctx, x):
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_array(grad_output) * np.nan


def test_an_all_nan_gradient_is_rejected_even_for_a_single_output():
    found = rejection(lambda x: NanEverywhere.apply(x).sum(), [np.array([0.25, 0.5])])
    assert np.isnan(found.analytical) and found.numerical == pytest.approx(np.cos(0.25), abs=1e-6)
    assert (found.element, found.output, found.wrong) == ((0,), "output element ()", 2)


def test_a_function_that_is_nan_where_it_is_checked_cannot_pass():
    # log of a negative number: NaN forward, NaN numerical gradient. Nothing can be verified there.
    with np.errstate(invalid="ignore"):
        found = rejection(lambda x: x.log(), [np.array([-1.0])])
    assert np.isnan(found.numerical)


# ---------------------------------------------------------------- the step size matters
class Staircase(tg.Function):
    """x rounded to 4 decimals, with the backward of the identity: right at coarse scale, flat at fine scale."""

    @staticmethod
    def forward(ctx, x):
        return np.round(x, 4)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


def test_a_forward_that_is_flat_at_the_scale_of_the_step_is_rejected():
    # With eps = 1e-6 both x ± eps round to the same value: the measured slope is 0.
    found = rejection(Staircase.apply, [np.array([0.123456, -0.654321])])
    assert (found.input, found.element, found.analytical, found.numerical) == (0, (0,), 1.0, 0.0)


def test_the_step_size_is_used_in_the_slope_it_measures():
    # Seen from steps of 0.1, the staircase has slope 1 within 1e-4 / 0.2: accepted.
    assert gradcheck(Staircase.apply, [np.array([0.123456, -0.654321])], eps=0.1)
    # The central difference of x³ with step h is exactly 3x² + h² (the odd terms cancel).
    (slope,) = numerical_grad(lambda x: (x**3).sum(), [np.array([1.0, -2.0])], eps=0.1)
    np.testing.assert_allclose(slope, [3.01, 12.01], rtol=1e-12)
    (slope,) = numerical_grad(lambda x: (x**3).sum(), [np.array([1.0, -2.0])], eps=1e-3)
    np.testing.assert_allclose(slope, [3.000001, 12.000001], rtol=1e-9)


def test_numerical_grad_measures_each_input_with_the_others_held_fixed():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([[0.5, -1.0]])
    grad_a, grad_b = numerical_grad(lambda a, b: (a[:2] * b).sum() + (a * a).sum(), [a, b], eps=1e-4)
    np.testing.assert_allclose(grad_a, [0.5 + 2.0, -1.0 + 4.0, 6.0], rtol=1e-8)
    np.testing.assert_allclose(grad_b, [[1.0, 2.0]], rtol=1e-8)


# ---------------------------------------------------------------- tolerances
class ClaimedSlope(tg.Function):
    """y = slope · x, whose backward claims the slope ``claimed``."""

    @staticmethod
    def forward(ctx, x, slope=1.0, claimed=1.0):
        ctx.claimed = claimed
        return slope * x

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.claimed


def slope(true: float, claimed: float):
    return lambda x: ClaimedSlope.apply(x, slope=true, claimed=claimed)


def test_rtol_is_relative_to_the_numerical_value():
    x = [np.array([0.2, 0.4])]
    assert gradcheck(slope(1.0, 1.0005), x)  # 5e-4 off: within 1e-5 + 1e-3 · 1
    assert not gradcheck(slope(1.0, 1.002), x, raise_exception=False)
    assert not gradcheck(slope(1.0, 1.0005), x, rtol=1e-4, raise_exception=False)
    assert gradcheck(slope(1000.0, 1000.5), x)  # the same relative error on a larger slope
    assert not gradcheck(slope(1000.0, 1000.5), x, rtol=1e-4, raise_exception=False)


def test_atol_alone_decides_where_the_true_gradient_is_zero():
    x = [np.array([0.3, -0.3])]
    assert gradcheck(slope(0.0, 5e-6), x)  # within atol = 1e-5
    assert not gradcheck(slope(0.0, 2e-5), x, raise_exception=False)
    assert gradcheck(slope(0.0, 2e-5), x, atol=1e-4)
    assert gradcheck(slope(1.0, 1.0005), x, rtol=0.0, atol=1e-3)
    assert not gradcheck(slope(1.0, 1.0005), x, rtol=0.0, raise_exception=False)


# ---------------------------------------------------------------- wrong second derivatives
class ThreeXSquared(tg.Function):
    """3x², a helper for the derivative of x³, whose own derivative is claimed 3x (should be 6x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 3.0 * x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3.0 * x  # wrong: d(3x²)/dx = 6x


class Cube(tg.Function):
    """x³ with a right first derivative (3x²) whose second derivative is wrong."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * ThreeXSquared.apply(x)


def test_a_wrong_second_derivative_passes_gradcheck_and_fails_gradgradcheck():
    x = np.array([0.5, -1.5, 2.0])
    assert gradcheck(Cube.apply, [x])
    found = rejection(Cube.apply, [x], check=gradgradcheck)
    assert found.message.startswith("gradgradcheck (second derivatives): ")
    # The first derivative is checked through a random cotangent v: v₀·3x₀ claimed, v₀·6x₀ measured.
    assert (found.input, found.element, found.output) == (0, (0,), "output element (0,)")
    assert found.numerical == pytest.approx(2.0 * found.analytical, rel=1e-6)
    assert found.wrong == 3  # the diagonal of the (diagonal) Hessian


class Identity(tg.Function):
    """y = x, whose backward claims dy/dx = 2 (used inside a backward, so only second derivatives see it)."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 2.0


class ProductWrongCrossDerivative(tg.Function):
    """a · b elementwise; first derivatives right, the mixed derivative d/db (d/da) claimed 2 instead of 1."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return grad_output * Identity.apply(b), grad_output * a


def test_a_wrong_mixed_second_derivative_names_the_second_input():
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    assert gradcheck(ProductWrongCrossDerivative.apply, [a, b])
    found = rejection(ProductWrongCrossDerivative.apply, [a, b], check=gradgradcheck)
    # The checked function is (a, b) -> (v·b, v·a); its output 0 depends wrongly on input 1 (b).
    assert (found.input, found.element, found.output) == (1, (0,), "output 0 element (0,)")
    assert found.analytical == pytest.approx(2.0 * found.numerical, rel=1e-6)
    assert found.wrong == 2


# ---------------------------------------------------------------- correct ops are accepted
def test_a_scalar_output_and_a_scalar_input_are_accepted():
    assert gradcheck(lambda x: (x * x).exp(), [tg.Tensor(0.3, dtype=np.float64, requires_grad=True)])
    assert gradcheck(lambda x: (x * x).sum(), [np.array([1e-3])])
    assert gradgradcheck(lambda x: x.exp() * x, [np.array(0.7)])


def test_a_non_square_product_of_two_inputs_is_accepted():
    rng = np.random.default_rng(0)
    assert gradcheck(lambda a, b: (a @ b).tanh(), [rng.standard_normal((2, 3)), rng.standard_normal((3, 4))])
    assert gradgradcheck(lambda a, b: (a @ b).tanh(), [rng.standard_normal((2, 3)), rng.standard_normal((3, 4))])


def test_large_outputs_of_thousands_of_elements_are_accepted():
    rng = np.random.default_rng(1)
    assert gradcheck(lambda x: x.tanh() * x, [rng.standard_normal(2000)])
    assert gradcheck(lambda x, w: x.reshape(2, 1) * w, [rng.standard_normal(2), rng.standard_normal((1, 1500))])


def test_several_outputs_and_empty_inputs_are_accepted():
    assert gradcheck(lambda x, e: (x.exp(), (x * 2).sum() + e.sum()), [np.array([0.1, 0.2]), np.zeros((0, 3))])
    assert gradcheck(lambda x: x[:0], [np.array([1.0, 2.0])])


def test_a_correct_custom_function_is_accepted_where_the_wrong_one_was_rejected():
    class LinearMap(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return A @ x

        @staticmethod
        def backward(ctx, grad_output):
            return grad_array(grad_output) @ A

    assert gradcheck(LinearMap.apply, [np.array([0.5, -1.0, 2.0])])
