"""StreetWarden detector: a FastestDet-style single-shot grid detector.

ShuffleNetV2 0.5x backbone (stage channels 24/48/96/192, repeats 4/8/4), the three stage outputs
fused at stride 16, a depthwise SPP-like context block and a light head. Parameter names follow
the layout of FastestDet's COCO checkpoint so that its backbone, neck and shared head layers load
directly; the output layers are new (3 classes, every channel sigmoid'd).

Every data-movement step is an explicit module (ChannelShuffle, SliceChannels, Concat, Upsample2x)
so the exporter can emit one op of docs/model-format.md per module.

Output: [N, 5+K, H/16, W/16]; channel 0 objectness, 1-2 centre offset inside the cell, 3-4 box
width/height as fractions of the image, 5.. class probabilities.
"""
import torch
import torch.nn as nn

CLASSES = ["street_vending", "garbage", "illegal_ad"]


class ChannelShuffle(nn.Module):
    """ShuffleNet channel shuffle: view channels as [groups, C/groups], transpose, flatten."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        n, c, h, w = x.shape
        g = self.groups
        return x.reshape(n, g, c // g, h, w).transpose(1, 2).reshape(n, c, h, w)


class SliceChannels(nn.Module):
    def __init__(self, start, end):
        super().__init__()
        self.start, self.end = start, end

    def forward(self, x):
        return x[:, self.start:self.end]


class Concat(nn.Module):
    def forward(self, *xs):
        return torch.cat(xs, dim=1)


class Upsample2x(nn.Module):
    def forward(self, x):
        return nn.functional.interpolate(x, scale_factor=2, mode="nearest")


def conv_bn(cin, cout, k, s=1, groups=1, relu=True):
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return layers


class ShuffleBlock(nn.Module):
    """ShuffleNetV2 unit. Stride 1: the input is split into even/odd channels (a channel shuffle
    with groups=C/2 followed by two halves); the even half passes through, the odd half goes
    through 1x1 -> dw3x3 -> 1x1. Stride 2: both branches see the whole input."""

    def __init__(self, inp, oup, mid, stride):
        super().__init__()
        self.stride = stride
        outputs = oup - inp
        self.branch_main = nn.Sequential(
            nn.Conv2d(inp, mid, 1, 1, 0, bias=False), nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
            nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False), nn.BatchNorm2d(mid),
            nn.Conv2d(mid, outputs, 1, 1, 0, bias=False), nn.BatchNorm2d(outputs), nn.ReLU(inplace=True),
        )
        if stride == 2:
            self.branch_proj = nn.Sequential(
                nn.Conv2d(inp, inp, 3, stride, 1, groups=inp, bias=False), nn.BatchNorm2d(inp),
                nn.Conv2d(inp, inp, 1, 1, 0, bias=False), nn.BatchNorm2d(inp), nn.ReLU(inplace=True),
            )
        else:
            c = inp * 2
            self.shuffle = ChannelShuffle(c // 2)
            self.first_half = SliceChannels(0, c // 2)
            self.second_half = SliceChannels(c // 2, c)
        self.cat = Concat()

    def forward(self, x):
        if self.stride == 1:
            s = self.shuffle(x)
            return self.cat(self.first_half(s), self.branch_main(self.second_half(s)))
        return self.cat(self.branch_proj(x), self.branch_main(x))


class Backbone(nn.Module):
    def __init__(self, repeats=(4, 8, 4), channels=(24, 48, 96, 192)):
        super().__init__()
        self.first_conv = nn.Sequential(*conv_bn(3, channels[0], 3, 2))
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = channels[0]
        for i, (n, cout) in enumerate(zip(repeats, channels[1:])):
            blocks = []
            for j in range(n):
                if j == 0:
                    blocks.append(ShuffleBlock(cin, cout, cout // 2, 2))
                else:
                    blocks.append(ShuffleBlock(cout // 2, cout, cout // 2, 1))
            setattr(self, f"stage{i + 2}", nn.Sequential(*blocks))
            cin = cout

    def forward(self, x):
        x = self.maxpool(self.first_conv(x))
        p1 = self.stage2(x)
        p2 = self.stage3(p1)
        p3 = self.stage4(p2)
        return p1, p2, p3


class Conv1x1(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1x1 = nn.Sequential(*conv_bn(cin, cout, 1))

    def forward(self, x):
        return self.conv1x1(x)


class SPP(nn.Module):
    """Three depthwise 5x5 towers (1, 2, 3 deep) over a 1x1 reduction, fused back residually."""

    def __init__(self, cin, c):
        super().__init__()
        self.Conv1x1 = Conv1x1(cin, c)
        self.S1 = nn.Sequential(*conv_bn(c, c, 5, groups=c))
        self.S2 = nn.Sequential(*conv_bn(c, c, 5, groups=c), *conv_bn(c, c, 5, groups=c))
        self.S3 = nn.Sequential(*conv_bn(c, c, 5, groups=c), *conv_bn(c, c, 5, groups=c),
                                *conv_bn(c, c, 5, groups=c))
        self.output = nn.Sequential(*conv_bn(3 * c, c, 1, relu=False))
        self.cat = Concat()
        self.relu = nn.ReLU(inplace=False)

    def forward(self, x):
        x = self.Conv1x1(x)
        y = self.cat(self.S1(x), self.S2(x), self.S3(x))
        return self.relu(x + self.output(y))


class Head(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv5x5 = nn.Sequential(*conv_bn(cin, cin, 5, groups=cin),
                                     nn.Conv2d(cin, cout, 1, 1, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return self.conv5x5(x)


class DetectHead(nn.Module):
    def __init__(self, cin, num_classes):
        super().__init__()
        self.conv1x1 = Conv1x1(cin, cin)
        self.obj_layers = Head(cin, 1)
        self.reg_layers = Head(cin, 4)
        # Named apart from FastestDet's 80-class cls_layers so the COCO head is not loaded into it.
        self.vcls_layers = Head(cin, num_classes)
        self.cat = Concat()

    def forward(self, x):
        x = self.conv1x1(x)
        return self.cat(self.obj_layers(x), self.reg_layers(x), self.vcls_layers(x))  # logits


class StreetWardenNet(nn.Module):
    def __init__(self, num_classes=len(CLASSES)):
        super().__init__()
        self.backbone = Backbone()
        self.upsample = Upsample2x()
        self.avg_pool = nn.AvgPool2d(3, 2, 1, count_include_pad=True)
        self.cat = Concat()
        self.SPP = SPP(48 + 96 + 192, 96)
        self.detect_head = DetectHead(96, num_classes)

    def logits(self, x):
        p1, p2, p3 = self.backbone(x)
        p = self.cat(self.avg_pool(p1), p2, self.upsample(p3))
        return self.detect_head(self.SPP(p))

    def forward(self, x):
        return torch.sigmoid(self.logits(x))


def load_fastestdet(model, path):
    """Load every tensor of the FastestDet checkpoint whose name and shape match ours."""
    sd = torch.load(path, map_location="cpu")
    own = model.state_dict()
    loaded = {k: v for k, v in sd.items() if k in own and own[k].shape == v.shape}
    own.update(loaded)
    model.load_state_dict(own)
    return len(loaded), len(own)


def count_flops(model, h=288, w=512):
    """Multiply-adds x2 of convolutions (the only heavy op), for one [3,h,w] input."""
    flops = 0

    def hook(m, inp, out):
        nonlocal flops
        k = m.kernel_size[0] * m.kernel_size[1]
        flops += 2 * out.numel() * (m.in_channels // m.groups) * k

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model.eval()
        model(torch.zeros(1, 3, h, w))
    for x in hs:
        x.remove()
    return flops
