"""The compiled convolution kernels (ember/_native, ember/ops/_native_conv.py) and their NumPy fallback: both
against PyTorch on the shapes the compiled kernels take, which cases they take, and their threading."""
import multiprocessing
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

import ember
from ember.ops.kernels import native as _native, conv_native as _native_conv
from oracle import check_module, randn

# (in, out, kernel, padding, input shape): the seed networks' layers, channel counts that fill one, two, three and
# four vectors or a third of one, wide rows (several tiles per row), asymmetric kernels and padding, batches of one
# (one thread) and of many (chunks over threads, per-block weight-gradient sums); one to four outputs (the
# dot-product kernel where they fill too little of a vector), with a reduction of whole vectors and with a tail; a
# kernel of more taps than the weight unpacking's tile holds
CASES = [
    (3, 6, 5, 0, (5, 3, 32, 32)), (6, 16, 5, 0, (9, 6, 14, 14)), (3, 32, 5, 2, (3, 3, 32, 32)),
    (32, 32, 5, 2, (16, 32, 16, 16)), (32, 64, 5, 2, (11, 32, 8, 8)), (8, 48, 3, 1, (7, 8, 12, 40)),
    (16, 24, (3, 2), (2, 0), (2, 16, 6, 7)), (32, 32, 5, 2, (1, 32, 16, 16)), (6, 16, 1, 0, (64, 6, 5, 5)),
    (32, 3, 5, 2, (4, 32, 12, 12)), (16, 1, 3, 1, (3, 16, 9, 10)), (8, 4, (3, 2), (1, 0), (2, 8, 7, 19)),
    (5, 2, 5, 1, (3, 5, 10, 11)), (64, 48, 3, 1, (9, 64, 4, 4)), (32, 32, 3, 1, (3, 32, 1, 1)),
    (16, 32, 3, (4, 3), (2, 16, 5, 6)), (24, 32, 3, 1, (2, 24, 6, 6)), (20, 24, 9, 4, (2, 20, 11, 12)),
]
IDS = ["lenet1", "lenet2", "cifar1", "cifar2", "cifar3", "wide_rows_three_vectors", "asymmetric", "batch1",
       "pointwise_b64", "narrow3", "narrow1", "narrow4_asymmetric", "narrow2_tail", "resnet_4x4", "one_pixel",
       "padding_beyond_kernel", "channels_not_a_tile", "kernel_of_81_taps"]


@pytest.mark.parametrize("cin, cout, kernel, padding, shape", CASES, ids=IDS)
def test_conv2d_against_torch(path, cin, cout, kernel, padding, shape):
    e, t = ember.nn.Conv2d(cin, cout, kernel, padding=padding), torch.nn.Conv2d(cin, cout, kernel, padding=padding)
    # float32 sums of thousands of products round differently from PyTorch's order
    check_module(e, t, randn(*shape, dtype=np.float32), rtol=1e-3, atol=1e-3)


# (in, out, kernel, stride, padding, output_padding, input shape): DCGAN's 4x4 stride-2 layers, ResNet's 3x3 and
# 1x1 stride-2 ones, uneven strides, sizes the stride does not divide, narrow outputs and inputs
STRIDED = [
    (16, 32, 4, 2, 1, 0, (3, 16, 16, 16)), (3, 16, 4, 2, 1, 0, (2, 3, 16, 16)), (16, 32, 3, 2, 1, 1, (2, 16, 9, 11)),
    (16, 32, 1, 2, 0, 1, (2, 16, 8, 8)), (8, 16, (3, 4), (3, 2), (1, 0), (2, 1), (2, 8, 13, 10)),
    (32, 3, 4, 2, 1, 0, (2, 32, 8, 8)), (32, 1, 4, 1, 0, 0, (4, 32, 4, 4)), (20, 16, 5, 3, 2, 2, (3, 20, 11, 12)),
]
STRIDED_IDS = ["dcgan", "dcgan_rgb", "resnet3x3", "resnet1x1", "uneven", "rgb_out", "dcgan_last", "stride3"]


@pytest.mark.parametrize("cin, cout, kernel, stride, padding, output_padding, shape", STRIDED, ids=STRIDED_IDS)
def test_strided_conv2d_and_transposed_against_torch(path, cin, cout, kernel, stride, padding, output_padding,
                                                     shape):
    x = randn(*shape, dtype=np.float32)
    e, t = (lib.nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding) for lib in (ember, torch))
    check_module(e, t, x, rtol=1e-3, atol=1e-3)
    e, t = (lib.nn.ConvTranspose2d(cin, cout, kernel, stride=stride, padding=padding, output_padding=output_padding)
            for lib in (ember, torch))
    check_module(e, t, x, rtol=1e-3, atol=1e-3)


def test_taps_on_the_padding_are_skipped_as_pytorch_does():
    # an infinite tap times a padding zero is NaN: PyTorch's kernels never multiply there, nor do the compiled ones
    # once the batch fills a tile with each edge's positions (14 images; fewer would make tiles so short that the
    # kernel multiplies the zeros instead); the NumPy kernels always do, so this checks the compiled path only
    if not _native.available():
        pytest.skip("the compiled kernels are not built here")
    x = np.abs(randn(16, 32, 5, 5, dtype=np.float32)) + 0.5
    w = randn(32, 32, 3, 3, dtype=np.float32)
    w[:, :, 0, 0] = np.inf
    ours = ember.nn.functional.conv2d(ember.tensor(x), ember.tensor(w), padding=1).numpy()
    theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding=1).numpy()
    assert np.isfinite(ours[:, :, 0, :]).all() and np.isinf(ours[:, :, 1:, 1:]).all()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


def test_compiled_kernels_are_used(monkeypatch):
    if not _native.available():
        pytest.skip("the compiled kernels are not built here")
    calls = []
    for name in ("forward", "weight_grad", "input_grad"):
        original = getattr(_native_conv, name)
        monkeypatch.setattr(_native_conv, name, lambda *a, _f=original, _n=name: calls.append(_n) or _f(*a))
    conv = ember.nn.Conv2d(32, 32, 5, padding=2)
    conv(ember.randn(2, 32, 8, 8, requires_grad=True)).sum().backward()
    assert set(calls) == {"forward", "input_grad", "weight_grad"}


def test_weight_gradient_of_taps_that_see_only_padding_is_zero_in_a_reused_buffer():
    """The compiled weight gradient writes every entry of its reused buffer: after a call whose every tap has a
    gradient, one of the same weight shape where only the centre tap sees the input (one pixel, padding 1) still
    gives the other taps zero."""
    for shape, stride in (((2, 16, 5, 6), 1), ((2, 16, 1, 1), 2)):
        e, t = (lib.nn.Conv2d(16, 32, 3, stride=stride, padding=1) for lib in (ember, torch))
        check_module(e, t, randn(*shape, dtype=np.float32), rtol=1e-3, atol=1e-3)
        assert (e.weight.grad.numpy() != 0).any()
    off_centre = np.ones((3, 3), bool)
    off_centre[1, 1] = False
    assert (e.weight.grad.numpy()[:, :, off_centre] == 0).all()


def test_few_output_positions_read_the_weight_in_place(monkeypatch):
    """A forward with at most 32 output positions over the batch (ResNet's 4x4 layers at batch 1) runs as one GEMM
    with the weight as it lies, on the channel-major columns, not widened to the padded rows; one more image takes
    the compiled kernel again. Both against PyTorch."""
    calls = []
    original = _native_conv.forward
    monkeypatch.setattr(_native_conv, "forward", lambda *a: calls.append(a[0].shape) or original(*a))
    for batch in (1, 2, 3):
        e, t = ember.nn.Conv2d(64, 48, 3, padding=1), torch.nn.Conv2d(64, 48, 3, padding=1)
        check_module(e, t, randn(batch, 64, 4, 4, dtype=np.float32), rtol=1e-3, atol=1e-3)
    forwards = [shape for shape in calls if shape[1] == 64]  # not the input gradients (48 channels in)
    assert forwards == ([(3, 64, 4, 4)] if _native.available() else [])


def _takes(x_dtype=np.float32, cin=32, cout=32, stride=(1, 1), pads=((2, 2), (2, 2)), dilation=(1, 1), groups=1):
    """(forward, weight gradient, input gradient) taken by the compiled kernels, for a 5x5 convolution."""
    x = np.zeros((1, cin, 8, 8), x_dtype)
    w = np.zeros((cout, cin // groups, 5, 5), np.float32)
    g = np.zeros((1, cout, 8, 8), x_dtype)
    return (_native_conv.takes_forward(x, w, stride, pads, dilation, groups),
            _native_conv.takes_weight_grad(x, g, stride, pads, dilation, groups, cout),
            _native_conv.takes_input_grad(g, w, stride, pads, dilation, groups))


def test_cases_taken(monkeypatch):
    monkeypatch.setattr(_native, "enabled", True)
    assert _takes() == _takes(cout=6) == (True, True, True)
    # float64, dilation, groups and cropping pads go to NumPy; strides stay compiled
    for case in (dict(x_dtype=np.float64), dict(dilation=(1, 2)), dict(groups=2), dict(pads=((-1, 0), (0, 0)))):
        assert _takes(**case) == (False, False, False), case
    assert _takes(stride=(2, 1)) == _takes(stride=(5, 5)) == (True, True, True)
    assert _takes(stride=(6, 1))[2] is False  # a phase of the stride without taps: the input gradient on NumPy
    assert _native_conv._fills_vectors(_native_conv._VECTOR // 4 or 1)
    if _native_conv._VECTOR == 16:
        # 3 outputs: the forward (and the input gradient of 3 inputs) on the dot-product kernel, which needs a
        # reduction (kw * C) of a vector or more; the weight gradient on NumPy
        assert not _native_conv._fills_vectors(3)
        assert _takes(cout=3) == (True, False, True) and _takes(cin=3) == (True, True, True)
        assert _takes(cin=2, cout=3) == (False, False, False)  # reductions of 10 and 15 floats
    monkeypatch.setattr(_native, "enabled", False)
    assert _takes() == (False, False, False)


def test_built_where_a_compiler_exists():
    # the install builds the kernels when it can; CI has gcc, so a broken build fails here, not silently
    if os.environ.get("EMBER_NATIVE") == "0" or not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("no C compiler, or the build was switched off")
    assert _native.available()
    assert _native_conv._VECTOR in (4, 8, 16)


def test_threaded_weight_gradient_is_the_same_bits_every_run(path):
    conv = ember.nn.Conv2d(32, 32, 5, padding=2)
    x = ember.randn(64, 32, 16, 16)
    grads = []
    for _ in range(3):
        conv.weight.grad = None
        conv(x).sum().backward()
        grads.append(conv.weight.grad.numpy().copy())
    assert all(np.array_equal(grads[0], g) for g in grads[1:])


def _conv_in_child(conv, x, queue):
    queue.put(conv(x).detach().numpy())


def test_forked_child_makes_its_own_workers():
    # the parent's pool threads do not exist in a forked child (e.g. a DataLoader worker): it must start its own
    # rather than wait for them, and compute the same
    conv = ember.nn.Conv2d(16, 32, 3)
    x = ember.randn(32, 16, 20, 20)
    expected = conv(x).detach().numpy()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_conv_in_child, args=(conv, x, queue))
    child.start()
    out = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    np.testing.assert_array_equal(out, expected)


def test_omp_num_threads_limits_the_pool():
    if not _native.available():
        pytest.skip("the compiled kernels are not built here")
    code = "from ember.ops.kernels import native as n; print(n.lib.ember_pool_size())"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
