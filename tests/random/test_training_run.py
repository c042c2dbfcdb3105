"""End to end: a seeded training run gives PyTorch's losses at every step.

The seed LeNet (with dropout) is built after ``manual_seed(0)``, fed by ``DataLoader(shuffle=True)`` over the
embedded MNIST and trained with SGD: initial weights, batch order and dropout masks all come from the generator, so
the run only matches if every draw is PyTorch's. The losses agree to float32 round-off (the convolutions and matrix
products sum in a different order, nothing else differs).
"""
import numpy as np
import pytest
import torch

import ember

pytest.importorskip("mnist")

STEPS = 20


def _images() -> tuple[np.ndarray, np.ndarray]:
    ds = ember.vision.datasets.MNIST(None, train=True)
    x = ((ds.data.numpy()[:, None].astype(np.float32) / np.float32(255)) - np.float32(0.1307)) / np.float32(0.3081)
    return x, ds.targets.numpy()


def _losses(lib, x: np.ndarray, y: np.ndarray) -> list[float]:
    nn, F = lib.nn, lib.nn.functional

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 4 * 4, 120)
            self.drop = nn.Dropout(0.5)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, t):
            t = F.max_pool2d(F.relu(self.conv1(t)), 2)
            t = F.max_pool2d(F.relu(self.conv2(t)), 2)
            t = self.drop(F.relu(self.fc1(t.flatten(1))))
            return self.fc3(F.relu(self.fc2(t)))

    lib.manual_seed(0)
    net = LeNet()
    opt = lib.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    data = lib.utils.data.TensorDataset(lib.from_numpy(x), lib.from_numpy(y))
    loader = lib.utils.data.DataLoader(data, batch_size=64, shuffle=True)
    losses = []
    for images, labels in loader:
        opt.zero_grad()
        loss = F.cross_entropy(net(images), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if len(losses) == STEPS:
            return losses
    return losses


def test_seeded_lenet_training_gives_pytorchs_losses():
    x, y = _images()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # PyTorch's thread pool crawls on a shared, busy machine
    try:
        theirs = _losses(torch, x, y)
    finally:
        torch.set_num_threads(threads)
    mine = _losses(ember, x, y)
    assert len(mine) == STEPS
    np.testing.assert_allclose(mine, theirs, rtol=2e-5)
