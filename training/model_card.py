#!/usr/bin/env python3
"""Write models/README.md (the model card) from models/metrics.json, so every figure in the card
is the one `make train` measured. Prose that is not a measurement lives here."""
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metrics import NMS_IOU  # noqa: E402


def f(x, nd=3):
    return "–" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else str(x))


def table(block, classes, cols=("n", "positives", "ap", "precision", "recall", "f1", "false_positive_rate", "box_ap50")):
    label = {"n": "images", "positives": "positives", "ap": "AP", "precision": "precision", "recall": "recall",
             "f1": "F1", "false_positive_rate": "FPR", "box_ap50": "box AP50"}
    head = "| class | " + " | ".join(label[c] for c in cols) + " |"
    lines = [head, "|" + "---|" * (len(cols) + 1)]
    for c in classes:
        r = block.get(c, {})
        if not r.get("n"):
            continue
        lines.append(f"| {c} | " + " | ".join(f(r.get(k)) for k in cols) + " |")
    return "\n".join(lines)


def small_targets():
    """The measured small-flyer figures (training/small_targets.py), when present."""
    p = os.path.join(REPO, "models", "small-targets.json")
    if not os.path.exists(p):
        return ""
    t = json.load(open(p))
    a, b = t["full"], t["tiles_2x2"]
    return f"""
  Measured (`training/small_targets.py`, `models/small-targets.json`): {t['frames']} frames of
  1920×1080 from {t['frames'] // 2} validation-split backgrounds ({', '.join(t['backgrounds'])}), each
  background once as is and once with 1–3 synthetic flyers 40 px wide and 44–64 px tall; illegal_ad
  at the shipped threshold {t['threshold']}:

  | passes | AP | recall | false alarms on the unmodified backgrounds |
  |---|---|---|---|
  | whole frame only | {f(a['ap'])} | {f(a['recall'])} | {f(a['false_alarm_rate'])} |
  | whole frame + 2×2 tiles | {f(b['ap'])} | {f(b['recall'])} | {f(b['false_alarm_rate'])} |

  Tiles make 40 px flyers findable but raise false alarms (every tile is another chance to fire on
  a wall or a sign), so they are off by default and meant for cameras watching flyer-prone walls."""


def main(path=os.path.join(REPO, "models", "metrics.json"), out=os.path.join(REPO, "models", "README.md")):
    m = json.load(open(path))
    C = m["classes"]
    rv, sv = m["real_val"], m.get("synthetic_val")
    thr = m["thresholds"]
    ex = m.get("experiments")
    s = []
    s.append("# StreetWarden default model: `streetwarden-v1`\n")
    s.append("Files: `streetwarden-v1.json` + `streetwarden-v1.safetensors` (our format, "
             "docs/model-format.md), `streetwarden-v1.onnx` (the same network for ONNX Runtime, used as the "
             "peer in benchmarks), `metrics.json` (every figure below), `NOTICE` (licences and attributions). "
             "Reproduce with `make train` (see training/ and the top-level README).\n")
    ps = rv["per_source"]

    def ap(src, c):
        return ps.get(src, {}).get(c, {}).get("ap")
    within = {"garbage": ap("street-cleanliness", "garbage"), "illegal_ad": ap("graffiti-walls", "illegal_ad")}
    met = [c for c, v in within.items() if v is not None and v >= 0.9]
    missed = [c for c, v in within.items() if v is None or v < 0.9]
    if not missed:
        within_text = ("The issue's target (AP ≥ 0.90 for garbage and illegal_ad on real images never trained on) "
                       "is met within these sources too.")
    else:
        within_text = ("The issue's target (AP ≥ 0.90 for garbage and illegal_ad on real images never trained on) "
                       "is met in the pooled sense" + (f" and within source for {', '.join(met)}" if met else "")
                       + f", **not** within source for {', '.join(missed)}.")
    clips_text = ""
    bench_path = os.path.join(os.path.dirname(path), "bench-accuracy.json")
    if os.path.exists(bench_path):
        cl = json.load(open(bench_path)).get("clips", {})
        found = set(c for v in cl.values() for c in v["truth"] if v["frames_with"].get(c, 0) > 0)
        truth = set(c for v in cl.values() for c in v["truth"])
        clean = [(k, v) for k, v in cl.items() if not v["truth"]]
        fa = ", ".join(f"{c} in {n}/{v['frames']}" for k, v in clean for c, n in v["frames_with"].items() if n)
        if cl:
            clips_text = ("- On the sample clips (a real CCTV backdrop, synthetic objects) "
                          + ("every class is found" if found >= truth else
                             "not every class is found (missing: " + ", ".join(sorted(truth - found)) + ")")
                          + (f"; on the clip without violations the backdrop fires {fa} sampled frames (see below)."
                             if fa else "; the clip without violations raises nothing.") + "\n")
    s.append("## Summary\n")
    s.append(f"""- Pooled real validation image-level AP: street_vending {f(rv['pooled']['street_vending'].get('ap'))},
  garbage {f(rv['pooled']['garbage'].get('ap'))}, illegal_ad {f(rv['pooled']['illegal_ad'].get('ap'))}. **These pooled
  figures are inflated by source identity** (each source has its own look, and most sources are
  nearly all-positive or all-negative for a class).
- Within one source, where positives and negatives share the look (the test that source identity cannot pass):
  garbage on street-cleanliness (littered vs clean street photos) {f(ap('street-cleanliness', 'garbage'))};
  illegal_ad on graffiti-walls (tagged vs clean walls) {f(ap('graffiti-walls', 'illegal_ad'))}.
  street_vending on the aerial Bogotá chips {f(ap('vendors-aerial-bogota', 'street_vending'))}, but that is
  an aerial view, not CCTV; street-level vending is measured only on synthetic images.
  {within_text}
- Box AP50: garbage (Malta bags) {f(rv['pooled']['garbage'].get('box_ap50'))}, illegal_ad (facade signs)
  {f(rv['pooled']['illegal_ad'].get('box_ap50'))}, street_vending (aerial) {f(rv['pooled']['street_vending'].get('box_ap50'))}.
- Held-out synthetic set (street-level vending, flyers, banners, garbage at bins):
  AP {", ".join(f"{c} {f(sv['pooled'][c].get('ap'))}" for c in C) if sv else "–"}.
{clips_text}""")
    s.append("## Architecture\n")
    s.append(f"""- FastestDet-style single-shot grid detector, written for this project (training/model.py):
  ShuffleNetV2 0.5x backbone (stage channels 24/48/96/192, repeats 4/8/4), stride-8/16/32 features
  fused at stride 16 (avg-pool / concat / nearest upsample), a depthwise 5x5 context block (SPP-like,
  residual), a light head with objectness, box and class branches. 237 k parameters.
- Input `[3, 288, 512]`, RGB in 0…1, no mean/std (declared in the json). The whole frame is
  resized to 512×288 (no letterbox; 4:3 or square inputs are stretched, as in training).
- Output `[8, 18, 32]`, every channel sigmoid'd: 0 objectness, 1–2 centre offset in the cell,
  3–4 width/height as fractions of the image, 5–7 class probabilities in `classes` order
  ({", ".join(C)}). Cell score = objectness × class; image-level score = max over the 576 cells.
  Boxes: cells above the class threshold, non-maximum suppression at IoU {NMS_IOU} (0.45 until the sample clips showed
  one object split into several incidents by shifted duplicate boxes; box AP50 figures from training
  in `metrics.json` were measured at 0.45, the Swift `bench accuracy` figures at the shipped value).
- Cost: **{m['flops'] / 1e9:.3f} GFLOP** per frame (2 × multiply-adds of all convolutions at
  288×512), far below the 1.5 GFLOP budget.
- Small targets: a 40×60 px flyer in a 1080p frame becomes ~11×16 px at 512×288, about one
  stride-16 cell, at the limit of this input size. For cameras where such flyers matter, set
  `tiles: 2` in the camera config (`detect --tiles 2`): besides the whole frame, the model runs on
  2×2 overlapping tiles (each 56 % of the frame's width and height, neighbours sharing 12 % of the
  frame) cropped from the full-resolution picture, so a 40 px flyer reaches the model at ~19 px;
  the image score is the best over the five passes and boxes merge by NMS plus containment
  (5 passes = {5 * m['flops'] / 1e9:.2f} GFLOP; the network was trained on crops at 0.35–1× of
  the image, so tiles are close to its training views).{small_targets()}
- Initialisation: FastestDet's COCO checkpoint (BSD-3-Clause) for the backbone, neck and the
  shared head layers (408 of 420 tensors); the class branch starts from the COCO class branch with
  each project class's row averaged from related COCO classes (umbrella / dining table / chair;
  suitcase / backpack / handbag; stop sign / book).
""")
    s.append("## Training data\n")
    rc = m.get("recipe") or {"iterations": m["iterations"], "batch": 16, "schedule": [[1.0, 288, 512]],
                              "mix": {"facades-ads": 0.15, "street-cleanliness": 0.17, "garbage-bags-malta": 0.12,
                                      "vendors-aerial-bogota": 0.10, "graffiti-walls": 0.12, "synthetic": 0.34}}
    short = {"facades-ads": "facades", "street-cleanliness": "street-cleanliness", "garbage-bags-malta": "Malta",
             "vendors-aerial-bogota": "Bogotá", "graffiti-walls": "graffiti", "synthetic": "synthetic"}
    mix_text = ", ".join(f"{short.get(k, k)} {v:.2f}" for k, v in rc["mix"].items())
    s.append(("""| source | images (train/val) | licence | used as |
|---|---|---|---|
| facades-ads (St Petersburg facades) | 339 / 108 (hash split of the train folder, seed 20261129) | CC0 1.0 | illegal_ad boxes = signboard + win_ad + cantilever; negatives for vending and garbage |
| street-cleanliness (web street photos) | 398 / 70 | not stated (Kaggle origin) | garbage image labels: litter = 1, clean = 0, medium = unknown; clean = vending negative |
| garbage-bags-malta | 159 / 45 | not stated | garbage boxes (all four bag ids); vending negatives |
| vendors-aerial-bogota (aerial chips) | 321 / 85 | CC BY 4.0 | street_vending boxes (weak prior: aerial view); illegal_ad negatives |
| graffiti-walls (wall close-ups) | 298 / 82 | CC BY 4.0 | tags = illegal_ad image label; nograffiti = clean-wall negatives |
| synthetic (training/synth.py) | see below | project-made | boxes for all three classes, composited on real backgrounds |

Image-level labels (litter, tags) are trained with a multiple-instance loss: the class's image
score (max over cells of objectness × class) is pushed to the label, and for positives also the
mean of the top {topk_pct} of cells (same weight), while box labels also train
every cell (positive near box centres, ignored elsewhere inside boxes, negative outside).
"Unknown" classes of a source get no loss. The top-k term is new in this model: with the max
alone, one cell per positive image got a gradient while every cell of every negative image did, and
the previous model's image score ranked even its own graffiti-walls *training* images at AP 0.82
(validation 0.54), although a linear probe on its pooled features reached 0.90 on validation
(`training/graffiti_diag.py`); tags are thin strokes spread over the wall, not one object.

Hard negatives: every known-negative image trains all its cells to 0 with a focal loss, and its
max-over-cells score to 0, so the highest-scoring (hardest) cell of each negative image always
gets the gradient (online hard-negative mining). Negatives come from clean street photos
(pedestrians, parked bikes and cars), clean walls, facade photos (for vending and garbage),
aerial chips (for ads) and empty tidy bins drawn by the synthesizer. Legal shop signs are *not*
negatives: the only real sign boxes (facades) are the illegal_ad positives (see failure modes). Each batch of 16 draws sources by fixed shares
({mix_text})
so no source's look dominates.

**Synthetic data.** Procedural sprites drawn with PIL — stalls (umbrellas, canopies, tables with
goods, tarps of goods on the ground, tricycle carts, vendor figures), overflowing bins with bags
and litter, dumped piles (bags, cardboard, litter), paper flyers with printed Chinese ad text and
phone numbers (Noto CJK; 办证/开锁/疏通/招聘 …) rotated, perspective-warped, torn and faded, and
red cloth banners with slogans — composited onto *training-split* real backgrounds of the kinds
real negatives have (clean street photos, facade photos, clean walls) with perspective, size
growing toward the bottom of the frame, local light matching, ground shadows, occluder strips
and blur; empty tidy bins are added as hard negatives. A held-out synthetic validation set is
built the same way on *validation-split* backgrounds only. The OCR teacher suggested in the issue
(rapidocr-onnxruntime 1.4.4's PP-OCR text detector) is not used: tried as a pseudo-box source for
the graffiti tags, it boxed text in 4 of 8 tag images (printed stickers, rarely the handwritten
tags) and also fired on 5 of 8 clean-wall images (shop signs, windows, doors), so its boxes would
have taught signs rather than tags.
""").replace("{mix_text}", mix_text)
              .replace("{topk_pct}", f"{rc.get('img_topk_share', 0) * 100:.0f} %"))
    s.append("Training images per class (positive images; synthetic share of positives):\n")
    s.append("| class | real positive images | real negative images | synthetic positive images | synthetic share | real boxes | synthetic boxes |")
    s.append("|---|---|---|---|---|---|---|")
    for c in C:
        d = m["counts"][c]
        s.append(f"| {c} | {d['real']['positive_images']} | {d['real']['negative_images']} | "
                 f"{d['synthetic']['positive_images']} | {f(d['synthetic_share_of_positive_images'], 2)} | "
                 f"{d['real']['boxes']} | {d['synthetic']['boxes']} |")
    s.append("")
    phases = []
    start = 0
    for share, h, w in rc["schedule"]:
        n = round((start + share) * rc["iterations"]) - round(start * rc["iterations"])
        phases.append(f"{n} at {w}×{h}")
        start += share
    s.append(f"Training: {rc['iterations']} iterations × {rc.get('batch', 16)} images "
             f"({', then '.join(phases)}"
             + (": the low-resolution phase costs about a quarter of a full-size step on CPU and the last "
                "phase tunes the network to its input size" if len(phases) > 1 else "")
             + "), AdamW, cosine schedule, "
             f"image-level loss weight {rc.get('img_loss_weight', 2):g}, seed fixed; "
             f"{m['train_seconds'] / 60:.0f} min (data caching, synthesis and training) with `nice -n 19` on 1 CPU "
             f"thread of a 2-core machine shared with Swift builds and benchmarks (paused during benchmarks).\n")
    s.append("Augmentation: random crops (0.35–1× area, 16:9-ish), horizontal flip, brightness / contrast / "
             "saturation, low light (gamma, blue cast, noise), rain streaks, Gaussian noise, blur, JPEG "
             "re-encoding at quality 15–70; perspective is applied to synthetic objects.\n")
    s.append("## Thresholds\n")
    s.append("Per class, the threshold (on the image-level score, also used for boxes) with the highest "
             "recall whose image-level precision on validation is ≥ 0.95 (0.90 until this model: it gave 13 "
             "false cases on the sample clips' real CCTV backdrop in `make run`, 0.95 gives 8 of 19; precision matters most to "
             "officers); when 0.95 is not reachable, the max-F1 threshold. garbage and illegal_ad use the real validation images; street_vending uses "
             "real (aerial) + held-out synthetic validation images. Because thresholds are chosen on the "
             "same validation images the figures below are measured on, the precision / recall at threshold "
             "are optimistic; the AP figures do not depend on the threshold.\n")
    s.append("| class | threshold | precision | recall | rule |\n|---|---|---|---|---|")
    for c in C:
        t = thr[c]
        s.append(f"| {c} | {t['threshold']:.3f} | {f(t['precision'])} | {f(t['recall'])} | {t['rule']} |")
    s.append("")
    s.append("## Validation on real images never trained on\n")
    s.append("Image-level AP per class (a class's positives vs. its known negatives; images whose label for "
             "the class is unknown are left out), precision / recall / F1 / false-positive rate at the "
             "thresholds above, and box AP50 where boxes exist.\n")
    s.append("### Pooled real validation set\n")
    s.append(table(rv["pooled"], C))
    s.append("\n### Per source\n")
    for src, b in rv["per_source"].items():
        s.append(f"**{src}**\n")
        s.append(table(b, C))
        s.append("")
    s.append("### Each source's positives against all real negatives\n")
    s.append("Sources whose validation images are nearly all positive for a class (facades for illegal_ad, "
             "Malta for garbage) have no AP of their own; here each source's positives are ranked against "
             "the known negatives of every validation source.\n")
    s.append("| source | " + " | ".join(f"{c} AP | {c} recall" for c in C) + " |")
    s.append("|---|" + "---|---|" * len(C))
    for src, b in rv.get("source_positives_vs_all_negatives", {}).items():
        s.append(f"| {src} | " + " | ".join(f"{f(b.get(c, {}).get('ap'))} | {f(b.get(c, {}).get('recall'))}" for c in C) + " |")
    s.append("")
    s.append("### Street-level set\n")
    s.append("The street-level photos among the validation images: street-cleanliness val (clean and "
             "littered streets), the Malta street photos (garbage-bags-malta valid) and the facade photos "
             "(facades-ads held-out 20 %). No aerial chips or wall close-ups.\n")
    s.append(table(rv["street_level"], C))
    s.append("")
    if sv:
        s.append("### Held-out synthetic set (200 images on validation-split backgrounds)\n")
        s.append(table(sv["pooled"], C))
        s.append("")
    if ex:
        n = ex["iterations"]

        def core(r):
            return {k: v for k, v in (r or {}).items() if k not in ("iterations",)}
        same = core(ex.get("recipe")) == core(m.get("recipe")) and m.get("recipe") is not None
        s.append(f"## Leave-one-source-out and synthetic ablation (short runs, {n} iterations each)\n")
        if not same:
            er = ex.get("recipe")
            what = (f"source shares {er['mix']}, input-size schedule {er['schedule']}, "
                    + (f"top-k share {er['img_topk_share']:g}" if er.get("img_topk_share")
                       else "max-only multiple-instance loss (no top-k term)") if er else
                    "the first model's recipe: all steps at 512×288, source shares facades 0.15, "
                    "street-cleanliness 0.17, Malta 0.12, Bogotá 0.10, graffiti 0.12, synthetic 0.34")
            s.append(f"**These runs are from the previous training recipe ({what}), not this model's; they "
                     f"were not re-run for it** (`python training/train.py --only-experiments` re-runs them, "
                     f"about {f(m.get('experiments_seconds', 0) / 60, 0)} min). Read them as that recipe's "
                     f"directions only.\n")
        s.append(f"The experiment runs took {f(m.get('experiments_seconds', 0) / 60, 0)} min. "
                 "Same recipe, shorter schedule (the full LOSO set of runs would not fit the training budget "
                 "at full length). `reference` trains on everything; `no synthetic` drops the synthetic images; "
                 "`without S` drops source S's training images and the synthetic images built on its "
                 "backgrounds, then is measured on S's validation positives against all real validation "
                 "negatives. Image-level AP. Runs this short are far from converged (the reference run is far "
                 "below the full model on every source), so read these rows for direction only.\n")
        s.append("| run | evaluated on | " + " | ".join(C) + " |")
        s.append("|---|---|" + "---|" * len(C))

        def row(name, r, where):
            rv_ = r["real_val"]
            blk = rv_["pooled"] if where == "real val (pooled)" else (
                rv_["street_level"] if where == "street-level" else
                rv_.get("source_positives_vs_all_negatives", {}).get(where, {}))
            return f"| {name} | {where} | " + " | ".join(f(blk.get(c, {}).get("ap")) for c in C) + " |"

        for where in ("real val (pooled)", "street-level"):
            s.append(row("reference", ex["reference"], where))
            s.append(row("no synthetic", ex["no_synthetic"], where))
        if ex["reference"].get("synthetic_val"):
            for name, r in (("reference", ex["reference"]), ("no synthetic", ex["no_synthetic"])):
                s.append(f"| {name} | synthetic val | " + " | ".join(
                    f(r["synthetic_val"]["pooled"].get(c, {}).get("ap")) for c in C) + " |")
        s.append("")
        syn_share = ((ex.get("recipe") or {}).get("mix") or {}).get("synthetic", 0.34)
        r_ap = {c: ex["reference"]["real_val"]["pooled"][c].get("ap") for c in C}
        n_ap = {c: ex["no_synthetic"]["real_val"]["pooled"][c].get("ap") for c in C}
        worse = [c for c in C if r_ap[c] is not None and n_ap[c] is not None and r_ap[c] < n_ap[c]]
        s.append("What the synthetic data adds: " + (
            f"at this short schedule, training with it scores *lower* on real validation images for "
            f"{', '.join(worse)} (one reason: at equal steps {syn_share:.0%} of each batch is synthetic, so fewer real images are "
            f"seen); it is what teaches street-level vending, flyers and banners, for which no real images "
            f"exist (synthetic-val rows). It is kept for that reason; whether it helps real images at full "
            f"length was not measured (one full-length run per variant did not fit the budget)."
            if worse else "training with it scores at least as well on real validation images at this schedule, "
            "and it is what teaches street-level vending, flyers and banners (synthetic-val rows).") + "\n")
        s.append("| run | evaluated on | " + " | ".join(C) + " |")
        s.append("|---|---|" + "---|" * len(C))
        for src in ("facades-ads", "street-cleanliness", "garbage-bags-malta", "vendors-aerial-bogota", "graffiti-walls"):
            s.append(row("reference", ex["reference"], src))
            if src in ex.get("loso", {}):
                s.append(row(f"without {src}", ex["loso"][src], src))
            else:
                s.append(f"| without {src} | {src} | " + " | ".join("not run" for _ in C) + " |")
        if len(ex.get("loso", {})) < 5:
            s.append("\n\"not run\": that run did not finish within this commit's CPU budget on the shared "
                     "machine; `make train` runs all of them.")
        s.append("")
    bench = os.path.join(os.path.dirname(path), "bench-accuracy.json")
    if os.path.exists(bench):
        b = json.load(open(bench))
        s.append("## Measured by the Swift engine: `streetwarden bench accuracy`\n")
        s.append("The same real validation images, laid out per source by `training/export_valsets.py OUT` and "
                 "scored by the streetwarden binary (`streetwarden bench accuracy --data OUT/SOURCE --json`): our "
                 "Swift engine and FFmpeg's scaler instead of PyTorch and PIL, so figures can differ slightly "
                 "from the tables above.\n")
        s.append("| source | class | images | positives | AP | precision | recall | F1 | box AP50 |")
        s.append("|---|---|---|---|---|---|---|---|---|")
        for src, r in b.get("sources", {}).items():
            for c, v in r["classes"].items():
                s.append(f"| {src} | {c} | {v['images']} | {v['positives']} | {f(v['ap'])} | {f(v['precision'])} | "
                         f"{f(v['recall'])} | {f(v['f1'])} | {f(v['box_ap50'])} |")
        if b.get("parity"):
            p = b["parity"]
            s.append(f"\nEngine vs. ONNX Runtime on the exported model ({p['images']} validation images, each "
                     f"scaled by FFmpeg — in-process libswscale for the engine, the ffmpeg CLI for ONNX Runtime): max |Δ image score| "
                     f"{p['max_abs_score_diff']:.2e}, mean {p['mean_abs_score_diff']:.2e}.\n")
        if b.get("clips"):
            s.append("\nSample clips (`streetwarden detect clips/samples/*.mp4`, 1 frame/s): share of sampled frames "
                     "in which each class passes its threshold.\n")
            s.append("| clip | ground truth | " + " | ".join(C) + " |")
            s.append("|---|---|" + "---|" * len(C))
            for clip, v in b["clips"].items():
                s.append(f"| {clip} | {', '.join(v['truth']) or 'none'} | " + " | ".join(
                    f"{v['frames_with'][c]}/{v['frames']}" for c in C) + " |")
        s.append("")
    s.append(changes(m, path))
    s.append(KNOWN)
    open(out, "w").write("\n".join(s) + "\n")
    print(f"wrote {out}")


# Figures of the previous default model (the same recipe without the top-k term of the
# multiple-instance loss, IMG_TOPK_SHARE = 0), for the change table below.
PREVIOUS = {"graffiti-walls illegal_ad (within source)": 0.542, "street-cleanliness garbage (within source)": 0.910,
            "pooled street_vending": 0.970, "pooled garbage": 0.959, "pooled illegal_ad": 0.975,
            "street-level garbage": 0.963, "synthetic street_vending": 0.982, "synthetic garbage": 0.984,
            "synthetic illegal_ad": 1.000, "box AP50 street_vending": 0.594, "box AP50 garbage": 0.732,
            "box AP50 illegal_ad": 0.449, "40 px flyers, whole frame: AP": 0.617, "40 px flyers, 2x2 tiles: AP": 0.903,
            "40 px flyers, 2x2 tiles: recall at threshold": 0.921,
            "40 px flyers, 2x2 tiles: false alarms on clean backgrounds": 0.202}


def changes(m, path):
    """Table: this model's figures next to the previous model's (max-only multiple-instance loss)."""
    rv, sv = m["real_val"], m.get("synthetic_val") or {"pooled": {}}
    ps = rv["per_source"]
    st = {}
    sp = os.path.join(os.path.dirname(path), "small-targets.json")
    if os.path.exists(sp):
        st = json.load(open(sp))
    now = {"graffiti-walls illegal_ad (within source)": ps.get("graffiti-walls", {}).get("illegal_ad", {}).get("ap"),
           "street-cleanliness garbage (within source)": ps.get("street-cleanliness", {}).get("garbage", {}).get("ap"),
           "street-level garbage": rv["street_level"].get("garbage", {}).get("ap"),
           "40 px flyers, whole frame: AP": st.get("full", {}).get("ap"),
           "40 px flyers, 2x2 tiles: AP": st.get("tiles_2x2", {}).get("ap"),
           "40 px flyers, 2x2 tiles: recall at threshold": st.get("tiles_2x2", {}).get("recall"),
           "40 px flyers, 2x2 tiles: false alarms on clean backgrounds": st.get("tiles_2x2", {}).get("false_alarm_rate")}
    for c in m["classes"]:
        now[f"pooled {c}"] = rv["pooled"][c].get("ap")
        now[f"synthetic {c}"] = sv["pooled"].get(c, {}).get("ap")
        now[f"box AP50 {c}"] = rv["pooled"][c].get("box_ap50")
    s = ["## Change from the previous model\n",
         "The previous default model was trained by the same recipe without the top-k term of the "
         "multiple-instance loss (image-level positives trained only through the max over cells). "
         "Image-level AP unless named otherwise; each figure comes from one seeded run per recipe "
         "(run-to-run spread not measured; on sets of 19–130 positives one or two images reordered move AP "
         "by a few hundredths). A full run with a 5 % top-k share (instead of 2 %) gave graffiti-walls 0.955, "
         "street-cleanliness garbage 0.990, pooled street_vending 0.948, garbage 0.986, illegal_ad 0.975, "
         "fewer false alarms on the sample clips but no illegal_ad on the mixed clip; 40 px flyers with tiles: "
         "AP 0.656, recall 0.573, false alarms 0.303.\n",
         "| figure | previous | this model |", "|---|---|---|"]
    for k, v in PREVIOUS.items():
        s.append(f"| {k} | {v:.3f} | {f(now.get(k))} |")
    s.append("")
    return "\n".join(s) + "\n"


KNOWN = """## Known failure modes and limits

- **Source shortcuts.** Each source has its own look; pooled figures are inflated by that. Read the
  per-source, street-level and leave-one-source-out tables: a class that drops when its source is
  left out is learned largely from that source's style.
- **Legal signs.** illegal_ad's real positives are mostly *legal* shop signs (facades-ads signboards,
  window ads) and graffiti tags: the model learns "advertising / marks on a wall is present", not
  legality. Whether an ad is illegal must come from zones, masks and schedules in the rules layer
  (mask out licensed signage), not from this model.
- **Street vending** has no real CCTV-view training images: the real positives are aerial umbrellas
  (Bogotá), everything street-level is synthetic. Expect misses on real stalls that look unlike the
  synthesizer's (and false alarms on umbrellas, café tables and parked carts); street-level vending
  precision on real video is unmeasured.
- **Garbage** positives are Maltese bags at the kerb and web photos of littered streets; overflowing
  Chinese-style bins are only synthetic. Bins without garbage are drawn as negatives, but real
  empty bins may still fire.
- **Small flyers** (~1 cell at 512×288) are found poorly in full-frame mode; use `tiles: 2`
  (measured above), at the cost of more false alarms.
- **Night, rain, glare**: only simulated by augmentation (low light, streaks, noise); no real night
  images were available. Expect lower recall at night.
- **Viewpoint and occlusion**: high, distant CCTV views make objects smaller than in the training
  photos; heavy occlusion by people and vehicles was only simulated by strips.
- **Real CCTV backdrops**: on the sample clips' backdrop (an elevated pedestrian view, no
  violations) a standing group of people fires garbage in some sampled frames, and the objects of
  one class raise another class nearby (`make run`: 13 cases on the five clips, none on the clean
  clip, 3 of a class the clip does not contain: street_vending on the garbage clip, garbage on the
  illegal-ad and street-vending clips; the previous model raised 19 cases, 8 of them false; the
  table above gives the frame counts). Expect such false alarms on real CCTV until the model sees
  negatives from the camera itself; use zone masks and per-camera thresholds (docs/config.md)
  meanwhile.
- **Walls with texture**: tags are learnt as strokes and marks on a wall, so busy clean walls
  (brick, peeling paint, posters) fire illegal_ad more than with the previous model, most of all
  in `tiles: 2` mode, whose zoomed tiles of clean walls raised false alarms on 46 % of the clean
  1080p backgrounds in the small-target check (20 % before).
- **Sample clips** (clips/samples) contain the synthesizer's own objects on a real backdrop; they
  show the pipeline works, not real-world accuracy.
"""

if __name__ == "__main__":
    main(*sys.argv[1:])
