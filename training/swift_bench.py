#!/usr/bin/env python3
"""Measure the committed model through the Swift binary and write models/bench-accuracy.json
(rendered into the model card by model_card.py):

- `streetwarden bench accuracy --json` on each source's real validation images;
- engine vs. ONNX Runtime image scores on validation images (same FFmpeg-scaled pixels are not
  guaranteed: the engine scales in-process with libswscale, ONNX Runtime gets the ffmpeg CLI's
  512x288 RGB frame);
- `streetwarden detect` on the sample clips: frames per class above threshold.

    python training/swift_bench.py [--bin .build/release/streetwarden]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(REPO, ".build", "release", "streetwarden"))
    ap.add_argument("--model", default=os.path.join(REPO, "models", "streetwarden-v1"))
    ap.add_argument("--parity-images", type=int, default=24)
    a = ap.parse_args()
    out = {"sources": {}, "parity": None, "clips": {}}
    tmp = tempfile.mkdtemp(prefix="sw-valsets-")
    subprocess.run([sys.executable, os.path.join(REPO, "training", "export_valsets.py"), tmp], check=True)
    for src in sorted(os.listdir(tmp)):
        r = subprocess.run([a.bin, "bench", "accuracy", "--data", os.path.join(tmp, src), "--model", a.model + ".json",
                            "--json"], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"bench accuracy {src}: exit {r.returncode}: {r.stderr.strip()}", file=sys.stderr)
        if r.stdout.strip():
            out["sources"][src] = json.loads(r.stdout)
            print(src, json.dumps(out["sources"][src]["classes"]))

    # parity on a few validation images of every source
    import onnxruntime as ort
    sess = ort.InferenceSession(a.model + ".onnx", providers=["CPUExecutionProvider"])
    meta = json.load(open(a.model + ".json"))
    classes = meta["classes"]
    imgs = sorted(glob.glob(os.path.join(tmp, "*", "*", "val", "*.jpg")) + glob.glob(os.path.join(tmp, "*", "*", "*.jpg")))
    imgs = imgs[:: max(1, len(imgs) // a.parity_images)][: a.parity_images]
    r = subprocess.run([a.bin, "detect", *imgs, "--model", a.model + ".json"], capture_output=True, text=True)
    swift = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    diffs = []
    for s in swift:
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", s["input"], "-vf", "scale=512:288:flags=bilinear",
                              "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
        x = np.frombuffer(raw, np.uint8).reshape(1, 288, 512, 3).transpose(0, 3, 1, 2).astype(np.float32) / 255
        y = sess.run(None, {"input": x})[0][0]
        sc = (y[0][None] * y[5:]).reshape(len(classes), -1).max(1)
        diffs.append(max(abs(float(sc[k]) - s["scores"][c]) for k, c in enumerate(classes)))
    out["parity"] = {"images": len(diffs), "max_abs_score_diff": max(diffs) if diffs else None,
                     "mean_abs_score_diff": float(np.mean(diffs)) if diffs else None}
    print("parity", out["parity"])

    for clip in sorted(glob.glob(os.path.join(REPO, "clips", "samples", "*.mp4"))):
        gt = json.load(open(clip[:-4] + ".gt.json"))
        r = subprocess.run([a.bin, "detect", clip, "--model", a.model + ".json"], capture_output=True, text=True)
        lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        out["clips"][os.path.basename(clip)] = {
            "frames": len(lines),
            "truth": sorted(set(o["class"] for o in gt["objects"])),
            "frames_with": {c: sum(1 for l in lines if any(d["class"] == c for d in l["detections"])) for c in classes},
        }
        print(os.path.basename(clip), out["clips"][os.path.basename(clip)])
    path = os.path.join(os.path.dirname(a.model), "bench-accuracy.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", path)


if __name__ == "__main__":
    main()
