"""viz.draw_graph and viz.graph_summary: what the drawing contains (no rendering here)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import viz
from tinygrad_edu.nn.module import _module_calls


# ---------------------------------------------------------------------- helpers
def node_lines(graph) -> dict[str, str]:
    """node id -> its DOT line, legend excluded."""
    found = {}
    for line in graph.source.splitlines():
        match = re.match(r"\s*(\w+) \[", line)
        if match and not match.group(1).startswith("legend") and match.group(1) not in ("node", "edge", "graph"):
            found[match.group(1)] = line
    return found


def edge_pairs(graph) -> list[tuple[str, str]]:
    pairs = re.findall(r"^\s*(\w+) -> (\w+)", graph.source, flags=re.MULTILINE)
    return [(a, b) for a, b in pairs if not a.startswith("legend")]


def label_of(line: str) -> str:
    return re.search(r'label="((?:[^"\\]|\\.)*)"|label=(\w+)', line).group(0)


class FakeModule:
    """Follows nn.Module's protocol for the visualizer: push onto the module-call stack, carry _path."""

    def __init__(self, path: str) -> None:
        self._path = path

    def __call__(self, x):
        token = _module_calls.set(_module_calls.get() + (self,))
        try:
            return self.forward(x)
        finally:
            _module_calls.reset(token)


class FakeLinear(FakeModule):
    def __init__(self, path: str, n_in: int, n_out: int, rng: np.random.Generator) -> None:
        super().__init__(path)
        self.in_features, self.out_features = n_in, n_out
        self.weight = tg.Tensor(rng.uniform(-1, 1, (n_out, n_in)), requires_grad=True, name=f"{path}.weight")
        self.bias = tg.Tensor(rng.uniform(-1, 1, n_out), requires_grad=True, name=f"{path}.bias")

    def forward(self, x):
        return x @ self.weight.T + self.bias


class FakeReLU(FakeModule):
    def forward(self, x):
        return x.relu()


class FakeMLP(FakeModule):
    def __init__(self, widths: list[int], seed: int = 0) -> None:
        super().__init__("")
        rng = np.random.default_rng(seed)
        self.layers = []
        for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
            if i:
                self.layers.append(FakeReLU(str(len(self.layers))))
            self.layers.append(FakeLinear(str(len(self.layers)), n_in, n_out, rng))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def mlp_loss(widths: list[int], batch: int = 8, seed: int = 0):
    model = FakeMLP(widths, seed)
    rng = np.random.default_rng(seed + 1)
    x = tg.Tensor(rng.uniform(-1, 1, (batch, widths[0])), name="x")
    y = tg.Tensor(rng.uniform(-1, 1, (batch, widths[-1])), name="y")
    loss = ((model(x) - y) ** 2).mean()
    loss.name = "loss"
    return model, loss


# ---------------------------------------------------------------------- structure
def test_scalar_expression_has_one_node_per_value_and_op_and_one_edge_per_operand():
    a, b, c = (tg.Tensor(v, requires_grad=True, name=n) for v, n in [(2.0, "a"), (-3.0, "b"), (10.0, "c")])
    graph = viz.draw_graph(a * b + c, legend=False)
    nodes = node_lines(graph)
    assert len(nodes) == 7  # a, b, a*b, c, out (values) + Mul, Add (ops)
    assert sum(key.startswith("op") for key in nodes) == 2
    assert len(edge_pairs(graph)) == 6  # 2 operands + output, twice
    assert graph.node_count == graph.total_nodes == 7


def test_a_plus_a_draws_two_edges_from_a():
    a = tg.Tensor(3.0, requires_grad=True, name="a")
    graph = viz.draw_graph(a + a, legend=False)
    assert edge_pairs(graph).count(("v0", "op0")) == 2
    assert len(node_lines(graph)) == 3


def test_shared_intermediate_is_drawn_once_with_an_edge_per_use():
    x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    h = x.exp()
    out = (h * h + h).sum()
    graph = viz.draw_graph(out, legend=False)
    exp_value = [key for key, line in node_lines(graph).items() if "data mean" in line or "data [2.718" in line]
    assert len(exp_value) == 1
    assert sum(1 for a, _ in edge_pairs(graph) if a == exp_value[0]) == 3


def test_operand_order_is_numbered_for_non_commutative_ops():
    a = tg.Tensor(1.0, requires_grad=True, name="a")
    b = tg.Tensor(2.0, requires_grad=True, name="b")
    source = viz.draw_graph(a - b, legend=False).source
    assert re.search(r"v0 -> op0 \[headlabel=1", source) and re.search(r"v1 -> op0 \[headlabel=2", source)
    assert "headlabel" not in viz.draw_graph(a + b, legend=False).source


def test_value_labels_show_name_shape_dtype_and_data():
    w = tg.Tensor(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=np.float32), requires_grad=True, name="w")
    s = tg.Tensor(0.5, requires_grad=True, name="s")
    graph = viz.draw_graph((w * s).sum(), legend=False)
    nodes = node_lines(graph)
    assert "w|(3, 2) float32|data mean 3.5, range [1, 6]" in nodes["v0"]
    assert "s|scalar float64|data 0.5" in nodes["v1"]


def test_grad_is_not_computed_before_backward_and_shown_after():
    a = tg.Tensor([1.0, -2.0], requires_grad=True, name="a")
    loss = (a * a).sum()
    before = viz.draw_graph(loss).source
    assert before.count("grad: not computed yet") == 3  # a, a*a and the loss
    assert "grad 0" not in before and "grad [" not in before
    loss.backward()
    after = viz.draw_graph(loss).source
    assert "grad [2, -4]" in after
    assert "not computed" not in after
    assert after.count("grad: not kept (non-leaf)") == 2


def test_show_grad_and_show_data_can_be_turned_off():
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    source = viz.draw_graph(a.sum(), show_grad=False, show_data=False).source
    assert "grad" not in source and "data" not in source


def test_inputs_without_grad_have_no_grad_line_and_their_own_colour():
    x = tg.Tensor([1.0, 2.0], name="x")
    w = tg.Tensor([3.0, 4.0], requires_grad=True, name="w")
    nodes = node_lines(viz.draw_graph((x * w).sum(), legend=False))
    assert "grad" not in nodes["v0"] and "#d6e9f8" in nodes["v0"]
    assert "#fde4b8" in nodes["v1"]  # parameter colour
    assert "#d3f0d0" in nodes["v3"]  # the root


def test_user_text_is_escaped_for_record_labels():
    weird = 'w{0}|<p> "q" \\N'
    a = tg.Tensor(1.0, requires_grad=True, name=weird)
    line = node_lines(viz.draw_graph(a * 2, legend=False))["v0"]
    assert r'label="w\{0\}\|\<p\> \"q\" \\N|scalar' in line  # \\ in DOT shows one backslash


def test_backslashes_newlines_and_quotes_cannot_break_any_label():
    """A trailing backslash would escape the closing quote; a newline would split a record line."""
    a = tg.Tensor(1.0, requires_grad=True, name="end\\")
    b = tg.Tensor(2.0, requires_grad=True, name='two\nlines "x"\\')
    graph = viz.draw_graph(a * b, legend=False, title='a "title" \\')
    nodes = node_lines(graph)
    assert 'label="end\\\\|scalar' in nodes["v0"]
    assert 'label="two lines \\"x\\"\\\\|scalar' in nodes["v1"]
    assert 'label="a \\"title\\" \\\\"' in graph.source
    assert "\n" not in nodes["v1"]
    text = viz.graph_summary(a * b, show_data=False)
    assert "parameter end\\  ()" in text and 'parameter two lines "x"\\  ()' in text  # the text view shows them as typed
    assert len(text.splitlines()) == 4  # header and one line per value: the newline did not split one


def test_ops_are_coloured_by_family():
    x = tg.Tensor(np.ones((2, 3)), requires_grad=True, name="x")
    out = (x.relu() @ x.T).reshape(4).sum()
    source = viz.draw_graph(out).source
    for family in ("activation op", "matmul op", "shape op", "reduction op"):
        assert f"label=\"{family}\"" in source
    assert "arithmetic op" not in source  # the legend lists only what is drawn


def test_where_with_a_bool_mask_draws_the_mask_as_a_constant():
    x = tg.Tensor([1.0, -1.0], requires_grad=True, name="x")
    out = tg.where(np.array([True, False]), x, x * 0.5).sum()
    graph = viz.draw_graph(out, legend=False)
    assert "constant|(2,) bool" in graph.source
    where_op = [key for key, line in node_lines(graph).items() if "Where" in line][0]
    assert sum(1 for _, b in edge_pairs(graph) if b == where_op) == 3


def test_several_roots_and_a_list_of_roots_give_the_same_graph():
    a = tg.Tensor(1.0, requires_grad=True, name="a")
    y1, y2 = a * 2, a + 1
    assert viz.draw_graph(y1, y2).source == viz.draw_graph([y1, y2]).source
    assert "output 0" in viz.draw_graph(y1, y2).source


def test_rankdir_top_bottom_stacks_record_fields_with_braces():
    a = tg.Tensor(1.0, requires_grad=True, name="a")
    source = viz.draw_graph(a * 2, rankdir="TB").source
    assert "rankdir=TB" in source and 'label="{a|scalar float64' in source


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda a: viz.draw_graph(), TypeError),
        (lambda a: viz.draw_graph(a.data), TypeError),
        (lambda a: viz.draw_graph(a, rankdir="up"), ValueError),
        (lambda a: viz.draw_graph(a, max_nodes=0), ValueError),
        (lambda a: viz.draw_graph(a, max_nodes=2.5), ValueError),
        (lambda a: viz.draw_graph(a, collapse=["Linear"]), ValueError),
        (lambda a: viz.draw_graph(a, expand=[3]), TypeError),
        (lambda a: viz.graph_summary(a, max_lines=0), ValueError),
    ],
)
def test_bad_arguments_raise_clear_errors(call, error):
    a = tg.Tensor([1.0], requires_grad=True) * 2
    with pytest.raises(error):
        call(a)


def test_max_nodes_accepts_numpy_integers():
    a = tg.Tensor([1.0], requires_grad=True)
    y = a
    for _ in range(20):
        y = y * 2
    assert viz.draw_graph(y, max_nodes=np.int64(10)).node_count == 10
    assert viz.graph_summary(y, max_lines=np.int32(3)).count("\n") == 4
    with pytest.raises(ValueError, match="max_nodes must be an integer >= 2"):
        viz.draw_graph(y, max_nodes=-5)


def test_collapse_spec_that_matches_nothing_names_the_known_paths():
    _, loss = mlp_loss([1, 4, 1])
    with pytest.raises(ValueError, match=r"matches no module.*'0'.*'2'"):
        viz.draw_graph(loss, collapse="layers.7")


@given(st.lists(st.tuples(st.sampled_from(["add", "mul", "sub", "tanh"]), st.integers(0, 99), st.integers(0, 99)),
                min_size=1, max_size=25))
def test_random_expressions_have_one_edge_per_operand_and_one_node_per_value_and_op(program):
    """Build a random DAG over three leaves; count what the drawing must contain."""
    values = [tg.Tensor(float(i + 1), requires_grad=True, name=f"leaf{i}") for i in range(3)]
    operand_count = 0
    for op, i, j in program:
        a, b = values[i % len(values)], values[j % len(values)]
        if op == "tanh":
            values.append(a.tanh())
            operand_count += 1
        else:
            values.append({"add": a + b, "mul": a * b, "sub": a - b}[op])
            operand_count += 2
    root = values[-1]
    reachable_ops = viz.graph_summary(root).count(" = ") - viz.graph_summary(root).count(" = parameter")
    graph = viz.draw_graph(root, max_nodes=None, legend=False)
    edges = edge_pairs(graph)
    ops = [key for key in node_lines(graph) if key.startswith("op")]
    assert len(ops) == reachable_ops
    assert len(node_lines(graph)) == graph.total_nodes
    # every op has one arrow out, and as many in as it has operands (a + a: two)
    assert sum(1 for a, _ in edges if a.startswith("op")) == len(ops)
    operands = {"Add": 2, "Mul": 2, "Sub": 2, "Tanh": 1}
    for key in ops:
        name = re.search(r"label=(\w+)", node_lines(graph)[key]).group(1)
        assert sum(1 for _, b in edges if b == key) == operands[name]
    assert len(edges) <= operand_count + len(ops)
    assert viz.draw_graph(root, max_nodes=None, legend=False).source == graph.source


# ---------------------------------------------------------------------- determinism
def test_same_computation_gives_identical_source():
    sources = []
    for _ in range(2):
        _, loss = mlp_loss([2, 5, 5, 1])
        loss.backward(retain_graph=True)  # the gradient view needs the saved values
        sources.append(viz.draw_graph(loss, grad_flow=True).source)
    assert sources[0] == sources[1]
    assert "0x" not in sources[0]  # no memory addresses


# ---------------------------------------------------------------------- modules
def test_modules_are_clusters_with_readable_labels_and_parameter_names():
    _, loss = mlp_loss([1, 20, 1])
    source = viz.draw_graph(loss).source
    assert source.count("subgraph cluster_m") == 4  # the MLP and Linear, ReLU, Linear inside it
    assert 'label="0: FakeLinear(1→20)"' in source and 'label="2: FakeLinear(20→1)"' in source
    assert 'label="1: FakeReLU"' in source and "label=FakeMLP" in source
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        assert f'label="{name}|' in source


def test_parameters_sit_in_their_module_and_data_inputs_outside():
    _, loss = mlp_loss([1, 3, 1])
    source = viz.draw_graph(loss, legend=False).source
    linear0 = source[source.index("cluster_m0"):source.index("}", source.index("cluster_m0"))]
    assert "0.weight|" in linear0 and "0.bias|" in linear0
    assert 'x|(8, 1)' not in linear0
    top_level = [line for line in source.splitlines() if line.startswith("\tv")]
    assert any('label="x|' in line for line in top_level)


def test_a_module_called_twice_is_one_cluster():
    layer = FakeLinear("shared", 2, 2, np.random.default_rng(0))
    x = tg.Tensor(np.ones((1, 2)))
    out = layer(layer(x)).sum()
    assert viz.draw_graph(out).source.count("subgraph cluster_m") == 1


def test_deep_mlp_collapses_to_fit_max_nodes():
    _, loss = mlp_loss([1] + [8] * 19 + [1])  # 20 Linear layers
    full = viz.draw_graph(loss, max_nodes=None)
    assert full.node_count == full.total_nodes > 200
    graph = viz.draw_graph(loss, max_nodes=100)
    assert graph.node_count <= 100
    assert len(graph.collapsed) == 39  # every Linear and ReLU: the deepest level goes first
    assert "FakeMLP" not in graph.collapsed  # the outer module stays open
    assert "more nodes" not in graph.source
    assert 'label="0: FakeLinear(1→8)|(8, 1) → (8, 8)|16 parameters|grad: not computed yet"' \
        in graph.source
    assert 'tooltip="8 nodes collapsed' in graph.source


def test_collapsing_continues_to_outer_modules_when_needed():
    _, loss = mlp_loss([1] + [8] * 19 + [1])
    graph = viz.draw_graph(loss, max_nodes=10)
    assert graph.collapsed == ("FakeMLP",)
    assert graph.node_count <= 10


def test_summary_node_reports_gradient_norm_after_backward():
    model, loss = mlp_loss([1, 4, 1])
    loss.backward()
    source = viz.draw_graph(loss, collapse="0").source
    layer = model.layers[0]
    norm = np.sqrt(np.sum(layer.weight.grad ** 2) + np.sum(layer.bias.grad ** 2))
    assert f"grad norm {viz.labels.fmt(norm)}" in source


def test_collapse_and_expand_by_type_and_path():
    _, loss = mlp_loss([1, 4, 4, 1])
    by_type = viz.draw_graph(loss, collapse="FakeLinear")
    assert by_type.collapsed == ("0: FakeLinear(1→4)", "2: FakeLinear(4→4)", "4: FakeLinear(4→1)")
    by_class = viz.draw_graph(loss, collapse=[FakeLinear])
    assert by_class.source == by_type.source
    kept_open = viz.draw_graph(loss, max_nodes=25, expand="2")
    assert "2: FakeLinear(4→4)" not in kept_open.collapsed and "FakeMLP" not in kept_open.collapsed
    assert 'label="2.weight|' in kept_open.source


def test_graph_without_modules_is_cut_to_max_nodes_near_the_roots():
    x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    y = x
    for _ in range(300):
        y = y * 1.01
    graph = viz.draw_graph(y.sum(), max_nodes=50)
    assert graph.node_count == 50 and graph.total_nodes == 903
    assert "854 more nodes" in graph.source
    assert "49 of 903 nodes shown" in graph.source
    assert 'label="x|' not in graph.source  # the far end is what gets cut


# ---------------------------------------------------------------------- gradient view
def test_grad_flow_dashes_zero_gradients_and_scales_the_rest():
    x = tg.Tensor([[1.0, -1.0], [2.0, -3.0]], name="x")
    w = tg.Tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True, name="w")
    hidden = (x @ w).relu()  # second unit is negative for every sample: dead
    loss = hidden.sum() * 0.0 + hidden.mean()
    loss.backward(retain_graph=True)
    graph = viz.draw_graph(loss, grad_flow=True)
    relu_line = [line for line in node_lines(graph).values() if "ReLU" in line][0]
    assert "inactive 50%" in relu_line and "dead units 1 of 2" in relu_line and "#f4a6a6" in relu_line
    assert "style=dashed" in graph.source  # the hidden.sum() * 0 branch carries zero gradient
    widths = [float(w) for w in re.findall(r"penwidth=([0-9.]+)", graph.source)]
    assert len(set(widths)) > 1
    assert "ReLU with dead units" in graph.source  # legend entry


def test_grad_flow_before_backward_leaves_grad_untouched():
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    loss = (a * 3).sum()
    source = viz.draw_graph(loss, grad_flow=True).source
    assert a.grad is None
    assert "grad (flow) [3, 3]" in source


def test_grad_flow_after_plain_backward_uses_stored_gradients():
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    loss = (a * 3).sum()
    loss.backward()
    with pytest.warns(UserWarning, match="retain_graph=True"):
        source = viz.draw_graph(loss, grad_flow=True).source
    assert "grad [3, 3]" in source and "grad: not kept (non-leaf)" in source


def test_dead_units_inside_a_collapsed_module_stand_out():
    model, loss = mlp_loss([2, 6, 1], batch=8)
    layer = model.layers[0]
    layer.weight.data[:] = 0.0
    layer.bias.data[:] = [-1.0, -1.0, -1.0, 1.0, 1.0, 1.0]  # the first three hidden units never fire
    loss = ((model(tg.Tensor(np.random.default_rng(2).uniform(-1, 1, (8, 2)))) - 1.0) ** 2).mean()
    summary = node_lines(viz.draw_graph(loss, grad_flow=True, collapse="1"))["sm2"]
    assert "dead ReLU units 3" in summary and "#f4a6a6" in summary and "penwidth=2" in summary
    plain = node_lines(viz.draw_graph(loss, collapse="1"))["sm2"]
    assert "dead" not in plain and "#f4a6a6" not in plain  # only the gradient view marks them


def test_relu_activity_counts_units_over_the_batch_axis():
    assert viz.relu_activity(np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 1.0]])) == (4 / 6, 1, 3)
    assert viz.relu_activity(np.array(0.0)) == (1.0, 0, 0)


# ---------------------------------------------------------------------- text view
def test_graph_summary_lists_each_value_once_inputs_first():
    a = tg.Tensor(3.0, requires_grad=True, name="a")
    text = viz.graph_summary(a + a, show_data=False)
    assert text.splitlines() == [
        "computation graph: 2 values, 1 ops, 0 modules",
        "  %0 = parameter a  () float64  grad not computed yet",
        "  %1 = Add(%0, %0)  () float64  grad not computed yet  <- root",
    ]


def test_graph_summary_shows_modules_grads_and_truncates():
    _, loss = mlp_loss([1, 3, 1])
    loss.backward()
    text = viz.graph_summary(loss)
    assert "%1 = parameter 0.weight  (3, 1) float64  data" in text
    assert "[0: FakeLinear(1→3)]" in text and "[1: FakeReLU]" in text
    assert "grad not computed yet" not in text
    short = viz.graph_summary(loss, max_lines=3).splitlines()
    assert len(short) == 5 and "earlier lines not shown" in short[1] and short[-1].endswith("<- root")


# ---------------------------------------------------------------------- with the real nn package
def test_real_mlp_names_parameters_and_clusters_layers():
    from tinygrad_edu import nn

    tg.manual_seed(0)
    model = nn.MLP(1, [20, 20], 1)
    loss = nn.functional.mse_loss(model(tg.randn(8, 1)), tg.randn(8, 1))
    source = viz.draw_graph(loss).source
    for name, _ in model.named_parameters():
        assert f'label="{name}|' in source
    assert 'label="0: Linear(1→20)"' in source and 'label="1: ReLU"' in source
    assert 'label="MLP(1→1)"' in source


def test_real_20_layer_mlp_collapses_to_a_readable_graph():
    from tinygrad_edu import nn

    tg.manual_seed(0)
    model = nn.MLP(1, [16] * 19, 1)
    loss = nn.functional.mse_loss(model(tg.randn(32, 1)), tg.randn(32, 1))
    loss.backward()
    graph = viz.draw_graph(loss, max_nodes=60)
    assert graph.node_count <= 60
    assert len(graph.collapsed) == 39 and "MLP(1→1)" not in graph.collapsed
    assert "grad norm" in graph.source and "not computed" not in graph.source
    assert viz.draw_graph(loss, collapse="Linear").collapsed == tuple(
        f"{2 * i}: Linear({16 if i else 1}→{1 if i == 19 else 16})" for i in range(20)
    )


def test_real_module_reused_in_a_bigger_model_takes_the_new_parameter_names():
    """Parameters named by their first model are renamed by the bigger one; the drawing shows named_parameters()."""
    from tinygrad_edu import nn

    tg.manual_seed(0)
    encoder = nn.MLP(1, [4], 2)
    encoder(tg.zeros(3, 1))  # names its parameters "0.weight", ...
    head = nn.Linear(2, 1)
    head.weight.name = "w"  # a user's own name stays
    model = nn.Sequential(encoder, head)
    out = model(tg.zeros(3, 1)).sum()
    source = viz.draw_graph(out).source
    for name, _ in model.named_parameters():
        if name != "1.weight":
            assert f'label="{name}|' in source
    assert 'label="w|' in source and 'label="0.weight|' not in source
    assert "parameter 0.2.bias" in viz.graph_summary(out)


# ---------------------------------------------------------------------- special graphs
def test_a_leaf_alone_is_one_node():
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    graph = viz.draw_graph(a, legend=False)
    assert list(node_lines(graph)) == ["v0"] and edge_pairs(graph) == []
    assert "a|(2,) float64|data [1, 2]|grad: not computed yet" in graph.source
    assert viz.draw_graph(a, grad_flow=True).node_count == 1
    assert viz.graph_summary(tg.Tensor(3.0)).splitlines()[1] == "  %0 = constant  () float64  data 3"


def test_graph_built_with_create_graph_draws_the_backward_ops():
    from tinygrad_edu.autograd import grad

    x = tg.Tensor(3.0, requires_grad=True, name="x")
    (dx,) = grad(x ** 3, x, create_graph=True)  # 3 x², itself a graph
    graph = viz.draw_graph(dx, grad_flow=True, legend=False)
    assert "x|scalar float64|data 3|grad (flow) 18" in graph.source  # d(3x²)/dx = 6x
    assert "output|scalar float64|data 27" in graph.source
    assert x.grad is None
    dx.backward()
    after = viz.draw_graph(dx, legend=False).source
    assert "x|scalar float64|data 3|grad 18" in after


def test_a_100000_node_chain_is_traced_without_recursion_and_stays_bounded():
    a = tg.Tensor([0.5], requires_grad=True, name="a")
    y = a
    for _ in range(50_000):
        y = y.tanh()
    graph = viz.draw_graph(y)
    assert graph.total_nodes == 100_001 and graph.node_count == 400
    assert "399 of 100001 nodes shown" in graph.source and len(graph.source) < 100_000
    text = viz.graph_summary(y, max_lines=5)
    assert len(text.splitlines()) == 7 and "49996 earlier lines not shown" in text


def test_drawing_pauses_the_garbage_collector_only_while_it_works():
    import gc

    a = tg.Tensor(1.0, requires_grad=True)
    assert gc.isenabled()
    viz.draw_graph(a * 2)
    viz.graph_summary(a * 2)
    assert gc.isenabled()
    with pytest.raises(ValueError):
        viz.draw_graph(a * 2, collapse="nothing")  # raised while the collector is paused
    assert gc.isenabled()
    gc.disable()
    try:
        viz.draw_graph(a * 2)
        assert not gc.isenabled()  # a caller's own setting is left alone
    finally:
        gc.enable()
