"""Export a PyTorch nn.Module to the StreetWarden model format (docs/model-format.md).

The module is traced with torch.fx; supported nodes map one-to-one to format ops:
Conv2d, BatchNorm2d, ReLU/ReLU6/LeakyReLU/SiLU/Hardswish/Sigmoid/Tanh (modules or
functions), MaxPool2d, AvgPool2d, AdaptiveAvgPool2d(1), Upsample/interpolate (x2 nearest or
bilinear, align_corners=False), Linear, Softmax(dim=1), flatten, add, cat(dim=1),
chunk/split along channels, and the `ChannelShuffle` module below (a traced leaf).

    from swexport import export, ChannelShuffle
    export(model, (3, 288, 512), "models/NAME", classes=[...], thresholds={...})
"""
import json
import operator

import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file
from torch.fx.passes.shape_prop import ShapeProp


class ChannelShuffle(nn.Module):
    """ShuffleNet channel shuffle: view [g, C/g], transpose, flatten (a leaf when traced)."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        b, c, h, w = x.shape
        return x.view(b, self.groups, c // self.groups, h, w).transpose(1, 2).reshape(b, c, h, w)


class _Tracer(torch.fx.Tracer):
    def is_leaf_module(self, m, qualname):
        return isinstance(m, ChannelShuffle) or super().is_leaf_module(m, qualname)


ACT_MODULES = {nn.ReLU: "relu", nn.ReLU6: "relu6", nn.SiLU: "silu", nn.Hardswish: "hardswish",
               nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.LeakyReLU: "leaky_relu"}
ACT_FUNCS = {F.relu: "relu", torch.relu: "relu", F.relu6: "relu6", F.silu: "silu", F.hardswish: "hardswish",
             torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid", torch.tanh: "tanh", F.tanh: "tanh"}


def _pair(v):
    if isinstance(v, (tuple, list)):
        assert v[0] == v[1], f"non-square {v}"
        return int(v[0])
    return int(v)


def export(model, input_shape, base, classes, thresholds, nms_iou=0.45, name=None,
           mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0), provenance=None):
    model = model.eval()
    gm = torch.fx.GraphModule(model, _Tracer().trace(model))
    ShapeProp(gm).propagate(torch.zeros(1, *input_shape))
    modules = dict(gm.named_modules())
    layers, tensors, names = [], {}, {}
    chunks = {}

    def ref(n):
        return names[n.name]

    def add_layer(node, op, inputs, **attrs):
        layer = {"name": node.name, "op": op, "inputs": inputs}
        layer.update(attrs)
        layers.append(layer)
        names[node.name] = node.name

    def weight(key, t):
        tensors[key] = t.detach().float().contiguous().clone()
        return key

    for node in gm.graph.nodes:
        if node.op == "placeholder":
            names[node.name] = "input"
        elif node.op == "output":
            out = node.args[0]
            outputs = [ref(o) for o in (out if isinstance(out, (tuple, list)) else [out])]
        elif node.op == "call_module":
            m = modules[node.target]
            src = [ref(node.args[0])]
            t = node.target
            if isinstance(m, nn.Conv2d):
                assert m.padding_mode == "zeros" and _pair(m.dilation) == 1
                attrs = dict(weight=weight(t + ".weight", m.weight), kernel=_pair(m.kernel_size),
                             stride=_pair(m.stride), padding=_pair(m.padding), groups=m.groups)
                if m.bias is not None:
                    attrs["bias"] = weight(t + ".bias", m.bias)
                add_layer(node, "conv2d", src, **attrs)
            elif isinstance(m, nn.BatchNorm2d):
                add_layer(node, "batchnorm", src, weight=weight(t + ".weight", m.weight),
                          bias=weight(t + ".bias", m.bias), mean=weight(t + ".running_mean", m.running_mean),
                          var=weight(t + ".running_var", m.running_var), eps=m.eps)
            elif type(m) in ACT_MODULES:
                attrs = {"alpha": m.negative_slope} if isinstance(m, nn.LeakyReLU) else {}
                add_layer(node, ACT_MODULES[type(m)], src, **attrs)
            elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
                assert not m.ceil_mode
                attrs = dict(kernel=_pair(m.kernel_size), stride=_pair(m.stride), padding=_pair(m.padding))
                if isinstance(m, nn.AvgPool2d):
                    attrs["count_include_pad"] = bool(m.count_include_pad)
                add_layer(node, "maxpool" if isinstance(m, nn.MaxPool2d) else "avgpool", src, **attrs)
            elif isinstance(m, nn.AdaptiveAvgPool2d):
                assert _pair(m.output_size) == 1
                add_layer(node, "global_avgpool", src)
            elif isinstance(m, nn.Upsample):
                assert float(m.scale_factor) == 2.0 and not m.align_corners
                add_layer(node, "upsample", src, mode=m.mode, scale=2)
            elif isinstance(m, nn.Linear):
                attrs = dict(weight=weight(t + ".weight", m.weight))
                if m.bias is not None:
                    attrs["bias"] = weight(t + ".bias", m.bias)
                add_layer(node, "linear", src, **attrs)
            elif isinstance(m, nn.Softmax):
                assert m.dim == 1
                add_layer(node, "softmax", src)
            elif isinstance(m, nn.Flatten):
                add_layer(node, "flatten", src)
            elif isinstance(m, ChannelShuffle):
                add_layer(node, "channel_shuffle", src, groups=m.groups)
            elif isinstance(m, nn.Identity):
                names[node.name] = src[0]
            else:
                raise ValueError(f"unsupported module {type(m).__name__} at {t}")
        elif node.op in ("call_function", "call_method"):
            f = node.target
            if f in ACT_FUNCS or f in ("relu", "sigmoid", "tanh"):
                add_layer(node, ACT_FUNCS.get(f, f), [ref(node.args[0])])
            elif f in (operator.add, torch.add, "add"):
                add_layer(node, "add", [ref(node.args[0]), ref(node.args[1])])
            elif f is torch.cat:
                dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
                assert dim == 1
                add_layer(node, "concat", [ref(a) for a in node.args[0]])
            elif f in ("chunk", torch.chunk):
                n = node.args[1]
                dim = node.kwargs.get("dim", node.args[2] if len(node.args) > 2 else 0)
                assert dim == 1
                c = node.args[0].meta["tensor_meta"].shape[1]
                step = (c + n - 1) // n
                chunks[node.name] = (ref(node.args[0]), [(i, min(i + step, c)) for i in range(0, c, step)])
            elif f is operator.getitem and node.args[0].name in chunks:
                src, parts = chunks[node.args[0].name]
                s, e = parts[node.args[1]]
                add_layer(node, "slice_channels", [src], start=s, end=e)
            elif f in (torch.flatten, "flatten"):
                add_layer(node, "flatten", [ref(node.args[0])])
            elif f is F.interpolate:
                mode = node.kwargs.get("mode", "nearest")
                assert node.kwargs.get("scale_factor") == 2 and not node.kwargs.get("align_corners")
                add_layer(node, "upsample", [ref(node.args[0])], mode=mode, scale=2)
            elif f in (F.softmax, torch.softmax, "softmax"):
                assert node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else None) == 1
                add_layer(node, "softmax", [ref(node.args[0])])
            else:
                raise ValueError(f"unsupported function {f} at {node.name}")
        else:
            raise ValueError(f"unsupported node {node.op} {node.target}")

    graph = {
        "format": "streetwarden-model", "version": 1, "name": name or base.split("/")[-1],
        "input": {"shape": list(input_shape), "color": "rgb", "mean": list(mean), "std": list(std)},
        "classes": list(classes), "thresholds": dict(thresholds),
        "head": {"type": "grid", "nms_iou": nms_iou},
        "provenance": provenance or {},
        "layers": layers, "outputs": outputs,
    }
    with open(base + ".json", "w") as fh:
        json.dump(graph, fh, indent=1)
    save_file(tensors, base + ".safetensors")
    return graph


def export_onnx(model, input_shape, path):
    torch.onnx.export(model.eval(), torch.zeros(1, *input_shape), path, input_names=["input"],
                      output_names=["output"], opset_version=17, dynamo=False)
