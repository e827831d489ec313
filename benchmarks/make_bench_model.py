"""Writes the FastestDet-style benchmark model with random weights (the default model's
architecture, 3×288×512 input) to models/fastestdet-random.{json,safetensors,onnx}.

    /work/main/.venv/bin/python benchmarks/make_bench_model.py [--out models/fastestdet-random]
"""
import argparse
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from fastestdet import FastestDetLike, conv_flops, randomize_bn  # noqa: E402
from swexport import export, export_onnx  # noqa: E402

CLASSES = ["street_vending", "garbage", "illegal_ad"]

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "fastestdet-random"))
    args = ap.parse_args()
    torch.manual_seed(0)
    shape = (3, 288, 512)
    model = randomize_bn(FastestDetLike(), 0).eval()
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    export(model, shape, args.out, CLASSES, {c: 0.5 for c in CLASSES}, name="fastestdet-random",
           provenance={"trained_by": "benchmarks/make_bench_model.py", "data": "random weights (architecture benchmark)",
                       "license": "project"})
    export_onnx(model, shape, args.out + ".onnx")
    print(f"{args.out}: {conv_flops(model, shape) / 1e9:.3f} GFLOP/frame")
