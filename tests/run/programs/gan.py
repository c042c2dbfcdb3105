"""A GAN on a 2-D mixture of Gaussians, in the style of the DCGAN example's training loop (noise from NumPy)."""
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


def weights_init(m, rng):
    if isinstance(m, nn.Linear):
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(rng.normal(0.0, 0.3, size=tuple(m.weight.shape)).astype(np.float32)))
            nn.init.zeros_(m.bias)


def main():
    rng = np.random.default_rng(3)
    netG = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.Linear(16, 2))
    netD = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    for net in (netG, netD):
        net.apply(lambda m: weights_init(m, rng))
    criterion = nn.BCEWithLogitsLoss()
    optimizerD = optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
    real_label, fake_label = 1.0, 0.0
    for it in range(30):
        centers = rng.integers(0, 2, size=32)
        real = torch.from_numpy((rng.standard_normal((32, 2)) * 0.1 + centers[:, None] * 2 - 1).astype(np.float32))
        noise = torch.from_numpy(rng.standard_normal((32, 4)).astype(np.float32))
        netD.zero_grad()
        label = torch.full((32,), real_label)
        errD_real = criterion(netD(real).view(-1), label)
        errD_real.backward()
        fake = netG(noise)
        label.fill_(fake_label)
        errD_fake = criterion(netD(fake.detach()).view(-1), label)
        errD_fake.backward()
        optimizerD.step()
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.sigmoid().mean().item()
        optimizerG.step()
        if it % 10 == 9:
            print(f"[{it + 1}/30] Loss_D: {(errD_real + errD_fake).item():.4f} Loss_G: {errG.item():.4f} "
                  f"D(G(z)): {D_G_z2:.4f}")


if __name__ == "__main__":
    main()
