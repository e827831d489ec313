#!/usr/bin/env python3
"""Diagnosis of illegal_ad within the graffiti-walls source (tags vs clean walls).

    python training/graffiti_diag.py [--weights models/streetwarden-v1.safetensors]

Prints, for the model's image score (max over cells of objectness x illegal_ad) on graffiti-walls,
the AP on its training images and on its validation images, and the validation AP of a linear
probe (L2-regularised logistic regression fit on the training images) over globally pooled
stride-16/32 features of the same network. A probe far above the image score means the features
separate tags from clean walls and the head / loss does not use them (how the top-k term of
train.py's multiple-instance loss was found). CPU, one thread, about a minute.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from augment import resize  # noqa: E402
from datasets import AD, POS, read_sources, load_image  # noqa: E402
from model import StreetWardenNet  # noqa: E402
import metrics as M  # noqa: E402
from train import default_data, DEFAULT_SEED, REPO  # noqa: E402


@torch.no_grad()
def scores_and_features(model, samples, size):
    sc, feats = [], []
    for i in range(0, len(samples), 32):
        x = torch.from_numpy(np.stack([resize(s.image, size) for s in samples[i:i + 32]]))
        x = x.permute(0, 3, 1, 2).float() / 255
        p1, p2, p3 = model.backbone(x)
        sp = model.SPP(model.cat(model.avg_pool(p1), p2, model.upsample(p3)))
        y = torch.sigmoid(model.detect_head(sp))
        sc.append((y[:, 0:1] * y[:, 5:]).flatten(2).max(2).values[:, AD].numpy())
        feats.append(torch.cat([p2.mean((2, 3)), p3.mean((2, 3)), p3.amax((2, 3)),
                                sp.mean((2, 3)), sp.amax((2, 3))], 1).numpy())
    return np.concatenate(sc), np.concatenate(feats)


def probe(X, y, tr, wd):
    X = torch.tensor(X)
    X = (X - X[tr].mean(0)) / (X[tr].std(0) + 1e-6)
    y = torch.tensor(y).float()
    w = torch.zeros(X.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=200)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(X[tr] @ w + b, y[tr]) + wd * (w * w).sum()
        loss.backward()
        return loss
    opt.step(closure)
    return (X @ w + b).detach().numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default=os.path.join(REPO, "models", "streetwarden-v1.safetensors"))
    ap.add_argument("--data", default=default_data())
    args = ap.parse_args()
    torch.set_num_threads(1)
    from safetensors.torch import load_file
    model = StreetWardenNet()
    model.load_state_dict(load_file(args.weights), strict=False)
    model.eval()
    g = [s for s in read_sources(args.data, DEFAULT_SEED) if s.source == "graffiti-walls"]
    for s in g:
        s.image = load_image(s.path)
    lab = np.array([s.modes[AD] == POS for s in g]).astype(int)
    tr = np.array([s.split == "train" for s in g])
    print(f"graffiti-walls: train {tr.sum()} ({lab[tr].sum()} tags), val {(~tr).sum()} ({lab[~tr].sum()} tags)")
    sc, X = scores_and_features(model, g, (288, 512))
    print(f"image score AP: train {M.average_precision(sc[tr], lab[tr]):.3f}, "
          f"val {M.average_precision(sc[~tr], lab[~tr]):.3f}")
    for wd in (1e-3, 1e-2, 1e-1):
        p = probe(X, lab, tr, wd)
        print(f"linear probe on pooled features (L2 {wd:g}): train {M.average_precision(p[tr], lab[tr]):.3f}, "
              f"val {M.average_precision(p[~tr], lab[~tr]):.3f}")


if __name__ == "__main__":
    main()
