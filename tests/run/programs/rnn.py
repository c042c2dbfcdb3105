"""Sine-wave prediction with an LSTM, in the style of PyTorch's time-sequence example (weights from NumPy)."""
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


class Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 8, num_layers=2, batch_first=True)
        self.gru = nn.GRU(8, 6, batch_first=True)
        self.linear = nn.Linear(6, 1)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        out, _ = self.gru(out)
        return self.linear(out)


def main():
    rng = np.random.default_rng(2)
    t = np.arange(31, dtype=np.float32)[None, :] + rng.integers(-4, 4, size=(8, 1)).astype(np.float32)
    waves = np.sin(t / 3.0).astype(np.float32)[..., None]
    inputs, targets = torch.from_numpy(waves[:, :-1]), torch.from_numpy(waves[:, 1:])
    seq = Sequence().double().float()
    with torch.no_grad():
        for name, p in seq.named_parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.35, 0.35, size=tuple(p.shape)).astype(np.float32)))
    criterion = nn.MSELoss()
    optimizer = optim.Adam(seq.parameters(), lr=0.02)
    for step in range(12):
        optimizer.zero_grad()
        loss = criterion(seq(inputs), targets)
        loss.backward()
        nn.utils.clip_grad_norm_(seq.parameters(), 1.0)
        optimizer.step()
        if step % 3 == 0:
            print("step", step, "loss", round(loss.item(), 6))
    with torch.no_grad():
        pred = seq(inputs[:2])
        print("test loss", round(criterion(pred, targets[:2]).item(), 6), tuple(pred.shape))


if __name__ == "__main__":
    main()
