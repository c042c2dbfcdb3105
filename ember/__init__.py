"""ember: PyTorch's user-facing API on NumPy. ``import ember as torch`` and tutorials run unchanged."""
from ._dtype import (bool_ as bool, complex64, complex128, dtype, float16, float32, float64, get_default_dtype, int8,
                     int16, int32, int64, layout, set_default_dtype, sparse_coo, strided, uint8)
from ._device import device
from ._size import Size
from ._tensor_str import get_printoptions, set_printoptions
from ._tensor import Tensor
from . import _tensor_methods  # noqa: F401  (attaches methods and operators to Tensor)
from ._creation import (arange, as_tensor, bernoulli, empty, empty_like, eye, from_numpy, full, full_like, linspace,
                        logspace, multinomial, normal, ones, ones_like, rand, rand_like, randint, randint_like, randn,
                        randn_like, randperm, tensor, zeros, zeros_like)
from ._random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .ops import *  # noqa: F401,F403  (ember.exp, ember.matmul, ...: the same functions Tensor methods use)
from .ops import round_ as round  # noqa: F401
from .ops.kernels.threads import get_num_threads, set_num_threads
from . import autograd

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


_SUBPACKAGES = frozenset([
    "nn", "optim", "utils", "vision", "linalg", "fft", "distributions", "jit", "onnx", "distributed",
    "multiprocessing", "cuda", "backends", "accelerator", "amp", "mps", "xpu", "serialization", "random", "cpu", "overrides",
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
    from ._functional import lookup

    fn = lookup(name)
    if fn is not None:
        return fn
    raise AttributeError(f"module 'ember' has no attribute '{name}'")
