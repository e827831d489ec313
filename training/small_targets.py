#!/usr/bin/env python3
"""Small-target check: can the model find a 40x60 px paper flyer in a 1920x1080 frame?

Builds paired 1080p test frames from validation-split backgrounds only (never trained on): each
background (clean street photos, clean walls) is resized to 1920x1080 and used twice, once as is
(negative) and once with 1-3 synthetic flyers of 40 px width (40x44..40x64 px, the issue's size)
pasted on it (positive). The model then scores every frame

  * full:  one pass over the whole frame resized to the model input (what `analyze` does by default);
  * tiles: the full pass plus 2x2 overlapping tiles (each 56 % of the frame's width and height,
           resized to the model input), image score = max over the passes (`tiles: 2` in the
           camera config, `--tiles 2` for `detect`).

and reports illegal_ad image-level AP (positives vs their own backgrounds), recall at the model's
threshold and the false-alarm rate on the unmodified backgrounds.

    .venv/bin/python training/small_targets.py [--model models/streetwarden-v1] [--n 150] [--json OUT]
"""
import argparse
import json
import os
import random
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from augment import W_IN, H_IN  # noqa: E402
from datasets import AD, read_sources, load_image  # noqa: E402
from model import CLASSES, StreetWardenNet  # noqa: E402
import metrics as M  # noqa: E402
import synth  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FW, FH = 1920, 1080
TILE = 0.56  # tile side as a fraction of the frame (2x2 tiles overlap by 12 %)


def tiles(img):
    h, w = img.shape[:2]
    tw, th = int(round(w * TILE)), int(round(h * TILE))
    return [img[y:y + th, x:x + tw] for y in (0, h - th) for x in (0, w - tw)]


def to_input(img):
    return np.asarray(Image.fromarray(img).resize((W_IN, H_IN), Image.BILINEAR))


@torch.no_grad()
def scores(model, views):
    x = torch.from_numpy(np.stack([to_input(v) for v in views])).permute(0, 3, 1, 2).float().div(255.0)
    y = model(x).numpy()
    return np.stack([M.decode(yy, len(CLASSES))[0] for yy in y])  # [views, K]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(REPO, "models", "streetwarden-v1"))
    ap.add_argument("--data", default=next((c for c in (os.environ.get("STREETWARDEN_DATA", ""),
                    os.path.join(REPO, "..", "shared", "data"), os.path.join(REPO, "..", "..", "shared", "data"))
                    if c and os.path.isdir(c)), "../shared/data"))
    ap.add_argument("--n", type=int, default=150, help="backgrounds (each gives one negative and one positive)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    torch.set_num_threads(1)
    from safetensors.torch import load_file
    model = StreetWardenNet()
    missing, unexpected = model.load_state_dict(load_file(args.model + ".safetensors"), strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    model.eval()
    meta = json.load(open(args.model + ".json"))
    thr = float(meta["thresholds"]["illegal_ad"])
    rng = random.Random(args.seed)
    samples = read_sources(os.path.abspath(args.data), 20261129)
    bgs = [s for s in samples if s.split == "val" and (
        (s.source == "street-cleanliness" and "/clean/" in s.path) or
        (s.source == "graffiti-walls" and s.label(AD) == 0))]
    rng.shuffle(bgs)
    bgs = bgs[:args.n]
    full, tiled, labels, srcs = [], [], [], []
    for s in bgs:
        base = np.asarray(Image.fromarray(load_image(s.path, 1920)).resize((FW, FH), Image.BILINEAR))
        pos = base.astype(np.float32).copy()
        for _ in range(rng.randint(1, 3)):
            sp = synth.flyer_sprite(rng, 40)
            sp = sp.resize((40, max(44, min(64, sp.height))), Image.LANCZOS)
            sp = sp.rotate(rng.uniform(-10, 10), expand=True, resample=Image.BILINEAR)
            synth.paste(pos, sp, rng.randint(0, FW - sp.width), rng.randint(int(FH * 0.1), int(FH * 0.85)), rng,
                        occlude=False)
        pos = np.clip(pos, 0, 255).astype(np.uint8)
        for img, lab in ((base, 0), (pos, 1)):
            sc = scores(model, [img] + tiles(img))[:, AD]
            full.append(sc[0]); tiled.append(sc.max()); labels.append(lab); srcs.append(s.source)
    labels = np.array(labels)
    out = {"frames": int(len(labels)), "positives": int(labels.sum()), "flyer_px": "40 wide, 44-64 tall, 1-3 per frame",
           "frame": [FW, FH], "threshold": thr, "backgrounds": sorted(set(srcs))}
    for name, sc in (("full", np.array(full)), ("tiles_2x2", np.array(tiled))):
        out[name] = {"ap": round(float(M.average_precision(sc, labels)), 3),
                     "recall": round(float((sc[labels == 1] >= thr).mean()), 3),
                     "false_alarm_rate": round(float((sc[labels == 0] >= thr).mean()), 3)}
    print(json.dumps(out, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
