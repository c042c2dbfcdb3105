"""Every network of the seed tutorials, built in ember and in torch from one definition (the seed tests' own where
they have one): ``print(net)``, state_dict keys, parameter counts and shapes, outputs and gradients after loading
torch's weights, and hook order.
"""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from oracle import check_module
from tests.seeds.test_seed_000 import cnn_classes
from tests.seeds.test_seed_000 import lenet_classes as lenet_classes_000
from tests.seeds.test_seed_003 import layers_net, quick_net
from tests.seeds.test_seed_004 import lenet_classes as lenet_classes_004


def networks(lib):
    """name -> (constructor, input shape or None for print-only)."""
    nn = lib.nn
    F = nn.functional

    LeNet = lenet_classes_000(nn, F)  # seed 000 section 一 (and 002)

    class Net001(LeNet):  # seed 001: one input channel, 3x3 kernels
        def __init__(self):
            nn.Module.__init__(self)
            self.conv1 = nn.Conv2d(1, 6, 3)
            self.conv2 = nn.Conv2d(6, 16, 3)
            self.fc1 = nn.Linear(16 * 6 * 6, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

    CNN1, CNN2 = cnn_classes(nn, F)  # seed 000 section 三, Examples 1 and 2

    HowjulLayers = layers_net(nn)  # seed 003 section 7.7, one attribute per layer
    HowjulSeq = quick_net(nn)  # seed 003 section 7.7 with Sequential

    class HowjulAdd(nn.Module):  # seed 003 section 7.1
        def forward(self, input):
            return input + 1

    class HowjulPool(nn.Module):  # seed 003 section 7.4
        def __init__(self):
            super(HowjulPool, self).__init__()
            self.maxpool1 = nn.MaxPool2d(kernel_size=3, ceil_mode=True)

        def forward(self, input):
            return self.maxpool1(input)

    class HowjulAct(nn.Module):  # seed 003 section 7.5
        def __init__(self):
            super(HowjulAct, self).__init__()
            self.relu1 = nn.ReLU(inplace=False)
            self.sigmoid1 = nn.Sigmoid()

        def forward(self, x):
            return self.sigmoid1(self.relu1(x))

    class HowjulConv(nn.Module):  # seed 003 section 7.3
        def __init__(self):
            super(HowjulConv, self).__init__()
            self.conv1 = nn.Conv2d(in_channels=3, out_channels=6, kernel_size=3, stride=1, padding=0)

        def forward(self, x):
            return self.conv1(x)

    class Linear004(nn.Module):  # seed 004: a hand-written fully connected layer
        def __init__(self, in_features, out_features):
            super(Linear004, self).__init__()
            self.w = nn.Parameter(lib.randn(out_features, in_features))
            self.b = nn.Parameter(lib.randn(out_features, 1))

        def forward(self, x):
            return (self.w).mm(x) + self.b

    class Perceptron(nn.Module):
        def __init__(self, in_features, hidden_features, out_features):
            super(Perceptron, self).__init__()
            self.layer1 = Linear004(in_features, hidden_features)
            self.layer2 = Linear004(hidden_features, out_features)

        def forward(self, x):
            return self.layer2(lib.sigmoid(self.layer1(x)))

    Net004 = lenet_classes_004(nn, 5)  # seed 004: LeNet from two Sequentials

    def net1_004():
        net = nn.Sequential()
        net.add_module("conv", nn.Conv2d(3, 3, 3))
        net.add_module("bn", nn.BatchNorm2d(3))
        net.add_module("activation", nn.ReLU())
        return net

    return {
        "000_lenet": (LeNet, (2, 3, 32, 32)),
        "000_cnn_example1": (CNN1, (2, 3, 5, 5)),
        "000_cnn_example2": (lambda: nn.DataParallel(CNN2()), (2, 3, 5, 5)),
        "001_net": (Net001, (1, 1, 32, 32)),
        "003_add": (HowjulAdd, (3,)),
        "003_conv": (HowjulConv, (2, 3, 8, 8)),
        "003_pool": (HowjulPool, (1, 1, 5, 5)),
        "003_act": (HowjulAct, (1, 1, 2, 2)),
        "003_layers": (HowjulLayers, (2, 3, 32, 32)),
        "003_sequential": (HowjulSeq, (2, 3, 32, 32)),
        "003_sequential_plain": (lambda: nn.Sequential(nn.Conv2d(1, 20, 5), nn.ReLU(), nn.Conv2d(20, 64, 5),
                                                       nn.ReLU()), (1, 1, 12, 12)),
        "003_sequential_ordered": (lambda: nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(1, 20, 5)), ("relu1", nn.ReLU()), ("conv2", nn.Conv2d(20, 64, 5)),
            ("relu2", nn.ReLU())])), (1, 1, 12, 12)),
        "003_linear": (lambda: nn.Linear(196608 // 64, 10), (3072,)),
        "004_perceptron": (lambda: Perceptron(3, 4, 1), (3, 5)),
        "004_linear": (lambda: nn.Linear(3, 4), (2, 3)),
        "004_conv_nobias": (lambda: nn.Conv2d(1, 1, (3, 3), 1, bias=False), (1, 1, 5, 5)),
        "004_net1": (net1_004, (1, 3, 4, 4)),
        "004_net2": (lambda: nn.Sequential(nn.Conv2d(3, 3, 3), nn.BatchNorm1d(3), nn.ReLU()), None),
        "004_modulelist": (lambda: nn.ModuleList([nn.Conv2d(3, 3, 3), nn.ReLU()]), None),
        "004_lenet": (Net004, (2, 3, 32, 32)),
    }


NETS = networks(ember)


def pair(name, seed=0):
    """The network ``name`` in ember and torch (torch seeded, so parameters like seed 004's randn are fixed)."""
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    return NETS[name][0](), networks(torch)[name][0]()


@pytest.mark.parametrize("name", NETS)
def test_print_matches_torch(name):
    e, t = pair(name)
    assert str(e) == str(t).replace("torch", "ember")


@pytest.mark.parametrize("name", NETS)
def test_parameters_and_state_dict_keys_match_torch(name):
    e, t = pair(name)
    assert list(e.state_dict()) == list(t.state_dict())
    assert [(k, tuple(p.shape), p.requires_grad) for k, p in e.named_parameters()] == \
        [(k, tuple(p.shape), p.requires_grad) for k, p in t.named_parameters()]
    assert sum(p.numel() for p in e.parameters()) == sum(p.numel() for p in t.parameters())
    assert [(k, tuple(b.shape), str(b.dtype)) for k, b in e.named_buffers()] == \
        [(k, tuple(b.shape), str(b.dtype).replace("torch", "ember")) for k, b in t.named_buffers()]
    assert [k for k, _ in e.named_modules()] == [k for k, _ in t.named_modules()]


# the key lists seed 000 prints for its two examples (section 三)
SEED000_EXAMPLE1 = """
conv1.weight conv1.bias bn1.weight bn1.bias bn1.running_mean bn1.running_var bn1.num_batches_tracked
stage1.0.weight stage1.0.bias stage1.1.weight stage1.1.bias stage1.1.running_mean stage1.1.running_var
stage1.1.num_batches_tracked conv2.weight conv2.bias bn2.weight bn2.bias bn2.running_mean bn2.running_var
bn2.num_batches_tracked fc1.weight fc1.bias fc2.weight fc2.bias
""".split()
SEED000_EXAMPLE2 = """
module.stage1.0.weight module.stage1.0.bias module.stage1.1.weight module.stage1.1.bias
module.stage1.1.running_mean module.stage1.1.running_var module.stage1.1.num_batches_tracked
module.stage2.module.0.weight module.stage2.module.0.bias module.stage2.module.1.weight
module.stage2.module.1.bias module.stage2.module.1.running_mean module.stage2.module.1.running_var
module.stage2.module.1.num_batches_tracked module.conv2.weight module.conv2.bias module.bn2.weight
module.bn2.bias module.bn2.running_mean module.bn2.running_var module.bn2.num_batches_tracked
module.fc1.weight module.fc1.bias module.fc2.weight module.fc2.bias
""".split()


@pytest.mark.parametrize("name,expected", [("000_cnn_example1", SEED000_EXAMPLE1),
                                           ("000_cnn_example2", SEED000_EXAMPLE2)])
def test_seed000_state_dict_names_as_printed(name, expected):
    e, t = pair(name)
    assert list(e.state_dict()) == expected == list(t.state_dict())


RUNNABLE = [n for n, (_, shape) in NETS.items() if shape is not None]


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name", RUNNABLE)
def test_outputs_and_gradients_match_torch_after_loading(name, train):
    e, t = pair(name)
    e.train(train)
    t.train(train)
    x = np.random.default_rng(1).standard_normal(NETS[name][1]).astype(np.float32)
    check_module(e, t, x, rtol=1e-4, atol=1e-4)
    for (k, eb), (_, tb) in zip(e.named_buffers(), t.named_buffers()):  # running statistics updated alike
        np.testing.assert_allclose(eb.numpy(), tb.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)


def _hook_log(net, log):
    for name, m in net.named_modules():
        name = name or "net"
        m.register_forward_pre_hook(lambda mod, args, n=name: log.append(("pre", n)))
        m.register_forward_hook(lambda mod, args, out, n=name: log.append(("fwd", n, tuple(out.shape))))
        m.register_full_backward_pre_hook(lambda mod, go, n=name: log.append(("bwd_pre", n)))
        m.register_full_backward_hook(lambda mod, gi, go, n=name: log.append(
            ("bwd", n, [None if g is None else tuple(g.shape) for g in gi])))


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize("name", ["000_lenet", "000_cnn_example2", "003_sequential", "004_lenet", "004_perceptron"])
def test_hooks_fire_in_torchs_order(name):
    e, t = pair(name)
    x = np.random.default_rng(2).standard_normal(NETS[name][1]).astype(np.float32)
    logs = []
    for lib, net in ((ember, e), (torch, t)):
        log = []
        _hook_log(net, log)
        net(lib.tensor(x)).sum().backward()
        logs.append(log)
    assert logs[0] == logs[1]


def test_seed003_add_network_output():
    out = NETS["003_add"][0]()(ember.tensor(1.0))
    assert out.item() == 2.0 and out.dtype == ember.float32
