"""Shape and layout ops against PyTorch: values, gradients, views sharing storage, strides, errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn

EXPRS = {
    "view": lambda m, x: x.view(6, 4), "view_tuple": lambda m, x: x.view((4, -1)), "view_-1": lambda m, x: x.view(-1),
    "reshape": lambda m, x: x.reshape(4, 6), "reshape_fn": lambda m, x: m.reshape(x, (3, -1, 2)),
    "reshape_transposed": lambda m, x: x.transpose(0, 1).reshape(-1),
    "flatten": lambda m, x: x.flatten(), "flatten_1": lambda m, x: x.flatten(1), "flatten_0_1": lambda m, x: m.flatten(x, 0, 1),
    "unflatten": lambda m, x: x.unflatten(2, (2, 2)), "unflatten_-1": lambda m, x: x.unflatten(-1, (2, -1)),
    "squeeze": lambda m, x: x[:, :1].squeeze(), "squeeze_dim": lambda m, x: x[:, :1].squeeze(1),
    "squeeze_dims": lambda m, x: x[:, :1, :1].squeeze((1, 2)), "squeeze_non1": lambda m, x: x.squeeze(0),
    "unsqueeze": lambda m, x: x.unsqueeze(0), "unsqueeze_-1": lambda m, x: m.unsqueeze(x, -1),
    "permute": lambda m, x: x.permute(2, 0, 1), "permute_tuple": lambda m, x: m.permute(x, (1, -1, 0)),
    "transpose": lambda m, x: x.transpose(0, 2), "transpose_fn": lambda m, x: m.transpose(x, -1, 1),
    "swapaxes": lambda m, x: x.swapaxes(0, 1), "t": lambda m, x: x[0].t(), "t_fn": lambda m, x: m.t(x[0]),
    "t_1d": lambda m, x: x[0, 0].t(), "T": lambda m, x: x[0].T, "mT": lambda m, x: x.mT,
    "contiguous": lambda m, x: x.transpose(0, 1).contiguous(), "expand": lambda m, x: x[:, :1].expand(2, 5, 4),
    "expand_new_dims": lambda m, x: x[0, 0].expand(3, 2, 4), "expand_-1": lambda m, x: x[:, :1].expand(-1, 3, -1),
    "expand_as": lambda m, x: x[:1].expand_as(x), "repeat": lambda m, x: x.repeat(2, 1, 3),
    "repeat_new_dims": lambda m, x: x[0].repeat(2, 2, 1), "flip": lambda m, x: x.flip(0),
    "flip_dims": lambda m, x: m.flip(x, (0, -1)), "roll": lambda m, x: x.roll(1, 0),
    "roll_flat": lambda m, x: x.roll(5), "roll_multi": lambda m, x: m.roll(x, (1, -2), (0, 2)),
    "narrow": lambda m, x: x.narrow(1, 1, 2), "narrow_neg": lambda m, x: m.narrow(x, -1, -3, 2),
    "cat": lambda m, x: m.cat([x, x * 2], 1), "cat_neg": lambda m, x: m.cat((x[:, :1], x), -2),
    "cat_default": lambda m, x: m.cat([x, x]), "stack": lambda m, x: m.stack([x, x * 2]),
    "stack_last": lambda m, x: m.stack([x, x], -1), "split": lambda m, x: x.split(2, 1),
    "split_sizes": lambda m, x: m.split(x, [1, 3], -1), "split_uneven": lambda m, x: x.split(3, 2),
    "chunk": lambda m, x: x.chunk(2, 2), "chunk_uneven": lambda m, x: m.chunk(x, 2, 1), "unbind": lambda m, x: x.unbind(1),
    "unbind_fn": lambda m, x: m.unbind(x), "clone": lambda m, x: x.clone(), "view_as": lambda m, x: x.view_as(x[:, None]),
    "reshape_as": lambda m, x: x.reshape_as(x.new_zeros(4, 6)),
    "tril": lambda m, x: x.tril(), "triu_k": lambda m, x: m.triu(x, 1), "tril_neg": lambda m, x: m.tril(x, -1),
    "select": lambda m, x: x.select(1, -1), "select_fn": lambda m, x: m.select(x, 0, 1),
    "broadcast_to": lambda m, x: m.broadcast_to(x[:, :1], (2, 3, 4)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", EXPRS)
def test_shape_op(name, dtype):
    check(EXPRS[name], randn(2, 3, 4, dtype=dtype))


@pytest.mark.parametrize("name", [n for n in EXPRS if not n.startswith(("view", "unflatten"))])
def test_shape_op_noncontiguous(name):
    check(EXPRS[name], randn(2, 3, 4), noncontiguous=True)


@pytest.mark.parametrize("name", ["view", "view_-1", "reshape", "flatten", "unsqueeze", "squeeze", "permute", "transpose",
                                  "t", "mT", "expand", "narrow", "split", "chunk", "unbind", "unflatten", "squeeze_dim"])
def test_layout_matches_pytorch(name):
    """Views share storage with their base, and strides and contiguity are PyTorch's."""
    e_base, t_base = ember.tensor(randn(2, 3, 4)), torch.tensor(randn(2, 3, 4))
    e_out, t_out = _first(EXPRS[name](ember, e_base)), _first(EXPRS[name](torch, t_base))
    assert e_out.stride() == t_out.stride() and e_out.is_contiguous() == t_out.is_contiguous()
    e_base.add_(1)
    t_base.add_(1)
    assert_close(e_out, t_out)


def _first(out):
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("name", ["reshape_transposed", "contiguous", "repeat", "flip", "roll", "cat", "clone"])
def test_copying_ops_do_not_share_storage(name):
    x = ember.tensor(randn(2, 3, 4))
    out = EXPRS[name](ember, x)
    x.mul_(0)
    assert out.abs().sum().item() > 0


@pytest.mark.parametrize("dtype", ["int64", "bool", "uint8"])
@pytest.mark.parametrize("name", ["cat", "stack", "flip", "roll", "repeat", "permute", "expand", "split"])
def test_shape_ops_keep_integer_dtypes(name, dtype):
    data = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    assert_close(_first(EXPRS[name](ember, ember.tensor(data))), _first(EXPRS[name](torch, torch.tensor(data))))


@pytest.mark.parametrize("dtypes", [("int64", "float32"), ("int32", "int64"), ("bool", "uint8"), ("float32", "float64")],
                         ids=str)
def test_cat_promotes(dtypes):
    e = ember.cat([ember.ones(2, dtype=getattr(ember, dtypes[0])), ember.ones(3, dtype=getattr(ember, dtypes[1]))])
    t = torch.cat([torch.ones(2, dtype=getattr(torch, dtypes[0])), torch.ones(3, dtype=getattr(torch, dtypes[1]))])
    assert_close(e, t)


def test_cat_skips_legacy_empty_1d():
    check(lambda m, x: m.cat([m.tensor([]).double(), x, m.zeros(0, dtype=m.float64)]), randn(2, 3))


def test_contiguous_returns_self_when_already_contiguous():
    x = ember.ones(2, 3)
    assert x.contiguous() is x
    assert not x.t().is_contiguous() and x.t().contiguous().is_contiguous()


def _raises_like_torch(fn):
    with pytest.raises(Exception) as torch_err:
        fn(torch)
    with pytest.raises(type(torch_err.value)) as err:
        fn(ember)
    assert str(err.value) == str(torch_err.value).replace("torch.", "ember.")


@pytest.mark.parametrize("expr", [
    lambda m: m.ones(3, 4).view(2, 5), lambda m: m.ones(3, 4).view(-1, 5), lambda m: m.ones(3, 4).view(-1, -1),
    lambda m: m.ones(3, 4).t().view(12), lambda m: m.ones(3, 4).reshape(5, -1), lambda m: m.ones(2, 3).permute(0, 0),
    lambda m: m.ones(2, 3).permute(0), lambda m: m.ones(2, 3).expand(3, 3), lambda m: m.ones(2, 3).expand(3),
    lambda m: m.ones(2, 3, 4).t(), lambda m: m.ones(2, 3).repeat(2), lambda m: m.ones(2, 3).narrow(1, 2, 2),
    lambda m: m.cat([m.ones(2, 3), m.ones(3, 3)], 1), lambda m: m.cat([m.ones(2, 3), m.ones(3)]),
    lambda m: m.cat([]), lambda m: m.stack([m.ones(2), m.ones(3)]), lambda m: m.ones(4).split([1, 2]),
    lambda m: m.ones(4).chunk(0), lambda m: m.ones(2, 3).transpose(0, 2), lambda m: m.ones(2).unsqueeze(3),
    lambda m: m.ones(2, 3).flatten(1, 0), lambda m: m.ones(3).mT, lambda m: m.ones(2, 3).unflatten(1, (2, 2)),
    lambda m: m.zeros(3, 0).view(-1, 0), lambda m: m.cat([m.ones(2), m.tensor(1.0)]),
])
def test_shape_errors(expr):
    _raises_like_torch(expr)


def test_view_error_names_shape_and_size():
    with pytest.raises(RuntimeError, match=r"shape '\[2, 5\]' is invalid for input of size 12"):
        ember.ones(3, 4).view(2, 5)
    with pytest.raises(RuntimeError, match=r"view size is not compatible .* Use \.reshape\(\.\.\.\) instead"):
        ember.ones(3, 4).t().view(12)


def test_zero_dim_and_empty_shapes():
    check(lambda m, x: (x.reshape(1, 1), x.unsqueeze(0), x.view(()), x.flatten(), x.expand(2, 3), x.t()), np.array(2.0))
    check(lambda m, x: (x.reshape(0, 3), x.view(3, 0), x.flatten(), x.permute(1, 0)), np.zeros((3, 0)))


@pytest.mark.parametrize("shape, args, is_input", [
    ((3, 4, 5), (0, 0), True), ((3, 4, 5), (1, 1), True), ((3, 4, 5), (-1, -1), True), ((3, 4, 5), (2, -1), True),
    ((3, 4), (1,), True), ((7,), (), True), ((3, 4, 5), (1,), False), ((3, 4), (), False)], ids=str)
def test_flatten_of_one_dim_range_returns_input_itself(shape, args, is_input):
    for lib in (ember, torch):
        x = lib.randn(*shape, requires_grad=True) * 2
        assert (x.flatten(*args) is x) == is_input, lib.__name__


def test_flatten_of_zero_dim_and_empty_tensors():
    check(lambda m, x: x.flatten(), np.array(2.5))
    check(lambda m, x: x.flatten(1), np.zeros((2, 0, 3)))
    check(lambda m, x: m.flatten(x, 0, 1), randn(2, 3, 4))
