"""Every layer family ONNX can express: exported, checked, and run by onnxruntime with ember's results."""
import numpy as np
import pytest

import ember
from ember import nn

from ._roundtrip import check_roundtrip


def _x(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


class _Unpool(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2)

    def forward(self, x):
        y, idx = self.pool(x)
        return self.unpool(y, idx)


class _Tensors(nn.Module):
    """view, reshape, permute, cat, stack, slicing, chunk, arithmetic with numbers, matmul, reductions."""

    def forward(self, x):
        a = x[:, 1:3, ::2, 1] * 2.0 + 1
        b = x.reshape(x.shape[0], 4, -1).transpose(1, 2)
        c = ember.cat([a.flatten(1), b.mean(1), x.sum((2, 3))], 1)
        d, e = c.chunk(2, 1)
        s = ember.stack([d, e], 0).max(0).values
        return ember.matmul(s, s.t()).softmax(-1), (x[..., None, 0] - x.amax(1, keepdim=True)[..., :1]).clamp(-1, 1)


CASES = {
    "conv1d": (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), [(2, 3, 9)]),
    "conv2d": (lambda: nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2), [(2, 4, 8, 7)]),
    "conv2d_same": (lambda: nn.Conv2d(3, 4, 4, padding="same"), [(1, 3, 7, 6)]),
    "conv3d": (lambda: nn.Conv3d(2, 3, 2, stride=(1, 2, 1)), [(1, 2, 4, 5, 4)]),
    "conv_transpose1d": (lambda: nn.ConvTranspose1d(3, 2, 3, stride=2, output_padding=1), [(2, 3, 5)]),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
                         [(2, 4, 5, 4)]),
    "max_pool1d": (lambda: nn.MaxPool1d(3, stride=2, padding=1), [(2, 3, 10)]),
    "max_pool2d_ceil": (lambda: nn.MaxPool2d(3, stride=2, ceil_mode=True), [(2, 3, 8, 9)]),
    "max_pool2d_dilated": (lambda: nn.MaxPool2d(2, dilation=2, padding=1), [(1, 2, 7, 7)]),
    "max_pool3d": (lambda: nn.MaxPool3d(2), [(1, 2, 4, 4, 4)]),
    "max_unpool2d": (_Unpool, [(2, 3, 6, 4)]),
    "avg_pool1d": (lambda: nn.AvgPool1d(3, stride=2), [(2, 3, 9)]),
    "avg_pool2d_pad": (lambda: nn.AvgPool2d(3, stride=2, padding=1), [(2, 3, 8, 8)]),
    "avg_pool2d_exclude_pad": (lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
                               [(2, 3, 8, 8)]),
    "avg_pool2d_divisor": (lambda: nn.AvgPool2d(2, divisor_override=3), [(1, 2, 4, 4)]),
    "adaptive_avg_pool2d_global": (lambda: nn.AdaptiveAvgPool2d(1), [(2, 3, 5, 7)]),
    "adaptive_avg_pool2d": (lambda: nn.AdaptiveAvgPool2d((3, 2)), [(2, 3, 7, 5)]),
    "adaptive_avg_pool1d": (lambda: nn.AdaptiveAvgPool1d(4), [(2, 3, 10)]),
    "adaptive_max_pool2d": (lambda: nn.AdaptiveMaxPool2d((2, 3)), [(2, 3, 4, 9)]),
    "adaptive_max_pool2d_global": (lambda: nn.AdaptiveMaxPool2d(1), [(2, 3, 4, 5)]),
    "batch_norm1d": (lambda: nn.BatchNorm1d(5), [(4, 5)]),
    "batch_norm2d": (lambda: nn.BatchNorm2d(3, momentum=0.3), [(2, 3, 4, 4)]),
    "batch_norm3d_no_affine": (lambda: nn.BatchNorm3d(2, affine=False), [(2, 2, 3, 3, 3)]),
    "batch_norm2d_no_running_stats": (lambda: nn.BatchNorm2d(3, track_running_stats=False), [(4, 3, 4, 4)]),
    "group_norm": (lambda: nn.GroupNorm(2, 4), [(2, 4, 3, 5)]),
    "layer_norm": (lambda: nn.LayerNorm((4, 5)), [(2, 3, 4, 5)]),
    "layer_norm_no_affine": (lambda: nn.LayerNorm(6, elementwise_affine=False), [(3, 6)]),
    "instance_norm2d": (lambda: nn.InstanceNorm2d(3, affine=True), [(2, 3, 5, 5)]),
    "local_response_norm": (lambda: nn.LocalResponseNorm(3), [(2, 5, 4, 4)]),
    "dropout_eval": (lambda: nn.Sequential(nn.Dropout(0.5), nn.Dropout2d(0.3), nn.AlphaDropout(0.2)),
                     [(2, 3, 4, 4)]),
    "upsample_nearest": (lambda: nn.Upsample(scale_factor=2), [(1, 2, 3, 4)]),
    "upsample_bilinear": (lambda: nn.Upsample(size=(5, 7), mode="bilinear"), [(1, 2, 3, 4)]),
    "upsample_bilinear_align": (lambda: nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
                                [(1, 2, 4, 4)]),
    "upsample_bicubic": (lambda: nn.Upsample(scale_factor=2, mode="bicubic"), [(1, 1, 3, 3)]),
    "upsample_linear1d": (lambda: nn.Upsample(scale_factor=3, mode="linear"), [(2, 2, 4)]),
    "upsample_trilinear": (lambda: nn.Upsample(scale_factor=2, mode="trilinear"), [(1, 1, 2, 3, 2)]),
    "pixel_shuffle": (lambda: nn.PixelShuffle(2), [(2, 8, 3, 4)]),
    "pixel_unshuffle": (lambda: nn.PixelUnshuffle(2), [(2, 2, 4, 6)]),
    "channel_shuffle": (lambda: nn.ChannelShuffle(3), [(2, 6, 2, 3)]),
    "flatten_unflatten": (lambda: nn.Sequential(nn.Flatten(), nn.Unflatten(1, (4, 6))), [(2, 4, 2, 3)]),
    "tensor_ops": (_Tensors, [(2, 4, 4, 4)]),
    "linear": (lambda: nn.Linear(5, 3), [(2, 4, 5)]),
    "linear_no_bias": (lambda: nn.Linear(5, 3, bias=False), [(4, 5)]),
    "zero_pad2d": (lambda: nn.ZeroPad2d((1, 2, 0, 3)), [(1, 2, 3, 3)]),
    "constant_pad1d": (lambda: nn.ConstantPad1d(2, 3.5), [(2, 3, 4)]),
    "reflection_pad2d": (lambda: nn.ReflectionPad2d(2), [(1, 2, 4, 5)]),
    "replication_pad2d": (lambda: nn.ReplicationPad2d((1, 0, 2, 1)), [(1, 2, 4, 5)]),
    "circular_pad2d": (lambda: nn.CircularPad2d(1), [(1, 2, 3, 4)]),
}

class _Recurrent(nn.Module):
    """A recurrent layer returning its output and final state(s), as one flat tuple."""

    def __init__(self, layer):
        super().__init__()
        self.rnn = layer

    def forward(self, x):
        out, state = self.rnn(x)
        return (out,) + (tuple(state) if isinstance(state, tuple) else (state,))


class _Attention(nn.Module):
    def __init__(self, **kwargs):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, **kwargs)

    def forward(self, q, k):
        return self.attn(q, k, k)


class _Embed(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4, padding_idx=0)

    def forward(self, x):
        return self.emb((x.abs() * 3).to(ember.int64))


RECURRENT = {
    "lstm": (lambda: _Recurrent(nn.LSTM(4, 5)), [(6, 3, 4)]),
    "lstm_2layer_bidirectional_batch_first": (
        lambda: _Recurrent(nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True)), [(3, 6, 4)]),
    "lstm_proj": (lambda: _Recurrent(nn.LSTM(4, 5, proj_size=3)), [(6, 2, 4)]),
    "gru": (lambda: _Recurrent(nn.GRU(4, 5, num_layers=2)), [(6, 3, 4)]),
    "rnn_tanh": (lambda: _Recurrent(nn.RNN(4, 5, bidirectional=True)), [(5, 2, 4)]),
    "rnn_relu": (lambda: _Recurrent(nn.RNN(4, 5, nonlinearity="relu")), [(5, 2, 4)]),
    "lstm_cell": (lambda: nn.LSTMCell(4, 5), [(3, 4)]),
    "gru_cell": (lambda: nn.GRUCell(4, 5), [(3, 4)]),
    "multihead_attention": (_Attention, [(5, 2, 8), (7, 2, 8)]),
    "multihead_attention_batch_first": (lambda: _Attention(batch_first=True), [(2, 5, 8), (2, 7, 8)]),
    "transformer_encoder_layer": (lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), [(5, 2, 8)]),
    "transformer_encoder_layer_gelu_norm_first": (
        lambda: nn.TransformerEncoderLayer(8, 2, 16, activation="gelu", norm_first=True, batch_first=True),
        [(2, 5, 8)]),
    "transformer_decoder_layer": (lambda: nn.TransformerDecoderLayer(8, 2, dim_feedforward=16), [(4, 2, 8),
                                                                                                 (5, 2, 8)]),
    "transformer": (lambda: nn.Transformer(8, 2, 1, 1, 16), [(5, 2, 8), (4, 2, 8)]),
    "embedding": (_Embed, [(3, 5)]),
}
CASES.update(RECURRENT)

ACTIVATIONS = ["ReLU", "ReLU6", "Sigmoid", "Tanh", "Hardsigmoid", "Hardswish", "SiLU", "Mish", "ELU", "SELU", "CELU",
               "GELU", "LogSigmoid", "Softplus", "Softsign", "Tanhshrink", "Hardtanh", "Softshrink", "Hardshrink",
               "LeakyReLU", "PReLU", "RReLU", "Softmax2d"]
for _name in ACTIVATIONS:
    CASES[_name.lower()] = ((lambda n=_name: getattr(nn, n)()), [(2, 3, 4, 5)])
CASES.update({
    "gelu_tanh": (lambda: nn.GELU(approximate="tanh"), [(2, 7)]),
    "elu_alpha": (lambda: nn.ELU(0.5), [(2, 7)]),
    "celu_alpha": (lambda: nn.CELU(2.0), [(2, 7)]),
    "softplus_beta": (lambda: nn.Softplus(beta=2, threshold=1), [(2, 7)]),
    "threshold": (lambda: nn.Threshold(0.1, 20.0), [(2, 7)]),
    "leaky_relu_inplace": (lambda: nn.Sequential(nn.Linear(7, 7), nn.LeakyReLU(0.2, inplace=True)), [(2, 7)]),
    "relu_inplace": (lambda: nn.Sequential(nn.Linear(7, 7), nn.ReLU(inplace=True)), [(2, 7)]),
    "prelu_channels": (lambda: nn.PReLU(3), [(2, 3, 4)]),
    "glu": (lambda: nn.GLU(1), [(2, 6, 3)]),
    "softmax": (lambda: nn.Softmax(1), [(2, 5, 3)]),
    "log_softmax": (lambda: nn.LogSoftmax(-1), [(2, 5, 3)]),
    "softmin": (lambda: nn.Softmin(0), [(4, 5)]),
})


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_roundtrip(name):
    build, shapes = CASES[name]
    ember.manual_seed(0)
    model = build()
    model.eval()
    for p in model.parameters():  # non-trivial weights for PReLU and norms (default ones and zeros)
        p.data = _x(*p.shape, seed=3) * 0.5 + 0.5
    for key, buf in model.named_buffers():
        if "running_var" in key:
            buf.data = (_x(*buf.shape, seed=4).abs() + 0.5)
        elif "running_mean" in key:
            buf.data = _x(*buf.shape, seed=5)
    inputs = tuple(_x(*s, seed=i) for i, s in enumerate(shapes))
    check_roundtrip(model, inputs)


class _Indexing(nn.Module):
    def forward(self, x):
        return x[1, ::-1, None, 2:], x[..., -1], x[:, [2, 0]], x.index_select(2, ember.tensor([3, 1]))


def test_indexing():
    check_roundtrip(_Indexing(), (_x(3, 4, 5),))
