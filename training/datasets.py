"""Readers for the training sources: YOLO box labels (box and polygon lines), folder-per-class
image labels, and Roboflow's multi-label classification CSV.

Every reader returns `Sample`s. A sample says, for each project class, what its labels mean:

- BOX:     the boxes of this class are complete (no box = the class is absent);
- POS:     the class is present somewhere, no boxes (image-level label, trained max-over-cells);
- UNK:     nothing is known (no loss for this class);
- PARTIAL: the listed boxes are positives, other places are unknown (e.g. synthetic objects pasted
           onto a background whose own content is unlabelled for that class).
"""
import csv
import hashlib
import os
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from model import CLASSES

BOX, POS, UNK, PARTIAL = "box", "pos", "unk", "partial"
SV, GB, AD = 0, 1, 2
IMG_EXT = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


@dataclass
class Sample:
    path: str
    source: str
    split: str  # train | val
    boxes: np.ndarray  # [n, 5] class, x1, y1, x2, y2 (normalized 0..1)
    modes: list  # one of BOX/POS/UNK/PARTIAL per class
    image: np.ndarray = field(default=None, repr=False)  # cached HxWx3 uint8

    def label(self, k):
        """Image-level label of class k: 1, 0, or None when unknown."""
        m = self.modes[k]
        has = bool(len(self.boxes)) and bool((self.boxes[:, 0] == k).any())
        if m == POS or has:
            return 1
        if m == BOX:
            return 0
        return None


def parse_yolo(path, class_map):
    """YOLO label file -> [n,5] boxes in project classes. Lines with more than 4 coordinates are
    polygons (x1 y1 x2 y2 ...): their bounding box is used. Unmapped ids are dropped."""
    out = []
    if not os.path.exists(path):
        return np.zeros((0, 5), np.float32)
    with open(path) as f:
        for ln, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            try:
                cid = int(float(parts[0]))
                vals = [float(v) for v in parts[1:]]
            except ValueError:
                raise ValueError(f"{path}:{ln}: not a YOLO label line")
            if cid not in class_map:
                continue
            if len(vals) == 4:
                cx, cy, w, h = vals
                x1, y1, x2, y2 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
            elif len(vals) >= 6 and len(vals) % 2 == 0:
                xs, ys = vals[0::2], vals[1::2]
                x1, y1, x2, y2 = min(xs), min(ys), max(xs), max(ys)
            else:
                raise ValueError(f"{path}:{ln}: expected 4 box values or an even number of polygon values")
            x1, y1, x2, y2 = [min(max(v, 0.0), 1.0) for v in (x1, y1, x2, y2)]
            if x2 - x1 > 1e-3 and y2 - y1 > 1e-3:
                out.append([class_map[cid], x1, y1, x2, y2])
    return np.array(out, np.float32).reshape(-1, 5)


def label_path_for(img_path):
    d, name = os.path.split(img_path)
    parts = d.split(os.sep)
    # .../images/<split>/x.jpg -> .../labels/<split>/x.txt ; .../images/x.jpg -> .../labels/x.txt
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            break
    return os.path.join(os.sep.join(parts), os.path.splitext(name)[0] + ".txt")


def list_images(d):
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.lower().endswith(IMG_EXT))


def read_yolo_split(img_dir, source, split, class_map, modes):
    return [Sample(p, source, split, parse_yolo(label_path_for(p), class_map), list(modes))
            for p in list_images(img_dir)]


def hash_split(name, val_fraction, seed):
    h = int(hashlib.sha1(f"{seed}:{name}".encode()).hexdigest()[:8], 16)
    return "val" if (h % 1000) < val_fraction * 1000 else "train"


def read_sources(root, seed=0):
    """All project sources with the class mapping documented in models/README.md."""
    samples = []
    # facades-ads: signboard(3), win_ad(4), cantilever(1) -> illegal_ad boxes; facade photos have no
    # vending or garbage labels and are used as negatives for those classes. 20 % held out by hash.
    fa = os.path.join(root, "facades-ads")
    for p in list_images(os.path.join(fa, "images", "train")):
        b = parse_yolo(label_path_for(p), {1: AD, 3: AD, 4: AD})
        samples.append(Sample(p, "facades-ads", hash_split(os.path.basename(p), 0.2, seed), b, [BOX, BOX, BOX]))
    # street-cleanliness: litter -> garbage present, clean -> absent, medium -> unknown.
    sc = os.path.join(root, "street-cleanliness")
    for split, sdir in (("train", "train"), ("val", "val")):
        for cls, gmode in (("clean", BOX), ("litter", POS), ("medium", UNK)):
            svm = BOX if cls == "clean" else UNK
            for p in list_images(os.path.join(sc, sdir, cls)):
                samples.append(Sample(p, "street-cleanliness", split, np.zeros((0, 5), np.float32),
                                      [svm, gmode, UNK]))
    # garbage-bags-malta: every id is a garbage bag; residential streets: no vending.
    gm = os.path.join(root, "garbage-bags-malta")
    for split, sdir in (("train", "train"), ("val", "valid")):
        samples += read_yolo_split(os.path.join(gm, "images", sdir), "garbage-bags-malta", split,
                                   {0: GB, 1: GB, 2: GB, 3: GB}, [BOX, BOX, UNK])
    # vendors-aerial-bogota: vendedor_ambulante -> street_vending boxes (some umbrellas unlabelled).
    vb = os.path.join(root, "vendors-aerial-bogota")
    for split, sdir in (("train", "train"), ("val", "valid")):
        samples += read_yolo_split(os.path.join(vb, "images", sdir), "vendors-aerial-bogota", split,
                                   {0: SV}, [BOX, UNK, BOX])
    # graffiti-walls: tags -> illegal_ad present (image level), nograffiti -> clean-wall negative.
    gw = os.path.join(root, "graffiti-walls")
    for split, sdir in (("train", "train"), ("val", "valid")):
        samples += read_graffiti_csv(os.path.join(gw, sdir), split)
    return samples


def read_graffiti_csv(d, split):
    out = []
    path = os.path.join(d, "_classes.csv")
    if not os.path.exists(path):
        return out
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = [h.strip() for h in rows[0]]
    for r in rows[1:]:
        rec = {h: v.strip() for h, v in zip(header, r)}
        p = os.path.join(d, rec["filename"])
        if not os.path.exists(p):
            continue
        tags = rec.get("tags") == "1"
        nog = rec.get("nograffiti") == "1"
        if tags == nog:
            continue
        out.append(Sample(p, "graffiti-walls", split, np.zeros((0, 5), np.float32),
                          [BOX, BOX, POS if tags else BOX]))
    return out


def read_user_yolo(root, names):
    """A user dataset in YOLO layout (images/{train,val}/..., labels/...); `names` is its class
    list. Names equal to a project class map to it; all other ids are ignored. Boxes of mapped
    classes are complete (BOX); unmapped project classes are UNK."""
    cmap = {i: CLASSES.index(n) for i, n in enumerate(names) if n in CLASSES}
    modes = [BOX if k in cmap.values() else UNK for k in range(len(CLASSES))]
    out = []
    for split, cands in (("train", ("train",)), ("val", ("val", "valid"))):
        for c in cands:
            out += read_yolo_split(os.path.join(root, "images", c), "user", split, cmap, modes)
    return out


def load_image(path, max_side=640):
    im = Image.open(path)
    im.draft("RGB", (max_side, max_side))
    im = im.convert("RGB")
    s = max_side / max(im.size)
    if s < 1:
        im = im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.BILINEAR)
    return np.asarray(im, dtype=np.uint8)
