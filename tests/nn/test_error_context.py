"""A failing layer raises PyTorch's exception type and message; ember adds one note: the module's path from the
module called, its one-line form, and the shapes it was called with."""
import pytest
import torch

import ember

# name -> (layer, inputs), each built for a library; the same mistake is made on torch and on ember
MISTAKES = {
    "conv2d_in_channels": (lambda m: m.nn.Conv2d(3, 6, 5), lambda m: (m.ones(1, 1, 28, 28),)),
    "conv2d_rank": (lambda m: m.nn.Conv2d(3, 6, 5), lambda m: (m.ones(28, 28),)),
    "conv2d_input_smaller_than_kernel": (lambda m: m.nn.Conv2d(3, 6, 5), lambda m: (m.ones(1, 3, 4, 4),)),
    "conv1d_in_channels": (lambda m: m.nn.Conv1d(4, 2, 3), lambda m: (m.ones(2, 3, 10),)),
    "conv_transpose2d_in_channels": (lambda m: m.nn.ConvTranspose2d(4, 2, 3), lambda m: (m.ones(1, 3, 5, 5),)),
    "linear_in_features": (lambda m: m.nn.Linear(10, 5), lambda m: (m.ones(3, 8),)),
    "linear_not_flattened": (lambda m: m.nn.Linear(400, 10), lambda m: (m.ones(2, 16, 5, 5),)),
    "bilinear_in2_features": (lambda m: m.nn.Bilinear(3, 4, 5), lambda m: (m.ones(2, 3), m.ones(2, 3))),
    "batchnorm2d_rank": (lambda m: m.nn.BatchNorm2d(3), lambda m: (m.ones(2, 3),)),
    "batchnorm2d_channels": (lambda m: m.nn.BatchNorm2d(4), lambda m: (m.ones(2, 3, 5, 5),)),
    "batchnorm1d_rank": (lambda m: m.nn.BatchNorm1d(3), lambda m: (m.ones(2, 3, 4, 4),)),
    "instancenorm1d_channels": (lambda m: m.nn.InstanceNorm1d(3, affine=True), lambda m: (m.ones(2, 5, 4),)),
    "layernorm_shape": (lambda m: m.nn.LayerNorm(5), lambda m: (m.ones(3, 4),)),
    "groupnorm_groups": (lambda m: m.nn.GroupNorm(2, 4), lambda m: (m.ones(2, 3, 5),)),
    "maxpool2d_rank": (lambda m: m.nn.MaxPool2d(2), lambda m: (m.ones(4),)),
    "maxpool2d_input_too_small": (lambda m: m.nn.MaxPool2d(3), lambda m: (m.ones(1, 1, 2, 2),)),
    "avgpool2d_input_too_small": (lambda m: m.nn.AvgPool2d(3), lambda m: (m.ones(1, 1, 2, 2),)),
    "adaptive_avgpool2d_rank": (lambda m: m.nn.AdaptiveAvgPool2d(2), lambda m: (m.ones(4),)),
    "prelu_channels": (lambda m: m.nn.PReLU(3), lambda m: (m.ones(2, 4),)),
    "softmax_dim": (lambda m: m.nn.Softmax(dim=2), lambda m: (m.ones(2, 3),)),
    "cross_entropy_float_target": (lambda m: m.nn.CrossEntropyLoss(), lambda m: (m.ones(3, 5), m.ones(3))),
    "cross_entropy_batch": (lambda m: m.nn.CrossEntropyLoss(), lambda m: (m.ones(3, 5), m.tensor([1, 2, 3, 4]))),
    "nll_float_target": (lambda m: m.nn.NLLLoss(), lambda m: (m.ones(3, 5), m.ones(3))),
    "bce_shapes": (lambda m: m.nn.BCELoss(), lambda m: (m.full((3,), 0.5), m.ones(4))),
    "embedding_float_indices": (lambda m: m.nn.Embedding(10, 3), lambda m: (m.ones(4),)),
    "embedding_index_out_of_range": (lambda m: m.nn.Embedding(10, 3), lambda m: (m.tensor([10]),)),
}


def _raised(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.value


def _assert_same_error(theirs, ours):
    """PyTorch's exception type and message ('torch' spelled 'ember'); the notes are not part of ``str``."""
    assert type(ours) is type(theirs)
    assert str(ours) == str(theirs).replace("torch", "ember")


@pytest.mark.parametrize("name", MISTAKES)
def test_layer_error_is_pytorchs_with_one_note(name):
    layer, inputs = MISTAKES[name]
    torch_layer = layer(torch)
    theirs = _raised(lambda: torch_layer(*inputs(torch)))
    ours_inputs = inputs(ember)
    ours = _raised(lambda: layer(ember)(*ours_inputs))
    _assert_same_error(theirs, ours)
    shapes = ", ".join(str(tuple(x.shape)) for x in ours_inputs)
    called_with = f"input of shape {shapes}" if len(ours_inputs) == 1 else f"inputs of shapes {shapes}"
    # a leaf layer's repr is its one-line form, and torch's repr is the specification of ember's
    assert ours.__notes__ == [f"in {type(torch_layer).__name__} = {torch_layer!r} called with {called_with}"]


def nets(m):
    """LeNet-like ``Net`` (convolutions in a Sequential, then Linear) and ``Outer`` holding one; ``lib`` is m."""
    nn = m.nn

    class Net(nn.Module):
        def __init__(self, in_channels=1, hidden=96):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(in_channels, 6, 5), nn.ReLU(), nn.MaxPool2d(2))
            self.fc = nn.Linear(hidden, 10)

        def forward(self, x):
            return self.fc(self.features(x).flatten(1))

    class Outer(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net(x)

    return Net, Outer


@pytest.mark.parametrize("build, shape, note", [
    (lambda Net, Outer: Net(), (2, 3, 12, 12),
     "in Net.features.0 = Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)) called with input of shape (2, 3, 12, 12)"),
    (lambda Net, Outer: Net(hidden=100), (2, 1, 12, 12),
     "in Net.fc = Linear(in_features=100, out_features=10, bias=True) called with input of shape (2, 96)"),
    (lambda Net, Outer: Outer(Net()), (2, 1, 12),
     "in Outer.net.features.0 = Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)) called with input of shape (2, 1, 12)"),
    (lambda Net, Outer: Net().features, (2, 3, 12, 12),
     "in Sequential.0 = Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)) called with input of shape (2, 3, 12, 12)"),
], ids=["in_sequential", "child", "grandchild_of_outer", "sequential_called_directly"])
def test_nested_error_names_the_path_once(build, shape, note):
    theirs = _raised(lambda: build(*nets(torch))(torch.ones(shape)))
    ours = _raised(lambda: build(*nets(ember))(ember.ones(shape)))
    _assert_same_error(theirs, ours)
    assert ours.__notes__ == [note]


def test_path_reaches_a_grandchild_called_directly():
    nn = ember.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Linear(4, 3))

        def forward(self, x):
            return self.features[0](x)

    error = _raised(lambda: Net()(ember.ones(2, 5)))
    assert error.__notes__ == ["in Net.features.0 = Linear(in_features=4, out_features=3, bias=True) called with "
                               "input of shape (2, 5)"]


def test_module_not_registered_ends_the_path():
    """A layer kept outside ``_modules`` (here in a plain list) has no attribute path: the note names it alone."""
    nn = ember.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(4, 3)]

        def forward(self, x):
            return self.layers[0](x)

    error = _raised(lambda: nn.Sequential(Net())(ember.ones(2, 5)))
    assert error.__notes__ == ["in Linear = Linear(in_features=4, out_features=3, bias=True) called with input of "
                               "shape (2, 5)"]


def test_error_in_the_modules_own_code_names_it():
    nn = ember.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 6)

        def forward(self, x):
            return self.fc(x).view(5)

    error = _raised(lambda: nn.Sequential(Net())(ember.ones(2, 4)))
    assert str(error) == "shape '[5]' is invalid for input of size 12"
    assert error.__notes__ == ["the tensor has shape (2, 6)",
                               "in Sequential.0 = Net() called with input of shape (2, 4)"]


@pytest.mark.parametrize("args, kwargs, called_with", [
    ((), {}, "no input"),
    (([1, 2],), {}, "input of type list"),
    ((ember.ones(2, 3), 4), {}, "inputs of shapes (2, 3), int"),
    ((ember.ones(2),), {"scale": ember.ones(())}, "inputs of shapes (2,), scale=()"),
    ((), {"x": ember.ones(2)}, "input x=(2,)"),
])
def test_note_describes_each_input(args, kwargs, called_with):
    class Broken(ember.nn.Module):
        def forward(self, *args, **kwargs):
            raise ValueError("broken")

    error = _raised(lambda: Broken()(*args, **kwargs))
    assert str(error) == "broken"
    assert error.__notes__ == [f"in Broken = Broken() called with {called_with}"]


@pytest.mark.parametrize("register", [
    lambda m, hook: m.register_forward_hook(lambda *a: hook()),
    lambda m, hook: m.register_forward_pre_hook(lambda *a: hook()),
], ids=["forward_hook", "forward_pre_hook"])
def test_hook_errors_are_noted_on_their_module(register):
    def hook():
        raise RuntimeError("hook failed")

    net = ember.nn.Sequential(ember.nn.Linear(4, 3))
    register(net[0], hook)
    error = _raised(lambda: net(ember.ones(2, 4)))
    assert str(error) == "hook failed"
    assert error.__notes__ == ["in Sequential.0 = Linear(in_features=4, out_features=3, bias=True) called with "
                               "input of shape (2, 4)"]


@pytest.mark.parametrize("error", [StopIteration, StopAsyncIteration, KeyboardInterrupt, GeneratorExit, SystemExit])
def test_control_flow_exceptions_get_no_note(error):
    class Stops(ember.nn.Module):
        def forward(self, x):
            raise error

    with pytest.raises(error) as info:
        ember.nn.Sequential(Stops())(ember.ones(1))
    assert not hasattr(info.value, "__notes__")
