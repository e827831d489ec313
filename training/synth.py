"""Procedural synthesizer for what the real sources lack: street vending seen from a street or
CCTV viewpoint, paper flyers (牛皮癣) and cloth banners (横幅), and garbage piled beside bins.

Objects are drawn as RGBA sprites with PIL (shapes, colours and printed Chinese text from Debian's
Noto CJK fonts), warped in perspective, torn, weathered, shaded to the background's light and
partly occluded, then composited onto real negative backgrounds (clean streets, facades, clean
walls). Hard negatives are drawn too: empty bins without garbage, and plain shop-style boards
with no text are NOT drawn as positives. Everything is seeded.
"""
import glob
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from datasets import SV, GB, AD

FONT_FILES = sorted(glob.glob("/usr/share/fonts/opentype/noto/Noto*CJK-*.ttc"))
AD_WORDS = ["办证", "开锁", "疏通", "管道疏通", "招聘", "高薪招聘", "刻章", "办证刻章", "贷款",
            "无抵押贷款", "搬家", "回收", "开锁换锁", "下水道疏通", "家政服务", "代开发票", "急招",
            "月薪过万", "专业开锁", "空调维修", "租房", "出租", "信用卡", "收购", "快速办理"]
BANNER_WORDS = ["热烈庆祝开业大吉", "盛大开业全场五折", "清仓大甩卖", "旺铺招租", "火爆销售中",
                "招商热线", "拆迁清仓", "最后三天", "新品上市", "装修公司优惠", "驾校招生",
                "房产直销", "吉铺出租", "欢迎光临"]
_font_cache = {}


def font(size, rng):
    f = rng.choice(FONT_FILES)
    idx = rng.choice([0, 2])  # SC faces inside the collection
    key = (f, idx, size)
    if key not in _font_cache:
        try:
            _font_cache[key] = ImageFont.truetype(f, size, index=idx)
        except OSError:
            _font_cache[key] = ImageFont.truetype(f, size)
    return _font_cache[key]


def phone(rng):
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def rand_color(rng, lo=0, hi=255):
    return tuple(rng.randint(lo, hi) for _ in range(3))


# ---------------------------------------------------------------- sprites (RGBA, own pixel size)

def flyer_sprite(rng, w):
    """A small printed ad: pale paper, 1-3 lines of Chinese text and a phone number, torn."""
    h = int(w * rng.uniform(1.1, 1.6)) if rng.random() < 0.7 else int(w * rng.uniform(0.5, 0.8))
    big = 4  # draw large, then shrink: text stays legible at small sizes
    W, H = w * big, h * big
    paper = rng.choice([(245, 245, 240), (250, 240, 200), (255, 230, 230), (235, 245, 255),
                        (255, 255, 150), (240, 240, 240)])
    im = Image.new("RGBA", (W, H), paper + (255,))
    d = ImageDraw.Draw(im)
    ink = rng.choice([(200, 20, 20), (20, 20, 20), (20, 40, 160), (0, 0, 0)])
    y = H * 0.06
    lines = [rng.choice(AD_WORDS)] + ([rng.choice(AD_WORDS)] if rng.random() < 0.6 else []) + [phone(rng)]
    lh = (H * 0.88) / len(lines)
    for t in lines:
        fs = max(8, int(min(lh * 0.8, W * 0.9 / max(1, len(t)) * (1.9 if t[0].isdigit() else 1.0))))
        f = font(fs, rng)
        tw = d.textlength(t, font=f)
        d.text(((W - tw) / 2, y), t, font=f, fill=ink + (255,))
        y += lh
    if rng.random() < 0.3:
        d.rectangle([2, 2, W - 3, H - 3], outline=ink + (255,), width=max(2, W // 40))
    im = im.resize((w, h), Image.LANCZOS)
    return tear(weather(im, rng), rng)


def weather(im, rng):
    a = np.asarray(im).astype(np.float32)
    fade = rng.uniform(0.55, 1.0)
    a[..., :3] = a[..., :3] * fade + (1 - fade) * rng.uniform(120, 200)
    a[..., :3] += np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, rng.uniform(2, 14), a[..., :3].shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGBA")


def tear(im, rng):
    """Cut a random polygon off a corner/edge (torn paper) and make edges ragged."""
    if rng.random() < 0.5:
        return im
    w, h = im.size
    m = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(m)
    cx, cy = rng.choice([(0, 0), (w, 0), (0, h), (w, h)])
    r = rng.uniform(0.2, 0.6)
    pts = [(cx, cy)] + [(cx + (rng.uniform(-1, 1) * w * r), cy + (rng.uniform(-1, 1) * h * r)) for _ in range(4)]
    d.polygon(pts, fill=0)
    a = np.asarray(im).copy()
    a[..., 3] = np.minimum(a[..., 3], np.asarray(m))
    return Image.fromarray(a, "RGBA")


def banner_sprite(rng, w):
    """A long red (or blue/yellow) cloth banner with a slogan, slightly wavy."""
    h = max(6, int(w * rng.uniform(0.08, 0.16)))
    big = 3
    W, H = w * big, h * big
    bg = rng.choice([(200, 20, 25), (210, 30, 30), (180, 10, 20), (20, 60, 170), (240, 200, 20)])
    ink = (255, 240, 60) if bg[0] > 150 and bg[1] < 100 else (255, 255, 255)
    im = Image.new("RGBA", (W, H), bg + (255,))
    d = ImageDraw.Draw(im)
    t = rng.choice(BANNER_WORDS) + (" " + phone(rng) if rng.random() < 0.4 else "")
    fs = max(8, int(min(H * 0.75, W * 0.95 / max(1, len(t) * (0.75 if " " in t else 1)))))
    f = font(fs, rng)
    tw = d.textlength(t, font=f)
    d.text(((W - tw) / 2, (H - fs) / 2 - fs * 0.1), t, font=f, fill=ink + (255,))
    im = im.resize((w, h), Image.LANCZOS)
    a = np.asarray(im).astype(np.float32)
    # waves: vertical shift + shading along x
    amp = rng.uniform(0, h * 0.25)
    per = rng.uniform(0.3, 1.0) * w
    out = np.zeros((h + int(2 * amp) + 2, w, 4), np.float32)
    for x in range(w):
        dy = int(amp + amp * math.sin(2 * math.pi * x / per))
        shade = 0.8 + 0.2 * math.cos(2 * math.pi * x / per)
        col = a[:, x].copy()
        col[:, :3] *= shade
        out[dy:dy + h, x] = col
    return weather(Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "RGBA"), rng)


def stall_sprite(rng, w):
    """A vending stall: umbrella or canopy, table or tarp or tricycle, goods, maybe a vendor."""
    h = int(w * rng.uniform(0.8, 1.3))
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    kind = rng.choice(["umbrella", "canopy", "tarp", "tricycle", "umbrella"])
    ground = h
    top = int(h * 0.05)
    colors = [rand_color(rng, 30, 255) for _ in range(3)]
    if kind in ("umbrella", "canopy"):
        cy = int(h * rng.uniform(0.25, 0.4))
        if kind == "umbrella":
            n = rng.randint(6, 10)
            for i in range(n):
                a0, a1 = 180 + 180 * i / n, 180 + 180 * (i + 1) / n
                d.pieslice([0, top, w - 1, cy * 2 - top], a0, a1, fill=colors[i % 2] + (255,))
            d.line([w // 2, cy, w // 2, int(h * 0.75)], fill=(60, 60, 60, 255), width=max(1, w // 40))
        else:
            d.polygon([(0, cy), (w * 0.1, top), (w * 0.9, top), (w - 1, cy)], fill=colors[0] + (255,))
            for x in (int(w * 0.05), int(w * 0.95)):
                d.line([x, cy, x, ground], fill=(90, 90, 90, 255), width=max(1, w // 50))
        tt = int(h * rng.uniform(0.6, 0.72))
        d.rectangle([w * 0.1, tt, w * 0.9, tt + h * 0.05], fill=rand_color(rng, 80, 230) + (255,))
        for x in (w * 0.13, w * 0.85):
            d.line([x, tt, x, ground], fill=(70, 70, 70, 255), width=max(1, w // 60))
        goods_row(d, rng, w * 0.1, w * 0.9, tt, h)
    elif kind == "tarp":
        ty = int(h * 0.65)
        d.polygon([(0, ground - 1), (w * 0.15, ty), (w * 0.85, ty), (w - 1, ground - 1)],
                  fill=rng.choice([(30, 60, 180), (200, 40, 40), (40, 140, 60), (220, 220, 220)]) + (255,))
        for _ in range(rng.randint(8, 25)):
            x = rng.uniform(w * 0.15, w * 0.85)
            y = rng.uniform(ty, ground - 4)
            s = rng.uniform(w * 0.03, w * 0.08)
            d.ellipse([x, y - s, x + s * 1.4, y], fill=rand_color(rng, 40, 255) + (255,))
        if rng.random() < 0.6:
            person(d, rng, w * rng.uniform(0.3, 0.7), ty, h * 0.55)
    else:  # tricycle cart
        by = int(h * 0.45)
        d.rectangle([w * 0.05, by, w * 0.8, h * 0.78], fill=colors[0] + (255,))
        goods_row(d, rng, w * 0.08, w * 0.78, by, h)
        r = int(w * 0.11)
        for x in (w * 0.2, w * 0.65):
            d.ellipse([x - r, ground - 2 * r - 1, x + r, ground - 1], outline=(30, 30, 30, 255), width=max(1, r // 4))
        d.ellipse([w * 0.85, ground - 2 * r - 1, w * 0.85 + 2 * r * 0.9, ground - 1], outline=(30, 30, 30, 255),
                  width=max(1, r // 4))
        if rng.random() < 0.5:
            d.rectangle([w * 0.05, by - h * 0.3, w * 0.8, by - h * 0.26], fill=colors[1] + (255,))
    if rng.random() < 0.5 and kind != "tarp":
        person(d, rng, w * rng.choice([0.05, 0.95]), h * 0.35, h * 0.65)
    return im


def goods_row(d, rng, x0, x1, y_table, h):
    x = x0
    while x < x1 - 3:
        s = rng.uniform(0.03, 0.08) * (x1 - x0) * 2
        col = rand_color(rng, 30, 255) + (255,)
        if rng.random() < 0.5:
            d.rectangle([x, y_table - s, x + s, y_table], fill=col)
        else:
            d.ellipse([x, y_table - s * 0.8, x + s, y_table], fill=col)
        x += s * rng.uniform(0.8, 1.2)


def person(d, rng, x, y, ph):
    c = rand_color(rng, 20, 200) + (255,)
    hr = ph * 0.09
    d.ellipse([x - hr, y, x + hr, y + 2 * hr], fill=(200, 160, 130, 255))
    d.rectangle([x - hr * 1.4, y + 2 * hr, x + hr * 1.4, y + ph * 0.6], fill=c)
    d.rectangle([x - hr * 1.2, y + ph * 0.6, x + hr * 1.2, y + ph], fill=rand_color(rng, 10, 90) + (255,))


def bag(d, rng, x, y, s):
    col = rng.choice([(20, 20, 22), (35, 35, 40), (230, 230, 230), (40, 80, 160), (60, 140, 60), (120, 110, 100)])
    d.ellipse([x, y, x + s, y + s * rng.uniform(0.7, 1.0)], fill=col + (255,))
    hl = tuple(min(255, c + 50) for c in col) + (255,)
    d.ellipse([x + s * 0.2, y + s * 0.15, x + s * 0.45, y + s * 0.3], fill=hl)
    d.polygon([(x + s * 0.4, y + 2), (x + s * 0.5, y - s * 0.25), (x + s * 0.6, y + 2)], fill=col + (255,))


def bin_sprite(rng, w, overflowing=True):
    """A street bin (green/grey/blue); overflowing: bags and litter on and around it."""
    h = int(w * rng.uniform(0.9, 1.4))
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    bw = w * (0.5 if overflowing else 0.9)
    bx = (w - bw) / 2 + rng.uniform(-0.15, 0.15) * (w - bw)
    bt = h * (0.35 if overflowing else 0.1)
    col = rng.choice([(30, 120, 60), (90, 90, 95), (30, 80, 150), (160, 40, 40), (200, 160, 40)])
    d.rectangle([bx, bt, bx + bw, h - 1], fill=col + (255,))
    d.rectangle([bx - bw * 0.05, bt - h * 0.05, bx + bw * 1.05, bt], fill=tuple(c // 2 for c in col) + (255,))
    if overflowing:
        for _ in range(rng.randint(3, 7)):
            s = rng.uniform(0.15, 0.35) * w
            bag(d, rng, bx + rng.uniform(-0.1, 0.8) * bw, bt - s * rng.uniform(0.3, 0.9), s)
        for _ in range(rng.randint(2, 8)):
            s = rng.uniform(0.15, 0.4) * w
            x = rng.choice([rng.uniform(0, bx), rng.uniform(bx + bw - s * 0.3, w - s)]) if rng.random() < 0.8 \
                else rng.uniform(0, w - s)
            bag(d, rng, max(0, x), h - s * 0.9, s)
        litter(d, rng, w, h, rng.randint(5, 20))
    return im


def litter(d, rng, w, h, n):
    for _ in range(n):
        x, y = rng.uniform(0, w), rng.uniform(h * 0.75, h - 1)
        s = rng.uniform(0.03, 0.1) * w
        col = rand_color(rng, 60, 255) + (255,)
        pts = [(x + rng.uniform(-s, s), y + rng.uniform(-s, s) * 0.5) for _ in range(rng.randint(3, 6))]
        d.polygon(pts, fill=col)


def pile_sprite(rng, w):
    """Dumped waste on the pavement: bags, cardboard boxes, bulky items, litter."""
    h = int(w * rng.uniform(0.45, 0.8))
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    for _ in range(rng.randint(2, 5)):
        s = rng.uniform(0.15, 0.35) * w
        x, y = rng.uniform(0, w - s), rng.uniform(h * 0.3, h - s * 0.6)
        d.rectangle([x, y, x + s, y + s * 0.7], fill=rng.choice([(160, 120, 70), (180, 140, 90), (140, 100, 60)]) + (255,))
    for _ in range(rng.randint(3, 8)):
        s = rng.uniform(0.2, 0.4) * w
        bag(d, rng, rng.uniform(0, w - s), rng.uniform(h * 0.2, h - s * 0.8), s)
    litter(d, rng, w, h, rng.randint(8, 30))
    return im


# ---------------------------------------------------------------- geometry and compositing

def perspective(im, rng, strength):
    """Random projective warp of a sprite; returns the warped sprite (expanded canvas)."""
    w, h = im.size
    pad = int(max(w, h) * strength) + 1
    canvas = Image.new("RGBA", (w + 2 * pad, h + 2 * pad), (0, 0, 0, 0))
    canvas.paste(im, (pad, pad))
    W, H = canvas.size
    src = [(pad, pad), (pad + w, pad), (pad + w, pad + h), (pad, pad + h)]
    dst = [(x + rng.uniform(-1, 1) * w * strength, y + rng.uniform(-1, 1) * h * strength) for x, y in src]
    coeffs = _persp_coeffs(dst, src)
    out = canvas.transform((W, H), Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    bb = out.getchannel("A").getbbox()
    return out.crop(bb) if bb else im


def _persp_coeffs(dst, src):
    A, B = [], []
    for (x, y), (u, v) in zip(dst, src):
        A.append([x, y, 1, 0, 0, 0, -u * x, -u * y]); B.append(u)
        A.append([0, 0, 0, x, y, 1, -v * x, -v * y]); B.append(v)
    return np.linalg.solve(np.array(A, float), np.array(B, float)).tolist()


def paste(bg, sprite, x, y, rng, shadow=False, occlude=True):
    """Alpha-composite `sprite` at (x,y) on the float HxWx3 `bg`, matched to the local light.
    Returns the visible box (x1,y1,x2,y2) in pixels, or None when mostly off-image."""
    H, W = bg.shape[:2]
    s = np.asarray(sprite).astype(np.float32)
    h, w = s.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x1 - x0 < w * 0.6 or y1 - y0 < h * 0.6:
        return None
    sub = s[y0 - y:y1 - y, x0 - x:x1 - x]
    alpha = sub[..., 3:4] / 255.0
    region = bg[y0:y1, x0:x1]
    light = region.mean() / 128.0
    rgb = sub[..., :3] * np.clip(light * rng.uniform(0.8, 1.15), 0.35, 1.3)
    if shadow:
        sh = np.zeros_like(alpha)
        hh = sh.shape[0]
        sh[int(hh * 0.85):] = 0.35
        region[:] = region * (1 - sh * (alpha == 0))
    blended = region * (1 - alpha) + rgb * alpha
    if occlude and rng.random() < 0.25:  # an occluder strip (pole, pedestrian) in front
        ow = max(1, int((x1 - x0) * rng.uniform(0.08, 0.25)))
        ox = rng.randint(0, max(0, x1 - x0 - ow))
        blended[:, ox:ox + ow] = rand_color(rng, 20, 160)
    bg[y0:y1, x0:x1] = blended
    ys, xs = np.nonzero(alpha[..., 0] > 0.3)
    if len(xs) == 0:
        return None
    return (x0 + xs.min(), y0 + ys.min(), x0 + xs.max() + 1, y0 + ys.max() + 1)


def compose(bg_img, rng, want):
    """Composite objects onto `bg_img` (HxWx3 uint8). `want` is a set of classes to add.
    Returns (image uint8, list of (class, x1,y1,x2,y2) normalized)."""
    bg = bg_img.astype(np.float32).copy()
    H, W = bg.shape[:2]
    boxes = []
    for k in sorted(want):
        n = {SV: rng.randint(1, 3), GB: rng.randint(1, 2), AD: rng.randint(1, 6)}[k]
        cluster = None
        for _ in range(n):
            if k == AD:
                if rng.random() < 0.25:
                    sw = int(W * rng.uniform(0.2, 0.6))
                    sp = perspective(banner_sprite(rng, sw), rng, 0.12)
                    x, y = rng.randint(-sw // 10, W - sw // 2), rng.randint(0, int(H * 0.7))
                else:
                    sw = max(8, int(W * rng.uniform(0.02, 0.09)))
                    sp = perspective(flyer_sprite(rng, sw).rotate(rng.uniform(-25, 25), expand=True,
                                                                 resample=Image.BILINEAR), rng, 0.1)
                    if cluster is None or rng.random() < 0.3:
                        cluster = (rng.randint(0, W - sw), rng.randint(int(H * 0.1), int(H * 0.8)))
                    x = cluster[0] + rng.randint(-sw * 2, sw * 2)
                    y = cluster[1] + rng.randint(-sw * 2, sw * 2)
                b = paste(bg, sp, x, y, rng, occlude=False)
            else:
                # Ground objects: size grows toward the bottom (a camera looking down a street).
                yb = rng.uniform(0.55, 1.0) * H
                scale = 0.25 + 0.75 * (yb / H - 0.5) * 2
                if k == SV:
                    sw = int(W * rng.uniform(0.15, 0.35) * max(0.3, scale))
                    sp = stall_sprite(rng, max(16, sw))
                else:
                    sw = int(W * rng.uniform(0.1, 0.25) * max(0.3, scale))
                    sp = (bin_sprite(rng, max(12, sw)) if rng.random() < 0.6 else pile_sprite(rng, max(12, sw)))
                sp = perspective(sp, rng, 0.06)
                if rng.random() < 0.5:
                    sp = sp.transpose(Image.FLIP_LEFT_RIGHT)
                x = rng.randint(-sp.width // 6, W - sp.width + sp.width // 6)
                y = int(yb - sp.height)
                b = paste(bg, sp, x, y, rng, shadow=True)
            if b is not None:
                boxes.append((k, b[0] / W, b[1] / H, b[2] / W, b[3] / H))
    # Hard negatives: empty, tidy bins.
    if rng.random() < 0.3:
        sw = int(W * rng.uniform(0.05, 0.12))
        paste(bg, bin_sprite(rng, sw, overflowing=False), rng.randint(0, W - sw), int(H * rng.uniform(0.5, 0.9)) - sw,
              rng, shadow=True, occlude=False)
    out = np.clip(bg, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:  # match the softness of the background photo
        out = np.asarray(Image.fromarray(out).filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0))))
    return out, boxes
