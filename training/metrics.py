"""Decoding of the grid head and the validation metrics: image-level AP / precision / recall /
F1 per class, box AP50, per source and on the street-level set; threshold choice."""
import numpy as np

# Boxes of one class overlapping more than this are one object. A grid head fires several shifted
# boxes on one large object (IoU 0.3-0.45 between them); at 0.45 they survived NMS and split one
# stall or pile into several incidents, so 0.25 is used (measured on the sample clips).
NMS_IOU = 0.25


def decode(y, k, min_score=0.02, top=100):
    """y: [5+K, GH, GW] sigmoid outputs -> (image scores [K], detections [(k, s, x1,y1,x2,y2)])."""
    gh, gw = y.shape[1:]
    score = y[0][None] * y[5:5 + k]
    img = score.reshape(k, -1).max(1)
    gy, gx = np.mgrid[0:gh, 0:gw]
    cx, cy = (gx + y[1]) / gw, (gy + y[2]) / gh
    bw, bh = y[3], y[4]
    boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], -1).clip(0, 1)
    dets = []
    for c in range(k):
        s = score[c].ravel()
        idx = np.argsort(-s)[:top]
        idx = idx[s[idx] >= min_score]
        b = boxes.reshape(-1, 4)[idx]
        for i in nms(b, s[idx]):
            dets.append((c, float(s[idx][i]), *map(float, b[i])))
    return img, dets


def iou(a, b):
    ix = np.maximum(0, np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0]))
    iy = np.maximum(0, np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1]))
    inter = ix * iy
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
    return inter / np.maximum(ua, 1e-12)


def nms(b, s):
    order = np.argsort(-s)
    keep = []
    while len(order):
        i = order[0]
        keep.append(i)
        if len(order) == 1:
            break
        order = order[1:][iou(b[i], b[order[1:]]) < NMS_IOU]
    return keep


def average_precision(scores, labels):
    """All-point interpolated AP (area under the precision envelope); None without positives."""
    scores, labels = np.asarray(scores, float), np.asarray(labels, int)
    npos = labels.sum()
    if npos == 0:
        return None
    o = np.argsort(-scores, kind="stable")
    tp = labels[o]
    ctp, cfp = np.cumsum(tp), np.cumsum(1 - tp)
    rec = ctp / npos
    prec = ctp / np.maximum(ctp + cfp, 1e-12)
    mrec = np.concatenate([[0], rec, [1]])
    mpre = np.concatenate([[1], prec, [0]])
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def box_ap50(samples, preds, k):
    """Box AP at IoU 0.5 for class k over samples whose class-k boxes are complete."""
    recs, npos = [], 0
    for s, (_, dets) in zip(samples, preds):
        if s.modes[k] != "box":
            continue
        gt = s.boxes[s.boxes[:, 0] == k][:, 1:] if len(s.boxes) else np.zeros((0, 4))
        npos += len(gt)
        used = np.zeros(len(gt), bool)
        for d in sorted([d for d in dets if d[0] == k], key=lambda d: -d[1]):
            hit = 0
            if len(gt):
                ious = iou(np.array(d[2:]), gt)
                j = int(np.argmax(ious))
                if ious[j] >= 0.5 and not used[j]:
                    used[j] = True
                    hit = 1
            recs.append((d[1], hit))
    if npos == 0:
        return None
    if not recs:
        return 0.0
    sc, lb = zip(*recs)
    # AP with npos from ground truth (misses count)
    sc, lb = np.array(sc), np.array(lb)
    o = np.argsort(-sc, kind="stable")
    tp = lb[o]
    ctp, cfp = np.cumsum(tp), np.cumsum(1 - tp)
    rec, prec = ctp / npos, ctp / np.maximum(ctp + cfp, 1e-12)
    mrec = np.concatenate([[0], rec, [rec[-1]]])
    mpre = np.concatenate([[1], prec, [0]])
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def class_stats(samples, preds, k, thr):
    ys, ss = [], []
    for s, (img, _) in zip(samples, preds):
        y = s.label(k)
        if y is None:
            continue
        ys.append(y)
        ss.append(float(img[k]))
    ys, ss = np.array(ys, int), np.array(ss)
    r = {"n": int(len(ys)), "positives": int(ys.sum()) if len(ys) else 0}
    if len(ys) == 0:
        return r
    r["ap"] = average_precision(ss, ys) if 0 < ys.sum() < len(ys) else None
    if thr is not None:
        pred = ss >= thr
        tp, fp = int((pred & (ys == 1)).sum()), int((pred & (ys == 0)).sum())
        fn = int((~pred & (ys == 1)).sum())
        r["precision"] = tp / (tp + fp) if tp + fp else None
        r["recall"] = tp / (tp + fn) if tp + fn else None
        r["false_positive_rate"] = fp / int((ys == 0).sum()) if (ys == 0).any() else None
        p, q = r["precision"], r["recall"]
        r["f1"] = 2 * p * q / (p + q) if p and q else 0.0
    b = box_ap50(samples, preds, k)
    if b is not None:
        r["box_ap50"] = b
    return r


def report(samples, preds, classes, thresholds, street_sources):
    thr = {c: (thresholds[c]["threshold"] if thresholds else None) for c in classes}

    def block(sel):
        ss = [samples[i] for i in sel]
        pp = [preds[i] for i in sel]
        return {c: class_stats(ss, pp, k, thr[c]) for k, c in enumerate(classes)}

    out = {"pooled": block(range(len(samples))), "per_source": {}}
    for src in sorted(set(s.source for s in samples)):
        out["per_source"][src] = block([i for i, s in enumerate(samples) if s.source == src])
    out["street_level"] = block([i for i, s in enumerate(samples) if s.source in street_sources])
    # A source whose images are nearly all positive for a class has no AP of its own: measure its
    # positives against the known negatives of every validation source.
    out["source_positives_vs_all_negatives"] = {}
    for src in sorted(set(s.source for s in samples)):
        per = {}
        for k, c in enumerate(classes):
            sel = [i for i, s in enumerate(samples)
                   if s.label(k) == 0 or (s.source == src and s.label(k) == 1)]
            if any(samples[i].source == src and samples[i].label(k) == 1 for i in sel):
                per[c] = class_stats([samples[i] for i in sel], [preds[i] for i in sel], k, thr[c])
                per[c].pop("box_ap50", None)
        out["source_positives_vs_all_negatives"][src] = per
    return out


def choose_thresholds(samples, preds, classes, target_precision=0.9, floor=0.05):
    """Per class: the threshold with the highest recall whose image-level precision on
    validation is >= target_precision; when no threshold reaches it, the max-F1 threshold."""
    out = {}
    for k, c in enumerate(classes):
        ys, ss = [], []
        for s, (img, _) in zip(samples, preds):
            y = s.label(k)
            if y is not None:
                ys.append(y)
                ss.append(float(img[k]))
        ys, ss = np.array(ys), np.array(ss)
        best, best_f1 = None, None
        for t in sorted(set(ss.tolist())):
            if t < floor:
                continue
            pred = ss >= t
            tp = int((pred & (ys == 1)).sum())
            fp = int((pred & (ys == 0)).sum())
            fn = int((~pred & (ys == 1)).sum())
            if tp == 0:
                continue
            p, r = tp / (tp + fp), tp / (tp + fn)
            f1 = 2 * p * r / (p + r)
            if p >= target_precision and (best is None or r > best[2]):
                best = (t, p, r)
            if best_f1 is None or f1 > best_f1[3]:
                best_f1 = (t, p, r, f1)
        if best is not None:
            out[c] = {"threshold": best[0], "precision": best[1], "recall": best[2],
                      "rule": f"highest recall with precision >= {target_precision}"}
        elif best_f1 is not None:
            out[c] = {"threshold": best_f1[0], "precision": best_f1[1], "recall": best_f1[2],
                      "rule": f"max F1 (precision {target_precision} not reachable)"}
        else:
            out[c] = {"threshold": 0.5, "precision": None, "recall": None, "rule": "default (no positives)"}
    return out


def counts(train, val_real, syn_val, classes):
    """Training images and boxes per class, split into real and synthetic."""
    out = {}
    for k, c in enumerate(classes):
        d = {}
        for name, sel in (("real", [s for s in train if s.source != "synthetic"]),
                          ("synthetic", [s for s in train if s.source == "synthetic"])):
            pos = [s for s in sel if s.label(k) == 1]
            neg = [s for s in sel if s.label(k) == 0]
            nb = sum(int((s.boxes[:, 0] == k).sum()) for s in sel if len(s.boxes))
            d[name] = {"positive_images": len(pos), "negative_images": len(neg), "boxes": nb}
        tot = d["real"]["positive_images"] + d["synthetic"]["positive_images"]
        d["synthetic_share_of_positive_images"] = d["synthetic"]["positive_images"] / tot if tot else None
        d["val_real_positive_images"] = sum(1 for s in val_real if s.label(k) == 1)
        d["val_real_negative_images"] = sum(1 for s in val_real if s.label(k) == 0)
        d["val_synthetic_positive_images"] = sum(1 for s in syn_val if s.label(k) == 1)
        out[c] = d
    return out
