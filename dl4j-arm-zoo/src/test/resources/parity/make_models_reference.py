"""Reference outputs for the parity tests of the zoo's larger models, made during the test run.

usage: make_models_reference.py {resnet50|resnet152|despam} OUT_DIR SEED

Writes OUT_DIR/weights.npz (the state dict, one array per key) and OUT_DIR/io.npz (x: the input batch; logits and
probs: outputs in eval mode; for despam also logits_deploy, the outputs after fusing every RepConv, and the parameter
and buffer counts).
- resnet50, resnet152: torchvision's models (Bottleneck, stride on the 3x3), 7 classes, 112x112 (every weight is used
  at any size; a quarter of 224x224's work), batch 2.
- despam: a restatement of DeSpaM_for_FER's ProposedNet (blocks [1, 4, 2], channels [48, 96, 160], 512 embedding
  channels, the GatedSpatialAttention after the second stage), written here from the reference's structure, with its
  module names, 7 classes, 112x112, batch 2.
Every BatchNorm gets random running statistics and affine parameters, so that the statistics matter and the RepConv
fusion has something to fold.
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def randomise_batchnorm(model, gen, residual_gamma=None):
    """Running mean in [-0.5, 0.5), variance in [0.5, 2), weight in [0.5, 1.5), bias in [-0.2, 0.2)."""
    def uniform(n, low, high):
        return low + (high - low) * torch.rand(n, generator=gen)

    for name, bn in model.named_modules():
        if not isinstance(bn, nn.BatchNorm2d):
            continue
        c = bn.num_features
        stats = (uniform(c, -0.5, 0.5), uniform(c, 0.5, 2.0), uniform(c, 0.5, 1.5), uniform(c, -0.2, 0.2))
        for target, value in zip((bn.running_mean, bn.running_var, bn.weight.data, bn.bias.data), stats):
            target.copy_(value)
        if residual_gamma is not None and name.endswith("bn3"):
            # a residual branch's last BN small, as in trained networks: 50 blocks of sums stay in range
            bn.weight.data.mul_(residual_gamma)


class RepConv(nn.Module):
    """k x k conv + BN, 1 x 1 conv + BN (k > 1), identity BN (stride 1, channels kept), summed; ReLU or nothing."""

    def __init__(self, cin, cout, k, stride, padding, groups=1, use_identity=True, use_activation=True):
        super().__init__()
        self.k, self.stride, self.padding, self.groups, self.cin, self.cout = k, stride, padding, groups, cin, cout
        self.use_identity = use_identity and stride == 1 and cin == cout
        self.conv_kxk = nn.Conv2d(cin, cout, k, stride, padding, groups=groups, bias=False)
        self.bn_kxk = nn.BatchNorm2d(cout)
        self.conv_1x1 = nn.Conv2d(cin, cout, 1, stride, 0, groups=groups, bias=False) if k > 1 else None
        if self.conv_1x1 is not None:
            self.bn_1x1 = nn.BatchNorm2d(cout)
        if self.use_identity:
            self.bn_identity = nn.BatchNorm2d(cout)
        self.activation = nn.ReLU() if use_activation else nn.Identity()
        self.fused = None

    def forward(self, x):
        if self.fused is not None:
            return self.activation(self.fused(x))
        out = self.bn_kxk(self.conv_kxk(x))
        if self.conv_1x1 is not None:
            out = out + self.bn_1x1(self.conv_1x1(x))
        if self.use_identity:
            out = out + self.bn_identity(x)
        return self.activation(out)

    @staticmethod
    def _scale_shift(bn):
        std = torch.sqrt(bn.running_var + bn.eps)
        return bn.weight / std, bn.bias - bn.running_mean * bn.weight / std

    def fuse(self):
        s, b = self._scale_shift(self.bn_kxk)
        w = self.conv_kxk.weight * s.reshape(-1, 1, 1, 1)
        bias = b.clone()
        c = self.k // 2
        if self.conv_1x1 is not None:
            s1, b1 = self._scale_shift(self.bn_1x1)
            w[:, :, c, c] += self.conv_1x1.weight[:, :, 0, 0] * s1.reshape(-1, 1)
            bias += b1
        if self.use_identity:
            si, bi = self._scale_shift(self.bn_identity)
            per_group = self.cin // self.groups
            for i in range(self.cout):
                w[i, i % per_group, c, c] += si[i]
            bias += bi
        self.fused = nn.Conv2d(self.cin, self.cout, self.k, self.stride, self.padding, groups=self.groups, bias=True)
        self.fused.weight.data.copy_(w)
        self.fused.bias.data.copy_(bias)


class GatedSpatialAttention(nn.Module):
    def __init__(self, channels, reduction=8, dropout=0.2):
        super().__init__()
        mid = channels // reduction
        self.conv1_rep = RepConv(channels, mid, 7, 1, 3)
        self.dropout_1 = nn.Dropout2d(dropout)
        self.dropout_2 = nn.Dropout2d(dropout)
        self.conv2 = nn.Conv2d(mid, 1, 3, 1, 1, bias=False)

    def forward(self, x):
        gate = torch.sigmoid(self.conv2(self.dropout_1(self.conv1_rep(x))))
        return self.dropout_2(x * gate)


class Stem(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = RepConv(cin, cout // 2, 3, 2, 1)
        self.conv2 = RepConv(cout // 2, cout, 3, 1, 1)

    def forward(self, x):
        return self.conv2(self.conv1(x))


class Downsample(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = RepConv(cin, cout, 3, 2, 1)

    def forward(self, x):
        return self.conv(x)


class DWConvBlock(nn.Module):
    def __init__(self, dim, ratio=5):
        super().__init__()
        self.dw = RepConv(dim, dim, 7, 1, 3, groups=dim)
        self.fc1 = RepConv(dim, dim * ratio, 1, 1, 0)
        self.fc2 = RepConv(dim * ratio, dim, 1, 1, 0, use_activation=False)

    def forward(self, x):
        return x + self.fc2(self.fc1(self.dw(x)))


class Backbone(nn.Module):
    def __init__(self, blocks, channels, emb):
        super().__init__()
        self.stem = Stem(3, channels[0])
        self.stages = nn.ModuleList()
        cin = channels[0]
        for i, n in enumerate(blocks):
            layers = [Downsample(cin, channels[i])] if i > 0 else []
            layers += [DWConvBlock(channels[i]) for _ in range(n)]
            self.stages.append(nn.Sequential(*layers))
            cin = channels[i]
        self.spatial_attention = GatedSpatialAttention(channels[1])
        self.expansion = RepConv(channels[-1], emb, 1, 1, 0)

    def forward(self, x):
        x = self.stem(x)
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i == 1:
                x = self.spatial_attention(x)
        return self.expansion(x)


class DeSpaMNet(nn.Module):
    def __init__(self, num_classes=7, blocks=(1, 4, 2), channels=(48, 96, 160), emb=512):
        super().__init__()
        self.backbone = Backbone(blocks, channels, emb)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(emb, num_classes))

    def forward(self, x):
        return self.head(self.backbone(x))


def main():
    mode, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    if mode in ("resnet50", "resnet152"):
        model = getattr(torchvision.models, mode)(num_classes=7)
        side, fc = 112, "fc"
        with torch.no_grad():
            randomise_batchnorm(model, gen, residual_gamma=0.3)
    elif mode == "despam":
        model = DeSpaMNet(7)
        side, fc = 112, "head.3"
        with torch.no_grad():
            randomise_batchnorm(model, gen)
    else:
        raise SystemExit("unknown mode " + mode)
    model.eval()
    x = torch.randn(2, 3, side, side, generator=gen)
    extra = {}
    with torch.no_grad():
        # scale the classifier so that logits have a spread of about 1 and the softmax is not saturated
        linear = model.get_submodule(fc)
        spread = model(x).std()
        linear.weight.div_(spread)
        linear.bias.div_(spread)
        logits = model(x)
        probs = torch.softmax(logits, dim=1)
        state = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
        if mode == "despam":
            extra["params"] = np.array(sum(p.numel() for p in model.parameters()))
            extra["buffers"] = np.array(sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked")))
            for m in model.modules():
                if isinstance(m, RepConv):
                    m.fuse()
            extra["logits_deploy"] = model(x).numpy()
    np.savez(out + "/weights.npz", **state)
    np.savez(out + "/io.npz", x=x.numpy(), probs=probs.numpy(), logits=logits.numpy(), **extra)


if __name__ == "__main__":
    main()
