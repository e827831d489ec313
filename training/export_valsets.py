#!/usr/bin/env python3
"""Lay out the real validation split as datasets that `streetwarden bench accuracy --data DIR`
reads, one folder per source, with symlinks to the images in ../shared/data (nothing is copied):

  OUT/facades-ads/            YOLO (images/val, labels/val, data.yaml names: [illegal_ad])
  OUT/garbage-bags-malta/     YOLO (names: [garbage])
  OUT/vendors-aerial-bogota/  YOLO (names: [street_vending])
  OUT/street-cleanliness/     folders garbage/ (litter) + background/ (clean)
  OUT/graffiti-walls/         folders illegal_ad/ (tags) + background/ (nograffiti)

Labels are the project classes after the mapping in datasets.py (e.g. facade signboard, win_ad
and cantilever -> illegal_ad), and only the classes each source labels are listed, so the bench
evaluates what the source knows.

    python training/export_valsets.py OUT
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from datasets import read_sources, BOX, POS  # noqa: E402
from model import CLASSES  # noqa: E402
from train import default_data, DEFAULT_SEED  # noqa: E402

YOLO = {"facades-ads": 2, "garbage-bags-malta": 1, "vendors-aerial-bogota": 0}
FOLDERS = {"street-cleanliness": 1, "graffiti-walls": 2}


def link(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.lexists(dst):
        os.remove(dst)
    os.symlink(os.path.abspath(src), dst)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "out/valsets"
    data = sys.argv[2] if len(sys.argv) > 2 else default_data()
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else DEFAULT_SEED  # the training run's split
    samples = [s for s in read_sources(data, seed) if s.split == "val"]
    for s in samples:
        name = os.path.basename(s.path)
        if s.source in YOLO:
            k = YOLO[s.source]
            root = os.path.join(out, s.source)
            link(s.path, os.path.join(root, "images", "val", name))
            os.makedirs(os.path.join(root, "labels", "val"), exist_ok=True)
            with open(os.path.join(root, "labels", "val", os.path.splitext(name)[0] + ".txt"), "w") as f:
                for c, x1, y1, x2, y2 in s.boxes:
                    if int(c) == k:
                        f.write(f"0 {(x1 + x2) / 2:.6f} {(y1 + y2) / 2:.6f} {x2 - x1:.6f} {y2 - y1:.6f}\n")
            with open(os.path.join(root, "data.yaml"), "w") as f:
                f.write(f"names: [{CLASSES[k]}]\n")
        elif s.source in FOLDERS:
            k = FOLDERS[s.source]
            y = s.label(k)
            if y is None:
                continue
            sub = CLASSES[k] if y == 1 else "background"
            link(s.path, os.path.join(out, s.source, sub, name))
    print(f"validation datasets in {out}: " + ", ".join(sorted(set(YOLO) | set(FOLDERS))))


if __name__ == "__main__":
    main()
