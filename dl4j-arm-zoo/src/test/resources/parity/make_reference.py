"""Reference outputs for armfer's PyTorch parity tests, made during the test run.

usage: make_reference.py {resnet18|arm|arm-checkpoint} OUT_DIR SEED

Writes OUT_DIR/weights.npz (the state dict, one array per key, as the README's snippet does) and
OUT_DIR/io.npz (x: the input batch, logits and probs: outputs in eval mode).
- resnet18: a random-initialised torchvision resnet18 (7 classes) with non-trivial BatchNorm statistics.
- arm: the ARM model written from the paper's description, with the reference checkpoint's key names:
  features = resnet18 without avgpool/fc, PixelShuffle(16), one shared 32x32/8 conv over each channel,
  BatchNorm2d(2), channel mean + alpha * batch mean, Linear(121, 7).
- arm-checkpoint: the same model saved as the reference's train_raf-db.py saves it, a training checkpoint
  {'iter', 'model_state_dict', 'optimizer_state_dict'} (OUT_DIR/reference.pth), its classifier in the reference's
  class order (RAF-DB's labels 1..7 minus 1: surprise, fear, disgust, happiness, sadness, anger, neutral); converted
  to weights.npz with README's snippet (model_state_dict); io.npz adds probs_canonical (the probabilities in armfer's
  canonical order: neutral, happiness, sadness, surprise, fear, disgust, anger) and labels_canonical (the predicted
  canonical class of each image).
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision


def randomise_batchnorm(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=gen) - 0.5)
            m.running_var.copy_(torch.rand(n, generator=gen) * 1.5 + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=gen) + 0.5)
            m.bias.data.copy_(torch.rand(n, generator=gen) * 0.4 - 0.2)


class Amend(nn.Module):
    """DA + BN + SA as the reference implementation computes them."""

    def __init__(self, channels=2):
        super().__init__()
        self.de_albino = nn.Conv2d(1, 1, kernel_size=32, stride=8, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(channels)
        self.alpha = nn.Parameter(torch.tensor([1.0]))

    def forward(self, x):
        # the shared kernel applied to each arranged channel separately
        x = torch.cat([self.de_albino(x[:, i:i + 1]) for i in range(x.size(1))], dim=1)
        x = self.bn(x)
        global_mean = x.mean(dim=[0, 1])
        xmean = torch.mean(x, 1, keepdim=True)
        return xmean + self.alpha * global_mean


class ArmResNet18(nn.Module):
    def __init__(self, num_classes=7):
        super().__init__()
        resnet = torchvision.models.resnet18(num_classes=num_classes)
        self.features = nn.Sequential(*list(resnet.children())[:-2])
        self.arrangement = nn.PixelShuffle(16)
        self.arm = Amend(2)
        self.fc = nn.Linear(121, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = self.arrangement(x)
        x = self.arm(x)
        return self.fc(x.view(x.size(0), -1))


# reference row r (RAF-DB label r + 1) -> canonical class
REFERENCE_RAF_TO_CANONICAL = [3, 4, 5, 1, 2, 6, 0]


def convert(pth, npz):
    """README's conversion snippet, as a user runs it on a .pth file."""
    ckpt = torch.load(pth, map_location="cpu")
    sd = ckpt.get("model_state_dict", ckpt.get("state_dict", ckpt))
    np.savez(npz, **{k: v.numpy() for k, v in sd.items()})


def main():
    mode, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    if mode == "resnet18":
        model = torchvision.models.resnet18(num_classes=7)
    elif mode in ("arm", "arm-checkpoint"):
        model = ArmResNet18(7)
        with torch.no_grad():
            model.arm.alpha.fill_(0.7)
    else:
        raise SystemExit("unknown mode " + mode)
    with torch.no_grad():
        randomise_batchnorm(model, gen)
    model.eval()
    x = torch.randn(4, 3, 224, 224, generator=gen)
    with torch.no_grad():
        # scale the classifier so that logits have a spread of about 1 and the softmax is not saturated
        spread = model(x).std()
        model.fc.weight.div_(spread)
        model.fc.bias.div_(spread)
        logits = model(x)
        probs = torch.softmax(logits, dim=1)
    if mode == "arm-checkpoint":
        optimizer = torch.optim.Adam(model.parameters(), weight_decay=1e-4)
        torch.save({"iter": 70, "model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict()},
                   out + "/reference.pth")
        convert(out + "/reference.pth", out + "/weights.npz")
        canonical = np.zeros_like(probs.numpy())
        for r, c in enumerate(REFERENCE_RAF_TO_CANONICAL):
            canonical[:, c] = probs.numpy()[:, r]
        np.savez(out + "/io.npz", x=x.numpy(), probs=probs.numpy(), logits=logits.numpy(), probs_canonical=canonical,
                 labels_canonical=np.argmax(canonical, axis=1))
        return
    np.savez(out + "/weights.npz", **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})
    np.savez(out + "/io.npz", x=x.numpy(), probs=probs.numpy(), logits=logits.numpy())


if __name__ == "__main__":
    main()
