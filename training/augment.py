"""Augmentations: crop/scale, flip, colour, low light, blur, JPEG artefacts, noise, rain streaks.
Images are HxWx3 uint8 numpy; boxes [n,5] (class, x1,y1,x2,y2) normalized."""
import io

import numpy as np
from PIL import Image, ImageFilter

W_IN, H_IN = 512, 288


def random_crop(img, boxes, rng, min_area, p):
    """A random crop (area fraction >= min_area, aspect near the 16:9 input). Returns the crop,
    kept boxes (>= 35 % visible) and ignore boxes (partly visible, 5-35 %)."""
    h, w = img.shape[:2]
    if rng.random() >= p:
        return img, boxes, np.zeros((0, 5), np.float32)
    for _ in range(10):
        a = rng.uniform(min_area, 1.0) * w * h
        ar = rng.uniform(1.2, 2.0)
        cw, ch = int(round(np.sqrt(a * ar))), int(round(np.sqrt(a / ar)))
        if cw <= w and ch <= h and cw > 16 and ch > 16:
            break
    else:
        cw, ch = w, min(h, int(w / 1.6))
    x0, y0 = rng.randint(0, w - cw), rng.randint(0, h - ch)
    crop = img[y0:y0 + ch, x0:x0 + cw]
    if len(boxes) == 0:
        return crop, boxes, boxes.copy()
    b = boxes.copy()
    b[:, [1, 3]] = (b[:, [1, 3]] * w - x0) / cw
    b[:, [2, 4]] = (b[:, [2, 4]] * h - y0) / ch
    area0 = (b[:, 3] - b[:, 1]) * (b[:, 4] - b[:, 2])
    b[:, 1:] = b[:, 1:].clip(0, 1)
    area1 = (b[:, 3] - b[:, 1]) * (b[:, 4] - b[:, 2])
    frac = np.where(area0 > 0, area1 / np.maximum(area0, 1e-9), 0)
    keep = frac >= 0.35
    ign = (frac > 0.05) & ~keep
    return crop, b[keep], b[ign]


def resize(img, size=(H_IN, W_IN)):
    """Resize to size = (height, width) (the model input 288x512 by default)."""
    h, w = size
    if img.shape[0] == h and img.shape[1] == w:
        return img
    return np.asarray(Image.fromarray(img).resize((w, h), Image.BILINEAR))


def hflip(img, boxes):
    img = img[:, ::-1]
    if len(boxes):
        boxes = boxes.copy()
        boxes[:, [1, 3]] = 1 - boxes[:, [3, 1]]
    return img, boxes


def photometric(img, rng, strength=1.0):
    x = img.astype(np.float32) / 255.0
    if rng.random() < 0.8 * strength:
        x = x * rng.uniform(0.6, 1.35) + rng.uniform(-0.08, 0.08)
        m = x.mean()
        x = (x - m) * rng.uniform(0.7, 1.3) + m
        g = x.mean(axis=2, keepdims=True)
        x = g + (x - g) * rng.uniform(0.5, 1.4)
    if rng.random() < 0.15 * strength:  # low light / night: dark, blue-ish, noisy
        x = np.clip(x, 0, 1) ** rng.uniform(1.5, 2.5) * rng.uniform(0.4, 0.8)
        x = x * np.array([0.85, 0.9, 1.1], np.float32)
        x = x + np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, 0.03, x.shape).astype(np.float32)
    if rng.random() < 0.1 * strength:  # rain: bright slanted streaks
        r = np.random.default_rng(rng.randint(0, 1 << 30))
        n = r.integers(100, 400)
        ys, xs = r.integers(0, x.shape[0], n), r.integers(0, x.shape[1], n)
        ln = r.integers(5, 15)
        for t in range(ln):
            yy, xx = np.clip(ys + t, 0, x.shape[0] - 1), np.clip(xs + t // 3, 0, x.shape[1] - 1)
            x[yy, xx] = x[yy, xx] * 0.6 + 0.35
        x = x * 0.9 + 0.05
    if rng.random() < 0.15 * strength:
        x = x + np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, rng.uniform(0.01, 0.05), x.shape).astype(np.float32)
    out = (np.clip(x, 0, 1) * 255).astype(np.uint8)
    if rng.random() < 0.2 * strength:
        out = np.asarray(Image.fromarray(out).filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5))))
    if rng.random() < 0.3 * strength:
        buf = io.BytesIO()
        Image.fromarray(out).save(buf, "JPEG", quality=rng.randint(15, 70))
        out = np.asarray(Image.open(buf).convert("RGB"))
    return out
