"""nn: Module discovery and naming, layers, init, repr, state dicts, module-path recording."""

import copy
import math
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn.module import _module_calls
from tinygrad_edu.nn import init


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter([2.0])
        self.inner = nn.Linear(2, 3)
        self.layers = [nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1)]

    def forward(self, x):
        x = self.inner(x) * self.scale
        for layer in self.layers:
            x = layer(x)
        return x


# ---------------------------------------------------------------- discovery and naming
def test_named_parameters_follow_registration_order_with_dotted_names():
    names = [name for name, _ in Block().named_parameters()]
    assert names == ["scale", "inner.weight", "inner.bias", "layers.0.weight", "layers.0.bias",
                     "layers.2.weight", "layers.2.bias"]


def test_sequential_keys_match_pytorch():
    net = nn.Sequential(nn.Linear(1, 4), nn.ReLU(), nn.Linear(4, 1))
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_mlp_keys_match_the_equivalent_torch_sequential():
    # torch.nn.Sequential(Linear(1,64), ReLU(), Linear(64,64), ReLU(), Linear(64,1)).state_dict() keys:
    torch_keys = ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    mlp = nn.MLP(1, [64, 64], 1)
    assert list(mlp.state_dict()) == torch_keys
    assert [p.shape for p in mlp.parameters()] == [(64, 1), (64,), (64, 64), (64,), (1, 64), (1,)]
    assert mlp.hidden == (64, 64) and mlp.in_features == 1 and mlp.out_features == 1


def test_children_modules_and_named_modules():
    block = Block()
    assert [n for n, _ in block.named_children()] == ["inner", "layers.0", "layers.1", "layers.2"]
    assert [n for n, _ in block.named_modules()] == ["", "inner", "layers.0", "layers.1", "layers.2"]
    assert list(block.children())[0] is block.inner
    assert len(list(block.modules())) == 5


def test_module_list_registers_and_behaves_like_a_list():
    layers = nn.ModuleList([nn.Linear(1, 1), nn.Tanh()])
    layers.append(nn.Linear(1, 2))
    assert len(layers) == 3 and isinstance(layers[-1], nn.Linear) and layers[-1].out_features == 2
    assert [n for n, _ in layers.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    del layers[0]
    assert [n for n, _ in layers.named_parameters()] == ["1.weight", "1.bias"]
    layers.insert(0, nn.Linear(2, 2))
    assert isinstance(layers[:2], nn.ModuleList) and len(layers[:2]) == 2
    with pytest.raises(TypeError, match="not a Module"):
        layers.append(nn.ReLU)


def test_plain_list_appended_after_assignment_is_found():
    class Net(nn.Module):
        def __init__(self):
            self.layers = []
            for _ in range(2):
                self.layers.append(nn.Linear(2, 2))

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net()  # no super().__init__(): still works
    assert [n for n, _ in net.named_parameters()] == ["layers.0.weight", "layers.0.bias", "layers.1.weight",
                                                     "layers.1.bias"]
    net(tg.ones(1, 2))
    net.layers.append(nn.Linear(2, 2))
    out = net(tg.ones(1, 2))
    assert out.grad_fn.module_scope == (net, net.layers[2])


def test_shared_parameters_are_listed_once_but_saved_under_each_name():
    shared = nn.Linear(2, 2)
    net = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(net.parameters())) == 2
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_sequential_indexing_slicing_iteration_and_ordered_dict():
    a, b, c = nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1)
    net = nn.Sequential(a, b, c)
    assert net[0] is a and net[-1] is c and net[-3] is a and list(net) == [a, b, c] and len(net) == 3
    head = net[1:]
    assert isinstance(head, nn.Sequential) and list(head) == [b, c]
    assert list(head.state_dict()) == ["2.weight", "2.bias"]  # PyTorch keeps the original keys
    with pytest.raises(IndexError, match="out of range"):
        net[3]
    with pytest.raises(TypeError):
        net["0"]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    assert named[0] is named.fc
    assert nn.MLP(1, [4], 1)[:2].__class__ is nn.Sequential


def test_sequential_forward_follows_replacement_of_a_layer():
    net = nn.Sequential(nn.Identity(), nn.Identity())
    x = tg.Tensor([-1.0, 2.0])
    assert net(x).tolist() == [-1.0, 2.0]
    net[1] = nn.ReLU()
    assert net(x).tolist() == [0.0, 2.0]


def test_assigning_a_plain_tensor_over_a_parameter_is_an_error():
    layer = nn.Linear(2, 1)
    with pytest.raises(TypeError, match="weight"):
        layer.weight = layer.weight * 2
    layer.weight.data = np.zeros((1, 2))  # the supported way
    assert layer.weight.data.sum() == 0


def test_zero_grad_train_eval():
    net = nn.MLP(2, [3], 1)
    net(tg.ones(4, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.train() is net
    assert net.eval() is net and not net.training and not net[0].training
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError):
        net.train("yes")


def test_forward_missing_raises():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(tg.ones(1))


def test_deepcopy_gives_independent_parameters():
    net = nn.MLP(1, [3], 1)
    clone = copy.deepcopy(net)
    assert isinstance(clone[0].weight, nn.Parameter)
    clone[0].weight.data = np.zeros((3, 1))
    assert net[0].weight.data.any()


# ---------------------------------------------------------------- repr
def test_repr_matches_pytorch_format():
    net = nn.Sequential(nn.Linear(1, 20), nn.ReLU(), nn.Linear(20, 1))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=1, out_features=20, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=20, out_features=1, bias=True)\n"
        ")"
    )
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(in_features=2, out_features=3, bias=False)"
    assert repr(nn.Identity()) == "Identity()" and repr(nn.MSELoss()) == "MSELoss()"


def test_nested_repr_is_indented():
    class Outer(nn.Module):
        def __init__(self):
            self.body = nn.Sequential(nn.Linear(1, 2), nn.Tanh())

    assert repr(Outer()) == (
        "Outer(\n"
        "  (body): Sequential(\n"
        "    (0): Linear(in_features=1, out_features=2, bias=True)\n"
        "    (1): Tanh()\n"
        "  )\n"
        ")"
    )


def test_module_list_repr_groups_repeated_modules_like_pytorch():
    # torch 2.13's ModuleList.__repr__ shows a run of identical modules once (cross-checked).
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.Sequential(nn.Tanh())])
    assert repr(layers) == (
        "ModuleList(\n"
        "  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
        "  (3): ReLU()\n"
        "  (4): Sequential(\n"
        "    (0): Tanh()\n"
        "  )\n"
        ")"
    )
    assert repr(nn.ModuleList()) == "ModuleList()"
    assert repr(nn.ModuleList([nn.ReLU()])) == "ModuleList(\n  (0): ReLU()\n)"


# ---------------------------------------------------------------- layers
def test_linear_computes_x_wt_plus_b():
    layer = nn.Linear(3, 2)
    layer.weight.data = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]])
    layer.bias.data = np.array([0.5, -0.5])
    out = layer(tg.Tensor([[1.0, 1.0, 1.0], [2.0, 0.0, -1.0]]))
    np.testing.assert_allclose(out.data, [[6.5, -0.5], [-0.5, -1.5]])
    assert layer(tg.ones(3)).shape == (2,)


def test_linear_default_init_bounds_and_rng():
    layer = nn.Linear(25, 400, rng=np.random.default_rng(0))
    bound = 1 / math.sqrt(25)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    # uniform on [-b, b]: the spread reaches close to the bound and the variance is b²/3
    assert np.abs(layer.weight.data).max() > 0.99 * bound
    assert abs(layer.weight.data.var() - bound**2 / 3) < 0.05 * bound**2 / 3
    again = nn.Linear(25, 400, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(layer.weight.data, again.weight.data)
    tg.manual_seed(3)
    first = nn.Linear(2, 2).weight.data.copy()
    tg.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(2, 2).weight.data, first)


def test_linear_dtype_and_errors():
    layer = nn.Linear(2, 2, dtype=np.float32)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert layer(tg.ones(1, 2, dtype=np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match=r"\(4, 3\)"):
        layer(tg.ones(4, 3))
    with pytest.raises(TypeError):
        nn.Linear(2.0, 3)
    with pytest.raises(ValueError):
        nn.Linear(-1, 3)
    with pytest.raises(TypeError):
        nn.Linear(2, 2, dtype=np.int32)


def test_activations():
    x = tg.Tensor([-2.0, 0.0, 3.0])
    assert nn.ReLU()(x).tolist() == [0.0, 0.0, 3.0]
    assert nn.LeakyReLU(0.5)(x).tolist() == [-1.0, 0.0, 3.0]
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp([2.0, 0.0, -3.0])))
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh([-2.0, 0.0, 3.0]))
    assert nn.Identity()(x) is x


def test_mlp_layout_activation_and_validation():
    mlp = nn.MLP(2, [5, 4], 3, activation=nn.Tanh)
    assert [type(m).__name__ for m in mlp] == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert mlp(tg.ones(7, 2)).shape == (7, 3)
    leaky = nn.MLP(1, [2, 2], 1, activation=nn.LeakyReLU(0.2))
    assert leaky[1] is not leaky[3] and leaky[3].negative_slope == 0.2
    assert [type(m).__name__ for m in nn.MLP(3, [], 1)] == ["Linear"]
    with pytest.raises(TypeError, match=r"\[64\]"):
        nn.MLP(1, 64, 1)
    with pytest.raises(ValueError):
        nn.MLP(1, [0], 1)
    with pytest.raises(TypeError):
        nn.MLP(1, [4], 1, activation="relu")


# ---------------------------------------------------------------- init
def test_init_formulas_match_pytorch():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert init.calculate_gain("sigmoid") == 1.0
    with pytest.raises(ValueError):
        init.calculate_gain("swish")
    rng = np.random.default_rng(0)
    w = init.kaiming_uniform_(tg.zeros(2000, 50), nonlinearity="relu", rng=rng)
    bound = math.sqrt(2) * math.sqrt(3 / 50)
    assert w.data.max() <= bound and w.data.max() > 0.99 * bound
    w = init.kaiming_normal_(tg.zeros(50, 2000), mode="fan_out", nonlinearity="relu", rng=rng)
    assert abs(w.data.std() - math.sqrt(2 / 50)) < 0.01 * math.sqrt(2 / 50)
    w = init.xavier_uniform_(tg.zeros(300, 100), gain=2.0, rng=rng)
    bound = 2.0 * math.sqrt(6 / 400)
    assert w.data.max() <= bound and w.data.max() > 0.99 * bound
    w = init.xavier_normal_(tg.zeros(300, 700), rng=rng)
    assert abs(w.data.std() - math.sqrt(2 / 1000)) < 0.01 * math.sqrt(2 / 1000)
    conv_like = init.kaiming_normal_(tg.zeros(64, 8, 3, 3), rng=rng)  # fan_in = 8·9
    assert abs(conv_like.data.std() - math.sqrt(2) / math.sqrt(72)) < 0.05 / math.sqrt(72)


def test_init_in_place_no_graph_returns_tensor():
    p = nn.Parameter(np.zeros((3, 2), dtype=np.float32))
    array = p.data
    assert init.uniform_(p, -1, 1) is p
    assert p.data is array and p.dtype == np.float32 and p.grad_fn is None and p.requires_grad
    assert init.constant_(p, 0.25).data.tolist() == [[0.25] * 2] * 3
    assert init.zeros_(p).data.sum() == 0 and init.ones_(p).data.sum() == 6
    values = init.normal_(tg.zeros(4), mean=1.0, std=0.0).data
    assert values.tolist() == [1.0] * 4


def test_init_errors():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(tg.zeros(5))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(tg.zeros(2, 2), mode="fan_avg")
    with pytest.raises(TypeError):
        init.uniform_(np.zeros(3))
    with pytest.raises(TypeError):
        init.normal_(tg.zeros(3), rng=42)
    with pytest.raises(ValueError):
        init.uniform_(tg.zeros(3), 1.0, 0.0)


# ---------------------------------------------------------------- state dict
def test_state_dict_is_a_copy_and_round_trips():
    a, b = nn.MLP(2, [4], 1), nn.MLP(2, [4], 1)
    sd = a.state_dict()
    assert isinstance(sd, OrderedDict)
    sd["0.weight"][:] = 7.0
    assert not (a[0].weight.data == 7.0).any()
    b.load_state_dict(a.state_dict())
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb
        np.testing.assert_array_equal(pa.data, pb.data)
        assert pa.data is not pb.data
    assert a.state_dict(keep_vars=True)["0.weight"] is a[0].weight


def test_load_state_dict_accepts_tensors_and_converts_dtype():
    layer = nn.Linear(2, 1, dtype=np.float32)
    layer.load_state_dict({"weight": tg.Tensor([[1.0, 2.0]]), "bias": np.array([3], dtype=np.int64)})
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert layer.weight.data.tolist() == [[1.0, 2.0]] and layer.bias.data.tolist() == [3.0]


def test_load_state_dict_errors_name_the_key_and_change_nothing():
    layer = nn.Linear(2, 1)
    before = layer.weight.data.copy()
    with pytest.raises(RuntimeError, match="Missing key.*'bias'"):
        layer.load_state_dict({"weight": np.zeros((1, 2))})
    with pytest.raises(KeyError, match="Unexpected key.*'extra'"):
        layer.load_state_dict({"weight": np.zeros((1, 2)), "bias": np.zeros(1), "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"size mismatch for 'weight'.*\(2, 1\).*\(1, 2\)"):
        layer.load_state_dict({"weight": np.zeros((2, 1)), "bias": np.zeros(1)})
    np.testing.assert_array_equal(layer.weight.data, before)
    with pytest.raises(ValueError, match="size mismatch"):  # shapes are checked even when not strict
        layer.load_state_dict({"weight": np.zeros((2, 1))}, strict=False)
    result = layer.load_state_dict({"bias": np.ones(1), "junk": np.ones(3)}, strict=False)
    assert result.missing_keys == ["weight"] and result.unexpected_keys == ["junk"]
    assert layer.bias.data.tolist() == [1.0]
    with pytest.raises(TypeError):
        layer.load_state_dict({"weight": np.array([["a", "b"]]), "bias": np.zeros(1)})
    with pytest.raises(TypeError):
        layer.load_state_dict([("weight", np.zeros((1, 2)))])


# ---------------------------------------------------------------- module scope and paths
def test_graph_nodes_record_the_modules_that_made_them():
    net = nn.Sequential(nn.Linear(1, 3), nn.ReLU(), nn.Linear(3, 1))
    out = net(tg.ones(2, 1))
    assert out.grad_fn.name == "Linear" and out.grad_fn.module_scope == (net, net[2])  # the fused x @ W.T + b node
    relu_node = out.grad_fn.inputs[0].grad_fn
    assert relu_node.name == "ReLU" and relu_node.module_scope == (net, net[1])
    assert _module_calls.get() == ()
    assert not hasattr((out * 2).grad_fn, "module_scope")  # made outside any module


def test_module_calls_are_restored_after_an_error():
    block = Block()
    out = block(tg.ones(1, 2))
    assert out.grad_fn.module_scope == (block, block.layers[2])
    with pytest.raises(ValueError):
        block(tg.ones(1, 5))
    assert _module_calls.get() == ()


def test_module_calls_are_per_thread():
    import threading

    seen = []
    layer = nn.Linear(1, 1)

    def other_thread():
        seen.append(_module_calls.get())
        seen.append(getattr((tg.ones(1, requires_grad=True) * 2).grad_fn, "module_scope", ()))

    class Spawner(nn.Module):
        def forward(self, x):
            worker = threading.Thread(target=other_thread)
            worker.start()
            worker.join()
            return layer(x)

    Spawner()(tg.ones(1, 1))
    assert seen == [(), ()]


def test_modules_do_not_rename_parameters():
    layer = nn.Linear(1, 1)
    layer.weight.name = "my weight"
    layer(tg.ones(1, 1))
    assert layer.weight.name == "my weight" and layer.bias.name is None


def _drawn_names(root):
    from tinygrad_edu.viz.trace import trace

    traced = trace(root)
    parameters = sorted(v.name for v in traced.values if v.role == "parameter")
    return parameters, sorted(call.path for call in traced.modules)


def test_drawn_names_follow_the_model_as_it_is_now():
    net = nn.Sequential(nn.Linear(1, 2), nn.ReLU())
    net(tg.ones(1, 1))
    net.append(nn.Linear(2, 1))  # the model changed after a call: names are computed when drawing
    assert _drawn_names(net(tg.ones(1, 1))) == (["0.bias", "0.weight", "2.bias", "2.weight"], ["", "0", "1", "2"])


def test_a_block_is_named_from_the_model_it_is_drawn_in_and_user_names_stay():
    block = nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 1))
    block[1].bias.name = "my bias"
    assert _drawn_names(block(tg.ones(1, 1))) == (["0.bias", "0.weight", "1.weight", "my bias"], ["", "0", "1"])
    outer = nn.Sequential(nn.Identity(), block)
    names, paths = _drawn_names(outer(tg.ones(1, 1)))
    assert names == ["1.0.bias", "1.0.weight", "1.1.weight", "my bias"] and paths == ["", "1", "1.0", "1.1"]
    assert _drawn_names(block[0](tg.ones(1, 1)))[0] == ["bias", "weight"]  # called alone, it is the outermost


# ---------------------------------------------------------------- audit: bad input
@pytest.mark.parametrize("value", [np.ones((1, 1)), [[1.0]], 3.0, tg.Tensor(np.ones((1, 1)))])
def test_assigning_a_non_parameter_to_a_parameter_attribute_is_refused(value):
    layer = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="parameter 'weight' of Linear"):
        layer.weight = value
    assert isinstance(layer.weight, nn.Parameter)


@pytest.mark.parametrize("hidden", [None, "ab", 3.5])
def test_mlp_hidden_must_be_a_sequence_of_widths(hidden):
    with pytest.raises(TypeError, match="hidden"):
        nn.MLP(1, hidden, 1)


def test_mlp_activation_must_be_a_module_class_or_instance():
    with pytest.raises(TypeError, match="activation"):
        nn.MLP(1, [4], 1, activation=np.tanh)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda w: init.constant_(w, None), TypeError, "constant_: val"),
        (lambda w: init.constant_(w, "a"), TypeError, "constant_: val"),
        (lambda w: init.constant_(w, np.ones(5)), ValueError, r"\(5,\).*\(3, 2\)"),
        (lambda w: init.uniform_(w, "x", 1.0), TypeError, "uniform_: a"),
        (lambda w: init.normal_(w, 0.0, "a"), TypeError, "normal_: std"),
        (lambda w: init.xavier_uniform_(w, gain="a"), TypeError, "gain"),
        (lambda w: init.xavier_normal_(w, gain=None), TypeError, "gain"),
    ],
)
def test_initializer_arguments_are_checked(call, error, words):
    w = nn.Parameter(np.zeros((3, 2)))
    with pytest.raises(error, match=words):
        call(w)
    assert not np.isnan(w.data).any()


def test_constant_accepts_a_broadcastable_array():
    w = init.constant_(nn.Parameter(np.zeros((3, 2))), np.array([1.0, 2.0]))
    assert w.data.tolist() == [[1.0, 2.0]] * 3


def test_load_state_dict_error_lists_missing_then_unexpected_keys_like_pytorch():
    layer = nn.Linear(2, 1)
    with pytest.raises(RuntimeError) as info:
        layer.load_state_dict({"weight": np.zeros((1, 2)), "extra": np.zeros(1)})
    message = str(info.value)
    assert message.startswith("Error(s) in loading state_dict for Linear:")
    assert message.index("Missing key(s) in state_dict: 'bias'") < message.index("Unexpected key(s) in state_dict: 'extra'")


def test_mlp_activation_given_as_a_function_is_explained():
    with pytest.raises(TypeError, match="Module class.*nn.ReLU"):
        nn.MLP(1, [4], 1, activation=tg.nn.functional.relu)


def test_apply_visits_children_before_parents_in_pytorchs_order():
    # The same tree in torch 2.13 gives exactly this order (a shared layer is visited where it appears).
    shared = nn.Linear(1, 1)
    inner = nn.Sequential(nn.ReLU(), nn.Sequential(nn.Tanh(), shared))
    net = nn.Sequential(inner, nn.Sigmoid(), shared, nn.Sequential(nn.Identity()))
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["ReLU", "Tanh", "Linear", "Sequential", "Sequential", "Sigmoid", "Linear", "Identity",
                    "Sequential", "Sequential"]


