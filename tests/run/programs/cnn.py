"""A small CNN classifier in the style of PyTorch's MNIST example, on synthetic 12x12 images."""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc1 = nn.Linear(8 * 5 * 5, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.bn(self.conv2(x))), 2)
        x = torch.flatten(x, 1)
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


def init_from_numpy(model, rng):
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.3, 0.3, size=tuple(p.shape)).astype(np.float32)))


def main():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=96)
    images = rng.standard_normal((96, 1, 12, 12)).astype(np.float32) * 0.5
    images[labels == 0, :, :6, :] += 1.0
    images[labels == 1, :, :, :6] += 1.0
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cudnn.benchmark = True
    data = TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
    loader = DataLoader(data, batch_size=16, shuffle=False)
    model = Net().to(device)
    init_from_numpy(model, rng)
    print(model)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    for epoch in range(1, 4):
        model.train()
        total = 0.0
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = F.nll_loss(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(x)
        scheduler.step()
        model.eval()
        with torch.no_grad():
            out = model(torch.from_numpy(images))
            correct = out.argmax(dim=1).eq(torch.from_numpy(labels)).sum().item()
        print(f"epoch {epoch} loss {total / len(data):.5f} accuracy {correct}/{len(data)} lr {scheduler.get_last_lr()}")
    path = sys.argv[1]
    torch.save(model.state_dict(), path)
    fresh = Net()
    fresh.load_state_dict(torch.load(path, weights_only=True))
    fresh.eval()
    print("reloaded max diff", (fresh(torch.from_numpy(images)) - out).abs().max().item())


if __name__ == "__main__":
    main()
