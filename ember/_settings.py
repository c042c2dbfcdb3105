"""Process-wide switches and build queries of ``torch``'s top level: deterministic algorithms, float32 matmul
precision, inter-op threads, warn-always, denormal flushing, which libraries the build has, the deprecated default
tensor type. ember's kernels are deterministic and compute float32 products in float32, so most switches are kept
and reported rather than acted on; each says so."""
from __future__ import annotations

import warnings

import numpy as np

from . import _dtype, _naming
from ._tensor import Tensor
from .ops.kernels.threads import get_num_threads

_STATE = {"deterministic": False, "warn_only": False, "matmul_precision": "highest", "interop_threads": None,
          "warn_always": False}
_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms only. ember's ops are deterministic already (for a given thread count),
    so this records the request for ``are_deterministic_algorithms_enabled``."""
    _STATE["deterministic"], _STATE["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _STATE["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _STATE["warn_only"]


def set_deterministic_debug_mode(debug_mode) -> None:
    """0/"default", 1/"warn" or 2/"error": the same switch as ``use_deterministic_algorithms``."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    if not _STATE["deterministic"]:
        return 0
    return 1 if _STATE["warn_only"] else 2


def set_float32_matmul_precision(precision: str) -> None:
    """"highest", "high" or "medium". ember's float32 products are always computed in float32 ("highest")."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      f"setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _STATE["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _STATE["matmul_precision"]


def set_num_interop_threads(num: int) -> None:
    """The size of PyTorch's pool for running independent ops at once; ember runs ops one after another and
    splits each over ``get_num_threads()`` threads, so this is recorded only."""
    if num <= 0:
        raise RuntimeError("Expected positive number of threads")
    _STATE["interop_threads"] = int(num)


def get_num_interop_threads() -> int:
    return _STATE["interop_threads"] or get_num_threads()


def init_num_threads() -> None:
    """Nothing to initialise: ember's pools start on first use."""


def set_warn_always(b: bool) -> None:
    _STATE["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    return _STATE["warn_always"]


def set_flush_denormal(mode: bool) -> bool:
    """Whether denormal flushing could be set: NumPy gives no control over the FPU's mode, so False."""
    return False


has_lapack = True  # NumPy's linalg brings LAPACK
has_mkl = False
has_openmp = False
has_spectral = True


def is_vulkan_available() -> bool:
    return False


def set_default_tensor_type(t) -> None:
    """The deprecated form of ``set_default_dtype``: a type name or legacy class (``torch.DoubleTensor``)."""
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    name = t if isinstance(t, str) else getattr(t, "__name__", str(t))
    kind = name.rsplit(".", 1)[-1]
    table = {"FloatTensor": _dtype.float32, "DoubleTensor": _dtype.float64, "HalfTensor": _dtype.float16,
             "BFloat16Tensor": _dtype.bfloat16}
    if kind not in table:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(table[kind])


def typename(obj) -> str:
    """PyTorch's type name of ``obj``: ``torch.FloatTensor`` for a float32 tensor, the class path otherwise."""
    if isinstance(obj, Tensor):
        return f"{_naming.PACKAGE}.{_dtype._type_name(obj._data.dtype)}Tensor"
    if isinstance(obj, np.ndarray):
        return "numpy.ndarray"
    module = type(obj).__module__
    return type(obj).__qualname__ if module == "builtins" else f"{module}.{type(obj).__qualname__}"


def is_storage(obj) -> bool:
    """ember has no separate storage objects."""
    return False


def get_device_module(device=None):
    """The module of a device type (``ember.cpu``, ``ember.cuda``...), the CPU's by default."""
    import importlib

    name = "cpu" if device is None else (device if isinstance(device, str) else device.type).split(":")[0]
    if name not in ("cpu", "cuda", "mps", "xpu"):
        raise RuntimeError(f"Device '{name}' does not have a corresponding module registered as 'torch.{name}'.")
    return importlib.import_module(f"ember.{name}")
