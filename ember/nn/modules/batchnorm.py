"""Batch normalization layers: ``BatchNorm1d/2d/3d``, ``SyncBatchNorm`` and their shared base ``_NormBase``."""
from __future__ import annotations

from ... import _creation, distributed as dist
from ..._dtype import int64
from ...autograd.grad_mode import no_grad
from .. import functional as F
from ..parameter import UninitializedBuffer, UninitializedParameter
from ._functions import SyncBatchNorm as _sync_batch_norm
from .lazy import LazyModuleMixin, lazy_class
from .module import Module
from .normalization import _register_affine, _reset_affine

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "LazyBatchNorm1d", "LazyBatchNorm2d",
           "LazyBatchNorm3d"]


class _NormBase(Module):
    """Per-feature affine parameters and running statistics shared by batch and instance norm.

    Buffers ``running_mean`` (zeros), ``running_var`` (ones) and ``num_batches_tracked`` (int64 scalar) exist when
    ``track_running_stats``; otherwise they are registered as None.
    """

    _version = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _register_affine(self, num_features, affine, bias, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", _creation.zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", _creation.ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", _creation.tensor(0, dtype=int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def _check_input_dim(self, input) -> None:
        raise NotImplementedError

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        _reset_affine(self)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        # checkpoints written before num_batches_tracked existed (version < 2) load with the current count
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = (self.num_batches_tracked if self.num_batches_tracked is not None
                                   else _creation.tensor(0, dtype=int64))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class _BatchNorm(_NormBase):
    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            # momentum None: cumulative moving average, each batch weighted 1 / batches seen
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)


def _dim_checker(allowed: tuple[int, ...], words: str):
    def check(self, input) -> None:
        if input.dim() not in allowed:
            raise ValueError(f"expected {words} input (got {input.dim()}D input)")

    return check


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L): per channel, statistics over N (and L).

    ``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias``; training normalises with the batch statistics
    (biased variance) and updates the running ones (unbiased variance), eval uses the running ones.
    """

    _check_input_dim = _dim_checker((2, 3), "2D or 3D")


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W): per channel, statistics over N, H and W (see :class:`BatchNorm1d`)."""

    _check_input_dim = _dim_checker((4,), "4D")


class BatchNorm3d(_BatchNorm):
    """Batch norm over (N, C, D, H, W): per channel, statistics over N, D, H and W (see :class:`BatchNorm1d`)."""

    _check_input_dim = _dim_checker((5,), "5D")


class SyncBatchNorm(_BatchNorm):
    """Batch norm whose training statistics cover the whole batch across the ranks of ``process_group`` (the
    world by default), not just this rank's part; outside training, or in a world of one, it is ``BatchNorm``.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group=None, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        if input.size(1) == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")
        group = self.process_group or dist.group.WORLD
        if not (self.training and dist.is_initialized() and dist.get_world_size(group) > 1):
            return super().forward(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats:
            self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        running_mean, running_var = (self.running_mean, self.running_var) if self.track_running_stats else (None, None)
        return _sync_batch_norm.apply(input, self.weight, self.bias, running_mean, running_var, self.eps, factor, group,
                                      dist.get_world_size(group))

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group=None) -> Module:
        """``module`` with every ``BatchNorm*d`` replaced by a SyncBatchNorm sharing its parameters and buffers."""
        converted = module
        if isinstance(module, _BatchNorm):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group)
            if module.affine:
                converted.weight = module.weight
                converted.bias = module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.training = module.training
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted


class _LazyNormBase(LazyModuleMixin):
    """Lazy batch and instance norms: ``num_features`` from the first input's channel dim."""

    def _lazy_init(self, affine: bool, track_running_stats: bool, device, dtype) -> None:
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *rest) -> None:
        if self.has_uninitialized_params():
            with no_grad():
                self.num_features = input.shape[1]
                shape = (self.num_features,)
                self._materialize({n: shape for n in ("weight", "bias", "running_mean", "running_var")})
                self.reset_parameters()

    def _sizes_from_loaded(self, shapes: dict) -> None:
        self.num_features = next(iter(shapes.values()))[0]


def _lazy_norm(eager: type) -> type:
    """The lazy twin of a batch or instance norm class (without ``num_features``)."""

    # affine and track_running_stats default to True for the lazy instance norms too, as in PyTorch
    def __init__(self, eps: float = 1e-5, momentum=0.1, affine: bool = True, track_running_stats: bool = True,
                 device=None, dtype=None) -> None:
        eager.__init__(self, 0, eps, momentum, affine, track_running_stats, device, dtype)
        self._start_lazy()
        self._lazy_init(affine, track_running_stats, device, dtype)

    return lazy_class(_LazyNormBase, eager, "num_features", __init__, __name__)


LazyBatchNorm1d = _lazy_norm(BatchNorm1d)
LazyBatchNorm2d = _lazy_norm(BatchNorm2d)
LazyBatchNorm3d = _lazy_norm(BatchNorm3d)
