"""A variational autoencoder in the style of PyTorch's VAE example (noise drawn with NumPy), with the mixed-precision
scaffolding programs carry for GPUs (GradScaler disabled without CUDA)."""
import numpy as np
import torch
from torch import nn, optim
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 12)
        self.fc21 = nn.Linear(12, 3)
        self.fc22 = nn.Linear(12, 3)
        self.fc3 = nn.Linear(3, 12)
        self.fc4 = nn.Linear(12, 20)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, eps):
        std = torch.exp(0.5 * logvar)
        return mu + eps * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x, eps):
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar, eps)), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def main():
    rng = np.random.default_rng(1)
    data = torch.from_numpy((rng.random((64, 20)) < 0.3).astype(np.float32))
    model = VAE()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.normal(0, 0.2, size=tuple(p.shape)).astype(np.float32)))
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    scaler = torch.amp.GradScaler("cuda", enabled=torch.cuda.is_available())
    for epoch in range(1, 5):
        model.train()
        train_loss = 0.0
        for i in range(0, 64, 16):
            batch = data[i:i + 16]
            eps = torch.from_numpy(rng.standard_normal((16, 3)).astype(np.float32))
            optimizer.zero_grad()
            with torch.autocast(device_type="cuda", enabled=torch.cuda.is_available()):
                recon, mu, logvar = model(batch, eps)
                loss = loss_function(recon, batch, mu, logvar)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            train_loss += loss.item()
        print(f"====> Epoch: {epoch} Average loss: {train_loss / 64:.4f}")
    with torch.no_grad():
        sample = model.decode(torch.from_numpy(rng.standard_normal((2, 3)).astype(np.float32)))
    print(sample.shape, sample.dtype, round(sample.sum().item(), 3))


if __name__ == "__main__":
    main()
