"""PyTorch side of `armfer bench`: the same models and measurements as the DL4J side.

usage: torch_bench.py BATCH INPUT WARMUP ITERATIONS THREADS [--model NAME=SPEC]... [--models] [--block] [--onnx DIR]
                      [--memory NAME] [--serve]
Prints one JSON object per line: {"engine": "pytorch", "model", "phase", "batch", "inputSize", "millis": [...]},
{"unsupported": NAME, "reason": why} for a model this torchvision cannot build (the others still run),
{"onnxUnsupported": NAME, "reason": why} for one whose ONNX export failed,
or with --memory: {"peakRss": bytes} after training NAME for WARMUP + ITERATIONS steps.
With --serve (after the --onnx export, if asked) it prints {"ready": true, "models": [names]} and then answers each
line on its standard input naming a model with one inference of a BATCH batch, {"ms": milliseconds measured around the
forward pass}, until "exit": so that the caller can interleave PyTorch's runs with its own.
Models (armfer's names, SPEC as ExternalBench.torchSpec maps them, e.g. --model resnet18=resnet18
--model resnet18-arm=arm:resnet18:16:32:8 at 224; none without --model):
  a torchvision constructor name (resnet50, vit_b_16, swin_t, ...), 7 classes (ViT at image_size INPUT);
  arm:BASE:R:K:S, torchvision's BASE trunk with the ARM reference head: PixelShuffle(R), the reference's per-channel
  shared KxK/S convolution, BatchNorm2d(C/R^2), channel mean + alpha * batch mean, Linear(out^2, 7).
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torchvision


class Amend(nn.Module):
    def __init__(self, channels=2, k=32, s=8):
        super().__init__()
        self.de_albino = nn.Conv2d(1, 1, kernel_size=k, stride=s, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(channels)
        self.alpha = nn.Parameter(torch.tensor([1.0]))

    def forward(self, x):
        x = torch.cat([self.de_albino(x[:, i:i + 1]) for i in range(x.size(1))], dim=1)
        x = self.bn(x)
        return torch.mean(x, 1, keepdim=True) + self.alpha * x.mean(dim=[0, 1])


class ArmResNet(nn.Module):
    """torchvision's BASE ResNet trunk (its map: C x ceil(input/32)^2) with ARM: block size r, DA kernel k, stride s."""

    def __init__(self, base, r, k, s, num_classes=7, input_size=224):
        super().__init__()
        resnet = torchvision_model(base)(num_classes=num_classes)
        self.features = nn.Sequential(*list(resnet.children())[:-2])
        channels = resnet.fc.in_features
        self.arrangement = nn.PixelShuffle(r)
        side = r * ((input_size + 31) // 32)
        self.arm = Amend(channels // (r * r), k, s)
        out = (side - k) // s + 1
        self.fc = nn.Linear(out * out, num_classes)

    def forward(self, x):
        x = self.arm(self.arrangement(self.features(x)))
        return self.fc(x.view(x.size(0), -1))


class Head(nn.Module):
    """The block micro-benchmark: GAP or ARM on a 512x7x7 map, then Linear."""

    def __init__(self, arm):
        super().__init__()
        self.arm = arm
        if arm:
            self.body = nn.Sequential(nn.PixelShuffle(16), Amend(2))
            self.fc = nn.Linear(121, 7)
        else:
            self.body = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(512, 7)

    def forward(self, x):
        x = self.body(x)
        return self.fc(x.view(x.size(0), -1))


def timed(fn, warmup, iterations):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(iterations):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000.0)
    return out


def timed_interleaved(fns, warmup, iterations):
    """Each fn warmed up, then in every round each fn once, the order reversed from round to round (A B, B A, ...),
    so that a drift in the machine's speed falls on all of them alike. Milliseconds per fn."""
    for fn in fns:
        for _ in range(warmup):
            fn()
    out = [[] for _ in fns]
    for i in range(iterations):
        order = range(len(fns)) if i % 2 == 0 else reversed(range(len(fns)))
        for j in order:
            t = time.perf_counter()
            fns[j]()
            out[j].append((time.perf_counter() - t) * 1000.0)
    return out


def train_step(model, x, y, opt, loss_fn):
    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


class Unsupported(Exception):
    pass


def torchvision_model(name):
    fn = getattr(torchvision.models, name, None)
    if fn is None or not callable(fn):
        raise Unsupported(f"torchvision {torchvision.__version__} has no model {name}")
    return fn


def make(spec, input_size):
    """The model a SPEC names (see the module's docstring), 7 classes."""
    if spec.startswith("arm:"):
        parts = spec.split(":")
        if len(parts) != 5:
            raise Unsupported(f"ARM spec {spec}: arm:BASE:R:K:S expected")
        return ArmResNet(parts[1], int(parts[2]), int(parts[3]), int(parts[4]), 7, input_size)
    fn = torchvision_model(spec)
    if spec.startswith("vit_"):
        return fn(num_classes=7, image_size=input_size)
    return fn(num_classes=7)


def make_all(specs, size):
    """name -> model for every spec this torchvision can build; prints an "unsupported" line for each other one."""
    models = {}
    for name, spec in specs.items():
        try:
            models[name] = make(spec, size)
        except Exception as e:  # an unknown constructor, or one that cannot take this input size
            print(json.dumps({"unsupported": name, "reason": f"{spec}: {type(e).__name__}: {e}"}), flush=True)
    return models


def serve(models, batch, size):
    """One timed inference per model name read from stdin, answered on stdout (see the module's docstring)."""
    x = torch.randn(batch, 3, size, size)
    for model in models.values():
        model.eval()
    print(json.dumps({"ready": True, "models": list(models)}), flush=True)
    with torch.no_grad():
        for line in sys.stdin:
            name = line.strip()
            if name == "exit":
                break
            if name not in models:
                print(json.dumps({"error": "unknown model " + name}), flush=True)
                continue
            t = time.perf_counter()
            models[name](x)
            print(json.dumps({"ms": (time.perf_counter() - t) * 1000.0}), flush=True)


def main():
    batch, size, warmup, iterations, threads = (int(a) for a in sys.argv[1:6])
    args = sys.argv[6:]
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    loss_fn = nn.CrossEntropyLoss()
    specs = {}
    for i, a in enumerate(args):
        if a == "--model":
            name, _, spec = args[i + 1].partition("=")
            specs[name] = spec
    if "--memory" in args:
        name = args[args.index("--memory") + 1]
        model = make(specs[name], size).train()
        x = torch.randn(batch, 3, size, size)
        y = torch.arange(batch) % 7
        timed(train_step(model, x, y, torch.optim.Adam(model.parameters(), 1e-3), loss_fn), warmup, iterations)
        print(json.dumps({"peakRss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}), flush=True)
        return
    onnx_dir = args[args.index("--onnx") + 1] if "--onnx" in args else None
    rows = []
    built = make_all(specs, size) if "--models" in args or onnx_dir or "--serve" in args else {}
    if built and ("--models" in args or onnx_dir):
        x = torch.randn(batch, 3, size, size)
        y = torch.arange(batch) % 7
        names = list(built)
        models = [built[name] for name in names]
        if "--models" in args:
            steps = []
            for model in models:
                model.train()
                steps.append(train_step(model, x, y, torch.optim.Adam(model.parameters(), 1e-3), loss_fn))
            for name, ms in zip(names, timed_interleaved(steps, warmup, iterations)):
                rows.append((name, "train", size, ms))
            for model in models:
                model.eval()
            with torch.no_grad():
                infer = [(lambda m: (lambda: m(x)))(model) for model in models]
                for name, ms in zip(names, timed_interleaved(infer, warmup, iterations)):
                    rows.append((name, "inference", size, ms))
        if onnx_dir:
            for name, model in zip(names, models):
                model.eval()
                try:
                    torch.onnx.export(model, x, f"{onnx_dir}/{name}.onnx", opset_version=13, input_names=["input"],
                                      output_names=["logits"])
                except Exception as e:
                    if os.path.exists(f"{onnx_dir}/{name}.onnx"):
                        os.remove(f"{onnx_dir}/{name}.onnx")
                    print(json.dumps({"onnxUnsupported": name, "reason": f"{type(e).__name__}: {e}"}), flush=True)
    if "--block" in args:
        x = torch.randn(batch, 512, 7, 7)
        y = torch.arange(batch) % 7
        names = ("gap-block", "arm-block")
        heads = [Head(False), Head(True)]
        for head in heads:
            head.eval()
        with torch.no_grad():
            forward = [(lambda m: (lambda: m(x)))(head) for head in heads]
            for name, ms in zip(names, timed_interleaved(forward, warmup, iterations)):
                rows.append((name, "forward", 7, ms))
        steps = []
        for head in heads:
            head.train()
            steps.append(train_step(head, x, y, torch.optim.Adam(head.parameters(), 1e-3), loss_fn))
        for name, ms in zip(names, timed_interleaved(steps, warmup, iterations)):
            rows.append((name, "backward", 7, ms))
    for name, phase, s, ms in rows:
        print(json.dumps({"engine": "pytorch", "model": name, "phase": phase, "batch": batch, "inputSize": s, "millis": ms}),
              flush=True)
    if "--serve" in args:
        serve(built, batch, size)


if __name__ == "__main__":
    main()
