#!/usr/bin/env python3
"""Make StreetWarden's sample clips: Debian opencv-doc's vtest.avi (an elevated CCTV-style view,
768x576, 10 fps) with objects from the project's own synthesizer (training/synth.py) composited
at fixed places, one violation class per clip plus one with all three and one left clean.

Writes OUT_DIR/NAME.mp4 (H.264) and NAME.gt.json (OUT_DIR: the first argument, default
clips/generated; the committed copies in clips/samples were made with `make_clips.py clips/samples`) (ground truth: class, pixel box, time
span). Needs numpy, pillow and the ffmpeg CLI. vtest.avi is NOT used for training or threshold
tuning (it is a negative scene of the sealed evaluation set); here it is only a backdrop.
"""
import json
import os
import random
import subprocess
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "training"))
import synth  # noqa: E402

SRC = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
W, H, FPS = 768, 576, 10
SECONDS = 10


def sprite_for(kind, rng, w):
    if kind == "stall":
        return synth.stall_sprite(rng, w)
    if kind == "bin":
        return synth.bin_sprite(rng, w)
    if kind == "pile":
        return synth.pile_sprite(rng, w)
    if kind == "flyer":
        return synth.flyer_sprite(rng, w).rotate(rng.uniform(-12, 12), expand=True, resample=Image.BILINEAR)
    if kind == "banner":
        return synth.banner_sprite(rng, w)
    raise ValueError(kind)


CLASS_OF = {"stall": "street_vending", "bin": "garbage", "pile": "garbage", "flyer": "illegal_ad",
            "banner": "illegal_ad"}

# (kind, x, y of top-left, width in px) at 768x576
CLIPS = {
    "street-vending": [("stall", 560, 330, 170), ("stall", 40, 150, 110)],
    "garbage": [("bin", 610, 300, 110), ("pile", 60, 400, 150)],
    "illegal-ad": [("banner", 335, 86, 220), ("flyer", 300, 20, 34), ("flyer", 345, 24, 30),
                   ("flyer", 580, 40, 40)],
    "mixed": [("stall", 540, 330, 170), ("pile", 60, 400, 150), ("banner", 335, 86, 220),
              ("flyer", 580, 40, 40)],
    "clean": [],
}


def overlay(seed, items):
    """Render the items once onto a transparent 768x576 layer; returns (RGBA array, ground truth)."""
    rng = random.Random(seed)
    layer = np.zeros((H, W, 3), np.float32) + 128.0
    alpha_total = np.zeros((H, W), np.float32)
    gt = []
    for kind, x, y, w in items:
        sp = np.asarray(sprite_for(kind, rng, w)).astype(np.float32)
        h, ww = sp.shape[:2]
        x1, y1, x2, y2 = x, y, min(W, x + ww), min(H, y + h)
        a = sp[: y2 - y1, : x2 - x1, 3] / 255.0
        layer[y1:y2, x1:x2] = layer[y1:y2, x1:x2] * (1 - a[..., None]) + sp[: y2 - y1, : x2 - x1, :3] * a[..., None]
        alpha_total[y1:y2, x1:x2] = np.maximum(alpha_total[y1:y2, x1:x2], a)
        ys, xs = np.nonzero(a > 0.3)
        gt.append({"class": CLASS_OF[kind], "kind": kind,
                   "box": [int(x1 + xs.min()), int(y1 + ys.min()), int(x1 + xs.max() + 1), int(y1 + ys.max() + 1)],
                   "from_s": 0.0, "to_s": float(SECONDS)})
    return layer, alpha_total, gt


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "generated")
    os.makedirs(out_dir, exist_ok=True)
    if not os.path.exists(SRC):
        sys.exit(f"make_clips: {SRC} not found (Debian package opencv-doc)")
    n = FPS * SECONDS
    for i, (name, items) in enumerate(CLIPS.items()):
        layer, alpha, gt = overlay(1000 + i, items)
        start = 2 + 6 * i
        dec = subprocess.Popen(["ffmpeg", "-v", "error", "-ss", str(start), "-i", SRC, "-frames:v", str(n),
                                "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], stdout=subprocess.PIPE)
        path = os.path.join(out_dir, name + ".mp4")
        enc = subprocess.Popen(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                                "-s", f"{W}x{H}", "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-preset", "medium",
                                "-crf", "30", "-g", str(FPS * 2), "-pix_fmt", "yuv420p", "-movflags", "+faststart",
                                path], stdin=subprocess.PIPE)
        a = alpha[..., None]
        frames = 0
        while True:
            buf = dec.stdout.read(W * H * 3)
            if len(buf) < W * H * 3:
                break
            f = np.frombuffer(buf, np.uint8).reshape(H, W, 3).astype(np.float32)
            light = f.mean() / 128.0
            out = f * (1 - a) + np.clip(layer * light, 0, 255) * a
            enc.stdin.write(out.astype(np.uint8).tobytes())
            frames += 1
        enc.stdin.close()
        enc.wait()
        dec.wait()
        with open(os.path.join(out_dir, name + ".gt.json"), "w") as fh:
            json.dump({"clip": name + ".mp4", "width": W, "height": H, "fps": FPS, "frames": frames,
                       "background": "opencv-doc examples/data/vtest.avi from " + f"{start} s",
                       "objects": gt}, fh, indent=1)
            fh.write("\n")
        print(f"{path}: {frames} frames, {len(gt)} objects")


if __name__ == "__main__":
    main()
