"""A FastestDet-style detector (ShuffleNetV2 0.5x backbone, FastestDet neck and head) for
benchmarks and parity tests before the trained model lands. Output: [5+K, H/16, W/16],
sigmoid'd (docs/architecture.md head contract)."""
import torch
import torch.nn as nn

from swexport import ChannelShuffle


def conv_bn(i, o, k=1, s=1, groups=1, relu=True):
    layers = [nn.Conv2d(i, o, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(o)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class ShuffleV2Block(nn.Module):
    def __init__(self, inp, oup, stride):
        super().__init__()
        self.stride = stride
        self.shuffle = ChannelShuffle(2)
        branch = oup // 2
        if stride == 2:
            self.branch1 = nn.Sequential(conv_bn(inp, inp, 3, 2, groups=inp, relu=False), conv_bn(inp, branch))
        b_in = inp if stride == 2 else branch
        self.branch2 = nn.Sequential(conv_bn(b_in, branch), conv_bn(branch, branch, 3, stride, groups=branch, relu=False),
                                     conv_bn(branch, branch))

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return self.shuffle(out)


class DWConvBlock(nn.Module):
    def __init__(self, i, o, k=5):
        super().__init__()
        self.body = nn.Sequential(conv_bn(i, i, k, groups=i), conv_bn(i, o), conv_bn(o, o, k, groups=o),
                                  conv_bn(o, o, relu=False))

    def forward(self, x):
        return self.body(x)


class FastestDetLike(nn.Module):
    def __init__(self, num_classes=3, stage_channels=(24, 48, 96, 192), repeats=(4, 8, 4), neck=96):
        super().__init__()
        c0, c1, c2, c3 = stage_channels
        self.stem = conv_bn(3, c0, 3, 2)
        self.pool = nn.MaxPool2d(3, 2, 1)
        stages, inp = [], c0
        for oup, n in zip((c1, c2, c3), repeats):
            blocks = [ShuffleV2Block(inp, oup, 2)] + [ShuffleV2Block(oup, oup, 1) for _ in range(n - 1)]
            stages.append(nn.Sequential(*blocks))
            inp = oup
        self.stage2, self.stage3, self.stage4 = stages
        self.avg = nn.AvgPool2d(3, 2, 1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.spp_in = conv_bn(c1 + c2 + c3, neck)
        self.s1 = DWConvBlock(neck, neck)
        self.s2 = nn.Sequential(DWConvBlock(neck, neck), DWConvBlock(neck, neck))
        self.s3 = nn.Sequential(DWConvBlock(neck, neck), DWConvBlock(neck, neck), DWConvBlock(neck, neck))
        self.spp_out = conv_bn(3 * neck, neck, relu=False)
        self.relu = nn.ReLU()
        self.head_in = conv_bn(neck, neck)
        self.obj = DWConvBlock(neck, 1)
        self.reg = DWConvBlock(neck, 4)
        self.cls = DWConvBlock(neck, num_classes)
        self.act = nn.Sigmoid()

    def forward(self, x):
        x = self.pool(self.stem(x))
        p1 = self.stage2(x)
        p2 = self.stage3(p1)
        p3 = self.stage4(p2)
        y = torch.cat((self.avg(p1), p2, self.up(p3)), dim=1)
        y = self.spp_in(y)
        s = torch.cat((self.s1(y), self.s2(y), self.s3(y)), dim=1)
        y = self.relu(y + self.spp_out(s))
        y = self.head_in(y)
        out = torch.cat((self.obj(y), self.reg(y), self.cls(y)), dim=1)
        return self.act(out)


def randomize_bn(model, seed):
    """Random BN statistics so folding is exercised (fresh BN is the identity)."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.weight.data = 0.5 + torch.rand(n, generator=g)
            m.bias.data = 0.2 * torch.randn(n, generator=g)
            m.running_mean.data = 0.2 * torch.randn(n, generator=g)
            m.running_var.data = 0.5 + torch.rand(n, generator=g)
    return model


def conv_flops(model, input_shape):
    """2 × multiply-adds of every convolution and linear layer for one image."""
    total = 0

    def hook(m, i, o):
        nonlocal total
        if isinstance(m, nn.Conv2d):
            total += 2 * o.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            total += 2 * m.in_features * m.out_features
    hs = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    for h in hs:
        h.remove()
    return total
