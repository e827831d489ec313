"""Export a trained StreetWardenNet to the StreetWarden model format (NAME.json +
NAME.safetensors, F32, see docs/model-format.md) and to ONNX (NAME.onnx).

The graph is emitted module by module: Conv2d / BatchNorm2d / ReLU in nn.Sequential chains, the
explicit ChannelShuffle / SliceChannels / Concat / Upsample2x modules, pools, the residual add of
the SPP block and a final sigmoid. A ReLU that directly follows a conv (or conv+BN) is fused into
the conv layer's `activation`; batchnorm stays a separate layer the loader folds.
"""
import json
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

from metrics import NMS_IOU
from model import CLASSES, Backbone, ShuffleBlock, SPP, DetectHead, StreetWardenNet, Conv1x1, Head


class GraphWriter:
    def __init__(self):
        self.layers = []
        self.tensors = {}

    def t(self, name, x):
        self.tensors[name] = x.detach().float().contiguous().clone()
        return name

    def add(self, **layer):
        self.layers.append(layer)
        return layer["name"]

    def seq(self, prefix, seq, inp):
        """Emit an nn.Sequential of Conv2d/BatchNorm2d/ReLU."""
        cur = inp
        mods = list(seq.named_children())
        i = 0
        while i < len(mods):
            name, m = mods[i]
            full = f"{prefix}.{name}"
            if isinstance(m, nn.Conv2d):
                layer = dict(name=full, op="conv2d", inputs=[cur], weight=self.t(full + ".weight", m.weight),
                             kernel=m.kernel_size[0], stride=m.stride[0], padding=m.padding[0], groups=m.groups)
                if m.bias is not None:
                    layer["bias"] = self.t(full + ".bias", m.bias)
                cur = self.add(**layer)
            elif isinstance(m, nn.BatchNorm2d):
                cur = self.add(name=full, op="batchnorm", inputs=[cur], weight=self.t(full + ".weight", m.weight),
                               bias=self.t(full + ".bias", m.bias), mean=self.t(full + ".running_mean", m.running_mean),
                               var=self.t(full + ".running_var", m.running_var), eps=m.eps)
            elif isinstance(m, nn.ReLU):
                cur = self.add(name=full, op="relu", inputs=[cur])
            else:
                raise TypeError(f"unsupported module {full}: {type(m).__name__}")
            i += 1
        return cur


def build_graph(model: StreetWardenNet):
    g = GraphWriter()

    def block(prefix, b: ShuffleBlock, x):
        if b.stride == 1:
            s = g.add(name=prefix + ".shuffle", op="channel_shuffle", inputs=[x], groups=b.shuffle.groups)
            a = g.add(name=prefix + ".first_half", op="slice_channels", inputs=[s],
                      start=b.first_half.start, end=b.first_half.end)
            c = g.add(name=prefix + ".second_half", op="slice_channels", inputs=[s],
                      start=b.second_half.start, end=b.second_half.end)
            m = g.seq(prefix + ".branch_main", b.branch_main, c)
            return g.add(name=prefix + ".cat", op="concat", inputs=[a, m])
        p = g.seq(prefix + ".branch_proj", b.branch_proj, x)
        m = g.seq(prefix + ".branch_main", b.branch_main, x)
        return g.add(name=prefix + ".cat", op="concat", inputs=[p, m])

    bb = model.backbone
    x = g.seq("backbone.first_conv", bb.first_conv, "input")
    x = g.add(name="backbone.maxpool", op="maxpool", inputs=[x], kernel=3, stride=2, padding=1)
    outs = []
    for st in ("stage2", "stage3", "stage4"):
        for i, b in enumerate(getattr(bb, st)):
            x = block(f"backbone.{st}.{i}", b, x)
        outs.append(x)
    p1 = g.add(name="avg_pool", op="avgpool", inputs=[outs[0]], kernel=3, stride=2, padding=1,
               count_include_pad=True)
    p3 = g.add(name="upsample", op="upsample", inputs=[outs[2]], mode="nearest", scale=2)
    x = g.add(name="neck.cat", op="concat", inputs=[p1, outs[1], p3])
    spp = model.SPP
    x = g.seq("SPP.Conv1x1.conv1x1", spp.Conv1x1.conv1x1, x)
    ys = [g.seq(f"SPP.{n}", getattr(spp, n), x) for n in ("S1", "S2", "S3")]
    y = g.add(name="SPP.cat", op="concat", inputs=ys)
    y = g.seq("SPP.output", spp.output, y)
    y = g.add(name="SPP.add", op="add", inputs=[x, y])
    x = g.add(name="SPP.relu", op="relu", inputs=[y])
    h = model.detect_head
    x = g.seq("detect_head.conv1x1.conv1x1", h.conv1x1.conv1x1, x)
    heads = [g.seq(f"detect_head.{n}.conv5x5", getattr(h, n).conv5x5, x)
             for n in ("obj_layers", "reg_layers", "vcls_layers")]
    x = g.add(name="detect_head.cat", op="concat", inputs=heads)
    g.add(name="head", op="sigmoid", inputs=[x])
    fuse_relu(g)
    return g


def fuse_relu(g):
    """conv2d -> relu becomes conv2d(activation=relu) when the conv has no other consumer.
    conv2d -> batchnorm -> relu stays as three layers (the loader folds BN into the conv)."""
    consumers = {}
    for layer in g.layers:
        for i in layer["inputs"]:
            consumers.setdefault(i, []).append(layer)
    by_name = {l["name"]: l for l in g.layers}
    out = []
    rename = {}
    for layer in g.layers:
        layer["inputs"] = [rename.get(i, i) for i in layer["inputs"]]
        if layer["op"] == "relu":
            src = by_name[layer["inputs"][0]]
            if src["op"] == "conv2d" and len(consumers.get(src["name"], [])) == 1 \
                    and "activation" not in src:
                src["activation"] = "relu"
                rename[layer["name"]] = src["name"]
                continue
        out.append(layer)
    g.layers = out


def export(model, base, meta, onnx=True):
    model.eval()
    g = build_graph(model)
    os.makedirs(os.path.dirname(base) or ".", exist_ok=True)
    doc = {
        "format": "streetwarden-model",
        "version": 1,
        "name": os.path.basename(base),
        "input": {"shape": [3, 288, 512], "color": "rgb", "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0]},
        "classes": CLASSES,
        "thresholds": meta["thresholds"],
        "head": {"type": "grid", "nms_iou": NMS_IOU},
        "provenance": {k: str(v) for k, v in meta["provenance"].items()},
        "layers": g.layers,
        "outputs": ["head"],
    }
    with open(base + ".json", "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    save_file(g.tensors, base + ".safetensors", metadata={"format": "streetwarden-model"})
    if onnx:
        torch.onnx.export(model, torch.zeros(1, 3, 288, 512), base + ".onnx", input_names=["input"],
                          output_names=["head"], opset_version=13, dynamo=False)
    return doc


def reference_forward(doc, tensors, x):
    """Run the exported graph with plain torch ops (checks the export against the module)."""
    import torch.nn.functional as F
    vals = {"input": x}
    for l in doc["layers"]:
        ins = [vals[i] for i in l["inputs"]]
        op = l["op"]
        if op == "conv2d":
            y = F.conv2d(ins[0], tensors[l["weight"]], tensors.get(l.get("bias")), l["stride"], l["padding"], 1, l["groups"])
        elif op == "batchnorm":
            y = F.batch_norm(ins[0], tensors[l["mean"]], tensors[l["var"]], tensors[l["weight"]], tensors[l["bias"]],
                             False, 0.0, l["eps"])
        elif op == "relu":
            y = F.relu(ins[0])
        elif op == "maxpool":
            y = F.max_pool2d(ins[0], l["kernel"], l["stride"], l["padding"])
        elif op == "avgpool":
            y = F.avg_pool2d(ins[0], l["kernel"], l["stride"], l["padding"], count_include_pad=True)
        elif op == "upsample":
            y = F.interpolate(ins[0], scale_factor=2, mode="nearest")
        elif op == "concat":
            y = torch.cat(ins, 1)
        elif op == "add":
            y = ins[0] + ins[1]
        elif op == "channel_shuffle":
            n, c, h, w = ins[0].shape
            gr = l["groups"]
            y = ins[0].reshape(n, gr, c // gr, h, w).transpose(1, 2).reshape(n, c, h, w)
        elif op == "slice_channels":
            y = ins[0][:, l["start"]:l["end"]]
        elif op == "sigmoid":
            y = torch.sigmoid(ins[0])
        else:
            raise ValueError(op)
        if l.get("activation") == "relu":
            y = F.relu(y)
        vals[l["name"]] = y
    return vals[doc["outputs"][0]]


def main():
    """Re-export NAME.{json,onnx} from NAME.safetensors, keeping the json's thresholds and provenance."""
    import argparse
    from safetensors.torch import load_file
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("base", help="model base path, e.g. models/streetwarden-v1")
    a = ap.parse_args()
    old = json.load(open(a.base + ".json"))
    model = StreetWardenNet(len(old["classes"]))
    missing, unexpected = model.load_state_dict(load_file(a.base + ".safetensors"), strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    export(model, a.base, {"thresholds": old["thresholds"], "provenance": old["provenance"]})
    x = torch.rand(1, 3, 288, 512)
    with torch.no_grad():
        d = (reference_forward(json.load(open(a.base + ".json")), load_file(a.base + ".safetensors"), x) - model(x)).abs().max()
    print(f"re-exported {a.base}; graph vs torch max diff {d:.2e}")


if __name__ == "__main__":
    main()
