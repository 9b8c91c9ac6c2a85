"""PyTorch's Adam(weight_decay) on a small ARM network, for armfer-train's CoupledWeightDecayTest.

usage: coupled_adam.py OUT_DIR SEED STEPS LR WEIGHT_DECAY [OPTIMIZER]

OPTIMIZER: adam (default: Adam(lr, weight_decay)) or sgd-momentum (SGD(lr, momentum=0.9, weight_decay), for
MomentumSgdTest).

The network has every kind of parameter the reference training decays: a convolution, a BatchNorm (gamma, beta),
ARM's shared de-albino kernel, its BatchNorm and SA's alpha (the reference's names), and a linear classifier with a
bias. Writes OUT_DIR/initial.npz (the state dict before training), OUT_DIR/data.npz (x, y: the one batch) and
OUT_DIR/final.npz (the state dict after STEPS steps of Adam(lr, weight_decay) on that batch, train mode).
"""
import sys

import numpy as np
import torch
import torch.nn as nn


class Amend(nn.Module):
    """The reference's Amend_raf parameters (de_albino, bn, alpha); DA as one convolution over channels folded into the batch."""

    def __init__(self, channels, k, s):
        super().__init__()
        self.de_albino = nn.Conv2d(1, 1, kernel_size=k, stride=s, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(channels)
        self.alpha = nn.Parameter(torch.tensor([1.0]))

    def forward(self, x):
        n, c, h, w = x.shape
        folded = self.de_albino(x.reshape(n * c, 1, h, w))
        x = self.bn(folded.reshape(n, c, folded.size(2), folded.size(3)))
        gar = x.mean(dim=[0, 1])  # over the batch and the channels, per position
        return x.mean(dim=1, keepdim=True) + self.alpha * gar


class Small(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.arrangement = nn.PixelShuffle(2)
        self.arm = Amend(2, 4, 4)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.arm(self.arrangement(x))
        return self.fc(x.view(x.size(0), -1))


def save(path, model):
    np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


def main():
    out, seed, steps, lr, wd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    kind = sys.argv[6] if len(sys.argv) > 6 else "adam"
    torch.manual_seed(seed)
    model = Small(3)
    with torch.no_grad():
        model.bn1.weight.uniform_(0.5, 1.5)
        model.bn1.bias.uniform_(-0.2, 0.2)
        model.arm.alpha.fill_(0.7)
    x = torch.randn(6, 3, 8, 8)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    save(out + "/initial.npz", model)
    np.savez(out + "/data.npz", x=x.numpy(), y=y.numpy())
    if kind == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
    elif kind == "sgd-momentum":
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=wd)
    else:
        raise SystemExit("unknown optimizer " + kind)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    save(out + "/final.npz", model)


if __name__ == "__main__":
    main()
