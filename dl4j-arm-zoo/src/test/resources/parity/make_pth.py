"""PyTorch files for armfer's .pth reader tests (TorchPthTest), made during the test run.

usage: make_pth.py OUT_DIR SEED

- resnet18.npz, resnet18_zip.pth, resnet18_legacy.pth: the state dict of a random-initialised torchvision resnet18
  (7 classes, non-trivial BatchNorm statistics) as .npz (one array per key), as torch.save writes it (zip) and with
  _use_new_zipfile_serialization=False (legacy).
- checkpoint.pth: a training checkpoint {'epoch', 'model_state_dict', 'optimizer_state_dict' (Adam after one step),
  (Adam over fc), 'best_acc' (a numpy float64), 'config' (str, tuple, None, bool, nested dict)}.
- io.npz: x (2x3x64x64) and the model's eval-mode logits.
- views_zip.pth, views_legacy.pth, views_p4.pth (pickle protocol 4) and views.npz: tensors of every storage type and
  non-contiguous views (transposed, sliced with an offset, stepped, expanded with stride 0, a 0-dim scalar,
  two views of one storage); views.npz holds numpy's C-order copies (bfloat16 as float32).
- evil.pth, evil_legacy.pth: a pickle that calls os.system; nontensor.pth: a state dict with a str value;
  small_checkpoint.pth: two candidate state dicts ('model', 'state_dict').
"""
import collections
import copy
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision


class Evil:
    def __reduce__(self):
        return (os.system, ("echo armfer-test-should-never-run",))


def main():
    out, seed = sys.argv[1], int(sys.argv[2])
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)

    model = torchvision.models.resnet18(num_classes=7)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.rand(n, generator=gen) - 0.5)
                m.running_var.copy_(torch.rand(n, generator=gen) * 1.5 + 0.5)
                m.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                m.bias.copy_(torch.rand(n, generator=gen) * 0.4 - 0.2)
    sd = model.state_dict()
    np.savez(os.path.join(out, "resnet18.npz"), **{k: v.numpy() for k, v in sd.items()})
    torch.save(sd, os.path.join(out, "resnet18_zip.pth"))
    torch.save(sd, os.path.join(out, "resnet18_legacy.pth"), _use_new_zipfile_serialization=False)

    model.eval()
    x = torch.randn(2, 3, 64, 64, generator=gen)
    with torch.no_grad():
        logits = model(x)
    np.savez(os.path.join(out, "io.npz"), x=x.numpy(), logits=logits.numpy())

    # a training checkpoint, as the ARM authors' code and most FER repositories save one (Adam over the classifier
    # only, to keep the file small; the structure is torch.optim's)
    saved = copy.deepcopy(sd)
    opt = torch.optim.Adam(model.fc.parameters(), lr=1e-3)
    model.train()
    loss = model(x).logsumexp(1).mean()
    loss.backward()
    opt.step()
    model.load_state_dict(saved)  # the checkpoint's model_state_dict is the state dict above
    checkpoint = {
        "epoch": 3,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": opt.state_dict(),
        "best_acc": np.float64(0.8125),
        "config": {"name": "résnet18-arm", "betas": (0.9, 0.999), "milestones": [10, 20], "scheduler": None,
                   "pretrained": True, "big": 2 ** 70},
    }
    torch.save(checkpoint, os.path.join(out, "checkpoint.pth"))

    # dtypes and views
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5 - 3
    views = collections.OrderedDict()
    views["transposed"] = base.t()
    views["sliced"] = base[1:3, 2:5]
    views["stepped"] = base[::2, 1::3]
    views["expanded"] = torch.tensor([1.5, -2.0, 3.25]).reshape(3, 1).expand(3, 4)
    views["row_of_shared"] = base[2]
    views["scalar"] = torch.tensor(7, dtype=torch.int64)
    views["f64"] = torch.randn(3, 2, generator=gen, dtype=torch.float64).t()
    views["f16"] = (torch.randn(5, generator=gen) * 100).half()
    views["bf16"] = (torch.randn(2, 3, generator=gen) * 100).bfloat16().t()
    views["i32"] = torch.tensor([[1, -2, 3], [2147483647, -2147483648, 0]], dtype=torch.int32)
    views["i16"] = torch.tensor([-32768, 32767, 5], dtype=torch.int16)
    views["i8"] = torch.tensor([-128, 127, -1], dtype=torch.int8)
    views["u8"] = torch.tensor([0, 255, 128], dtype=torch.uint8)
    views["bool"] = torch.tensor([True, False, True])
    views["i64"] = torch.tensor([-(2 ** 62), 2 ** 62 + 5], dtype=torch.int64)
    views["conv"] = torch.randn(2, 3, 3, 3, generator=gen).permute(0, 1, 3, 2)
    torch.save(views, os.path.join(out, "views_zip.pth"))
    torch.save(views, os.path.join(out, "views_legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save(views, os.path.join(out, "views_p4.pth"), pickle_protocol=4)
    np.savez(os.path.join(out, "views.npz"),
             **{k: np.array((v.float() if v.dtype == torch.bfloat16 else v).numpy(), order="C") for k, v in views.items()})

    # files that must be refused
    torch.save({"conv1.weight": torch.zeros(2), "payload": Evil()}, os.path.join(out, "evil.pth"))
    torch.save({"payload": Evil()}, os.path.join(out, "evil_legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save({"conv1.weight": torch.zeros(2), "bn1.weight": "not a tensor"}, os.path.join(out, "nontensor.pth"))
    # which dict a checkpoint's state dict is: the first of TorchPth.STATE_DICT_KEYS, or the key asked for
    torch.save({"epoch": 1, "model": {"b": torch.ones(2)}, "state_dict": {"a": torch.zeros(3)}},
               os.path.join(out, "small_checkpoint.pth"))


if __name__ == "__main__":
    main()
