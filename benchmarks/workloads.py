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


def train_step(build, batch: int):
    """zero_grad, forward, CrossEntropyLoss, backward, SGD-momentum step on 3x32x32 inputs."""
    def make(lib):
        lib.manual_seed(0)
        model = build(lib)
        opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        criterion = lib.nn.CrossEntropyLoss()
        x, y = _inputs(lib, batch, 3, 32, 32), _labels(lib, batch)

        def step():
            opt.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            opt.step()

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
