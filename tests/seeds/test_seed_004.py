"""Seed 004 (《深度学习框架：PyTorch》 notes, chapter 4 "nn") run on torch and on ember with only the import changed.

The seed writes ``import torch as t`` and ``from torch.autograd import Variable as V``; the examples below keep that
spelling. Covered: the hand-written ``Linear`` and ``Perceptron`` (``nn.Parameter``, ``mm``, ``t.sigmoid``), the
sharpening convolution (``conv.weight.data = ...``) and ``AvgPool2d`` on an image, ``nn.Linear``, ``nn.Dropout``,
in-place activations, ``nn.Sequential`` with ``add_module`` (and the seed's ``BatchNorm1d`` after a ``Conv2d``,
which refuses 4-D input in both), ``nn.ModuleList``, ``CrossEntropyLoss`` with ``.long()`` labels, the LeNet of
``features``/``classifier`` with ``optim.SGD`` and a fake backward, per-group learning rates, ``nn.init``,
``train()``/``eval()``, ``t.save``/``t.load`` of a state_dict (each library reading the other's file) and
``nn.parallel.data_parallel``.

Where the seed's code is wrong it is run as written and both libraries must fail the same way, then the intended
code is run: ``nn.Conv2d(6, 16, 6)`` leaves 16*4*4 features for ``view(-1, 16 * 5 * 5)``, and the per-group optimizer
passes the strings ``'net.features.parameters()'``. The image of the sharpening example is a random 200x200
grayscale PIL image. Skipped: ``model.cuda()`` (needs a GPU). ``data_parallel`` raises "device type could not be
determined" in torch without a GPU; ember runs the module (ember's documented choice), compared with torch's
module called directly.
"""
import warnings

import numpy as np
import pytest
import torch as real_torch

import ember
from tests.seeds._harness import assert_same, compare, error_of, grads, params


# 常见的神经网络 / FC全连接层 -------------------------------------------------------------------------------------------
def perceptron(t, nn, F, optim, share):
    V = t.autograd.Variable

    class Linear(nn.Module):
        def __init__(self, in_features, out_features):
            super(Linear, self).__init__()
            self.w = nn.Parameter(t.randn(out_features, in_features))
            self.b = nn.Parameter(t.randn(out_features, 1))

        def forward(self, x):
            return (self.w).mm(x) + self.b

    class Perceptron(nn.Module):
        def __init__(self, in_features, hidden_features, out_features):
            super(Perceptron, self).__init__()
            self.layer1 = Linear(in_features, hidden_features)
            self.layer2 = Linear(hidden_features, out_features)

        def forward(self, x):
            x = self.layer1(x)
            x = t.sigmoid(x)
            x = self.layer2(x)
            return x

    perceptron = Perceptron(3, 4, 1)  # the parameters come from t.randn: the same numbers in both runs
    x = V(t.randn(3, 5))
    output = perceptron(x)
    print(perceptron)
    print(output)
    output.sum().backward()
    return {"output": output, "names": [n for n, _ in perceptron.named_parameters()], "grads": grads(perceptron),
            "x requires grad": x.requires_grad}


def test_hand_written_linear_and_perceptron():
    result, printed = compare(perceptron)
    assert printed.startswith("Perceptron(\n  (layer1): Linear()\n  (layer2): Linear()\n)\n")
    assert result["names"] == ["layer1.w", "layer1.b", "layer2.w", "layer2.b"]
    assert tuple(result["output"].shape) == (1, 5)


# CNN和池化层 -------------------------------------------------------------------------------------------------------
IMAGE = np.random.default_rng(4).integers(0, 256, (200, 200), dtype=np.uint8)


def sharpen(t, nn, F, optim, share):
    V = t.autograd.Variable
    if t._lib is ember:
        from PIL import Image

        transforms = ember.vision.transforms
        to_tensor, to_pil = transforms.ToTensor(), transforms.ToPILImage()
        img = Image.fromarray(IMAGE, mode="L")
        input = to_tensor(img).unsqueeze(0)
    else:  # torchvision is not installed: ToTensor's result, by hand
        input = t.from_numpy(IMAGE).float().div(255).unsqueeze(0).unsqueeze(0)
        to_pil = None

    kernel = t.ones(3, 3) / -9
    kernel[1][1] = 1
    conv = nn.Conv2d(1, 1, (3, 3), 1, bias=False)
    conv.weight.data = kernel.view(1, 1, 3, 3)

    out = conv(V(input))
    r = {"input": input, "out": out, "weight": conv.weight, "params": [p.shape for p in conv.parameters()]}
    if to_pil is not None:
        pil = to_pil(out.data.squeeze(0))
        r["pil"] = (pil.size, pil.mode)

    pool = nn.AvgPool2d(2, 2)
    r["pool params"] = list(pool.parameters())
    out = pool(V(input))
    r["pooled"] = out
    if to_pil is not None:
        pil = to_pil(out.data.squeeze(0))
        r["pooled pil"] = (pil.size, pil.mode)
    return r


def test_sharpening_conv_and_avg_pool_on_an_image():
    results = {}
    for lib in (real_torch, ember):
        from tests.seeds._harness import SharedRandom

        results[lib.__name__] = sharpen(SharedRandom(lib, 0), lib.nn, lib.nn.functional, lib.optim, None)
    e, t = results["ember"], results["torch"]
    assert e.pop("pil") == ((198, 198), "L") and e.pop("pooled pil") == ((100, 100), "L")
    assert_same(e, t)
    assert tuple(e["out"].shape) == (1, 1, 198, 198) and tuple(e["pooled"].shape) == (1, 1, 100, 100)


# 其他 ------------------------------------------------------------------------------------------------------------
def linear_dropout_activation(t, nn, F, optim, share):
    V = t.autograd.Variable
    linear = share(nn.Linear(3, 4))
    input = V(t.randn(2, 3))
    output = linear(input)
    r = {"linear": output}

    dropout = nn.Dropout(0.5)
    print(dropout)
    x = t.randn(200, 100)
    kept = dropout(x)
    # a dropped element is 0, a kept one is scaled by 1 / (1 - p); about half are dropped
    r["dropout values ok"] = bool(((kept == 0) | ((kept - 2 * x).abs() < 1e-6)).all())
    r["dropout rate ~ 0.5"] = abs((kept == 0).float().mean().item() - 0.5) < 0.02
    dropout.eval()
    r["eval is identity"] = dropout(x)

    # inplace=True saves memory and keeps the gradient (ReLU's backward needs only its output)
    w = t.randn(5, 5, requires_grad=True)
    h = w * 2
    y = nn.ReLU(inplace=True)(h)
    print(y.grad_fn, h is y)
    y.sum().backward()
    r["inplace grad"] = w.grad
    return r


def test_linear_dropout_and_inplace_activation():
    result, _ = compare(linear_dropout_activation)
    assert result["dropout values ok"] and result["dropout rate ~ 0.5"]


# 复杂网络的其他定义方式 ------------------------------------------------------------------------------------------------
def sequential_and_module_list(t, nn, F, optim, share):
    V = t.autograd.Variable
    net1 = nn.Sequential()
    net1.add_module('conv', nn.Conv2d(3, 3, 3))
    net1.add_module('bn', nn.BatchNorm2d(3))
    net1.add_module('activation', nn.ReLU())

    net2 = nn.Sequential(
        nn.Conv2d(3, 3, 3),
        nn.BatchNorm1d(3),
        nn.ReLU()
    )
    print(net1)
    print(net2)
    share(net1)

    input = V(t.randn(1, 3, 4, 4))
    output = net1(input)
    r = {"net1": output, "net1 keys": list(net1.state_dict()), "net2 on 4-D": error_of(lambda: net2(input))}

    module_list = nn.ModuleList([nn.Conv2d(3, 3, 3), nn.ReLU()])
    print(module_list)
    share(module_list)
    x = input
    for layer in module_list:
        x = layer(x)
    r["module list"] = x
    r["module list call"] = error_of(lambda: module_list(input))
    r["module list keys"] = list(module_list.state_dict())
    return r


def test_sequential_add_module_and_module_list():
    result, _ = compare(sequential_and_module_list)
    assert result["net1 keys"][:2] == ["conv.weight", "conv.bias"]
    assert result["net2 on 4-D"] == ("ValueError", "expected 2D or 3D input (got 4D input)")  # torch's message
    assert result["module list call"][0] == "NotImplementedError"


# Loss Function -----------------------------------------------------------------------------------------------------
def cross_entropy(t, nn, F, optim, share):
    V = t.autograd.Variable
    score = V(t.randn(3, 2))
    label = V(t.Tensor([1, 0, 1])).long()
    criterion = nn.CrossEntropyLoss()
    loss = criterion(score, label)
    print(loss, label)
    r = {"loss": loss, "label": label, "float labels": error_of(lambda: criterion(score, t.Tensor([1.5, 0, 1])))}
    return r


def test_cross_entropy_with_long_labels():
    result, _ = compare(cross_entropy)
    assert result["label"].dtype == ember.int64


# Optimizer -------------------------------------------------------------------------------------------------------
def lenet_classes(nn, second_kernel):
    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 6, 5),
                nn.ReLU(),
                nn.MaxPool2d(2, 2),
                nn.Conv2d(6, 16, second_kernel),
                nn.ReLU(),
                nn.MaxPool2d(2, 2)
            )
            self.classifier = nn.Sequential(
                nn.Linear(16 * 5 * 5, 120),
                nn.ReLU(),
                nn.Linear(120, 84),
                nn.ReLU(),
                nn.Linear(84, 10)
            )

        def forward(self, x):
            x = self.features(x)
            x = x.view(-1, 16 * 5 * 5)
            x = self.classifier(x)
            return x

    return Net


def optimizer_example(t, nn, F, optim, share):
    V = t.autograd.Variable
    r = {}
    as_written = lenet_classes(nn, 6)()  # nn.Conv2d(6, 16, 6): 16 * 4 * 4 features reach view(-1, 16 * 5 * 5)
    r["as written"] = error_of(lambda: as_written(t.randn(1, 3, 32, 32)))

    net = lenet_classes(nn, 5)()
    share(net)
    print(net)
    optimizer = optim.SGD(params=net.parameters(), lr=1)
    optimizer.zero_grad()

    input = V(t.randn(1, 3, 32, 32))
    output = net(input)
    output.backward(output)  # fake backward

    optimizer.step()
    print(optimizer)
    r["output"] = output
    r["grads"] = grads(net)
    r["after step"] = params(net)
    r["next output"] = net(input)

    r["strings as params"] = error_of(lambda: optim.SGD(
        [{'params': 'net.features.parameters()'}, {'params': 'net.classifier.parameters()', 'lr': 0.01}], lr=0.001))
    optimizer = optim.SGD([{'params': net.features.parameters()},
                           {'params': net.classifier.parameters(), 'lr': 0.01}], lr=0.001)
    print(optimizer)
    r["group lrs"] = [g["lr"] for g in optimizer.param_groups]
    for _ in range(2):
        optimizer.zero_grad()
        out = net(input)
        (out * out).sum().backward()
        optimizer.step()
    r["after group steps"] = params(net)
    # 想要调整学习率只要新建一个optimizer就可以了 (or edit the groups in place)
    for group in optimizer.param_groups:
        group["lr"] *= 0.1
    print(optimizer)
    return r


def test_optimizer_sgd_fake_backward_and_param_groups():
    result, _ = compare(optimizer_example)
    kind, message = result["as written"]
    assert kind == "RuntimeError" and "shape '[-1, 400]' is invalid for input of size 256" in message
    assert result["strings as params"] == ("TypeError", "optimizer can only optimize Tensors, but one of the params "
                                                        "is str")
    assert result["group lrs"] == [0.001, 0.01]


# nn.init ---------------------------------------------------------------------------------------------------------
def init_example(t, nn, F, optim, share):
    linear = nn.Linear(3, 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = nn.init.xavier_normal(linear.weight)
    r = {"warning": [(w.category.__name__, str(w.message)) for w in caught], "same tensor": out is linear.weight,
         "shape": out.shape}
    big = nn.Linear(300, 400)
    nn.init.xavier_normal_(big.weight)
    # std = sqrt(2 / (fan_in + fan_out)); the draws differ between the libraries, the distribution does not
    r["std ~ xavier"] = abs(big.weight.std().item() / (2 / 700) ** 0.5 - 1) < 0.03
    return r


def test_init_xavier_normal():
    result, _ = compare(init_example)
    assert result["warning"] == [("FutureWarning", "`nn.init.xavier_normal` is now deprecated in favor of "
                                                   "`nn.init.xavier_normal_`.")]
    assert result["same tensor"] and result["std ~ xavier"]


# 深入讨论 ----------------------------------------------------------------------------------------------------------
def train_eval(t, nn, F, optim, share):
    net = share(nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 3)))
    x = t.randn(10, 6)
    net(x)  # a training step moves the running statistics
    net.eval()
    r = {"eval flags": [m.training for m in net.modules()], "eval out": net(x), "eval again": net(x)}
    net.train()
    r["train flags"] = [m.training for m in net.modules()]
    r["state"] = params(net)
    return r


def test_train_and_eval():
    result, _ = compare(train_eval)
    assert result["eval flags"] == [False] * 5 and result["train flags"] == [True] * 5
    assert (result["eval out"] == result["eval again"]).all().item()


def save_load(tmp_path, writer, reader):
    """``t.save(net.state_dict(), 'net.pth')`` with one library, ``net2.load_state_dict(t.load('net.pth'))`` with
    the other (or the same)."""
    path = str(tmp_path / "net.pth")
    src = lenet_classes(writer.nn, 5)()
    writer.save(src.state_dict(), path)
    net2 = lenet_classes(reader.nn, 5)()
    print(net2.load_state_dict(reader.load(path)))
    return {k: v.numpy() for k, v in src.state_dict().items()}, {k: v.numpy() for k, v in net2.state_dict().items()}


@pytest.mark.parametrize("writer,reader", [(ember, ember), (ember, real_torch), (real_torch, ember)])
def test_save_and_load_state_dict(tmp_path, capsys, writer, reader):
    saved, loaded = save_load(tmp_path, writer, reader)
    assert capsys.readouterr().out == "<All keys matched successfully>\n"
    assert list(saved) == list(loaded)
    for k in saved:
        np.testing.assert_array_equal(saved[k], loaded[k])


def data_parallel(t, nn, F, optim, share):
    net = share(lenet_classes(nn, 5)())
    input = t.randn(2, 3, 32, 32)
    if t._lib is ember:
        out = nn.parallel.data_parallel(net, input, device_ids=None, output_device=None, dim=0, module_kwargs=None)
    else:  # PyTorch without a GPU raises "device type could not be determined"; its single-device meaning:
        out = net(input)
    return out


def test_data_parallel_runs_the_module():
    compare(data_parallel)
    with pytest.raises(RuntimeError, match="device type could not be determined"):
        real_torch.nn.parallel.data_parallel(real_torch.nn.Linear(2, 2), real_torch.ones(1, 2))
