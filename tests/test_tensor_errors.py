"""Errors users meet most, with PyTorch's exception type and message ('torch' spelled 'ember')."""
import pytest
import torch

import ember


def _backward_twice(m):
    x = m.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


EXPRS = {
    "non_scalar_backward": lambda m: (m.ones(2, requires_grad=True) * 2).backward(),
    "backward_twice": _backward_twice,
    "backward_without_grad": lambda m: m.ones(2).sum().backward(),
    "inplace_on_leaf": lambda m: m.ones(2, requires_grad=True).mul_(2),
    "matmul_shapes": lambda m: m.ones(2, 3) @ m.ones(4, 5),
    "batched_matmul_shapes": lambda m: m.ones(2, 2, 3) @ m.ones(2, 4, 5),
    "broadcast": lambda m: m.ones(2, 3) + m.ones(4),
    "broadcast_3d": lambda m: m.ones(2, 3, 4) * m.ones(5, 4),
    "view_size": lambda m: m.ones(3, 4).view(5, -1),
    "view_stride": lambda m: m.ones(3, 4).t().view(12),
    "reshape_size": lambda m: m.ones(6).reshape(4, 2),
    "dim_out_of_range": lambda m: m.ones(2, 3).sum(3),
    "index_out_of_range": lambda m: m.ones(2, 3)[2],
    "too_many_indices": lambda m: m.ones(2)[0, 0],
    "item_of_many": lambda m: m.ones(3).item(),
    "bool_of_many": lambda m: bool(m.ones(3)),
    "len_of_scalar": lambda m: len(m.tensor(1.0)),
    "iter_of_scalar": lambda m: iter(m.tensor(1.0)),
    "int_requires_grad": lambda m: m.ones(2, dtype=m.int64).requires_grad_(),
    "numpy_of_requires_grad": lambda m: m.ones(2, requires_grad=True).numpy(),
    "cat_dims": lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]),
    "stack_shapes": lambda m: m.stack([m.ones(2), m.ones(3)]),
    "mean_of_ints": lambda m: m.tensor([1, 2]).mean(),
    "inplace_float_into_int": lambda m: m.ones(2, dtype=m.int64).add_(0.5),
    "inplace_broadcast_growth": lambda m: m.ones(3).add_(m.ones(2, 3)),
    "expand": lambda m: m.ones(2, 3).expand(4, 3),
    "permute_dims": lambda m: m.ones(2, 3).permute(0, 2),
    "mm_vector": lambda m: m.mm(m.ones(3), m.ones(3, 2)),
    "grad_unused": lambda m: m.autograd.grad((m.ones(1, requires_grad=True) * 2).sum(), m.ones(1, requires_grad=True)),
    "squeeze_dim": lambda m: m.ones(2, 3).squeeze(2),
    "transpose_dim": lambda m: m.ones(2, 3).transpose(0, 2),
    "index_dtype": lambda m: m.ones(3)[m.tensor([0.0])],
    "chunk_zero": lambda m: m.ones(3).chunk(0),
    "where_condition": lambda m: m.where(m.ones(2), m.ones(2), m.ones(2)),
}


@pytest.mark.parametrize("name", EXPRS)
def test_error_matches_pytorch(name):
    with pytest.raises(Exception) as torch_err:
        EXPRS[name](torch)
    with pytest.raises(type(torch_err.value)) as err:
        EXPRS[name](ember)
    assert str(err.value) == str(torch_err.value).replace("torch", "ember")


def test_shape_mismatch_messages_name_both_shapes():
    with pytest.raises(RuntimeError, match=r"\(2x3 and 4x5\)"):
        ember.ones(2, 3) @ ember.ones(4, 5)
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(4\)"):
        ember.ones(2, 3) + ember.ones(4)
    with pytest.raises(RuntimeError, match=r"shape '\[5, -1\]' is invalid for input of size 12"):
        ember.ones(3, 4).view(5, -1)


@pytest.mark.parametrize("name, shape", [("view_size", (3, 4)), ("view_stride", (4, 3)), ("reshape_size", (6,))])
def test_view_and_reshape_errors_note_the_shape(name, shape):
    """PyTorch's message names the element count only; the note gives the shape it came from."""
    with pytest.raises(RuntimeError) as err:
        EXPRS[name](ember)
    assert err.value.__notes__ == [f"the tensor has shape {shape}"]


def test_non_cpu_device_is_refused_as_by_the_cpu_build():
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        ember.ones(2, device="cuda")
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        ember.ones(2).to("cuda")
