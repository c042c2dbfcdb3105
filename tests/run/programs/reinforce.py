"""REINFORCE on a corridor walk, in the style of PyTorch's reinforcement-learning example: the policy's actions
are drawn with a NumPy generator, so both libraries follow the same episodes."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(5, 16)
        self.affine2 = nn.Linear(16, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        return F.softmax(self.affine2(F.relu(self.affine1(x))), dim=1)


def select_action(policy, state, rng):
    probs = policy(torch.from_numpy(state).float().unsqueeze(0))
    action = int(rng.random() > probs[0, 0].item())
    policy.saved_log_probs.append(torch.log(probs[0, action]))
    return action


def finish_episode(policy, optimizer, gamma=0.9):
    returns, R = [], 0.0
    for r in policy.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + 1e-6)
    loss = torch.cat([(-lp * R).unsqueeze(0) for lp, R in zip(policy.saved_log_probs, returns)]).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]
    return loss.item()


def main():
    rng = np.random.default_rng(4)
    policy = Policy()
    with torch.no_grad():
        for p in policy.parameters():
            p.copy_(torch.from_numpy(rng.normal(0, 0.3, size=tuple(p.shape)).astype(np.float32)))
    optimizer = optim.Adam(policy.parameters(), lr=2e-2)
    for episode in range(8):
        position, total = 2, 0.0
        for _ in range(12):
            state = np.eye(5)[position]
            position = min(4, max(0, position + (1 if select_action(policy, state, rng) else -1)))
            reward = 1.0 if position == 4 else 0.0
            policy.rewards.append(reward)
            total += reward
        loss = finish_episode(policy, optimizer)
        print(f"Episode {episode}\tReward: {total:.0f}\tLoss: {loss:.4f}")


if __name__ == "__main__":
    main()
