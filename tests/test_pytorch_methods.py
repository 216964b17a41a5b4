"""Tensor methods and ``tg.*`` functions with PyTorch's names, arguments, defaults and results.

The op table (``test_ops.py``) checks values and derivatives against NumPy; this file checks
the PyTorch semantics that a table row cannot see: return types, argument spellings, edge
cases and error messages. Expected values are worked out by hand from PyTorch's documentation.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.function import FUNCTIONS
from tinygrad_edu.testing import gradcheck, gradgradcheck


# ---------------------------------------------------------------- arithmetic spellings
def test_add_and_sub_scale_the_other_operand_by_alpha_and_pass_its_gradient():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = tg.tensor([10.0, 20.0], requires_grad=True)
    out = x.add(y, alpha=0.5) + tg.sub(x, y, alpha=2)
    np.testing.assert_allclose(out.data, [1 + 5 + 1 - 20, 2 + 10 + 2 - 40])
    out.sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 2.0])
    np.testing.assert_allclose(y.grad, [0.5 - 2, 0.5 - 2])


def test_alpha_keeps_a_float32_tensor_float32():
    x = tg.tensor(np.float32([1.0, 2.0]))
    assert x.add(np.array([1, 2]), alpha=3).dtype == np.float32
    assert x.sub(2, alpha=0.5).dtype == np.float32


def test_div_supports_only_true_division_and_says_why():
    x = tg.tensor([3.0, -3.0])
    np.testing.assert_allclose(x.div(2).data, [1.5, -1.5])
    np.testing.assert_allclose(x.div(2, rounding_mode=None).data, [1.5, -1.5])
    for mode in ("floor", "trunc"):
        with pytest.raises(NotImplementedError, match=f"rounding_mode='{mode}'"):
            x.div(2, rounding_mode=mode)


def test_pow_neg_and_the_elementwise_spellings():
    x = tg.tensor([1.0, 4.0])
    np.testing.assert_allclose(x.pow(0.5).data, [1.0, 2.0])
    np.testing.assert_allclose(x.neg().data, [-1.0, -4.0])
    np.testing.assert_allclose(x.rsqrt().data, [1.0, 0.5])
    np.testing.assert_allclose(tg.tensor([1e-12]).log1p().data, [1e-12 - 5e-25], rtol=1e-15)  # log(1 + 1e-12) rounds
    np.testing.assert_allclose(tg.tensor([1e-12]).expm1().data, [1e-12 + 5e-25], rtol=1e-15)


# ---------------------------------------------------------------- prod and norm at the awkward points
@pytest.mark.parametrize(
    "values, expected",
    [
        ([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]),
        ([2.0, 0.0, 4.0], [0.0, 8.0, 0.0]),  # one zero: only it gets a gradient, the product of the others
        ([0.0, 0.0, 4.0], [0.0, 0.0, 0.0]),  # two zeros: every product of the others holds a zero
    ],
)
def test_prod_gradient_is_the_product_of_the_others(values, expected):
    x = tg.tensor(values, requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad, expected)


@pytest.mark.parametrize("values", [[0.0, 0.0, 2.0, 3.0], [0.5, 0.0, 2.0], [0.0, 0.0, 0.0, 2.0], [[0.0, 1.0], [0.0, 0.0]]])
def test_prod_second_derivatives_are_exact_through_zeros(values):
    x = tg.tensor(values, requires_grad=True)
    assert gradgradcheck(lambda t: t.prod(), [x])
    assert gradgradcheck(lambda t: t.prod(0), [x])


def test_prod_takes_dim_and_keepdim_like_pytorch():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.prod(1).tolist() == [2.0, 12.0]
    assert x.prod(dim=0, keepdim=True).tolist() == [[3.0, 8.0]]
    assert tg.prod(x).item() == 24.0


def test_norm_defaults_and_orders():
    x = tg.tensor([[3.0, -4.0], [0.0, 1.0]])
    np.testing.assert_allclose(x.norm().item(), np.sqrt(26.0))
    np.testing.assert_allclose(x.norm(p="fro", dim=(0, 1)).item(), np.sqrt(26.0))
    np.testing.assert_allclose(x.norm(dim=1).data, [5.0, 1.0])
    np.testing.assert_allclose(x.norm(1, dim=0, keepdim=True).data, [[3.0, 5.0]])
    np.testing.assert_allclose(x.norm(float("inf")).item(), 4.0)
    np.testing.assert_allclose(x.norm(float("-inf"), dim=1).data, [3.0, 0.0])
    np.testing.assert_allclose(x.norm(0).item(), 3.0)
    np.testing.assert_allclose(x.norm(3, dim=1).data, [91.0 ** (1 / 3), 1.0])


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, float("inf")])
def test_norm_gradient_at_zero_is_zero_as_pytorch(p):
    x = tg.tensor([0.0, 0.0], requires_grad=True)
    x.norm(p).backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


def test_inf_norm_shares_the_gradient_among_ties_with_their_signs():
    x = tg.tensor([1.0, -1.0, 0.5], requires_grad=True)
    x.norm(float("inf")).backward()
    np.testing.assert_array_equal(x.grad, [0.5, -0.5, 0.0])


def test_norm_refuses_the_nuclear_norm_and_dtype():
    with pytest.raises(ValueError, match="nuc"):
        tg.ones(2, 2).norm("nuc")
    with pytest.raises(TypeError, match="dtype"):
        tg.ones(2).norm(dtype=np.float32)


# ---------------------------------------------------------------- scans, flips, repeats
def test_cumsum_needs_a_dim_like_pytorch():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.cumsum(1).tolist() == [[1.0, 3.0], [3.0, 7.0]]
    assert x.cumsum(dim=0).tolist() == [[1.0, 2.0], [4.0, 6.0]]
    with pytest.raises(TypeError, match="cumsum"):
        x.cumsum()
    assert np.cumsum(x).tolist() == [1.0, 3.0, 6.0, 10.0]  # NumPy's meaning: the flattened values


def test_flip_accepts_pytorch_spellings_of_dims():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.flip(0).tolist() == [[3.0, 4.0], [1.0, 2.0]]
    assert x.flip(0, 1).tolist() == x.flip([0, 1]).tolist() == x.flip(dims=(1, 0)).tolist() == [[4.0, 3.0], [2.0, 1.0]]
    assert np.flip(x).tolist() == [[4.0, 3.0], [2.0, 1.0]]  # NumPy: no axis reverses them all
    with pytest.raises(TypeError, match="dims"):
        x.flip()


def test_repeat_tiles_and_refuses_too_few_sizes():
    x = tg.tensor([[1.0, 2.0]])
    assert x.repeat(2, 2).tolist() == [[1.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 2.0]]
    assert x.repeat(3, 1, 1).shape == (3, 1, 2)
    with pytest.raises(ValueError, match="one per dimension"):
        x.repeat(2)
    assert np.tile(x, 2).shape == (1, 4)  # NumPy pads the reps instead


def test_repeat_gradient_adds_the_copies():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x.repeat(3) * tg.arange(6)).sum().backward()
    np.testing.assert_array_equal(x.grad, [0 + 2 + 4, 1 + 3 + 5])


# ---------------------------------------------------------------- pieces
def test_split_by_size_and_by_sections():
    x = tg.arange(10)
    assert [p.shape for p in x.split(3)] == [(3,), (3,), (3,), (1,)]
    assert [p.shape for p in x.split([2, 8])] == [(2,), (8,)]
    assert isinstance(x.split(5), tuple)
    with pytest.raises(ValueError, match="add up to 10"):
        x.split([2, 3])
    assert [p.shape for p in tg.zeros(2, 5).split(2, dim=1)] == [(2, 2), (2, 2), (2, 1)]


def test_chunk_may_give_fewer_pieces_like_pytorch():
    assert [p.shape for p in tg.arange(10).chunk(4)] == [(3,), (3,), (3,), (1,)]
    assert len(tg.arange(6).chunk(4)) == 3  # pieces of ceil(6 / 4) = 2
    assert len(tg.arange(5).chunk(4)) == 3
    with pytest.raises(ValueError, match="positive"):
        tg.arange(5).chunk(0)


def test_unbind_and_the_gradient_of_every_piece():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    first, second = x.unbind(1)
    assert first.tolist() == [1.0, 3.0] and second.tolist() == [2.0, 4.0]
    (first * 10 + second).sum().backward()
    np.testing.assert_array_equal(x.grad, [[10.0, 1.0], [10.0, 1.0]])


# ---------------------------------------------------------------- selecting
def test_gather_picks_along_dim_and_scatters_the_gradient_back():
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    out = x.gather(1, np.array([[2, 2], [0, 1]]))
    assert out.tolist() == [[3.0, 3.0], [4.0, 5.0]]
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.0, 2.0], [1.0, 1.0, 0.0]])
    assert x.gather(0, tg.tensor([[1.0, 0.0, 1.0]])).tolist() == [[4.0, 2.0, 6.0]]  # a Tensor of whole numbers


@pytest.mark.parametrize(
    "index, error, message",
    [
        ([[3]], IndexError, "index 3 is out of bounds for dimension 1 with size 3"),
        ([[-1]], IndexError, "index -1 is out of bounds"),
        ([0, 1], ValueError, "as many dimensions"),
        ([[0.5]], TypeError, "integers"),
        ([[0], [0], [0]], ValueError, "longer than the input"),
    ],
)
def test_gather_refuses_bad_indices_clearly(index, error, message):
    with pytest.raises(error, match=message):
        tg.ones(2, 3).gather(1, index)


def test_index_select_takes_a_vector_of_positions():
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    out = x.index_select(1, [2, 0, 2])
    assert out.tolist() == [[3.0, 1.0, 3.0], [6.0, 4.0, 6.0]]
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 0.0, 2.0], [1.0, 0.0, 2.0]])
    with pytest.raises(ValueError, match="vector"):
        x.index_select(0, [[0]])


def test_masked_fill_needs_a_boolean_mask_and_gives_value_its_gradient():
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    value = tg.tensor(5.0, requires_grad=True)
    out = x.masked_fill(x.data < 0, value)
    assert out.tolist() == [1.0, 5.0, 3.0]
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0])
    assert value.grad == 1.0
    assert x.masked_fill(tg.tensor([True, False, False]), 0.0).tolist() == [0.0, -2.0, 3.0]
    with pytest.raises(TypeError, match="boolean"):
        x.masked_fill(np.array([1.0, 0.0, 0.0]), 0.0)
    with pytest.raises(ValueError, match="0-d"):
        x.masked_fill(x.data < 0, tg.ones(3))


def test_tril_and_triu_with_diagonals_and_batches():
    m = tg.ones(3, 3)
    assert m.tril().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    assert m.tril(-1).tolist() == [[0, 0, 0], [1, 0, 0], [1, 1, 0]]
    assert m.triu(1).tolist() == [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    assert tg.triu(tg.ones(2, 2, 3), diagonal=0)[1].tolist() == [[1, 1, 1], [0, 1, 1]]
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        tg.ones(3).tril()
    assert np.tril(tg.tensor([1.0, 2.0])).tolist() == [[1.0, 0.0], [1.0, 2.0]]  # NumPy's meaning for 1-D


# ---------------------------------------------------------------- ranking
def test_sort_returns_values_and_indices_as_a_named_tuple():
    x = tg.tensor([[3.0, 1.0, 2.0]], requires_grad=True)
    result = x.sort(dim=1)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert values.tolist() == [[1.0, 2.0, 3.0]] and indices.tolist() == [[1, 2, 0]]
    assert indices.dtype == np.int64
    (values * tg.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[100.0, 1.0, 10.0]])  # each entry gets the gradient of its sorted place


def test_sort_is_stable_and_puts_nan_last_or_first_like_pytorch():
    x = tg.tensor([3.0, np.nan, 1.0, 3.0])
    values, indices = x.sort()
    assert indices.tolist() == [2, 0, 3, 1] and np.isnan(values.data[-1])
    values, indices = x.sort(descending=True)
    assert indices.tolist() == [1, 0, 3, 2] and np.isnan(values.data[0])
    assert x.argsort(descending=True).tolist() == [1, 0, 3, 2]


def test_argsort_and_topk():
    x = tg.tensor([[1.0, 5.0, 3.0, 4.0]])
    assert x.argsort().tolist() == [[0, 2, 3, 1]] and x.argsort().dtype == np.int64
    top = x.topk(2)
    assert top.values.tolist() == [[5.0, 4.0]] and top.indices.tolist() == [[1, 3]]
    low = tg.topk(x, 3, dim=1, largest=False)
    assert low.values.tolist() == [[1.0, 3.0, 4.0]] and low.indices.tolist() == [[0, 2, 3]]
    with pytest.raises(ValueError, match="k=5 is out of range"):
        x.topk(5)


def test_topk_gradient_goes_to_the_selected_positions():
    x = tg.tensor([1.0, 5.0, 3.0, 4.0], requires_grad=True)
    x.topk(2).values.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0, 1.0])


# ---------------------------------------------------------------- einsum
def test_einsum_forms_and_gradients():
    a = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = tg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    np.testing.assert_allclose(tg.einsum("ij,jk->ik", a, b).data, a.data @ b.data)
    np.testing.assert_allclose(tg.einsum("ij,jk", [a, b]).data, a.data @ b.data)  # implicit output, a list
    assert tg.einsum("ii", tg.eye(3)).item() == 3.0
    assert tg.einsum("i j , j k -> i k", a, b).shape == (2, 4)  # spaces are ignored
    assert gradgradcheck(lambda x, y: tg.einsum("ij,jk->ik", x, y), [a, b])
    assert gradcheck(lambda x: tg.einsum("ii->i", x), [tg.tensor(np.eye(3) + 1, requires_grad=True)])


@pytest.mark.parametrize(
    "equation, shapes, message",
    [
        ("ij,jk->ik", [(2, 3), (4, 5)], "lengths 3 and 4"),
        ("ij,jk", [(2, 3)], "2 operand"),
        ("ij->k", [(2, 3)], "'k' does not occur"),
        ("ijk", [(2, 3)], "do not fit"),
        ("i1", [(2, 3)], "letters"),
    ],
)
def test_einsum_errors_name_the_problem(equation, shapes, message):
    with pytest.raises(ValueError, match=message):
        tg.einsum(equation, *[tg.ones(*s) for s in shapes])


# ---------------------------------------------------------------- conversions and devices
def test_to_returns_self_or_a_differentiable_cast():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.to(np.float64) is x and x.to(x) is x and x.type_as(x) is x
    assert x.contiguous() is x
    y = x.to(tg.float32)
    assert y.dtype == np.float32 and y.requires_grad
    assert x.to("cpu", np.float16).dtype == np.float16
    assert x.to(device="cpu", dtype="float32").dtype == np.float32
    assert x.to(tg.zeros(1, dtype=np.float32)).dtype == np.float32
    copied = x.to(copy=True)
    assert copied is not x and copied.data is not x.data
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("call", [lambda t: t.cuda(), lambda t: t.to("cuda"), lambda t: t.to("cuda:0"),
                                  lambda t: t.to(device="mps"), lambda t: tg.zeros(2, device="cuda")])
def test_gpu_devices_raise_saying_tinygrad_edu_runs_on_the_cpu(call):
    with pytest.raises(RuntimeError, match="runs on the CPU with NumPy"):
        call(tg.ones(2))


def test_to_refuses_integer_dtypes_and_unknown_arguments():
    with pytest.raises(TypeError, match="long()"):
        tg.ones(2).to(np.int64)
    with pytest.raises(TypeError, match="neither a dtype nor a device"):
        tg.ones(2).to("banana")
    with pytest.raises(ValueError, match="unknown device"):
        tg.ones(2).to(device="banana")


def test_long_gives_an_int64_array_truncated_toward_zero():
    labels = tg.tensor([2.7, -1.5, 0.0]).long()
    assert isinstance(labels, np.ndarray) and labels.dtype == np.int64 and labels.tolist() == [2, -1, 0]
    with pytest.raises(ValueError, match="nan"):
        tg.tensor([np.nan]).long()


def test_half_float_double():
    x = tg.tensor([1.0])
    assert (x.half().dtype, x.float().dtype, x.float().double().dtype) == (np.float16, np.float32, np.float64)
    assert x.double() is x and x.float().float().dtype == np.float32  # nothing to change: the tensor itself


def test_to_reads_torch_dtypes_and_devices_by_name():
    class dtype:  # noqa: N801 (stands for torch.dtype, whose str is "torch.float32")
        def __str__(self):
            return "torch.float32"

    class device:  # noqa: N801 (stands for torch.device)
        def __init__(self, name):
            self.name = name

        def __str__(self):
            return self.name

    x = tg.ones(2)
    assert x.to(dtype()).dtype == np.float32
    assert x.to(device("cpu")) is x
    with pytest.raises(RuntimeError, match="CPU"):
        x.to(device("cuda:0"))


def test_clone_copies_the_data_and_keeps_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.data is not x.data and y.grad_fn is not None
    y.data[0] = 9.0
    assert x.data[0] == 1.0
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


# ---------------------------------------------------------------- top-level functions
def test_every_top_level_function_is_its_method_with_the_tensor_first():
    x = tg.tensor([[0.5, -1.0], [2.0, 0.25]])
    for name, function in FUNCTIONS.items():
        assert getattr(tg, name) is function
        assert function.__name__ == name and f"input.{name}(" in function.__doc__
        assert next(iter(inspect.signature(function).parameters)) == "input"
    assert tg.exp(x).tolist() == x.exp().tolist()
    assert tg.sum(x, dim=0).tolist() == [2.5, -0.75]
    assert tg.max(x, dim=1).indices.tolist() == [0, 0]
    assert tg.max(x).item() == 2.0
    assert tg.clamp(x, min=0.0).tolist() == [[0.5, 0.0], [2.0, 0.25]]
    assert tg.matmul(x, x).tolist() == (x @ x).tolist()
    assert tg.abs(x).tolist() == abs(x).tolist()
    assert tg.transpose(x, 0, 1).tolist() == x.data.T.tolist()
    np.testing.assert_allclose(tg.sigmoid(x).data, 1 / (1 + np.exp(-x.data)))
    assert tg.relu([-1.0, 2.0]).tolist() == [0.0, 2.0]  # arrays and lists are taken as constant tensors


def test_the_functions_a_pytorch_user_types_most_exist():
    for name in ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "matmul", "einsum", "clamp", "sum", "mean", "max",
                 "min", "abs", "sin", "cos", "log1p", "expm1", "rsqrt", "prod", "norm", "cumsum", "flip", "gather",
                 "sort", "topk", "argmax", "softmax", "cat", "stack", "where", "tensor", "from_numpy", "zeros_like"]:
        assert callable(getattr(tg, name)), name


def test_a_function_without_a_method_cannot_be_declared():
    with pytest.raises(ValueError, match="no Tensor method"):
        tg.function.declare(functions=("no_such_method",))(lambda x: x)
