"""Plain-torch copies of torchvision's architectures (torchvision itself is not installed: it needs a CUDA-sized
torch). Each follows torchvision's source module for module, so its ``state_dict`` is a torchvision one; the tests
load it into ember's model and compare outputs. Small configurations keep them fast."""
from collections import OrderedDict
from functools import partial

import torch
from torch import nn


def _make_divisible(v, divisor, min_value=None):
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _cna(inp, out, k=3, stride=1, groups=1, norm=nn.BatchNorm2d, act=nn.ReLU, dilation=1):
    layers = [nn.Conv2d(inp, out, k, stride, (k - 1) // 2 * dilation, dilation=dilation, groups=groups,
                        bias=norm is None), norm(out)]
    if act is not None:
        layers.append(act(inplace=True))
    return nn.Sequential(*layers)


class _SE(nn.Module):
    def __init__(self, c, sq, act=nn.ReLU, scale=nn.Sigmoid):
        super().__init__()
        self.avgpool, self.fc1, self.fc2 = nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, sq, 1), nn.Conv2d(sq, c, 1)
        self.activation, self.scale_activation = act(), scale()

    def forward(self, x):
        return self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x))))) * x


# --- resnet.py
class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inp, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inp, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(block, 64, layers[0], 1)
        self.layer2 = self._make_layer(block, 128, layers[1], 2)
        self.layer3 = self._make_layer(block, 256, layers[2], 2)
        self.layer4 = self._make_layer(block, 512, layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                                       nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# --- mobilenetv3.py (small)
class _V3Block(nn.Module):
    def __init__(self, inp, k, exp, out, se, hs, stride, norm):
        super().__init__()
        act = nn.Hardswish if hs else nn.ReLU
        layers = [] if exp == inp else [_cna(inp, exp, 1, norm=norm, act=act)]
        layers.append(_cna(exp, exp, k, stride, groups=exp, norm=norm, act=act))
        if se:
            layers.append(_SE(exp, _make_divisible(exp // 4, 8), scale=nn.Hardsigmoid))
        layers.append(_cna(exp, out, 1, norm=norm, act=None))
        self.block = nn.Sequential(*layers)
        self.use_res_connect = stride == 1 and inp == out

    def forward(self, x):
        return self.block(x) + x if self.use_res_connect else self.block(x)


def mobilenet_v3_small(num_classes=1000):
    norm = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
    cfg = [(16, 3, 16, 16, True, False, 2), (16, 3, 72, 24, False, False, 2), (24, 3, 88, 24, False, False, 1),
           (24, 5, 96, 40, True, True, 2), (40, 5, 240, 40, True, True, 1), (40, 5, 240, 40, True, True, 1),
           (40, 5, 120, 48, True, True, 1), (48, 5, 144, 48, True, True, 1), (48, 5, 288, 96, True, True, 2),
           (96, 5, 576, 96, True, True, 1), (96, 5, 576, 96, True, True, 1)]
    model = nn.Module()
    model.features = nn.Sequential(_cna(3, 16, 3, 2, norm=norm, act=nn.Hardswish),
                                   *[_V3Block(*c, norm=norm) for c in cfg],
                                   _cna(96, 576, 1, norm=norm, act=nn.Hardswish))
    model.avgpool = nn.AdaptiveAvgPool2d(1)
    model.classifier = nn.Sequential(nn.Linear(576, 1024), nn.Hardswish(inplace=True), nn.Dropout(0.2, inplace=True),
                                     nn.Linear(1024, num_classes))
    model.forward = lambda x: model.classifier(torch.flatten(model.avgpool(model.features(x)), 1))
    return model


# --- efficientnet.py (b0)
class _MBConv(nn.Module):
    def __init__(self, expand_ratio, k, stride, inp, out):
        super().__init__()
        exp = _make_divisible(inp * expand_ratio, 8)
        layers = [] if exp == inp else [_cna(inp, exp, 1, act=nn.SiLU)]
        layers += [_cna(exp, exp, k, stride, groups=exp, act=nn.SiLU),
                   _SE(exp, max(1, inp // 4), act=partial(nn.SiLU, inplace=True)),
                   _cna(exp, out, 1, act=None)]
        self.block = nn.Sequential(*layers)
        self.use_res_connect = stride == 1 and inp == out

    def forward(self, x):
        return self.block(x) + x if self.use_res_connect else self.block(x)


def efficientnet_b0(num_classes=1000):
    stages = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
              (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]
    features = [_cna(3, 32, 3, 2, act=nn.SiLU)]
    for t, k, s, inp, out, n in stages:
        features.append(nn.Sequential(*[_MBConv(t, k, s if i == 0 else 1, inp if i == 0 else out, out)
                                        for i in range(n)]))
    features.append(_cna(320, 1280, 1, act=nn.SiLU))
    model = nn.Module()
    model.features = nn.Sequential(*features)
    model.avgpool = nn.AdaptiveAvgPool2d(1)
    model.classifier = nn.Sequential(nn.Dropout(0.2, inplace=True), nn.Linear(1280, num_classes))
    model.forward = lambda x: model.classifier(torch.flatten(model.avgpool(model.features(x)), 1))
    return model


# --- shufflenetv2.py (x1_0)
class _Shuffle(nn.Module):
    def __init__(self, inp, oup, stride):
        super().__init__()
        self.stride, bf = stride, oup // 2

        def dw(c):
            return nn.Conv2d(c, c, 3, stride, 1, bias=False, groups=c)

        self.branch1 = nn.Sequential(dw(inp), nn.BatchNorm2d(inp), nn.Conv2d(inp, bf, 1, bias=False),
                                     nn.BatchNorm2d(bf), nn.ReLU(inplace=True)) if stride > 1 else nn.Sequential()
        self.branch2 = nn.Sequential(nn.Conv2d(inp if stride > 1 else bf, bf, 1, bias=False), nn.BatchNorm2d(bf),
                                     nn.ReLU(inplace=True), dw(bf), nn.BatchNorm2d(bf),
                                     nn.Conv2d(bf, bf, 1, bias=False), nn.BatchNorm2d(bf), nn.ReLU(inplace=True))

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        b, c, h, w = out.shape
        return out.view(b, 2, c // 2, h, w).transpose(1, 2).contiguous().view(b, c, h, w)


def shufflenet_v2_x1_0(num_classes=1000):
    model = nn.Module()
    model.conv1 = nn.Sequential(nn.Conv2d(3, 24, 3, 2, 1, bias=False), nn.BatchNorm2d(24), nn.ReLU(inplace=True))
    model.maxpool = nn.MaxPool2d(3, 2, 1)
    inp = 24
    for name, repeats, out in (("stage2", 4, 116), ("stage3", 8, 232), ("stage4", 4, 464)):
        setattr(model, name, nn.Sequential(_Shuffle(inp, out, 2), *[_Shuffle(out, out, 1) for _ in range(repeats - 1)]))
        inp = out
    model.conv5 = nn.Sequential(nn.Conv2d(464, 1024, 1, bias=False), nn.BatchNorm2d(1024), nn.ReLU(inplace=True))
    model.fc = nn.Linear(1024, num_classes)

    def forward(x):
        x = model.stage4(model.stage3(model.stage2(model.maxpool(model.conv1(x)))))
        return model.fc(model.conv5(x).mean([2, 3]))

    model.forward = forward
    return model


# --- squeezenet.py (1_1)
class _Fire(nn.Module):
    def __init__(self, inp, sq, e1, e3):
        super().__init__()
        self.squeeze, self.squeeze_activation = nn.Conv2d(inp, sq, 1), nn.ReLU(inplace=True)
        self.expand1x1, self.expand1x1_activation = nn.Conv2d(sq, e1, 1), nn.ReLU(inplace=True)
        self.expand3x3, self.expand3x3_activation = nn.Conv2d(sq, e3, 3, padding=1), nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


def squeezenet1_1(num_classes=1000):
    pool = partial(nn.MaxPool2d, 3, 2, ceil_mode=True)
    model = nn.Module()
    model.features = nn.Sequential(nn.Conv2d(3, 64, 3, 2), nn.ReLU(inplace=True), pool(), _Fire(64, 16, 64, 64),
                                   _Fire(128, 16, 64, 64), pool(), _Fire(128, 32, 128, 128),
                                   _Fire(256, 32, 128, 128), pool(), _Fire(256, 48, 192, 192),
                                   _Fire(384, 48, 192, 192), _Fire(384, 64, 256, 256), _Fire(512, 64, 256, 256))
    model.classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(512, num_classes, 1), nn.ReLU(inplace=True),
                                     nn.AdaptiveAvgPool2d((1, 1)))
    model.forward = lambda x: torch.flatten(model.classifier(model.features(x)), 1)
    return model


# --- densenet.py (a small configuration of DenseNet)
class _DenseLayer(nn.Module):
    def __init__(self, inp, growth, bn_size):
        super().__init__()
        self.norm1, self.relu1 = nn.BatchNorm2d(inp), nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(inp, bn_size * growth, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(bn_size * growth), nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, padding=1, bias=False)

    def forward(self, features):
        out = self.conv1(self.relu1(self.norm1(torch.cat(features, 1))))
        return self.conv2(self.relu2(self.norm2(out)))


class _DenseBlock(nn.ModuleDict):
    def __init__(self, n, inp, bn_size, growth):
        super().__init__()
        for i in range(n):
            self.add_module(f"denselayer{i + 1}", _DenseLayer(inp + i * growth, growth, bn_size))

    def forward(self, x):
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)


def densenet(growth_rate, block_config, num_init_features, num_classes=1000):
    features = nn.Sequential(OrderedDict([
        ("conv0", nn.Conv2d(3, num_init_features, 7, 2, 3, bias=False)), ("norm0", nn.BatchNorm2d(num_init_features)),
        ("relu0", nn.ReLU(inplace=True)), ("pool0", nn.MaxPool2d(3, 2, 1))]))
    c = num_init_features
    for i, n in enumerate(block_config):
        features.add_module(f"denseblock{i + 1}", _DenseBlock(n, c, 4, growth_rate))
        c += n * growth_rate
        if i != len(block_config) - 1:
            features.add_module(f"transition{i + 1}", nn.Sequential(OrderedDict([
                ("norm", nn.BatchNorm2d(c)), ("relu", nn.ReLU(inplace=True)),
                ("conv", nn.Conv2d(c, c // 2, 1, bias=False)), ("pool", nn.AvgPool2d(2, 2))])))
            c //= 2
    features.add_module("norm5", nn.BatchNorm2d(c))
    model = nn.Module()
    model.features, model.classifier = features, nn.Linear(c, num_classes)
    model.forward = lambda x: model.classifier(torch.flatten(
        nn.functional.adaptive_avg_pool2d(nn.functional.relu(model.features(x)), (1, 1)), 1))
    return model


# --- vision_transformer.py (a small configuration of VisionTransformer)
class _EncoderBlock(nn.Module):
    def __init__(self, heads, hidden, mlp_dim):
        super().__init__()
        self.ln_1 = nn.LayerNorm(hidden, eps=1e-6)
        self.self_attention = nn.MultiheadAttention(hidden, heads, batch_first=True)
        self.dropout = nn.Dropout(0.0)
        self.ln_2 = nn.LayerNorm(hidden, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(hidden, mlp_dim), nn.GELU(), nn.Dropout(0.0), nn.Linear(mlp_dim, hidden),
                                 nn.Dropout(0.0))

    def forward(self, inp):
        x = self.ln_1(inp)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x) + inp
        return x + self.mlp(self.ln_2(x))


def vision_transformer(image_size, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, num_classes=1000):
    seq = (image_size // patch_size) ** 2 + 1
    model = nn.Module()
    model.conv_proj = nn.Conv2d(3, hidden_dim, patch_size, patch_size)
    model.class_token = nn.Parameter(torch.randn(1, 1, hidden_dim))
    model.encoder = nn.Module()
    model.encoder.pos_embedding = nn.Parameter(torch.randn(1, seq, hidden_dim) * 0.02)
    model.encoder.dropout = nn.Dropout(0.0)
    model.encoder.layers = nn.Sequential(OrderedDict(
        (f"encoder_layer_{i}", _EncoderBlock(num_heads, hidden_dim, mlp_dim)) for i in range(num_layers)))
    model.encoder.ln = nn.LayerNorm(hidden_dim, eps=1e-6)
    model.heads = nn.Sequential(OrderedDict(head=nn.Linear(hidden_dim, num_classes)))

    def forward(x):
        n = x.shape[0]
        x = model.conv_proj(x).reshape(n, hidden_dim, -1).permute(0, 2, 1)
        x = torch.cat([model.class_token.expand(n, -1, -1), x], dim=1)
        x = model.encoder.ln(model.encoder.layers(model.encoder.dropout(x + model.encoder.pos_embedding)))
        return model.heads(x[:, 0])

    model.forward = forward
    return model


# --- convnext.py (a small configuration of ConvNeXt)
class _LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        return nn.functional.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias,
                                        self.eps).permute(0, 3, 1, 2)


class _Permute(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.permute(self.dims)


class _CNBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.block = nn.Sequential(nn.Conv2d(dim, dim, 7, padding=3, groups=dim), _Permute([0, 2, 3, 1]),
                                   nn.LayerNorm(dim, eps=1e-6), nn.Linear(dim, 4 * dim), nn.GELU(),
                                   nn.Linear(4 * dim, dim), _Permute([0, 3, 1, 2]))
        self.layer_scale = nn.Parameter(torch.rand(dim, 1, 1))

    def forward(self, x):
        return self.layer_scale * self.block(x) + x


def convnext(stages, num_classes=1000):
    """``stages``: (width, next width or None, depth) per stage."""
    norm = partial(_LayerNorm2d, eps=1e-6)
    layers = [nn.Sequential(nn.Conv2d(3, stages[0][0], 4, 4), norm(stages[0][0]))]
    for width, out, depth in stages:
        layers.append(nn.Sequential(*[_CNBlock(width) for _ in range(depth)]))
        if out is not None:
            layers.append(nn.Sequential(norm(width), nn.Conv2d(width, out, 2, 2)))
    last = stages[-1][0]
    model = nn.Module()
    model.features = nn.Sequential(*layers)
    model.avgpool = nn.AdaptiveAvgPool2d(1)
    model.classifier = nn.Sequential(norm(last), nn.Flatten(1), nn.Linear(last, num_classes))
    model.forward = lambda x: model.classifier(model.avgpool(model.features(x)))
    return model
