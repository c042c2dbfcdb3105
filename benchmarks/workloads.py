"""The benchmark workloads, each a function ``make(lib) -> step`` where ``lib`` is ``ember`` or ``torch``."""
from __future__ import annotations

import numpy as np


def seed_lenet(lib):
    """Seed 000's LeNet on 3x32x32 inputs."""
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, 16 * 5 * 5)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return Net()


def seed_cifar_quick(lib):
    """Seed 003's CIFAR-10 network: three 5x5 convs of 32/32/64 channels with max pooling, then 1024-64-10."""
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(3, 32, 5, padding=2), nn.MaxPool2d(2), nn.Conv2d(32, 32, 5, padding=2),
                         nn.MaxPool2d(2), nn.Conv2d(32, 64, 5, padding=2), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(1024, 64), nn.Linear(64, 10))


def _inputs(lib, *shape, seed=0):
    return lib.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def _labels(lib, n, classes=10):
    return lib.tensor(np.random.default_rng(1).integers(0, classes, n).astype(np.int64))


def resnet18_cifar(lib, width: int = 64, classes: int = 10):
    """ResNet-18 for 32x32 inputs (the CIFAR variant): a 3x3 stride-1 stem and no max pooling, then torchvision's
    BasicBlocks [2, 2, 2, 2] of ``width`` x 1/2/4/8 channels, global average pooling and a linear classifier."""
    nn = lib.nn

    class BasicBlock(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += identity
            return self.relu(out)

    stages, cin = [], width
    for i, stride in enumerate((1, 2, 2, 2)):
        cout = width << i
        stages += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    return nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
                         *stages, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes))


def mnist_mlp(lib, hidden: int = 512):
    """The MNIST multilayer perceptron 784-hidden-hidden-10 with ReLU, on 1x28x28 images."""
    nn = lib.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, 10))


def train_step(build, batch: int, shape: tuple = (3, 32, 32)):
    """zero_grad, forward, CrossEntropyLoss, backward, SGD-momentum step on ``(batch, *shape)`` inputs; the step
    returns the loss."""
    def make(lib):
        lib.manual_seed(0)
        model = build(lib)
        opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        criterion = lib.nn.CrossEntropyLoss()
        x, y = _inputs(lib, batch, *shape), _labels(lib, batch)

        def step():
            opt.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            opt.step()
            return loss

        return step

    return make


def eval_forward(build, batch: int, shape: tuple = (3, 32, 32)):
    """Inference: ``model.eval()`` and a forward under ``no_grad`` on ``(batch, *shape)`` inputs (no graph kept);
    the step returns the output."""
    def make(lib):
        lib.manual_seed(0)
        model = build(lib).eval()
        x = _inputs(lib, batch, *shape)

        def step():
            with lib.no_grad():
                return model(x)

        return step

    return make


def dcgan(lib, nz: int = 100, ngf: int = 64, ndf: int = 64, nc: int = 3):
    """PyTorch's examples/dcgan generator and discriminator for 64x64 images, with the example's ``weights_init``
    (conv weights N(0, 0.02), BatchNorm weights N(1, 0.02) and zero biases): ``(netG, netD)``."""
    nn = lib.nn
    netG = nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())
    netD = nn.Sequential(
        nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def weights_init(m):
        if "Conv" in type(m).__name__:
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif "BatchNorm" in type(m).__name__:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)

    netG.apply(weights_init)
    netD.apply(weights_init)
    return netG, netD


def dcgan_step(batch: int = 64, nz: int = 100, ngf: int = 64, ndf: int = 64):
    """One iteration of examples/dcgan's loop: the discriminator on a real batch and on a generated one (BCELoss,
    Adam step), then the generator through the discriminator (Adam step); fresh noise each step. The step returns
    the generator's loss."""
    def make(lib):
        lib.manual_seed(0)
        netG, netD = dcgan(lib, nz, ngf, ndf)
        criterion = lib.nn.BCELoss()
        optD = lib.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        optG = lib.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        real = _inputs(lib, batch, 3, 64, 64).tanh()
        label = lib.full((batch,), 1.0)

        def step():
            netD.zero_grad()
            label.fill_(1.0)
            criterion(netD(real).view(-1, 1).squeeze(1), label).backward()
            fake = netG(lib.randn(batch, nz, 1, 1))
            label.fill_(0.0)
            criterion(netD(fake.detach()).view(-1, 1).squeeze(1), label).backward()
            optD.step()
            netG.zero_grad()
            label.fill_(1.0)
            errG = criterion(netD(fake).view(-1, 1).squeeze(1), label)
            errG.backward()
            optG.step()
            return errG

        return step

    return make


def layer_fwd_bwd(build_layer, *shape):
    """Forward and backward of one layer from a fixed random upstream gradient (input and parameter gradients)."""
    def make(lib):
        lib.manual_seed(0)
        layer = build_layer(lib)
        x = _inputs(lib, *shape).requires_grad_()
        grad = _inputs(lib, *layer(x).shape, seed=1)
        params = list(layer.parameters())

        def step():
            x.grad = None
            for p in params:
                p.grad = None
            layer(x).backward(grad)

        return step

    return make


def loss_fwd_bwd(build_loss, shape, target):
    """Forward and backward of a loss module on a fixed float32 input and target (a NumPy array)."""
    def make(lib):
        loss = build_loss(lib)
        x = _inputs(lib, *shape).requires_grad_()
        y = lib.tensor(target)

        def step():
            x.grad = None
            loss(x, y).backward()

        return step

    return make


def dispatch(chain: int = 100):
    """A chain of small elementwise ops with grad tracking, forward and backward: per-op overhead."""
    def make(lib):
        x = _inputs(lib, 16).requires_grad_()

        def step():
            y = x
            for _ in range(chain):
                y = y * 1.0001
            y.sum().backward()

        return step

    return make


def optimizer_step(name: str, n_tensors: int = 300, total: int = 1_000_000):
    """One optimizer step over ``total`` parameters split into ``n_tensors`` tensors (gradients preset)."""
    def make(lib):
        rng = np.random.default_rng(0)
        params = []
        for _ in range(n_tensors):
            p = lib.tensor(rng.standard_normal(total // n_tensors).astype(np.float32), requires_grad=True)
            p.grad = lib.tensor(rng.standard_normal(total // n_tensors).astype(np.float32))
            params.append(p)
        opt = lib.optim.SGD(params, lr=0.01, momentum=0.9) if name == "sgd" else lib.optim.Adam(params, lr=1e-3)
        return opt.step

    return make


def random_normals(n: int = 10_000_000):
    """``randn(n)`` after ``manual_seed(0)``: mt19937 and the 16-wide float32 Box-Muller (PyTorch's exact bits)."""
    def make(lib):
        def step():
            lib.manual_seed(0)
            lib.randn(n)

        return step

    return make


def dataloader(n: int = 10_000, batch: int = 64):
    """One epoch over an MNIST-sized TensorDataset with shuffling and default collation."""
    def make(lib):
        data = lib.utils.data
        ds = data.TensorDataset(_inputs(lib, n, 1, 28, 28), _labels(lib, n))
        loader = data.DataLoader(ds, batch_size=batch, shuffle=True)

        def epoch():
            for _ in loader:
                pass

        return epoch

    return make


def recurrent_train_step(mode: str, layers: int = 2, hidden: int = 200, steps: int = 35, batch: int = 20):
    """zero_grad, forward of an LSTM/GRU stack over ``(steps, batch, hidden)``, a sum loss, backward, SGD step
    (the shape of PyTorch's word-language-model example)."""
    def make(lib):
        lib.manual_seed(0)
        model = getattr(lib.nn, mode)(hidden, hidden, layers)
        opt = lib.optim.SGD(model.parameters(), lr=0.01)
        x = _inputs(lib, steps, batch, hidden)

        def step():
            opt.zero_grad()
            model(x)[0].sum().backward()
            opt.step()

        return step

    return make


def lstm_inference_step(hidden: int = 200, layers: int = 2):
    """One time step of a batch-1 LSTM under no_grad, carrying the state: the per-call overhead of generation."""
    def make(lib):
        lib.manual_seed(0)
        model = lib.nn.LSTM(hidden, hidden, layers)
        x = _inputs(lib, 1, 1, hidden)
        state = [None]

        def step():
            with lib.no_grad():
                _, state[0] = model(x, state[0])

        return step

    return make


def transformer_train_step(layers: int = 2, d_model: int = 128, nhead: int = 4, seq: int = 64, batch: int = 16):
    """zero_grad, forward of a batch-first TransformerEncoder (default feed-forward width 2048 and dropout 0.1),
    a sum loss, backward, SGD step."""
    def make(lib):
        lib.manual_seed(0)
        layer = lib.nn.TransformerEncoderLayer(d_model, nhead, batch_first=True)
        model = lib.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        opt = lib.optim.SGD(model.parameters(), lr=0.01)
        x = _inputs(lib, batch, seq, d_model)

        def step():
            opt.zero_grad()
            model(x).sum().backward()
            opt.step()

        return step

    return make
