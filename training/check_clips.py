#!/usr/bin/env python3
"""Run an exported model (NAME.onnx, via ONNX Runtime) on the sample clips' sampled frames
(1 per second) and compare with their ground truth: per clip and class, the share of sampled
frames where the class passes the model's threshold, and whether each ground-truth box is hit
(IoU >= 0.3 with a detection of its class). Prints JSON.

    python training/check_clips.py [--model models/streetwarden-v1] [clips/generated/*.mp4]
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics as M  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def frames(path, fps=1):
    w, h = 512, 288
    p = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-vf", f"fps={fps},scale={w}:{h}",
                        "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True)
    a = np.frombuffer(p.stdout, np.uint8).reshape(-1, h, w, 3)
    return a


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(REPO, "models", "streetwarden-v1"))
    ap.add_argument("clips", nargs="*")
    a = ap.parse_args()
    import onnxruntime as ort
    meta = json.load(open(a.model + ".json"))
    classes, thr = meta["classes"], meta["thresholds"]
    sess = ort.InferenceSession(a.model + ".onnx", providers=["CPUExecutionProvider"])
    clips = a.clips or sorted(glob.glob(os.path.join(REPO, "clips", "generated", "*.mp4")))
    out = {}
    for c in clips:
        gt = json.load(open(c[:-4] + ".gt.json"))
        W, H = gt["width"], gt["height"]
        fr = frames(c)
        x = fr.astype(np.float32).transpose(0, 3, 1, 2) / 255.0
        res = {"frames": len(fr), "class_frames": {k: 0 for k in classes}, "max_scores": {k: 0.0 for k in classes},
               "objects_hit": []}
        hits = [0] * len(gt["objects"])
        for i in range(len(fr)):
            y = sess.run(None, {"input": x[i:i + 1]})[0][0]
            img, dets = M.decode(y, len(classes))
            for k, name in enumerate(classes):
                res["max_scores"][name] = max(res["max_scores"][name], round(float(img[k]), 3))
                if img[k] >= thr[name]:
                    res["class_frames"][name] += 1
            for j, o in enumerate(gt["objects"]):
                k = classes.index(o["class"])
                b = np.array(o["box"], float) / [W, H, W, H]
                for d in dets:
                    if d[0] == k and d[1] >= thr[o["class"]] and M.iou(b, np.array([d[2:]]))[0] >= 0.3:
                        hits[j] += 1
                        break
        res["objects_hit"] = [{"class": o["class"], "kind": o["kind"], "frames_hit": h}
                              for o, h in zip(gt["objects"], hits)]
        out[os.path.basename(c)] = res
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
