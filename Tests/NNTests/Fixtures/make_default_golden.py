#!/usr/bin/env python3
"""Golden output of the shipped default model (models/streetwarden-v1.onnx, the PyTorch export of
the same network) under ONNX Runtime, on a deterministic input that the Swift test rebuilds from
the same formula: x[c, y, x] = 0.5 + 0.5 * sin(0.0123 * (c * 7919 + y * 131 + x * 17)), computed
in double precision and rounded to float32. Re-run after retraining the default model:

    .venv/bin/python Tests/NNTests/Fixtures/make_default_golden.py
"""
import os

import numpy as np
import onnxruntime as ort
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def golden_input(c, h, w):
    ci, yi, xi = np.meshgrid(np.arange(c), np.arange(h), np.arange(w), indexing="ij")
    return (0.5 + 0.5 * np.sin(0.0123 * (ci * 7919.0 + yi * 131.0 + xi * 17.0))).astype(np.float32)


def main():
    onnx_path = os.path.join(REPO, "models", "streetwarden-v1.onnx")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(onnx_path, opts, providers=["CPUExecutionProvider"])
    x = golden_input(3, 288, 512)[None]
    (y,) = sess.run(None, {sess.get_inputs()[0].name: x})
    save_file({"onnx": np.ascontiguousarray(y[0].astype(np.float32))},
              os.path.join(HERE, "default_model.golden.safetensors"))
    print("output", y.shape, "min", float(y.min()), "max", float(y.max()))


if __name__ == "__main__":
    main()
