"""PyTorch's side of TransformerSpeed: inference and training img/s of torchvision's vit_b_16 / swin_t.

usage: transformer_speed.py MODEL BATCH ITERATIONS THREADS     (MODEL: vit-b16 or swin-t)
Random 3x224x224 batches, 7 classes, Adam(1e-4), cross-entropy; 2 warm-up iterations, then the median and range.
"""
import sys
import time

import torch
import torchvision

name, batch, iterations, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
model = {"vit-b16": torchvision.models.vit_b_16, "swin-t": torchvision.models.swin_t}[name](num_classes=7)
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
x = torch.randn(batch, 3, 224, 224)
y = torch.arange(batch) % 7
inference, training = [], []
for i in range(iterations + 2):
    model.eval()
    t = time.time()
    with torch.no_grad():
        model(x)
    inf = batch / (time.time() - t)
    model.train()
    t = time.time()
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
    tr = batch / (time.time() - t)
    if i >= 2:
        inference.append(inf)
        training.append(tr)


def stats(v):
    v = sorted(v)
    return "median %.2f img/s (min %.2f, max %.2f, n=%d)" % (v[len(v) // 2], v[0], v[-1], len(v))


print("%s batch %d inference (PyTorch %s, %d threads): %s" % (name, batch, torch.__version__, threads, stats(inference)))
print("%s batch %d training (PyTorch %s, %d threads): %s" % (name, batch, torch.__version__, threads, stats(training)))
