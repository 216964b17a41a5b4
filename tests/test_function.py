"""User-defined operations with ``Function``: the extension point documented in docs/api/autograd.md."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.testing import GradcheckError, gradcheck, gradgradcheck


class Softplus(tg.Function):
    """log(1 + e^x); d/dx = sigmoid(x). A user op in a few lines."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(0.0, x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors  # the input Tensor itself
        return grad_output * x.sigmoid()  # Tensor ops: differentiable again


class WrongSoftplus(Softplus):
    """The same forward with a deliberately wrong derivative (tanh instead of sigmoid)."""

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x.tanh()


class ScaledProduct(tg.Function):
    """scale · a · b with broadcasting, a keyword option, and gradients only where needed."""

    @staticmethod
    def forward(ctx, a, b, scale=1.0):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return scale * a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad_output * b * ctx.scale if need_a else None), (grad_output * a * ctx.scale if need_b else None)


def test_user_op_passes_gradcheck():
    x = tg.Tensor(np.linspace(-3, 3, 7), requires_grad=True)
    assert gradcheck(Softplus.apply, [x])
    np.testing.assert_allclose(Softplus.apply(x).numpy(), np.log1p(np.exp(x.numpy())))


def test_wrong_backward_is_rejected_with_an_informative_message():
    x = tg.Tensor([0.5, -1.0, 2.0], requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSoftplus.apply, [x])
    message = str(info.value)
    analytical = float(np.tanh(0.5))
    numerical = float(1 / (1 + np.exp(-0.5)))
    assert "input 0" in message and "(0,)" in message
    assert f"{analytical:.6f}"[:6] in message and f"{numerical:.6f}"[:6] in message
    assert gradcheck(WrongSoftplus.apply, [x], raise_exception=False) is False
    assert isinstance(info.value, AssertionError)


def test_user_op_with_tensor_backward_is_differentiable_twice():
    x = tg.Tensor([0.3, -1.2, 2.0], requires_grad=True)
    assert gradgradcheck(Softplus.apply, [x])
    (d1,) = tg.grad(Softplus.apply(x).sum(), x, create_graph=True)
    (d2,) = tg.grad(d1.sum(), x)
    s = 1 / (1 + np.exp(-x.numpy()))
    np.testing.assert_allclose(d2.numpy(), s * (1 - s), rtol=1e-12)


def test_two_input_op_with_broadcasting_and_options():
    a = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = tg.Tensor([1.0, -2.0, 0.5], requires_grad=True)
    assert gradcheck(lambda a, b: ScaledProduct.apply(a, b, scale=3.0), [a, b])
    assert gradgradcheck(lambda a, b: ScaledProduct.apply(a, b, scale=3.0), [a, b])


def test_needs_input_grad_and_constant_inputs():
    a = tg.Tensor([1.0, 2.0], requires_grad=True)
    out = ScaledProduct.apply(a, tg.Tensor([3.0, 4.0]))
    assert out.grad_fn.needs_input_grad == (True, False)
    out.sum().backward()
    np.testing.assert_allclose(a.grad, [3.0, 4.0])


def test_saved_input_comes_back_as_the_input_tensor():
    seen = []

    class Spy(tg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, grad_output):
            seen.extend(ctx.saved_tensors)
            return grad_output * 2

    x = tg.Tensor([1.0], requires_grad=True)
    y = Spy.apply(x)
    assert y.grad_fn.name == "Spy" and y.grad_fn.inputs == (x,)
    y.sum().backward()
    assert seen[0] is x
    np.testing.assert_allclose(x.grad, [2.0])


def test_no_graph_under_no_grad():
    x = tg.Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        y = Softplus.apply(x)
    assert not y.requires_grad and y.grad_fn is None


def test_integer_forward_result_becomes_float():
    class Floor(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return np.floor(x).astype(np.int64)

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 0

    out = Floor.apply(tg.Tensor(np.array([1.5, 2.5], dtype=np.float32)))
    assert out.dtype == np.float32 and out.tolist() == [1.0, 2.0]


def test_forward_returning_a_string_is_a_type_error():
    class Broken(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return "oops"

    with pytest.raises(TypeError, match="Broken.forward"):
        Broken.apply(tg.ones(2))


def test_backward_returning_the_wrong_number_of_gradients():
    class TooMany(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, grad_output

    with pytest.raises(RuntimeError, match="2 gradient.*1 input"):
        TooMany.apply(tg.ones(2, requires_grad=True)).sum().backward()


def test_backward_returning_a_gradient_of_the_wrong_shape():
    class WrongShape(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, grad_output):
            return np.ones(5)

    with pytest.raises(RuntimeError, match=r"\(5,\).*\(2,\)"):
        WrongShape.apply(tg.ones(2, requires_grad=True)).sum().backward()


def test_missing_forward_or_backward_says_what_to_define():
    class Empty(tg.Function):
        pass

    with pytest.raises(NotImplementedError, match="forward"):
        Empty.apply(tg.ones(1))


def test_a_tensor_that_requires_grad_as_a_keyword_option_is_refused_not_silently_dropped():
    # It used to reach forward as an option and get no gradient (PyTorch binds it as an input).
    a, b = tg.ones(2, requires_grad=True), tg.Tensor([2.0, 3.0], requires_grad=True)
    with pytest.raises(TypeError, match="scale= is a Tensor that requires grad.*positionally"):
        ScaledProduct.apply(a, a, scale=b)
    out = ScaledProduct.apply(a, b, scale=2.0)  # numbers as options are fine
    out.sum().backward()
    np.testing.assert_allclose(a.grad, [4.0, 6.0])


# ---------------------------------------------------------------- declarations
def test_a_declared_op_gets_its_method_numpy_dispatch_and_drawing_family():
    from tinygrad_edu.viz import labels
    from tinygrad_edu.viz.trace import trace

    class Cube(tg.Function):
        """x³; d/dx = 3x²."""

        methods = ("cube_for_test",)
        numpy_functions = (np.cbrt,)  # (any NumPy function: the declaration decides what it means)
        family = "activation"
        backward_accepts_arrays = True

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x**2

        @classmethod
        def numpy_function(cls, func):
            return lambda x: cls.apply(x)

    try:
        x = tg.Tensor([2.0], requires_grad=True)
        y = x.cube_for_test()
        assert y.tolist() == [8.0] and np.cbrt(x).tolist() == [8.0]
        y.backward(retain_graph=True)
        assert x.grad.tolist() == [12.0]
        assert [op.family for op in trace(y).ops] == ["activation"]
        assert set(labels.FAMILY_COLOURS) >= set(tg.function.FAMILIES)
    finally:  # the declaration is global: take it back
        del tg.Tensor.cube_for_test
        del tg.function._METHOD_OWNERS["cube_for_test"]
        del tg.function.NUMPY_FUNCTIONS[np.cbrt]


def test_a_declaration_cannot_hide_a_tensor_method_or_take_an_unknown_family():
    with pytest.raises(ValueError, match="Tensor already defines it"):

        class Backward(tg.Function):  # noqa: F841
            methods = ("backward",)

    with pytest.raises(ValueError, match="family"):

        class Strange(tg.Function):  # noqa: F841
            family = "magic"
