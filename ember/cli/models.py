"""The networks ``ember train`` offers, built from ember.nn exactly as a PyTorch user would write them."""
from __future__ import annotations

from .. import nn


class LeNet(nn.Module):
    """LeNet-5 as in the seed tutorials: two 5x5 convs with max pooling, then 120-84-classes.

    28x28 inputs (MNIST) get padding 2 on the first conv, so both 28x28 and 32x32 end in 16x5x5 features.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, image_size: int = 28) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5, padding=2 if image_size == 28 else 0)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)
        self.pool = nn.MaxPool2d(2)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = x.flatten(1)
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.fc3(x)


def cifar_quick(in_channels: int = 3, num_classes: int = 10, image_size: int = 32) -> nn.Sequential:
    """Seed 003's CIFAR-10 network (three 5x5 convs of 32/32/64 channels, each halved by max pooling), with a ReLU
    after each conv and the hidden linear layer (the seed's version has none, which makes it a linear model)."""
    side = image_size // 8
    return nn.Sequential(
        nn.Conv2d(in_channels, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * side * side, 64), nn.ReLU(), nn.Linear(64, num_classes),
    )


def mlp(in_channels: int = 1, num_classes: int = 10, image_size: int = 28) -> nn.Sequential:
    """A two-hidden-layer perceptron on the flattened image."""
    return nn.Sequential(nn.Flatten(), nn.Linear(in_channels * image_size * image_size, 256), nn.ReLU(),
                         nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, num_classes))


class RowLSTM(nn.Module):
    """Reads the image row by row (``image_size`` steps of ``in_channels * image_size`` pixels) with a one-layer
    LSTM of 128 units and classifies its last hidden state: PyTorch's sequence-classification example."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, image_size: int = 28) -> None:
        super().__init__()
        self.lstm = nn.LSTM(in_channels * image_size, 128, batch_first=True)
        self.fc = nn.Linear(128, num_classes)

    def forward(self, x):
        rows = x.permute(0, 2, 1, 3).flatten(2)  # (N, rows, channels * columns)
        _, (h, _) = self.lstm(rows)
        return self.fc(h[-1])


MODELS = {"lenet": LeNet, "cifar-quick": cifar_quick, "mlp": mlp, "lstm": RowLSTM}
