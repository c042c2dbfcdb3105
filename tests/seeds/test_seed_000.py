"""Seed 000 ("Pytorch 搭建神经网络", markdown edition) run on torch and on ember with only the import changed.

Covered: section 一 (LeNet for 3x32x32 input, ``print(net)``, the input-size reasoning), section 二 (the
``nn.Conv2d`` signature with every argument and each ``padding_mode``), section 三 (parameter naming: attributes,
``nn.Sequential`` numbering, ``DataParallel``'s ``module.`` prefix, Examples 1 and 2 with the printed key lists),
each also run forward/backward and trained for a few SGD steps with torch's initial weights.

Skipped: ``torch.onnx.export`` and ``netron.start`` (they write and serve a file; the input they export is run
through the net instead). The seed's two typos (``nn.Squential``, ``nn.BatchNorm``) raise AttributeError in both
libraries, which is asserted; the examples then use the names meant.
"""
import numpy as np
import pytest

from tests.seeds._harness import compare, error_of, grads, params, run

SEED_EXAMPLE1_KEYS = """\
conv1.weight、conv1.bias
bn1.weight、bn1.bias、bn1.running_mean、bn1.running_var、bn1.num_batches_tracked
stage1.0.weight、stage1.0.bias
stage1.1.weight、stage1.1.bias、stage1.1.running_mean、stage1.1.running_var、stage1.1.num_batches_tracked
conv2.weight、conv2.bias
bn2.weight、bn2.bias、bn2.running_mean、bn2.running_var、bn2.num_batches_tracked
fc1.weight、fc1.bias
fc2.weight、fc2.bias"""

SEED_EXAMPLE2_KEYS = """\
module.stage1.0.weight、module.stage1.0.bias
module.stage1.1.weight、module.stage1.1.bias、module.stage1.1.running_mean、module.stage1.1.running_var、module.stage1.1.num_batches_tracked
module.stage2.module.0.weight、module.stage2.module.0.bias
module.stage2.module.1.weight、module.stage2.module.1.bias、module.stage2.module.1.running_mean、module.stage2.module.1.running_var、module.stage2.module.1.num_batches_tracked
module.conv2.weight、module.conv2.bias
module.bn2.weight、module.bn2.bias、module.bn2.running_mean、module.bn2.running_var、module.bn2.num_batches_tracked
module.fc1.weight、module.fc1.bias
module.fc2.weight、module.fc2.bias"""  # noqa: E501 (the seed's lines)

LENET_PRINT = """\
Net(
  (conv1): Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))
  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (fc1): Linear(in_features=400, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)
"""


def seed_keys(text: str) -> list:
    return [k for line in text.splitlines() for k in line.split("、")]


def train_steps(torch, nn, optim, net, x, target, steps: int = 3) -> list:
    """A few SGD steps on cross entropy; the losses (same init, same data) must agree between the libraries."""
    optimizer = optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = criterion(net(x), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


# 一、热身 ---------------------------------------------------------------------------------------------------------
def lenet_classes(nn, F):
    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)  # 3 通道输入，6 通道输出，5x5 卷积核
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 全连接层 y = Wx + b
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))  # (2, 2) 最大池化
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # 方形卷积核可以用一个数字代替大小
            x = x.view(-1, self.num_flat_features(x))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

        def num_flat_features(self, x):
            size = x.size()[1:]  # 第 0 维是 batch 大小
            num_features = 1
            for s in size:
                num_features *= s
            return num_features

    return Net


def lenet(torch, nn, F, optim, share):
    Net = lenet_classes(nn, F)
    net = Net()
    share(net)
    print(net)

    x = torch.randn(1, 3, 32, 32)  # the input the seed exports to ONNX
    out = net(x)
    print(out)
    out.sum().backward()
    r = {"out": out, "grads": grads(net), "keys": list(net.state_dict())}
    # 解析: only 32x32 reaches fc1 with 16*5*5 features; 28x28 leaves 16*4*4 and the matmul fails
    r["28x28"] = error_of(lambda: net(torch.randn(1, 3, 28, 28)))
    r["losses"] = train_steps(torch, nn, optim, net, torch.randn(4, 3, 32, 32), torch.randint(0, 10, (4,)))
    return r


def test_lenet_print_forward_backward_and_training():
    result, printed = compare(lenet)
    assert printed.startswith(LENET_PRINT)
    kind, message = result["28x28"]
    assert kind == "RuntimeError" and message.endswith("mat1 and mat2 shapes cannot be multiplied (1x256 and 400x120)")


# 二、torch.nn / 1) nn.Conv2d ----------------------------------------------------------------------------------------
def conv2d_signature(torch, nn, F, optim, share, padding_mode):
    # class torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    #                       bias=True, padding_mode='zeros', device=None, dtype=None)
    defaults = nn.Conv2d(3, 6, 5)
    explicit = nn.Conv2d(in_channels=3, out_channels=6, kernel_size=5, stride=1, padding=0, dilation=1, groups=1,
                         bias=True, padding_mode='zeros', device=None, dtype=None)
    print(defaults)
    print(explicit)
    x = torch.randn(2, 4, 9, 11)
    r = {}
    for kw in (dict(padding=2), dict(padding=(1, 3), stride=(2, 1)), dict(padding='same', dilation=2),
               dict(padding='valid', groups=2, bias=False)):
        conv = share(nn.Conv2d(4, 6, (3, 5), padding_mode=padding_mode, **kw))
        print(conv)
        y = conv(x)
        y.square().sum().backward()
        r[str(kw)] = (y, grads(conv))
    return r


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv2d_signature_and_padding_modes(padding_mode):
    compare(conv2d_signature, padding_mode=padding_mode)


# 三、各层变量命名规则 -----------------------------------------------------------------------------------------------
def naming_rules(torch, nn, F, optim, share):
    DataParallel = nn.DataParallel  # from torch.nn import DataParallel
    r = {"typos": [error_of(lambda: nn.Squential), error_of(lambda: nn.BatchNorm)]}

    class Init(nn.Module):  # 1) init
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(3, 12, kernel_size=3, stride=1, padding=1)  # conv1.weight 和 conv.bias
            self.bn1 = torch.nn.BatchNorm2d(12)  # bn1.weight, bn1.bias, bn1.running_mean, ...

    class Seq(nn.Module):  # 2) nn.Sequential
        def __init__(self):
            super().__init__()
            conv1 = nn.Conv2d(3, 12, kernel_size=3, stride=1, padding=1)
            bn1 = nn.BatchNorm2d(12)
            s1 = [conv1, bn1]
            self.stage1 = nn.Sequential(*s1)

    class Parallel(nn.Module):  # 3) DataParallel
        def __init__(self):
            super().__init__()
            conv1 = nn.Conv2d(3, 12, kernel_size=3, stride=1, padding=1)
            bn1 = nn.BatchNorm2d(12)
            s1 = [conv1, bn1]
            stage1 = nn.Sequential(*s1)
            self.stage2 = DataParallel(stage1)

    for cls in (Init, Seq, Parallel):
        m = cls()
        print(m)
        r[cls.__name__] = list(m.state_dict())
    return r


def test_naming_rules():
    result, _ = compare(naming_rules)
    assert result["typos"] == [("AttributeError", "module 'ember.nn' has no attribute 'Squential'"),
                               ("AttributeError", "module 'ember.nn' has no attribute 'BatchNorm'")]
    bn = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert result["Init"] == ["conv1.weight", "conv1.bias"] + [f"bn1.{k}" for k in bn]
    assert result["Seq"] == ["stage1.0.weight", "stage1.0.bias"] + [f"stage1.1.{k}" for k in bn]
    assert result["Parallel"] == ["stage2.module.0.weight", "stage2.module.0.bias"] + [
        f"stage2.module.1.{k}" for k in bn]


def cnn_classes(nn, F):
    DataParallel = nn.DataParallel

    class CNN1(nn.Module):  # Example 1
        def __init__(self):
            super(CNN1, self).__init__()
            self.conv1 = nn.Conv2d(3, 12, kernel_size=3, stride=1, padding=1)
            self.bn1 = nn.BatchNorm2d(12)
            self.s1 = [self.conv1, self.bn1]
            self.stage1 = nn.Sequential(*self.s1)
            self.conv2 = nn.Conv2d(12, 24, kernel_size=3, stride=1, padding=1)
            self.bn2 = nn.BatchNorm2d(24)
            self.fc1 = nn.Linear(24 * 5 * 5, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.relu(self.bn1(self.conv1(x)))
            x = F.relu(self.bn2(self.conv2(x)))
            x = x.view(-1, 24 * 5 * 5)
            x = F.relu(self.fc1(x))
            x = self.fc2(x)
            return x

    class CNN2(nn.Module):  # Example 2
        def __init__(self):
            super(CNN2, self).__init__()
            conv1 = nn.Conv2d(3, 12, kernel_size=3, stride=1, padding=1)
            bn1 = nn.BatchNorm2d(12)
            s1 = [conv1, bn1]
            self.stage1 = nn.Sequential(*s1)
            self.stage2 = DataParallel(self.stage1)
            self.conv2 = nn.Conv2d(12, 24, kernel_size=3, stride=1, padding=1)
            self.bn2 = nn.BatchNorm2d(24)
            self.fc1 = nn.Linear(24 * 5 * 5, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = self.stage2(x)
            x = F.relu(self.bn2(self.conv2(x)))
            x = x.view(-1, 24 * 5 * 5)
            x = F.relu(self.fc1(x))
            x = self.fc2(x)
            return x

    return CNN1, CNN2


def example(torch, nn, F, optim, share, which):
    CNN1, CNN2 = cnn_classes(nn, F)
    DataParallel = nn.DataParallel
    if which == 1:
        model = CNN1()
    else:
        model = CNN2()
        model = DataParallel(model)
    for name in model.state_dict():
        print(name)
    share(model)
    print(model)
    x = torch.randn(4, 3, 5, 5)  # 24 * 5 * 5 features: 5x5 images
    out = model(x)
    out.square().mean().backward()
    r = {"keys": list(model.state_dict()), "out": out, "grads": grads(model)}
    r["losses"] = train_steps(torch, nn, optim, model, x, torch.randint(0, 10, (4,)))
    r["trained"] = params(model)  # BatchNorm running statistics included
    model.eval()
    r["eval_out"] = model(x)
    return r


@pytest.mark.parametrize("which,seed_text", [(1, SEED_EXAMPLE1_KEYS), (2, SEED_EXAMPLE2_KEYS)])
def test_examples_keys_forward_and_training(which, seed_text):
    result, printed = compare(example, which=which)
    assert result["keys"] == seed_keys(seed_text)
    assert printed.splitlines()[:len(result["keys"])] == seed_keys(seed_text)


def test_example2_shares_stage1_with_stage2():
    # stage1 and stage2.module are one Sequential: loading the state dict writes both names into the same tensors
    (t_ret, _), (e_ret, _) = run(example, which=2).values()
    w1, w2 = e_ret["trained"]["module.stage1.0.weight"], e_ret["trained"]["module.stage2.module.0.weight"]
    np.testing.assert_array_equal(w1.numpy(), w2.numpy())


def test_seed_imports():
    import importlib

    for name in ("ember.nn.parallel", "ember.distributed"):
        importlib.import_module(name)
    from ember.nn import DataParallel  # noqa: F401
    from ember.nn.parallel import DistributedDataParallel  # noqa: F401
