"""A stand-in for OpenCV's YuNet face detector, for armfer's YuNetFaceDetector test, made during the test run.

usage: make_yunet_stub.py OUT_DIR

Writes OUT_DIR/yunet_stub.onnx: a network with YuNet's interface (input 1x3x120x160; outputs "loc" [N, 14], "conf"
[N, 2], "iou" [N, 1] over the N = 1076 priors cv::FaceDetectorYN lays out for 160x120: strides 8, 16, 32, 64 with
min sizes {10, 16, 24}, {32, 48}, {64, 96}, {128, 192, 256}) whose outputs do not depend on the image: every prior
scores 0 except prior 968 (stride 16, min size 32, feature cell x=4, y=3: centre (72, 56), 32x32), which scores
sqrt(0.9025 * 1.0) = 0.95 and whose width is stretched by exp(0.1 * ln(1.5) / 0.1) = 1.5. OpenCV's decoding must
therefore give exactly one face, box (48, 40, 48, 32), all five landmarks at (72, 56), score 0.95.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

PRIORS = 1076
INDEX = 968


class YuNetStub(nn.Module):
    def __init__(self):
        super().__init__()
        loc = torch.zeros(PRIORS, 14)
        conf = torch.zeros(PRIORS, 2)
        iou = torch.zeros(PRIORS, 1)
        loc[INDEX, 2] = math.log(1.5) / 0.1
        conf[INDEX, 1] = 0.9025
        iou[INDEX, 0] = 1.0
        # constant outputs through zero-weight linear layers (OpenCV's importer folds plain constants away)
        self.loc = nn.Linear(3, PRIORS * 14)
        self.conf = nn.Linear(3, PRIORS * 2)
        self.iou = nn.Linear(3, PRIORS)
        with torch.no_grad():
            for layer, value in ((self.loc, loc), (self.conf, conf), (self.iou, iou)):
                layer.weight.zero_()
                layer.bias.copy_(value.reshape(-1))

    def forward(self, x):
        p = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return (self.loc(p).reshape(PRIORS, 14), self.conf(p).reshape(PRIORS, 2), self.iou(p).reshape(PRIORS, 1))


def main():
    out = sys.argv[1]
    torch.onnx.export(YuNetStub(), torch.zeros(1, 3, 120, 160), os.path.join(out, "yunet_stub.onnx"),
                      input_names=["input"], output_names=["loc", "conf", "iou"], opset_version=11)


if __name__ == "__main__":
    main()
