"""Regenerates the parity fixtures in this folder (small models + golden tensors).

    /work/main/.venv/bin/python Tests/NNTests/Fixtures/make_fixtures.py

Each NAME.json/NAME.safetensors is a model in our format; NAME.golden.safetensors holds
`input` [3,H,W] (values 0…1), `torch` (PyTorch's output) and `onnx` (ONNX Runtime's output on
the model's ONNX export). The Swift parity test asserts max |ours − each| ≤ 1e-4.
"""
import os
import sys

import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tools"))
from fastestdet import FastestDetLike, randomize_bn  # noqa: E402
from swexport import ChannelShuffle, export, export_onnx  # noqa: E402

CLASSES = ["street_vending", "garbage", "illegal_ad"]
THRESHOLDS = {"street_vending": 0.5, "garbage": 0.4, "illegal_ad": 0.6}


class OpsZoo(nn.Module):
    """Every op of the format that the detector does not use, in one small net."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 5, 2, 2, bias=True)
        self.b1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 12, 3, 1, 1, groups=4)
        self.c3 = nn.Conv2d(12, 12, 5, 2, 2, groups=12)
        self.c4 = nn.Conv2d(12, 12, 3, 2, 1, groups=12)
        self.c5 = nn.Conv2d(24, 16, 1)
        self.b5 = nn.BatchNorm2d(16)
        self.pool = nn.AvgPool2d(3, 1, 1, count_include_pad=False)
        self.mp = nn.MaxPool2d(2, 2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 5)
        self.sm = nn.Softmax(dim=1)
        self.shuffle = ChannelShuffle(3)
        self.flat = nn.Flatten()
        self.act = nn.LeakyReLU(0.1)

    def forward(self, x):
        y = F.silu(self.b1(self.c1(x)))
        y = F.hardswish(self.c2(y))
        a = F.relu6(self.c3(y))
        b = torch.tanh(self.c4(y))
        z = torch.cat((a, b), dim=1)
        z = self.shuffle(z)
        z1, z2 = z.chunk(2, dim=1)
        z = torch.cat((z2, torch.sigmoid(z1)), dim=1)
        z = self.b5(self.c5(z))
        z = self.pool(z) + F.interpolate(self.mp(z), scale_factor=2, mode="bilinear", align_corners=False)
        z = self.act(z)
        v = self.gap(F.interpolate(z, scale_factor=2, mode="nearest"))
        return self.sm(self.fc(self.flat(v)))



def make(name, model, shape, seed):
    torch.manual_seed(seed)
    model = randomize_bn(model, seed).eval()
    base = os.path.join(HERE, name)
    export(model, shape, base, CLASSES, THRESHOLDS, name=name,
           provenance={"trained_by": "Tests/NNTests/Fixtures/make_fixtures.py", "data": "random weights",
                       "license": "project"})
    onnx_path = base + ".onnx"
    export_onnx(model, shape, onnx_path)
    g = torch.Generator().manual_seed(seed + 1)
    x = torch.rand(1, *shape, generator=g)
    with torch.no_grad():
        y = model(x)[0]
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    yo = sess.run(None, {"input": x.numpy()})[0][0]
    os.remove(onnx_path)
    print(name, tuple(y.shape), "torch vs onnx max diff", float(np.abs(yo - y.numpy()).max()))
    save_file({"input": x[0].contiguous(), "torch": y.contiguous(), "onnx": torch.from_numpy(yo).contiguous()},
              base + ".golden.safetensors")


if __name__ == "__main__":
    make("tiny_fastestdet", FastestDetLike(stage_channels=(8, 16, 32, 64), repeats=(1, 2, 1), neck=16),
         (3, 64, 96), 1)
    make("ops_zoo", OpsZoo(), (3, 24, 40), 2)
