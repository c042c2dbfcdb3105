"""ember.jit.trace: what one forward records (ops, shapes, dtypes, parameter names, module paths)."""
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import nn
from ember.autograd import function

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import workloads  # noqa: E402


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        return ember.relu(self.bn(self.conv(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(Block(), nn.MaxPool2d(2))
        self.head = nn.Linear(16, 2)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def test_trace_records_ops_shapes_params_and_scopes():
    model = Net().eval()
    x = ember.randn(2, 3, 4, 4)
    traced = ember.jit.trace(model, x)
    graph = traced.graph
    assert [v.name for v in graph.inputs] == ["x"]
    assert graph.inputs[0].shape == (2, 3, 4, 4) and graph.inputs[0].dtype == ember.float32
    assert [(n.kind, n.scope) for n in graph.nodes] == [
        ("ConvolutionBackward0", "features.0.conv"), ("NativeBatchNormBackward0", "features.0.bn"),
        ("ReluBackward0", "features.0"), ("MaxPool2DWithIndicesBackward0", "features.1"), ("ViewBackward0", ""),
        ("TBackward0", "head"), ("AddmmBackward0", "head")]
    conv = graph.nodes[0]
    assert conv.op == "ember::convolution"
    assert [v.name for v in conv.tensor_inputs] == ["x", "features.0.conv.weight", "features.0.conv.bias"]
    assert conv.outputs[0].shape == (2, 4, 4, 4)
    assert conv.scope_stack == (("", "Net"), ("features", "Sequential"), ("features.0", "Block"),
                                ("features.0.conv", "Conv2d"))
    assert conv.module is model.features[0].conv
    bn = graph.nodes[1]
    assert bn.attrs["running_mean"].name == "features.0.bn.running_mean"
    assert graph.params["features.0.bn.running_var"].kind == "buffer"
    assert graph.params["head.weight"].kind == "param" and graph.params["head.weight"].requires_grad
    assert list(graph.params) == [k for k in model.state_dict() if "num_batches" not in k]
    assert graph.outputs[0].producer is graph.nodes[-1]
    assert graph.module_types["features.0.bn"] == "BatchNorm2d"
    calls = {c.path: c for c in graph.module_calls}
    assert calls["features.1"].outputs[0].shape == (2, 4, 2, 2) and calls["features.0"].depth == 2
    assert len(calls[""].nodes) == len(graph.nodes)
    assert "ember::convolution(%x, %features.0.conv.weight" in str(graph)
    assert "def forward(self, x: Float(2, 3, 4, 4)):" in traced.code
    assert "self.head.weight" in traced.code and "# head: Linear" in traced.code


def test_traced_module_runs_like_the_module():
    model = workloads.seed_lenet(ember)
    traced = ember.jit.trace(model, ember.randn(1, 3, 32, 32))
    x = ember.randn(3, 3, 32, 32)
    np.testing.assert_array_equal(traced(x).detach().numpy(), model(x).detach().numpy())
    assert traced.state_dict().keys() == model.state_dict().keys()
    assert function._trace_hook is None  # nothing stays installed


def test_trace_a_function_with_several_inputs():
    def f(a, b):
        return (a * b).sum(1), a.exp()

    graph = ember.jit.trace(f, (ember.ones(2, 3), ember.ones(2, 3))).graph
    assert [v.name for v in graph.inputs] == ["a", "b"]
    assert [n.op for n in graph.nodes] == ["ember::mul", "ember::sum", "ember::exp"]
    assert [v.shape for v in graph.outputs] == [(2,), (2, 3)]


def test_inplace_ops_are_followed():
    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU(inplace=True), nn.Linear(3, 1))
    graph = ember.jit.trace(model, ember.randn(2, 3)).graph
    relu = next(n for n in graph.nodes if n.kind == "ReluBackward0")
    last = graph.nodes[-1]
    assert relu.outputs[0] in last.tensor_inputs


def test_untraceable_inplace_write_raises():
    def f(x):
        y = x * 1
        y[0] = 5.0
        return y + 1

    with pytest.raises(RuntimeError, match="was changed in place by an operation the trace cannot follow"):
        ember.jit.trace(f, ember.ones(3))


def test_comparison_masks_stay_in_the_graph():
    def f(x):
        return ember.where(x > 0, x, x * 0.1)

    graph = ember.jit.trace(f, ember.randn(4)).graph
    assert [n.kind for n in graph.nodes] == ["Gt", "MulBackward0", "WhereBackward0"]


@pytest.mark.parametrize("convert, words", [(bool, "a Python boolean"), (int, "a Python integer"),
                                            (float, "a Python float"), (lambda t: t.item(), "a Python number")])
def test_data_dependent_conversion_warns(convert, words):
    def f(x):
        s = x.sum()
        return x * 2 if convert(s) else x

    with pytest.warns(ember.jit.TracerWarning, match=f"Converting a tensor to {words} might cause the trace to be "
                                                     "incorrect. We can't record the data flow of Python values"):
        ember.jit.trace(f, ember.ones(3))


def test_no_warning_for_parameters_or_outside_a_trace():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(ember.ones(1))

        def forward(self, x):
            return x * float(self.scale)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.jit.trace(Scaled(), ember.ones(2))
        bool(ember.ones(1))


def test_traces_do_not_nest():
    def inner(x):
        return ember.jit.trace(lambda y: y + 1, x)

    with pytest.raises(RuntimeError, match="a trace is already running"):
        ember.jit.trace(inner, ember.ones(1))
    assert function._trace_hook is None
