"""Seed 003 (小土堆 tutorial, chapter 7 "神经网络") run on torch and on ember with only the import changed.

Covered: 7.1 the minimal ``nn.Module``, 7.2 ``F.conv2d`` on integer tensors (stride, padding), 7.3 a ``Conv2d`` layer
over CIFAR10 batches, 7.4 ``MaxPool2d(ceil_mode=True)`` on the 5x5 example and over the dataset, 7.5 ``ReLU`` (the
printed output) and ``Sigmoid`` over the dataset, 7.6 ``Linear(196608, 10)`` on a flattened batch (including the
short last batch, which fails in both), 7.7 ``nn.Sequential`` (plain and ``OrderedDict``) and the CIFAR10-quick
network in both styles, 7.8 ``L1Loss``/``MSELoss``/``CrossEntropyLoss`` with the seed's numbers and the network's
loss and backward, 7.9 the SGD training loop with the seed's ``"Epoch: ... Loss: ..."`` print.

CIFAR10 is not downloaded: ember reads ``ember.vision.datasets.FakeData`` (3x32x32, 10 classes) and torch the same
images (see ``fake_torchvision``); datasets are a few dozen images and the training loop runs 3 epochs over 4
images instead of 20 over 10000. Skipped: every ``SummaryWriter`` call (tensorboard).
"""
from collections import OrderedDict

import pytest

from tests.seeds._harness import compare, error_of, fake_torchvision, grads, params


# 7.1 ------------------------------------------------------------------------------------------------------------
def module_basics(torch, nn, F, optim, share):
    class Howjul(nn.Module):
        def __init__(self):
            super().__init__()

        def forward(self, input):
            output = input + 1
            return output

    howjul = Howjul()
    x = torch.tensor(1.0)
    output = howjul(x)
    print(output)
    return {"output": output}


def test_7_1_module():
    _, printed = compare(module_basics)
    assert printed == "tensor(2.)\n"


# 7.2 ------------------------------------------------------------------------------------------------------------
def conv_operation(torch, nn, F, optim, share):
    input = torch.tensor([[1, 2, 0, 3, 1],
                          [0, 1, 2, 3, 1],
                          [1, 2, 1, 0, 0],
                          [5, 2, 3, 1, 1],
                          [2, 1, 0, 1, 1]])

    kernel = torch.tensor([[1, 2, 1],
                           [0, 1, 0],
                           [2, 1, 0]])

    input = torch.reshape(input, (1, 1, 5, 5))
    kernel = torch.reshape(kernel, (1, 1, 3, 3))

    output = F.conv2d(input, kernel, stride=1)
    print(output)

    output2 = F.conv2d(input, kernel, stride=2)
    print(output2)

    output3 = F.conv2d(input, kernel, stride=1, padding=1)
    print(output3)
    return {"output": output, "output2": output2, "output3": output3}


def test_7_2_conv2d_on_integer_tensors():
    result, _ = compare(conv_operation)
    assert result["output"].tolist() == [[[[10, 12, 12], [18, 16, 16], [13, 9, 3]]]]
    assert result["output2"].tolist() == [[[[10, 12], [13, 3]]]]
    assert result["output3"][0, 0, 0].tolist() == [1, 3, 4, 10, 8]


# 7.3 ------------------------------------------------------------------------------------------------------------
def conv_layer(torch, nn, F, optim, share):
    torchvision = fake_torchvision(torch._lib, 80)
    Conv2d = nn.Conv2d
    DataLoader = torch.utils.data.DataLoader

    dataset = torchvision.datasets.CIFAR10("./Dataset",
                                           train=False,
                                           transform=torchvision.transforms.ToTensor(),
                                           download=True)
    dataloader = DataLoader(dataset, batch_size=64)

    class Howjul(nn.Module):
        def __init__(self):
            super(Howjul, self).__init__()
            self.conv1 = Conv2d(in_channels=3, out_channels=6, kernel_size=3, stride=1, padding=0)

        def forward(self, x):
            x = self.conv1(x)
            return x

    howjul = share(Howjul())
    print(howjul)

    r = []
    step = 0
    for data in dataloader:
        imgs, targets = data
        output = howjul(imgs)
        print(imgs.shape)
        print(output.shape)
        # torch.Size([64, 6, 30, 30]) -> [xxx, 3, 30, 30] (for tensorboard's add_images)
        output = torch.reshape(output, (-1, 3, 30, 30))
        r.append((imgs, targets, output))
        step = step + 1
    return r


def test_7_3_conv_layer_over_cifar_batches():
    result, printed = compare(conv_layer)
    assert printed.splitlines()[3:] == ["ember.Size([64, 3, 32, 32])", "ember.Size([64, 6, 30, 30])",
                                        "ember.Size([16, 3, 32, 32])", "ember.Size([16, 6, 30, 30])"]
    assert [tuple(o.shape) for _, _, o in result] == [(128, 3, 30, 30), (32, 3, 30, 30)]


# 7.4 ------------------------------------------------------------------------------------------------------------
def max_pool(torch, nn, F, optim, share):
    MaxPool2d = nn.MaxPool2d
    input = torch.tensor([[1, 2, 0, 3, 1],
                          [0, 1, 2, 3, 1],
                          [1, 2, 1, 0, 0],
                          [5, 2, 3, 1, 1],
                          [2, 1, 0, 1, 1]], dtype=torch.float32)

    input = torch.reshape(input, (-1, 1, 5, 5))
    print(input.shape)

    class Howjul(nn.Module):
        def __init__(self):
            super(Howjul, self).__init__()
            self.maxpool1 = MaxPool2d(kernel_size=3, ceil_mode=True)

        def forward(self, input):
            output = self.maxpool1(input)
            return output

    howjul = Howjul()
    output = howjul(input)
    print(output)
    r = {"output": output, "ceil_mode=False": MaxPool2d(kernel_size=3, ceil_mode=False)(input)}

    # 与之前的结合，对数据集进行处理
    torchvision = fake_torchvision(torch._lib, 20)
    dataset = torchvision.datasets.CIFAR10("./Dataset", train=False, transform=torchvision.transforms.ToTensor(),
                                           download=True)
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=64)
    for data in dataloader:
        imgs, labels = data
        output = howjul(imgs)
        r["dataset"] = output
    r["int input"] = error_of(lambda: howjul(torch.reshape(torch.tensor([[1, 2], [3, 4]]), (1, 1, 2, 2))))
    return r


def test_7_4_max_pool_ceil_mode():
    result, printed = compare(max_pool)
    assert printed == "ember.Size([1, 1, 5, 5])\ntensor([[[[2., 3.],\n          [5., 1.]]]])\n"
    assert result["ceil_mode=False"].tolist() == [[[[2.0]]]]
    assert tuple(result["dataset"].shape) == (20, 3, 11, 11)


# 7.5 ------------------------------------------------------------------------------------------------------------
def relu_sigmoid(torch, nn, F, optim, share):
    ReLU, Sigmoid = nn.ReLU, nn.Sigmoid
    input = torch.tensor([[1, -0.5],
                          [-1, 3]])

    output = torch.reshape(input, (-1, 1, 2, 2))
    print(output.shape)

    class Howjul(nn.Module):
        def __init__(self):
            super(Howjul, self).__init__()
            self.relu1 = ReLU(inplace=False)  # 不进行原地替换

        def forward(self, x):
            output = self.relu1(x)
            return output

    howjul = Howjul()
    output = howjul(input)
    print(output)
    r = {"relu": output, "input untouched": input}
    inplace = input.clone()
    ReLU(inplace=True)(inplace)
    r["inplace"] = inplace

    class Howjul2(nn.Module):
        def __init__(self):
            super(Howjul2, self).__init__()
            self.relu1 = ReLU(inplace=False)  # 不进行原地替换
            self.sigmoid1 = Sigmoid()

        def forward(self, x):
            output = self.sigmoid1(x)
            return output

    howjul = Howjul2()
    print(howjul)
    torchvision = fake_torchvision(torch._lib, 20)
    dataset = torchvision.datasets.CIFAR10("./Dataset", train=False, transform=torchvision.transforms.ToTensor(),
                                           download=True)
    for data in torch.utils.data.DataLoader(dataset, batch_size=64):
        imgs, labels = data
        r["sigmoid"] = howjul(imgs)
    return r


def test_7_5_relu_prints_the_seeds_output():
    result, printed = compare(relu_sigmoid)
    assert printed.startswith("ember.Size([1, 1, 2, 2])\ntensor([[1., 0.],\n        [0., 3.]])\n")
    assert result["inplace"].tolist() == [[1.0, 0.0], [0.0, 3.0]]
    assert result["input untouched"].tolist() == [[1.0, -0.5], [-1.0, 3.0]]


# 7.6 ------------------------------------------------------------------------------------------------------------
def linear_layer(torch, nn, F, optim, share):
    Linear = nn.Linear
    torchvision = fake_torchvision(torch._lib, 80)
    dataset = torchvision.datasets.CIFAR10("./Dataset", train=False, transform=torchvision.transforms.ToTensor(),
                                           download=True)
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=64)

    class Howjul(nn.Module):
        def __init__(self):
            super(Howjul, self).__init__()
            self.linear1 = Linear(196608, 10)

        def forward(self, x):
            x = self.linear1(x)
            return x

    howjul = share(Howjul())
    r = []
    for imgs, labels in dataloader:
        print(imgs.shape)
        # output = torch.reshape(imgs, (1, 1, 1, -1))
        output = torch.flatten(imgs)  # 把输入展成一行
        print(output.shape)
        # the last batch holds 16 images: 49152 features, and Linear(196608, 10) refuses them
        out = error_of(lambda: print(howjul(output).shape))
        r.append(out or howjul(output))
    r.append(howjul(torch.reshape(imgs, (1, 1, 1, -1)).repeat(1, 1, 1, 4)))
    return r


def test_7_6_linear_on_flattened_batches():
    result, printed = compare(linear_layer)
    assert printed.splitlines() == ["ember.Size([64, 3, 32, 32])", "ember.Size([196608])", "ember.Size([10])",
                                    "ember.Size([16, 3, 32, 32])", "ember.Size([49152])"]
    kind, message = result[1]
    assert kind == "RuntimeError" and "196608" in message and "49152" in message


# 7.7 ------------------------------------------------------------------------------------------------------------
def layers_net(nn):
    """Section 7.7's CIFAR-10 quick model, one attribute per layer."""
    Conv2d, MaxPool2d, Flatten, Linear = nn.Conv2d, nn.MaxPool2d, nn.Flatten, nn.Linear

    class Layers(nn.Module):
        def __init__(self):
            super(Layers, self).__init__()
            self.conv1 = Conv2d(3, 32, 5, padding=2)
            self.maxpool1 = MaxPool2d(2)
            self.conv2 = Conv2d(32, 32, 5, padding=2)
            self.maxpool2 = MaxPool2d(2)
            self.conv3 = Conv2d(32, 64, 5, padding=2)
            self.maxpool3 = MaxPool2d(2)
            self.flatten = Flatten()
            self.linear1 = Linear(1024, 64)
            self.linear2 = Linear(64, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = self.maxpool1(x)
            x = self.conv2(x)
            x = self.maxpool2(x)
            x = self.conv3(x)
            x = self.maxpool3(x)
            x = self.flatten(x)
            x = self.linear1(x)
            x = self.linear2(x)
            return x

    return Layers


def quick_net(nn):
    """Section 7.7's CIFAR-10 quick model as one Sequential (also the network of 7.8 and 7.9)."""
    Sequential, Conv2d, MaxPool2d, Flatten, Linear = nn.Sequential, nn.Conv2d, nn.MaxPool2d, nn.Flatten, nn.Linear

    class Howjul(nn.Module):
        def __init__(self):
            super(Howjul, self).__init__()
            self.model1 = Sequential(
                Conv2d(3, 32, 5, padding=2),
                MaxPool2d(2),
                Conv2d(32, 32, 5, padding=2),
                MaxPool2d(2),
                Conv2d(32, 64, 5, padding=2),
                MaxPool2d(2),
                Flatten(),
                Linear(1024, 64),
                Linear(64, 10)
            )

        def forward(self, x):
            x = self.model1(x)
            return x

    return Howjul


def sequential(torch, nn, F, optim, share):
    # Using Sequential to create a small model.
    model = nn.Sequential(
        nn.Conv2d(1, 20, 5),
        nn.ReLU(),
        nn.Conv2d(20, 64, 5),
        nn.ReLU()
    )
    print(model)
    r = {"plain keys": list(model.state_dict())}

    # Using Sequential with OrderedDict.
    model = nn.Sequential(OrderedDict([
        ('conv1', nn.Conv2d(1, 20, 5)),
        ('relu1', nn.ReLU()),
        ('conv2', nn.Conv2d(20, 64, 5)),
        ('relu2', nn.ReLU())
    ]))
    print(model)
    share(model)
    r["ordered keys"] = list(model.state_dict())
    r["ordered out"] = model(torch.randn(2, 1, 12, 12))

    Layers, Howjul = layers_net(nn), quick_net(nn)
    layers = share(Layers())
    print(layers)
    howjul = share(Howjul())
    print(howjul)
    input = torch.ones((64, 3, 32, 32))
    output = howjul(input)
    print(output.shape)
    r["ones out"] = output
    x = torch.randn(4, 3, 32, 32)
    r["layers out"] = layers(x)
    r["seq out"] = howjul(x)
    r["seq out"].sum().backward()
    r["grads"] = grads(howjul)
    return r


def test_7_7_sequential_and_cifar10_quick():
    result, printed = compare(sequential)
    assert printed.rstrip().endswith("ember.Size([64, 10])")
    assert result["plain keys"] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert result["ordered keys"] == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"]


def test_7_7_padding_two_keeps_32x32():
    # H_out = (H_in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1 = 32 with kernel 5, stride 1: padding 2
    assert (32 + 2 * 2 - 1 * (5 - 1) - 1) // 1 + 1 == 32
    compare(lambda torch, nn, F, optim, share: nn.Conv2d(3, 32, 5, padding=2)(torch.randn(1, 3, 32, 32)).shape)


# 7.8 ------------------------------------------------------------------------------------------------------------
def losses(torch, nn, F, optim, share):
    L1Loss, MSELoss, CrossEntropyLoss = nn.L1Loss, nn.MSELoss, nn.CrossEntropyLoss
    inputs = torch.tensor([1, 2, 3], dtype=torch.float32)
    targets = torch.tensor([1, 2, 5], dtype=torch.float32)

    inputs = torch.reshape(inputs, (1, 1, 1, 3))
    targets = torch.reshape(targets, (1, 1, 1, 3))

    r = {}
    loss = L1Loss(reduction='mean')
    result = loss(inputs, targets)  # 结果为0.6667
    r["l1 mean"] = result

    loss2 = L1Loss(reduction='sum')
    result = loss(inputs, targets)  # 结果为2. (the seed calls `loss`, not `loss2`: the mean again)
    r["l1 seed line"] = result
    r["l1 sum"] = loss2(inputs, targets)

    loss3 = MSELoss(reduction='mean')
    result = loss3(inputs, targets)  # 结果为1.3333
    r["mse"] = result

    x = torch.tensor([0.1, 0.2, 0.3])
    y = torch.tensor([1])
    x = torch.reshape(x, (1, 3))
    loss4 = CrossEntropyLoss()
    result = loss4(x, y)  # 结果为1.1019
    r["ce"] = result
    print(r)
    return r


def test_7_8_loss_values_of_the_seed():
    result, _ = compare(losses)
    assert round(result["l1 mean"].item(), 4) == 0.6667 and result["l1 seed line"].item() == result["l1 mean"].item()
    assert result["l1 sum"].item() == 2.0
    assert round(result["mse"].item(), 4) == 1.3333
    assert round(result["ce"].item(), 4) == 1.1019


def loss_network(torch, nn, F, optim, share):
    torchvision = fake_torchvision(torch._lib, 3)
    dataset = torchvision.datasets.CIFAR10("./Dataset", train=False, transform=torchvision.transforms.ToTensor(),
                                           download=True)
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=1)

    loss = nn.CrossEntropyLoss()
    howjul = share(quick_net(nn)())
    r = []
    for data in dataloader:
        imgs, labels = data
        output = howjul(imgs)
        result_loss = loss(output, labels)
        print(result_loss)
        result_loss.backward()  # 可以计算出梯度
        r.append((result_loss, labels))
    r.append(grads(howjul))  # accumulated over the three images
    return r


def test_7_8_cross_entropy_on_the_network():
    compare(loss_network)


# 7.9 ------------------------------------------------------------------------------------------------------------
def optimizer_loop(torch, nn, F, optim, share, epochs=3):
    torchvision = fake_torchvision(torch._lib, 4)
    dataset = torchvision.datasets.CIFAR10("./Dataset", train=False, transform=torchvision.transforms.ToTensor(),
                                           download=True)
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=1)

    loss = nn.CrossEntropyLoss()
    howjul = share(quick_net(nn)())
    optim = torch.optim.SGD(howjul.parameters(), lr=0.01)
    for epoch in range(epochs):
        running_loss = 0.0
        for data in dataloader:
            imgs, labels = data
            output = howjul(imgs)
            result_loss = loss(output, labels)
            optim.zero_grad()  # 清除梯度信息
            result_loss.backward()  # 计算出梯度
            optim.step()  # 对每个参数进行优化
            running_loss += result_loss
        print("Epoch: {}/{} Loss: {}".format(epoch + 1, 20, running_loss))
    return {"running_loss": running_loss, "params": params(howjul)}


def test_7_9_sgd_training_loop():
    result, printed = compare(optimizer_loop)
    lines = printed.splitlines()
    assert [line.split(" Loss: ")[0] for line in lines] == ["Epoch: 1/20", "Epoch: 2/20", "Epoch: 3/20"]
    epoch_losses = [float(line.split(" Loss: ")[1]) for line in lines]
    assert epoch_losses[2] < epoch_losses[0]  # "可以看到 Loss 之和在不断变小"
    assert result["running_loss"].grad_fn is not None


@pytest.mark.parametrize("lr", [0.01, 0.1])
def test_7_9_generic_loop(lr):
    def loop(torch, nn, F, optim, share):
        model = share(nn.Sequential(nn.Flatten(), nn.Linear(12, 5)))
        loss_fn = nn.CrossEntropyLoss()
        optimizer = optim.SGD(model.parameters(), lr=lr)
        dataset = [(torch.randn(2, 3, 4), torch.randint(0, 5, (2,))) for _ in range(5)]
        for input, target in dataset:
            optimizer.zero_grad()
            output = model(input)
            loss = loss_fn(output, target)
            loss.backward()
            optimizer.step()
            print(loss)
        return params(model)

    compare(loop)
