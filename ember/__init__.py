"""ember: PyTorch's user-facing API on NumPy. ``import ember as torch`` and tutorials run unchanged."""
import math as _math_module
from ._dtype import (bfloat16, bool_ as bool, channels_last, channels_last_3d, complex64, complex128, contiguous_format, dtype,
                     float16, float32, float64, get_default_dtype, int8, int16, int32, int64, layout, memory_format,
                     preserve_format, set_default_dtype, sparse_coo, strided, uint8)
from ._device import device
from ._size import Size
from ._tensor_str import get_printoptions, set_printoptions
from ._tensor import Tensor
from . import _tensor_methods  # noqa: F401  (attaches methods and operators to Tensor)
from ._creation import (arange, as_tensor, bernoulli, empty, empty_like, empty_permuted, empty_strided, eye, fill,
                        from_numpy, full, full_like, linspace, logspace, multinomial, normal, ones, ones_like, rand,
                        rand_like, randint, randint_like, randn, randn_like, randperm, range, scalar_tensor, tensor,
                        zeros, zeros_like)
from ._eager import (compile, cond, sym_constrain_range, sym_constrain_range_for_size, sym_float, sym_int, sym_ite,
                     sym_max, sym_min, sym_not, sym_sqrt, sym_sum)
from ._random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from ._settings import (are_deterministic_algorithms_enabled, get_deterministic_debug_mode, get_device_module,
                        get_float32_matmul_precision, get_num_interop_threads, has_lapack, has_mkl, has_openmp,
                        has_spectral, init_num_threads, is_deterministic_algorithms_warn_only_enabled, is_storage,
                        is_vulkan_available, is_warn_always_enabled, set_default_tensor_type,
                        set_deterministic_debug_mode, set_float32_matmul_precision, set_flush_denormal,
                        set_num_interop_threads, set_warn_always, typename, use_deterministic_algorithms)
from .autograd import (enable_grad, inference_mode, is_anomaly_check_nan_enabled, is_anomaly_enabled,
                       is_grad_enabled, no_grad, set_anomaly_enabled, set_grad_enabled)
from .autograd.grad_mode import is_inference_mode_enabled
from .ops import *  # noqa: F401,F403  (ember.exp, ember.matmul, ...: the same functions Tensor methods use)
from .ops import round_ as round  # noqa: F401
from .ops.kernels.threads import get_num_threads, set_num_threads
from .ops.kernels import random_native as _random_native
from . import _mt19937

# the random modules sit below ops; they get the compiled kernels from here
_mt19937.use_kernels(_random_native)
del _random_native  # ember's namespace holds no ops modules
# freed arrays' memory stays in the heap for the next step (see _allocator.py)
from . import _allocator  # noqa: E402

_allocator.keep_freed_blocks()
from . import autograd

# PyTorch's functions that are Tensor methods called with the tensor first (``torch.abs_(t)``, ``torch.is_conj(t)``)
for _name in _tensor_methods.TOP_LEVEL_METHODS:
    globals()[_name] = getattr(Tensor, _name)

e, pi, inf, nan, newaxis = _math_module.e, _math_module.pi, _math_module.inf, _math_module.nan, None

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
cfloat = complex64
cdouble = complex128

__version__ = "0.1.0"


def is_tensor(obj) -> "builtins.bool":
    """True if ``obj`` is an ember Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> "builtins.int":
    """Number of elements in ``input``."""
    return input.numel()


def clone(input: Tensor) -> Tensor:
    """A copy of ``input`` that records history (``CloneBackward0``)."""
    return input.clone()


def detach(input: Tensor) -> Tensor:
    """``input`` cut from the autograd graph, sharing its data."""
    return input.detach()


def clip(input: Tensor, min=None, max=None) -> Tensor:
    """Alias of ``clamp``."""
    return clamp(input, min, max)  # noqa: F405


_AUTOCAST_SWITCHES = frozenset([
    "set_autocast_enabled", "set_autocast_dtype", "get_autocast_cpu_dtype", "set_autocast_cpu_dtype",
    "is_autocast_cpu_enabled", "set_autocast_cpu_enabled", "get_autocast_gpu_dtype", "set_autocast_gpu_dtype",
    "get_autocast_ipu_dtype", "set_autocast_ipu_dtype", "is_autocast_ipu_enabled", "set_autocast_ipu_enabled",
    "get_autocast_xla_dtype", "set_autocast_xla_dtype", "is_autocast_xla_enabled", "set_autocast_xla_enabled",
    "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache", "autocast_increment_nesting",
    "autocast_decrement_nesting",
])
_SUBPACKAGES = frozenset([
    "nn", "optim", "utils", "vision", "linalg", "fft", "distributions", "jit", "onnx", "distributed",
    "multiprocessing", "cuda", "backends", "accelerator", "amp", "mps", "xpu", "serialization", "random", "cpu",
    "overrides",
])


def __getattr__(name: str):
    # heavy or optional subpackages load on first use, keeping `import ember` fast
    import importlib

    if name in _SUBPACKAGES:
        try:
            return importlib.import_module(f"ember.{name}")
        except ModuleNotFoundError as e:  # a subpackage not written yet is a missing attribute (hasattr works)
            if e.name != f"ember.{name}":
                raise
            raise AttributeError(f"module 'ember' has no attribute '{name}'") from None
    if name in ("save", "load"):
        return getattr(importlib.import_module("ember.serialization"), name)
    if name in ("autocast", "is_autocast_enabled", "get_autocast_dtype"):
        return getattr(importlib.import_module("ember.amp"), name)
    if name in _AUTOCAST_SWITCHES:
        return getattr(importlib.import_module("ember.amp._state"), name)
    from ._functional import lookup

    fn = lookup(name)
    if fn is not None:
        return fn
    raise AttributeError(f"module 'ember' has no attribute '{name}'")
