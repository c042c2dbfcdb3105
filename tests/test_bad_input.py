"""The common mistakes with tensors, layers, losses, optimizers, state dicts and the DataLoader: each case runs the
same code on PyTorch and on ember, and ember must raise PyTorch's exception type with PyTorch's message exactly
(``same_error``; ember's extra context comes only as exception notes).

A case is ``fn(lib)``, where ``lib`` is ``torch`` or ``ember``; ``nn``, ``F``, ``optim`` and ``data`` reach the
library's submodules.
"""
import numpy as np
import pytest
import torch

import ember
from oracle import same_error


def nn(lib):
    return lib.nn


def F(lib):
    return lib.nn.functional


def optim(lib):
    return lib.optim


def data(lib):
    return lib.utils.data


def _opt(lib, name, **kw):
    return getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **kw)


def _backward_twice(lib):
    x = lib.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _sched(lib, name, *args, **kw):
    return getattr(lib.optim.lr_scheduler, name)(_opt(lib, "SGD", lr=0.1), *args, **kw)


def _load(lib, model, state, strict=True):
    return model(lib).load_state_dict(state(lib), strict=strict)


def _linear(lib):
    lib.manual_seed(0)
    return lib.nn.Linear(3, 2)


def _two_groups(lib):
    p = lib.zeros(2, requires_grad=True)
    return lib.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def _add_group_twice(lib):
    p = lib.zeros(2, requires_grad=True)
    opt = lib.optim.SGD([p], lr=0.1)
    opt.add_param_group({"params": [p]})


def _dotted_child(lib):
    lib.nn.Module().add_module("a.b", lib.nn.Linear(1, 1))


def _noncontiguous_view(lib):
    lib.zeros(2, 3).t().view(6)


def _loader(lib, **kw):
    return lib.utils.data.DataLoader(list(range(4)), **kw)


def _ds(lib):
    return lib.utils.data.TensorDataset(lib.zeros(3), lib.zeros(4))


CASES = {
    # -- layers: wrong input shape ---------------------------------------------------------------------------------
    "conv1d_channels": lambda lib: nn(lib).Conv1d(3, 4, 3)(lib.zeros(1, 2, 8)),
    "conv1d_rank": lambda lib: nn(lib).Conv1d(3, 4, 3)(lib.zeros(1, 1, 3, 8)),
    "conv2d_channels": lambda lib: nn(lib).Conv2d(3, 4, 3)(lib.zeros(1, 1, 8, 8)),
    "conv2d_rank": lambda lib: nn(lib).Conv2d(3, 4, 3)(lib.zeros(3, 8)),
    "conv2d_kernel_too_big": lambda lib: nn(lib).Conv2d(1, 1, 5)(lib.zeros(1, 1, 3, 3)),
    "conv3d_channels": lambda lib: nn(lib).Conv3d(2, 4, 3)(lib.zeros(1, 3, 4, 4, 4)),
    "conv2d_groups": lambda lib: nn(lib).Conv2d(3, 4, 3, groups=2),
    "conv2d_out_groups": lambda lib: nn(lib).Conv2d(4, 3, 3, groups=2),
    "conv2d_padding_same_stride": lambda lib: nn(lib).Conv2d(1, 1, 3, stride=2, padding="same"),
    "conv2d_padding_string": lambda lib: nn(lib).Conv2d(1, 1, 3, padding="full"),
    "conv2d_int_input": lambda lib: nn(lib).Conv2d(1, 1, 3)(lib.zeros(1, 1, 4, 4, dtype=lib.int64)),
    "linear_features": lambda lib: nn(lib).Linear(4, 2)(lib.zeros(3, 5)),
    "linear_scalar": lambda lib: nn(lib).Linear(4, 2)(lib.zeros(())),
    "linear_double_input": lambda lib: nn(lib).Linear(2, 2)(lib.zeros(1, 2, dtype=lib.float64)),
    "batchnorm1d_features": lambda lib: nn(lib).BatchNorm1d(4)(lib.zeros(2, 3)),
    "batchnorm1d_rank": lambda lib: nn(lib).BatchNorm1d(4)(lib.zeros(2, 4, 3, 3)),
    "batchnorm2d_rank": lambda lib: nn(lib).BatchNorm2d(4)(lib.zeros(2, 4)),
    "batchnorm2d_one_value": lambda lib: nn(lib).BatchNorm1d(4)(lib.zeros(1, 4)),
    "layernorm_shape": lambda lib: nn(lib).LayerNorm(5)(lib.zeros(2, 4)),
    "groupnorm_divisible": lambda lib: nn(lib).GroupNorm(3, 4),
    "groupnorm_input": lambda lib: nn(lib).GroupNorm(2, 4)(lib.zeros(2, 6, 3)),
    "embedding_float_index": lambda lib: nn(lib).Embedding(5, 2)(lib.tensor([1.0])),
    "embedding_out_of_range": lambda lib: nn(lib).Embedding(5, 2)(lib.tensor([5])),
    "embedding_negative": lambda lib: nn(lib).Embedding(5, 2)(lib.tensor([-1])),
    "maxpool_kernel_too_big": lambda lib: nn(lib).MaxPool2d(5)(lib.zeros(1, 1, 3, 3)),
    "maxpool_padding_too_big": lambda lib: nn(lib).MaxPool2d(2, padding=2)(lib.zeros(1, 1, 4, 4)),
    "maxpool_rank": lambda lib: nn(lib).MaxPool2d(2)(lib.zeros(4)),
    "dropout_p": lambda lib: nn(lib).Dropout(1.5),
    "softmax_dim": lambda lib: F(lib).softmax(lib.zeros(2, 3), dim=2),
    "flatten_dims": lambda lib: nn(lib).Flatten(2, 1)(lib.zeros(2, 3, 4)),
    "relu_inplace_leaf": lambda lib: F(lib).relu(lib.zeros(2, requires_grad=True), inplace=True),
    # -- losses -----------------------------------------------------------------------------------------------------
    "ce_float_target_1d": lambda lib: F(lib).cross_entropy(lib.zeros(3, 5), lib.zeros(3)),
    "ce_int_target": lambda lib: F(lib).cross_entropy(lib.zeros(3, 5), lib.zeros(3, dtype=lib.int32)),
    "ce_class_out_of_range": lambda lib: F(lib).cross_entropy(lib.zeros(3, 5), lib.tensor([0, 1, 5])),
    "ce_negative_class": lambda lib: F(lib).cross_entropy(lib.zeros(3, 5), lib.tensor([0, 1, -2])),
    "ce_batch": lambda lib: F(lib).cross_entropy(lib.zeros(3, 5), lib.tensor([0, 1])),
    "ce_reduction": lambda lib: F(lib).cross_entropy(lib.zeros(3, 5), lib.tensor([0, 1, 2]), reduction="bogus"),
    "ce_module_reduction": lambda lib: nn(lib).CrossEntropyLoss(reduction="bogus")(lib.zeros(3, 5),
                                                                                     lib.tensor([0, 1, 2])),
    "ce_prob_target_wrong_shape": lambda lib: F(lib).cross_entropy(lib.zeros(3, 5), lib.rand(3, 4)),
    "ce_prob_target_wrong_batch": lambda lib: F(lib).cross_entropy(lib.zeros(3, 5), lib.rand(2, 5)),
    "ce_prob_target_spatial": lambda lib: F(lib).cross_entropy(lib.zeros(3, 5, 2), lib.rand(3, 5)),
    "ce_1d_input_long_target": lambda lib: F(lib).cross_entropy(lib.zeros(5), lib.tensor([1, 2])),
    "ce_label_smoothing": lambda lib: F(lib).cross_entropy(lib.zeros(3, 5), lib.tensor([0, 1, 2]),
                                                          label_smoothing=1.5),
    "ce_weight_size": lambda lib: F(lib).cross_entropy(lib.zeros(3, 5), lib.tensor([0, 1, 2]), weight=lib.ones(4)),
    "nll_float_target": lambda lib: F(lib).nll_loss(lib.zeros(3, 5), lib.zeros(3)),
    "nll_target_spatial": lambda lib: F(lib).nll_loss(lib.zeros(2, 3, 4), lib.zeros(2, 5, dtype=lib.int64)),
    "mse_reduction": lambda lib: F(lib).mse_loss(lib.zeros(3), lib.zeros(3), reduction="bogus"),
    "mse_broadcast": lambda lib: F(lib).mse_loss(lib.zeros(3), lib.zeros(4)),
    "l1_broadcast": lambda lib: F(lib).l1_loss(lib.zeros(2, 3), lib.zeros(3, 2)),
    "bce_target_above_one": lambda lib: F(lib).binary_cross_entropy(lib.full((2,), 0.5), lib.tensor([2.0, 0.0])),
    "bce_target_negative": lambda lib: nn(lib).BCELoss()(lib.full((2,), 0.5), lib.tensor([-0.5, 0.0])),
    "bce_target_nan": lambda lib: F(lib).binary_cross_entropy(lib.full((2,), 0.5), lib.tensor([float("nan"), 0.0])),
    "bce_input_above_one": lambda lib: F(lib).binary_cross_entropy(lib.tensor([1.5]), lib.tensor([1.0])),
    "bce_input_and_target_bad": lambda lib: F(lib).binary_cross_entropy(lib.tensor([1.5]), lib.tensor([2.0])),
    "bce_target_long": lambda lib: F(lib).binary_cross_entropy(lib.full((2,), 0.5), lib.tensor([1, 0])),
    "bce_logits_size": lambda lib: F(lib).binary_cross_entropy_with_logits(lib.zeros(3), lib.zeros(4)),
    "kl_div_reduction": lambda lib: F(lib).kl_div(lib.zeros(3), lib.zeros(3), reduction="bogus"),
    "smooth_l1_beta": lambda lib: F(lib).smooth_l1_loss(lib.zeros(3), lib.zeros(3), beta=-1.0),
    # -- optimizers and schedulers ----------------------------------------------------------------------------------
    "sgd_negative_lr": lambda lib: _opt(lib, "SGD", lr=-0.1),
    "sgd_negative_momentum": lambda lib: _opt(lib, "SGD", lr=0.1, momentum=-0.5),
    "sgd_negative_weight_decay": lambda lib: _opt(lib, "SGD", lr=0.1, weight_decay=-1.0),
    "sgd_nesterov_no_momentum": lambda lib: _opt(lib, "SGD", lr=0.1, nesterov=True),
    "adam_negative_lr": lambda lib: _opt(lib, "Adam", lr=-1.0),
    "adam_beta1": lambda lib: _opt(lib, "Adam", betas=(1.0, 0.999)),
    "adam_beta2": lambda lib: _opt(lib, "Adam", betas=(0.9, -0.1)),
    "adam_eps": lambda lib: _opt(lib, "Adam", eps=-1e-8),
    "adam_weight_decay": lambda lib: _opt(lib, "Adam", weight_decay=-0.1),
    "adamw_beta": lambda lib: _opt(lib, "AdamW", betas=(0.9, 1.5)),
    "rmsprop_alpha": lambda lib: _opt(lib, "RMSprop", alpha=-0.1),
    "rmsprop_momentum": lambda lib: _opt(lib, "RMSprop", momentum=-0.1),
    "adagrad_lr_decay": lambda lib: _opt(lib, "Adagrad", lr_decay=-0.1),
    "params_a_tensor": lambda lib: lib.optim.SGD(lib.zeros(2, requires_grad=True), lr=0.1),
    "params_empty": lambda lib: lib.optim.SGD([], lr=0.1),
    "params_not_leaf": lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True) * 2], lr=0.1),
    "param_in_two_groups": _two_groups,
    "add_param_group_twice": _add_group_twice,
    "steplr_no_step_size": lambda lib: _sched(lib, "StepLR"),
    "scheduler_not_optimizer": lambda lib: lib.optim.lr_scheduler.StepLR(lib.zeros(2), 1),
    "exponential_gamma_missing": lambda lib: _sched(lib, "ExponentialLR"),
    "onecycle_total_steps": lambda lib: _sched(lib, "OneCycleLR", max_lr=0.1),
    "plateau_mode": lambda lib: _sched(lib, "ReduceLROnPlateau", mode="bogus"),
    "plateau_factor": lambda lib: _sched(lib, "ReduceLROnPlateau", factor=1.5),
    "linear_lr_factor": lambda lib: _sched(lib, "LinearLR", start_factor=0.0),
    "lambda_lr_count": lambda lib: _sched(lib, "LambdaLR", [lambda e: 1.0, lambda e: 1.0]),
    # -- state dicts and modules ------------------------------------------------------------------------------------
    "state_missing_key": lambda lib: _load(lib, _linear, lambda lib: {"weight": lib.zeros(2, 3)}),
    "state_unexpected_key": lambda lib: _load(lib, _linear, lambda lib: {"weight": lib.zeros(2, 3),
                                                                         "bias": lib.zeros(2), "extra": lib.zeros(1)}),
    "state_shape": lambda lib: _load(lib, _linear, lambda lib: {"weight": lib.zeros(3, 3), "bias": lib.zeros(2)}),
    "state_shape_not_strict": lambda lib: _load(lib, _linear, lambda lib: {"weight": lib.zeros(3, 3)}, strict=False),
    "state_not_a_mapping": lambda lib: _load(lib, _linear, lambda lib: [lib.zeros(2, 3)]),
    "optimizer_state_groups": lambda lib: _opt(lib, "SGD", lr=0.1).load_state_dict(
        {"state": {}, "param_groups": [{"params": [0], "lr": 0.1}, {"params": [1], "lr": 0.1}]}),
    "optimizer_state_sizes": lambda lib: _opt(lib, "SGD", lr=0.1).load_state_dict(
        {"state": {}, "param_groups": [{"params": [0, 1], "lr": 0.1}]}),
    "register_parameter_tensor": lambda lib: nn(lib).Module().register_parameter("w", lib.zeros(2)),
    "register_parameter_dotted": lambda lib: nn(lib).Module().register_parameter("a.b", None),
    "register_buffer_not_tensor": lambda lib: nn(lib).Module().register_buffer("b", 3),
    "add_module_dotted": _dotted_child,
    "add_module_not_module": lambda lib: nn(lib).Module().add_module("a", 3),
    "assign_tensor_to_parameter": lambda lib: setattr(nn(lib).Linear(1, 1), "weight", lib.zeros(1, 1)),
    "sequential_index": lambda lib: nn(lib).Sequential(nn(lib).ReLU())[3],
    "modulelist_append": lambda lib: nn(lib).ModuleList().append(3),
    "parameter_int": lambda lib: nn(lib).Parameter(lib.zeros(2, dtype=lib.int64)),
    # -- DataLoader -------------------------------------------------------------------------------------------------
    "loader_batch_size_zero": lambda lib: _loader(lib, batch_size=0),
    "loader_sampler_shuffle": lambda lib: _loader(lib, sampler=[0, 1], shuffle=True),
    "loader_batch_sampler_batch_size": lambda lib: _loader(lib, batch_sampler=[[0, 1]], batch_size=2),
    "loader_batch_sampler_shuffle": lambda lib: _loader(lib, batch_sampler=[[0, 1]], shuffle=True),
    "loader_negative_workers": lambda lib: _loader(lib, num_workers=-1),
    "loader_negative_timeout": lambda lib: _loader(lib, timeout=-1),
    "loader_prefetch_no_workers": lambda lib: _loader(lib, prefetch_factor=2),
    "loader_persistent_no_workers": lambda lib: _loader(lib, persistent_workers=True),
    "loader_drop_last_no_batch": lambda lib: _loader(lib, batch_size=None, drop_last=True),
    "tensor_dataset_sizes": _ds,
    "random_split_lengths": lambda lib: data(lib).random_split(list(range(4)), [3, 3]),
    "batch_sampler_size": lambda lib: data(lib).BatchSampler([0, 1], batch_size=0, drop_last=False),
    "collate_tensor_and_str": lambda lib: data(lib).default_collate([lib.zeros(2), "a"]),
    "collate_tensor_and_int": lambda lib: data(lib).default_collate([lib.zeros(2), 1]),
    "collate_unequal_tensors": lambda lib: data(lib).default_collate([lib.zeros(2), lib.zeros(3)]),
    "collate_int_and_str": lambda lib: data(lib).default_collate([1, "a"]),
    "collate_unequal_lists": lambda lib: data(lib).default_collate([[1, 2], [1]]),
    # -- tensors ----------------------------------------------------------------------------------------------------
    "matmul_shapes": lambda lib: lib.zeros(2, 3) @ lib.zeros(2, 3),
    "matmul_vector": lambda lib: lib.zeros(3) @ lib.zeros(4),
    "mm_rank": lambda lib: lib.mm(lib.zeros(3), lib.zeros(3, 2)),
    "view_noncontiguous": _noncontiguous_view,
    "view_size": lambda lib: lib.zeros(2, 3).view(4, 2),
    "reshape_size": lambda lib: lib.zeros(2, 3).reshape(-1, 4),
    "reshape_two_minus_one": lambda lib: lib.zeros(2, 3).reshape(-1, -1),
    "cat_shapes": lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2, 4)]),
    "cat_ranks": lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(3)]),
    "cat_not_tensor": lambda lib: lib.cat([lib.zeros(2), 1]),
    "stack_shapes": lambda lib: lib.stack([lib.zeros(2), lib.zeros(3)]),
    "stack_not_tensor": lambda lib: lib.stack([lib.zeros(2), None]),
    "index_out_of_range": lambda lib: lib.zeros(3)[3],
    "index_tensor_out_of_range": lambda lib: lib.zeros(3)[lib.tensor([0, 5])],
    "index_too_many": lambda lib: lib.zeros(3)[0, 0],
    "dim_out_of_range": lambda lib: lib.zeros(2, 3).sum(2),
    "requires_grad_int": lambda lib: lib.zeros(2, dtype=lib.int64).requires_grad_(),
    "requires_grad_int_factory": lambda lib: lib.tensor([1, 2], requires_grad=True),
    "backward_twice": _backward_twice,
    "backward_non_scalar": lambda lib: (lib.ones(2, requires_grad=True) * 2).backward(),
    "backward_no_grad": lambda lib: lib.ones(2).sum().backward(),
    "broadcast_add": lambda lib: lib.zeros(2, 3) + lib.zeros(4),
    "inplace_leaf": lambda lib: lib.zeros(2, requires_grad=True).add_(1),
    "item_many": lambda lib: lib.zeros(2).item(),
    "numpy_requires_grad": lambda lib: lib.zeros(2, requires_grad=True).numpy(),
    "expand_size": lambda lib: lib.zeros(2, 3).expand(3, 3),
    "permute_dims": lambda lib: lib.zeros(2, 3).permute(0),
    "transpose_dim": lambda lib: lib.zeros(2, 3).transpose(0, 2),
    "squeeze_dim": lambda lib: lib.zeros(2, 3).squeeze(3),
    "gather_index_dtype": lambda lib: lib.zeros(2, 3).gather(1, lib.zeros(2, 1)),
    "int_floor_divide_by_zero": lambda lib: lib.tensor([5, 6]) // 0,
    "int_remainder_by_zero": lambda lib: lib.tensor([5, 6]) % 0,
    "int_floor_divide_by_zero_tensor": lambda lib: lib.floor_divide(lib.tensor([5, 6]), lib.tensor([0, 1])),
    "int_remainder_by_zero_tensor": lambda lib: lib.remainder(lib.tensor([5, 6]), lib.tensor([1, 0])),
    "int_rfloordiv_by_zero": lambda lib: 5 // lib.tensor([0]),
    "uint8_remainder_by_zero": lambda lib: lib.tensor([5], dtype=lib.uint8) % lib.tensor([0], dtype=lib.uint8),
    "int_div_floor_by_zero": lambda lib: lib.div(lib.tensor([5]), lib.tensor([0]), rounding_mode="floor"),
    "int_div_trunc_by_zero": lambda lib: lib.div(lib.tensor([5, 6]), 0, rounding_mode="trunc"),
    "zeros_float_size": lambda lib: lib.zeros(2.5),
    "ones_float_in_tuple": lambda lib: lib.ones((2, 2.5)),
    "empty_float_size": lambda lib: lib.empty(2.5),
    "rand_float_varargs": lambda lib: lib.rand(2, 2.5),
    "randn_float_first": lambda lib: lib.randn([2.5]),
    "full_float_size": lambda lib: lib.full(2.5, 1.0),
    "zeros_str_size": lambda lib: lib.zeros("ab"),
    "zeros_none_size": lambda lib: lib.zeros(None),
    "zeros_bool_size": lambda lib: lib.zeros(True),
    "zeros_float_then_int": lambda lib: lib.zeros(2.5, 2),
    "zeros_array_size": lambda lib: lib.zeros(np.array([2, 3])),
    "zeros_range_size": lambda lib: lib.zeros(range(3)),
    "ones_numpy_float_in_list": lambda lib: lib.ones([2, np.float64(3)]),
    "tensor_int_and_str": lambda lib: lib.tensor([1, "a"]),
}

XFAIL = {}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=XFAIL[n]))
                                  if n in XFAIL else n for n in CASES])
def test_bad_input_raises_pytorchs_error(name):
    same_error(CASES[name])


def test_bad_padding_mode_names_the_valid_ones():
    # torch prints a set, whose order differs between processes (string hashing): compare the parts
    errors = []
    for lib in (torch, ember):
        with pytest.raises(ValueError) as info:
            nn(lib).Conv2d(1, 1, 3, padding_mode="bogus")
        head, _, rest = str(info.value).partition("{")
        names, _, tail = rest.partition("}")
        errors.append((head, sorted(names.split(", ")), tail))
    assert errors[0] == errors[1]


def test_the_table_is_large():
    assert len(CASES) - len(XFAIL) >= 80


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_step_before_backward_is_no_error(name):
    """Not a mistake: parameters without a gradient are skipped, in PyTorch and in ember."""
    for lib in (torch, ember):
        p = lib.ones(2, requires_grad=True)
        getattr(lib.optim, name)([p], lr=0.1).step()
        assert p.grad is None and p.detach().numpy().tolist() == [1.0, 1.0]
