"""Reference outputs for armfer's transformer parity tests, made during the test run with torchvision 0.14.

usage: transformer_reference.py MODE OUT_DIR SEED

Every mode writes its model's state dict to OUT_DIR/weights.npz (one array per key) and inputs and outputs to
OUT_DIR/io.npz. Parameters are drawn at random on a scale that makes every one of them matter (LayerNorm gains
around 1, biases, class token and relative position tables clearly non-zero, weights ~ 1/sqrt(fan_in)); the
classifier is scaled so that logits spread by about 1 and the softmax is not saturated.

- vit_b_16, swin_t: torchvision's models (7 classes), eval mode, float32, a batch of 2 at 224x224:
  io.npz holds x, logits, probs.
- vit_grad, swin_grad: small configurations of the same torchvision classes in float64 (ViT: 32x32, patch 8,
  2 blocks; Swin: 40x40, patch 4, C 8, stages 2-2-2, window 4, so windows are padded, shifted and, in the last
  stage, not shifted), one training step's forward and backward with cross-entropy: io.npz holds x, y (class
  indices), logits, probs, loss; grads.npz the gradient of every parameter.
- pos_interp: a small ViT (patch 16, width 32, 1 block) at 224, and torchvision's interpolate_embeddings of its
  state dict to 48 and 112: weights.npz (224), pos48.npz / pos112.npz (the interpolated embedding, the input and the
  probabilities of the model built at that size with the interpolated state dict).
- grid_sample: F.affine_grid + F.grid_sample (align_corners=True) in float64 for a random image and transforms,
  with the gradients of sum(out * g): io.npz holds x, theta, g, out, dx, dtheta.
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.swin_transformer import SwinTransformer
from torchvision.models.vision_transformer import VisionTransformer, interpolate_embeddings


def randomise(model, gen):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("class_token"):
                p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype) * 0.2)
            elif "relative_position_bias_table" in name:
                p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype) * 0.5)
            elif "pos_embedding" in name:
                p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype) * 0.2)
            elif p.dim() == 1 and ("ln" in name or "norm" in name) and name.endswith("weight"):
                p.copy_(1 + torch.randn(p.shape, generator=gen, dtype=p.dtype) * 0.2)
            elif p.dim() == 1:
                p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype) * 0.05)
            else:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype) / fan_in ** 0.5)


def head_of(model):
    return model.heads.head if isinstance(model, VisionTransformer) else model.head


def scale_head(model, x):
    with torch.no_grad():
        spread = model(x).std()
        head_of(model).weight.div_(spread)
        head_of(model).bias.div_(spread)


def save_state(model, path):
    np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


def full(mode, out, gen):
    model = torchvision.models.vit_b_16(num_classes=7) if mode == "vit_b_16" else torchvision.models.swin_t(num_classes=7)
    randomise(model, gen)
    model.eval()
    x = torch.randn(2, 3, 224, 224, generator=gen)
    scale_head(model, x)
    with torch.no_grad():
        logits = model(x)
    save_state(model, out + "/weights.npz")
    np.savez(out + "/io.npz", x=x.numpy(), logits=logits.numpy(), probs=torch.softmax(logits, 1).numpy())


def grad(mode, out, gen):
    torch.set_default_dtype(torch.float64)
    if mode == "vit_grad":
        model = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=24,
                                  num_classes=5)
        x = torch.randn(3, 3, 32, 32, generator=gen)
    else:
        model = SwinTransformer(patch_size=[4, 4], embed_dim=8, depths=[2, 2, 2], num_heads=[2, 2, 4], window_size=[4, 4],
                                stochastic_depth_prob=0.0, num_classes=5)
        x = torch.randn(2, 3, 40, 40, generator=gen)
    randomise(model, gen)
    scale_head(model, x)
    model.train()
    y = torch.randint(0, 5, (x.shape[0],), generator=gen)
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    save_state(model, out + "/weights.npz")
    np.savez(out + "/io.npz", x=x.numpy(), y=y.numpy(), logits=logits.detach().numpy(),
             probs=torch.softmax(logits, 1).detach().numpy(), loss=np.array([loss.item()]))
    np.savez(out + "/grads.npz", **{k: p.grad.numpy() for k, p in model.named_parameters()})


def pos_interp(out, gen):
    def vit(size):
        return VisionTransformer(image_size=size, patch_size=16, num_layers=1, num_heads=2, hidden_dim=32, mlp_dim=48,
                                 num_classes=4)
    model = vit(224)
    randomise(model, gen)
    model.eval()
    scale_head(model, torch.randn(2, 3, 224, 224, generator=gen))
    save_state(model, out + "/weights.npz")
    for size in (48, 112):
        state = interpolate_embeddings(size, 16, {k: v.clone() for k, v in model.state_dict().items()})
        small = vit(size)
        small.load_state_dict(state)
        small.eval()
        x = torch.randn(2, 3, size, size, generator=gen)
        with torch.no_grad():
            probs = torch.softmax(small(x), 1)
        np.savez(out + "/pos%d.npz" % size, pos=state["encoder.pos_embedding"].numpy(), x=x.numpy(), probs=probs.numpy())


def grid_sample(out, gen):
    torch.set_default_dtype(torch.float64)
    x = torch.randn(2, 3, 12, 10, generator=gen, requires_grad=True)
    # near the identity, and one that reaches outside the image (zero padding)
    theta = (torch.eye(2, 3).repeat(2, 1, 1) + torch.randn(2, 2, 3, generator=gen) * torch.tensor([[0.2], [0.6]]).view(2, 1, 1))
    theta.requires_grad_(True)
    grid = F.affine_grid(theta, list(x.shape), align_corners=True)
    y = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    g = torch.randn(y.shape, generator=gen)
    (y * g).sum().backward()
    np.savez(out + "/io.npz", x=x.detach().numpy(), theta=theta.detach().numpy(), g=g.numpy(), out=y.detach().numpy(),
             dx=x.grad.numpy(), dtheta=theta.grad.numpy())


def main():
    mode, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(2)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    if mode in ("vit_b_16", "swin_t"):
        full(mode, out, gen)
    elif mode in ("vit_grad", "swin_grad"):
        grad(mode, out, gen)
    elif mode == "pos_interp":
        pos_interp(out, gen)
    elif mode == "grid_sample":
        grid_sample(out, gen)
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
