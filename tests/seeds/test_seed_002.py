"""Seed 002 ("Pytorch 搭建神经网络", the longer web edition of seed 000) run on torch and on ember.

Beyond seed 000 (whose LeNet and naming examples are re-run here from ``test_seed_000``) it shows: the ``groups``
weight shapes, the strided/dilated ``nn.Conv2d``, ``nn.ConvTranspose2d`` and ``output_padding``, ``nn.MaxPool2d``
with ``ceil_mode`` (the 5x5 grid example), ``nn.MaxUnpool2d`` (printed result), ``nn.AvgPool2d``,
``nn.AdaptiveMaxPool2d`` and its MaxPool2d equivalence, ``nn.AdaptiveAvgPool2d``, the list of activations and other
nonlinearities, ``nn.BatchNorm2d`` (the ``affine`` example with printed values, ``track_running_stats``, the
momentum update rule), ``nn.GroupNorm``, ``nn.PixelShuffle`` and ``nn.Upsample``. Every layer is built with the
signature the seed prints, run forward and backward with torch's weights and compared.

``nn.MultiheadAttention`` and ``nn.AdaptiveLogSoftmaxWithLoss`` (section headings without code) are built with
torch's defaults and compared the same way. Skipped: ``torch.onnx.export``/netron (as in seed 000).
"""
import math

import pytest

from tests.seeds._harness import compare, error_of, grads, params
from tests.seeds.test_seed_000 import (SEED_EXAMPLE1_KEYS, SEED_EXAMPLE2_KEYS, LENET_PRINT, example, lenet,
                                       naming_rules, seed_keys)


def test_seed_000_sections_rerun():
    _, printed = compare(lenet)
    assert printed.startswith(LENET_PRINT)
    compare(naming_rules)
    for which, text in ((1, SEED_EXAMPLE1_KEYS), (2, SEED_EXAMPLE2_KEYS)):
        result, _ = compare(example, which=which)
        assert result["keys"] == seed_keys(text)


# 1. 卷积层 ---------------------------------------------------------------------------------------------------------
def conv_groups(torch, nn, F, optim, share):
    r = {}
    conv = nn.Conv2d(in_channels=6, out_channels=3, kernel_size=1, groups=1)
    r[1] = conv.weight.data.size()  # torch.Size([3, 6, 1, 1])
    conv = nn.Conv2d(in_channels=6, out_channels=6, kernel_size=1, groups=2)
    r[2] = conv.weight.data.size()  # torch.Size([6, 3, 1, 1])
    conv = nn.Conv2d(in_channels=6, out_channels=6, kernel_size=1, groups=6)
    r[6] = conv.weight.data.size()  # torch.Size([6, 1, 1, 1])
    # groups=2 is two convolutions side by side, each on half of the channels, outputs concatenated
    conv = share(nn.Conv2d(in_channels=6, out_channels=6, kernel_size=3, groups=2))
    x = torch.randn(2, 6, 5, 5)
    halves = [F.conv2d(x[:, 3 * g:3 * g + 3], conv.weight[3 * g:3 * g + 3], conv.bias[3 * g:3 * g + 3])
              for g in range(2)]
    r["grouped"] = conv(x)
    r["halves"] = torch.cat(halves, 1)
    r["not divisible"] = error_of(lambda: nn.Conv2d(6, 4, 1, groups=4))
    return r


def test_conv2d_groups_weight_shapes():
    result, _ = compare(conv_groups)
    assert [tuple(result[g]) for g in (1, 2, 6)] == [(3, 6, 1, 1), (6, 3, 1, 1), (6, 1, 1, 1)]
    assert (result["grouped"] - result["halves"]).abs().max().item() < 1e-5
    assert result["not divisible"] == ("ValueError", "in_channels must be divisible by groups")


def conv_output_size(torch, nn, F, optim, share, h_in, w_in):
    m = share(nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1)))
    print(m)
    x = torch.randn(2, 16, h_in, w_in)
    y = m(x)
    y.sum().backward()
    return {"y": y, "grads": grads(m)}


@pytest.mark.parametrize("h_in,w_in", [(10, 12), (7, 5), (16, 9)])
def test_conv2d_strided_dilated_and_size_formula(h_in, w_in):
    result, _ = compare(conv_output_size, h_in=h_in, w_in=w_in)
    padding, dilation, kernel, stride = (4, 2), (3, 1), (3, 5), (2, 1)
    expected = [math.floor((n + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) / stride[i] + 1)
                for i, n in enumerate((h_in, w_in))]
    assert list(result["y"].shape) == [2, 33] + expected


def conv_transpose(torch, nn, F, optim, share, h_in, kernel, stride, padding, output_padding, dilation):
    # class torch.nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    #                                groups=1, bias=True, dilation=1, padding_mode='zeros', device=None, dtype=None)
    m = share(nn.ConvTranspose2d(4, 6, kernel, stride=stride, padding=padding, output_padding=output_padding,
                                 groups=2, bias=True, dilation=dilation, padding_mode='zeros', device=None,
                                 dtype=None))
    print(m)
    x = torch.randn(2, 4, h_in, h_in + 1)
    y = m(x)
    (y * y).sum().backward()
    return {"y": y, "grads": grads(m), "weight": m.weight.size()}


@pytest.mark.parametrize("h_in,kernel,stride,padding,output_padding,dilation",
                         [(3, 3, 2, 1, 0, 1), (3, 3, 2, 1, 1, 1), (4, 4, 2, 1, 0, 1), (3, 3, 3, 0, 2, 2),
                          (5, (3, 2), (2, 1), (1, 0), (1, 0), 1)])
def test_conv_transpose2d_and_output_padding(h_in, kernel, stride, padding, output_padding, dilation):
    result, _ = compare(conv_transpose, h_in=h_in, kernel=kernel, stride=stride, padding=padding,
                        output_padding=output_padding, dilation=dilation)
    k, s, p, op = (kernel, stride, padding, output_padding)
    k, s, p, op = (x[0] if isinstance(x, tuple) else x for x in (k, s, p, op))
    # H_out = (H_in - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1
    assert result["y"].shape[2] == (h_in - 1) * s - 2 * p + dilation * (k - 1) + op + 1
    assert tuple(result["weight"])[:2] == (4, 3)  # (in_channels, out_channels / groups, ...)


def output_padding_story(torch, nn, F, optim, share):
    """Two input sizes give the same conv output; output_padding (or output_size) picks one on the way back."""
    r = {}
    conv6 = nn.Conv2d(16, 16, 3, stride=2, padding=2)
    conv5 = nn.Conv2d(16, 16, 3, stride=2, padding=1)
    r["6x6"] = conv6(torch.randn(1, 16, 6, 6)).shape  # the seed says 3x3; the formula (and torch) give 4x4
    r["5x5"] = conv5(torch.randn(1, 16, 5, 5)).shape
    upsample = share(nn.ConvTranspose2d(16, 16, 3, stride=2, padding=1))
    h = torch.randn(1, 16, 3, 3)
    r["up"] = upsample(h)
    r["up 6x6"] = upsample(h, output_size=[6, 6])
    r["up 5x5"] = upsample(h, output_size=(5, 5))
    r["bad size"] = error_of(lambda: upsample(h, output_size=[8, 8]))
    return r


def test_output_padding_resolves_the_ambiguity():
    result, _ = compare(output_padding_story)
    assert tuple(result["6x6"]) == (1, 16, 4, 4) and tuple(result["5x5"]) == (1, 16, 3, 3)
    assert tuple(result["up"].shape) == (1, 16, 5, 5) and tuple(result["up 6x6"].shape) == (1, 16, 6, 6)


# 2. 池化层 ---------------------------------------------------------------------------------------------------------
SEED_GRID = [[0., 0, 0, 0, 0], [1, 1, 1, 1, 1], [2, 2, 2, 2, 2], [3, 3, 3, 3, 3], [4, 4, 4, 4, 4]]


def max_pool(torch, nn, F, optim, share):
    # torch.nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)
    r = {}
    grid = torch.tensor(SEED_GRID).view(1, 1, 5, 5)
    for ceil_mode in (True, False):
        pool = nn.MaxPool2d(2, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=ceil_mode)
        print(pool)
        r[f"ceil_mode={ceil_mode}"] = pool(grid)
        print(r[f"ceil_mode={ceil_mode}"])
    m = nn.MaxPool2d((3, 2), stride=(2, 1))
    print(m)
    x = torch.randn(2, 3, 9, 8, requires_grad=True)
    r["m"] = m(x)
    r["m"].sum().backward()
    r["m grad"] = x.grad
    full = nn.MaxPool2d(3, stride=2, padding=1, dilation=2, return_indices=True, ceil_mode=True)
    print(full)
    r["full"] = full(x)
    return r


def test_max_pool2d_ceil_mode_grid():
    result, _ = compare(max_pool)
    # ceil_mode=True keeps the incomplete windows: [1 1 1 3 3 3 4 4 4]; False drops them: [1 1 3 3]
    assert result["ceil_mode=True"].flatten().tolist() == [1, 1, 1, 3, 3, 3, 4, 4, 4]
    assert result["ceil_mode=False"].flatten().tolist() == [1, 1, 3, 3]
    assert tuple(result["m"].shape) == (2, 3, 4, 7)  # floor((9 - 3) / 2 + 1), floor((8 - 2) / 1 + 1)


SEED_UNPOOL = """\
tensor([[[[ 0.,  0.,  0.,  0.,  0.],
          [ 6.,  0.,  8.,  0.,  0.],
          [ 0.,  0.,  0., 14.,  0.],
          [16.,  0.,  0.,  0.,  0.],
          [ 0.,  0.,  0.,  0.,  0.]]]])"""


def max_unpool(torch, nn, F, optim, share):
    pool = nn.MaxPool2d(2, stride=2, return_indices=True)
    unpool = nn.MaxUnpool2d(2, stride=2)
    input = torch.tensor([[[[ 1., 2, 3, 4],  # noqa: E201
                            [ 5, 6, 7, 8],  # noqa: E201
                            [ 9, 10, 11, 12],  # noqa: E201
                            [13, 14, 15, 16]]]])
    output, indices = pool(input)
    print(unpool(output, indices, output_size=torch.Size([1, 1, 5, 5])))
    print(unpool(output, indices))
    print(pool, unpool)
    return {"indices": indices, "unpooled": unpool(output, indices)}


def test_max_unpool2d_prints_the_seeds_tensor():
    _, printed = compare(max_unpool)
    assert printed.startswith(SEED_UNPOOL + "\n")


def avg_pool(torch, nn, F, optim, share, kw):
    # class torch.nn.AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
    #                          divisor_override=None)
    m = nn.AvgPool2d(**kw)
    print(m)
    x = torch.randn(2, 3, 9, 8, requires_grad=True)
    y = m(x)
    (y * y).sum().backward()
    return {"y": y, "grad": x.grad}


@pytest.mark.parametrize("kw", [dict(kernel_size=3, stride=2), dict(kernel_size=3),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
                                dict(kernel_size=(3, 2), stride=1, padding=(1, 0), divisor_override=2)])
def test_avg_pool2d(kw):
    compare(avg_pool, kw=kw)


def adaptive_pool(torch, nn, F, optim, share):
    # class torch.nn.AdaptiveMaxPool2d(output_size, return_indices=False)
    r = {}
    m = nn.AdaptiveMaxPool2d((None, 7))
    print(m)
    x = torch.randn(1, 64, 8, 9, requires_grad=True)
    r["None,7"] = m(x)
    out, idx = nn.AdaptiveMaxPool2d(5, return_indices=True)(x)
    r["indices"] = idx
    (out.sum() + r["None,7"].sum()).backward()
    r["grad"] = x.grad
    # kernel_size = input_size - (output_size - 1) * stride, stride = floor(input_size / output_size), padding = 0
    # (exact where the adaptive windows are evenly spaced, as for these sizes)
    y = torch.randn(2, 3, 10, 8)
    for out_size in ((3, 4), (5, 2), (10, 1)):
        stride = [s // o for s, o in zip((10, 8), out_size)]
        kernel = [s - (o - 1) * st for s, o, st in zip((10, 8), out_size, stride)]
        r[f"adaptive {out_size}"] = nn.AdaptiveMaxPool2d(out_size)(y)
        r[f"as maxpool {out_size}"] = nn.MaxPool2d(kernel, stride, padding=0)(y)
    m = nn.AdaptiveAvgPool2d((5, 7))  # 5) nn.AdaptiveAvgPool2d
    print(m, nn.AdaptiveAvgPool2d(7), nn.AdaptiveAvgPool2d((None, 7)))
    r["avg"] = m(y)
    r["avg None"] = nn.AdaptiveAvgPool2d((None, 7))(y)
    return r


def test_adaptive_pools_and_the_maxpool_equivalence():
    result, _ = compare(adaptive_pool)
    assert tuple(result["None,7"].shape) == (1, 64, 8, 7)
    for out_size in ((3, 4), (5, 2), (10, 1)):
        assert (result[f"adaptive {out_size}"] == result[f"as maxpool {out_size}"]).all().item()


# 3./4. 非线性激活函数 and other nonlinearities ----------------------------------------------------------------------
ACTIVATIONS = ["ELU", "Hardshrink", "Hardsigmoid", "Hardtanh", "Hardswish", "LeakyReLU", "LogSigmoid", "PReLU",
               "ReLU", "ReLU6", "RReLU", "SELU", "CELU", "GELU", "Sigmoid", "SiLU", "Mish", "Softplus", "Softsign",
               "Tanh", "Tanhshrink"]


def activation(torch, nn, F, optim, share, name, args):
    m = share(getattr(nn, name)(*args))
    print(m)
    m.eval()  # RReLU draws its slopes in training mode; in eval it is a fixed leaky ReLU
    x = torch.randn(3, 4, 5, requires_grad=True)
    y = m(x)
    (y * y).sum().backward()
    return {"y": y, "grad": x.grad, "params": grads(m)}


@pytest.mark.parametrize("name,args", [(n, ()) for n in ACTIVATIONS] + [
    ("Threshold", (0.1, 20)), ("Softmax", (1,)), ("LogSoftmax", (1,)), ("Softmax", (-1,)), ("GELU", ("tanh",))])
def test_activation(name, args):
    compare(activation, name=name, args=args)


def attention_and_adaptive_softmax(torch, nn, F, optim, share):
    # 3./4.: nn.MultiheadAttention and nn.AdaptiveLogSoftmaxWithLoss (headings only in the seed), built with
    # torch's defaults, run forward and backward with torch's weights
    r = {}
    mha = share(nn.MultiheadAttention(8, 2))
    print(mha)
    q = torch.randn(5, 3, 8, requires_grad=True)
    out, weights = mha(q, q, q)
    print(out.shape, weights.shape)
    (out.sum() + weights.pow(2).sum()).backward()
    r["attn"], r["weights"], r["attn grads"], r["q grad"] = out, weights, grads(mha), q.grad
    r["keys"] = list(mha.state_dict())
    asm = share(nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4]))
    print(asm)
    x = torch.randn(6, 8, requires_grad=True)
    res = asm(x, torch.tensor([0, 1, 4, 5, 9, 3]))
    print(res)
    res.loss.backward()
    r["asm"], r["asm grads"], r["x grad"] = tuple(res), grads(asm), x.grad
    r["log_prob"], r["predict"] = asm.log_prob(x), asm.predict(x)
    return r


def test_multihead_attention_and_adaptive_log_softmax():
    result, printed = compare(attention_and_adaptive_softmax)
    assert tuple(result["attn"].shape) == (5, 3, 8) and tuple(result["weights"].shape) == (3, 5, 5)
    assert result["keys"] == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert "(out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)" in printed
    assert "(1): Linear(in_features=2, out_features=6, bias=False)" in printed
    assert abs(result["asm"][1].item() + result["asm"][0].mean().item()) < 1e-6


# 5. 标准化层 -------------------------------------------------------------------------------------------------------
SEED_BN_PRINT = """\
Parameter containing:
tensor([1., 1.], requires_grad=True)
Parameter containing:
tensor([0., 0.], requires_grad=True)
tensor([[[[-1.5933, -1.3036, -1.0139, -0.7242],
          [-0.4345, -0.1448,  0.1448,  0.4345],
          [ 0.7242,  1.0139,  1.3036,  1.5933]],

         [[-1.5933, -1.3036, -1.0139, -0.7242],
          [-0.4345, -0.1448,  0.1448,  0.4345],
          [ 0.7242,  1.0139,  1.3036,  1.5933]]]],
       grad_fn=<NativeBatchNormBackward0>)
None
None
"""


def batch_norm_affine(torch, nn, F, optim, share):
    from_torch_import_nn = nn
    m = from_torch_import_nn.BatchNorm2d(2, affine=True)  # 通过梯度下降更新，初始化为不缩放、不平移
    print(m.weight)  # tensor([1., 1.], requires_grad=True)
    print(m.bias)  # tensor([0., 0.], requires_grad=True)
    # 操作 m.weight 和 m.bias ，你将看到网络产生不同的输出
    input = torch.arange(1 * 2 * 3 * 4, dtype=torch.float).view(1, 2, 3, 4)
    output = m(input)
    print(output)
    r = {"output": output, "running": params(m)}

    m = torch.nn.BatchNorm2d(2, affine=False)
    print(m.weight)  # None
    print(m.bias)  # None
    r["no affine"] = m(input)
    r["no affine state"] = list(m.state_dict())
    return r


def test_batch_norm2d_affine_example_prints_the_seeds_values():
    result, printed = compare(batch_norm_affine)
    assert printed == SEED_BN_PRINT
    running = result["running"]
    assert running["running_mean"].tolist() == pytest.approx([0.55, 1.75])
    assert running["running_var"].tolist() == pytest.approx([2.2, 2.2])  # unbiased variance 13 * 0.1 + 0.9
    assert running["num_batches_tracked"].item() == 1


def batch_norm_options(torch, nn, F, optim, share, momentum, track_running_stats, affine):
    # class torch.nn.BatchNorm2d(num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True,
    #                            device=None, dtype=None)
    m = share(nn.BatchNorm2d(3, eps=1e-05, momentum=momentum, affine=affine,
                             track_running_stats=track_running_stats, device=None, dtype=None))
    print(m)
    r = {"keys": list(m.state_dict())}
    for step in range(3):  # each mini-batch updates the running estimates
        x = torch.randn(4, 3, 5, 5, requires_grad=True)
        y = m(x)
        (y * y.detach().sign()).sum().backward()
        r[f"step {step}"] = (y, x.grad, grads(m), params(m))
    m.eval()
    r["eval"] = m(torch.randn(2, 3, 5, 5))
    # E[x] and Var[x] over (N, H, W): the biased variance, as torch.var(input, unbiased=False)
    x = torch.randn(4, 3, 5, 5)
    r["train formula"] = (x - x.mean((0, 2, 3), keepdim=True)) / torch.sqrt(
        x.var((0, 2, 3), unbiased=False, keepdim=True) + 1e-5)
    r["train"] = nn.BatchNorm2d(3, affine=False, track_running_stats=False)(x)
    return r


@pytest.mark.parametrize("momentum,track_running_stats,affine",
                         [(0.1, True, True), (None, True, True), (0.3, False, True), (0.1, True, False)])
def test_batch_norm2d_options(momentum, track_running_stats, affine):
    result, _ = compare(batch_norm_options, momentum=momentum, track_running_stats=track_running_stats,
                        affine=affine)
    assert (result["train formula"] - result["train"]).abs().max().item() < 1e-5


def batch_norm_100(torch, nn, F, optim, share):
    m = nn.BatchNorm2d(100)  # 输入通道 100
    print(m)
    x = torch.randn(2, 100, 3, 4)
    r = {"y": m(x), "state": params(m)}
    r["bad input"] = error_of(lambda: m(torch.randn(2, 100, 3)))
    r["wrong channels"] = error_of(lambda: m(torch.randn(2, 99, 3, 4)))
    return r


def test_batch_norm2d_100_channels():
    compare(batch_norm_100)


def group_norm(torch, nn, F, optim, share, affine):
    # class torch.nn.GroupNorm(num_groups, num_channels, eps=1e-05, affine=True, device=None, dtype=None)
    m = share(nn.GroupNorm(3, 6, eps=1e-05, affine=affine, device=None, dtype=None))  # 6 channels into 3 groups
    print(m)
    x = torch.randn(20, 6, 10, 10, requires_grad=True)
    y = m(x)
    (y * torch.randn(20, 6, 10, 10)).sum().backward()
    return {"y": y, "grad": x.grad, "params": grads(m), "bad": error_of(lambda: nn.GroupNorm(4, 6))}


@pytest.mark.parametrize("affine", [True, False])
def test_group_norm(affine):
    compare(group_norm, affine=affine)


# Vision Layers ---------------------------------------------------------------------------------------------------
def vision_layers(torch, nn, F, optim, share):
    r = {}
    x = torch.randn(1, 9, 4, 4, requires_grad=True)
    ps = nn.PixelShuffle(3)
    print(ps, nn.PixelUnshuffle(3))
    r["shuffle"] = ps(x)
    r["unshuffle"] = nn.PixelUnshuffle(3)(r["shuffle"])
    for kw in (dict(scale_factor=2, mode='nearest'), dict(size=(5, 7), mode='bilinear'),
               dict(scale_factor=2, mode='bilinear', align_corners=True), dict(scale_factor=1.5, mode='bicubic')):
        up = nn.Upsample(**kw)
        print(up)
        r[str(kw)] = up(x)
    sum(v.sum() for v in r.values()).backward()
    r["grad"] = x.grad
    return r


def test_pixel_shuffle_and_upsample():
    compare(vision_layers)
