"""The optional compiled kernel library: sources in ``csrc/``, built by ``setup.py`` beside this file.

It is built when a C compiler is at hand and absent otherwise; ``EMBER_NATIVE=0`` leaves a built one unused. It is
loaded with ctypes (no Python C-API), and one library serves every kernel family so that they share one thread
pool: two pools would each spin a thread per core. Builds: ``_compiled_base`` for the architecture's baseline
(any x86-64, any aarch64) and, on x86-64, ``_compiled_avx2`` and ``_compiled_avx512``; the baseline build tells
which the CPU can run (``ember_cpu_level``), and the widest of those is loaded. ``conv_native`` and ``norm_native`` decide which cases it
computes; everything else, and every case when it is absent, takes the NumPy kernels.
"""
from __future__ import annotations

import ctypes
import os
import warnings
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import numpy as np

_P, _N, _F, _I = ctypes.c_void_p, ctypes.c_long, ctypes.c_float, ctypes.c_int
# name: (argument types, result type)
_SIGNATURES = {
    "ember_vector_length": ([], _I),
    "ember_cpu_level": ([], _I),
    "ember_pool_size": ([], _N),
    "ember_pool_set_size": ([_N], None),
    "ember_conv2d_forward": ([_P] * 4 + [_N] * 13 + [_P], None),
    "ember_conv2d_run_longs": ([], _I),
    "ember_conv2d_forward_narrow": ([_P] * 4 + [_N] * 9, None),
    "ember_conv2d_weight_grad": ([_P] * 3 + [_N] * 13, None),
    "ember_batch_norm_forward": ([_P] * 7 + [_N] * 3 + [_F, _I], None),
    "ember_batch_norm_backward": ([_P] * 8 + [_N] * 3 + [_I], None),
    "ember_row_norm_forward": ([_P] * 6 + [_N] * 4 + [_F], None),
    "ember_row_norm_backward": ([_P] * 7 + [_N] * 4, None),
    "ember_nchw_to_padded_nhwc": ([_P, _P] + [_N] * 9, None),
    "ember_nhwc_to_nchw": ([_P, _P] + [_N] * 5, None),
    "ember_pack_conv_weight": ([_P, _P] + [_N] * 9, None),
    "ember_unpack_conv_weight": ([_P, _P] + [_N] * 5, None),
    "ember_relu_forward": ([_P, _P, _N], None),
    "ember_relu_backward": ([_P, _P, _P, _N], None),
    "ember_leaky_relu_forward": ([_P, _P, _P, _N, _F], None),
    "ember_leaky_relu_backward": ([_P, _P, _P, _N, _F], None),
    "ember_mt19937_fill": ([_P, _N, _P, _N], _N),
    "ember_normal16_f32": ([_P, _P, _N, _F, _F], None),
    "ember_normal16_f64": ([_P, _P, _N, ctypes.c_double, ctypes.c_double], None),
    "ember_fisher_yates": ([_P, _P, _N], None),
    "ember_max_pool2d_forward": ([_P] * 3 + [_N] * 13, None),
    "ember_max_pool2d_backward": ([_P] * 3 + [_N] * 5, None),
    "ember_matmul_wide": ([_P] * 4 + [_N] * 7, None),
    "ember_lstm_forward": ([_P, _P, _N] + [_P] * 8 + [_N, _I, _N], None),
    "ember_lstm_backward": ([_P, _P, _N] + [_P] * 7 + [_N, _I, _N], None),
}


# the builds by the CPU level (``ember_cpu_level``) they need, widest first
_VARIANTS = (("avx512", 2), ("avx2", 1), ("base", 0))


def _path(variant: str) -> Path | None:
    folder = Path(__file__).resolve().parent
    for suffix in EXTENSION_SUFFIXES:
        path = folder / f"_compiled_{variant}{suffix}"
        if path.exists():
            return path
    return None


def choose(level: int, built: set) -> str | None:
    """The widest build in ``built`` that a CPU of ``level`` runs (None when there is none)."""
    for variant, needs in _VARIANTS:
        if variant in built and level >= needs:
            return variant
    return None


def _load() -> tuple[ctypes.CDLL | None, str | None]:
    if os.environ.get("EMBER_NATIVE", "1") == "0":
        return None, None
    base = _path("base")
    if base is None:
        return None, None
    probe = ctypes.CDLL(str(base))
    if not hasattr(probe, "ember_cpu_level"):
        warnings.warn(f"{base.name} predates these sources; ember runs on NumPy until it is rebuilt (pip install "
                      "again, or make)", RuntimeWarning, stacklevel=2)
        return None, None
    built = {variant for variant, _ in _VARIANTS if _path(variant) is not None}
    variant = choose(probe.ember_cpu_level(), built)
    lib = probe if variant == "base" else ctypes.CDLL(str(_path(variant)))
    missing = [name for name in _SIGNATURES if not hasattr(lib, name)]
    if missing:
        warnings.warn(f"{_path(variant).name} predates these sources (no {', '.join(missing)}); ember runs on "
                      "NumPy until it is rebuilt (pip install again, or make)", RuntimeWarning, stacklevel=2)
        return None, None
    for name, (args, result) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, result
    return lib, variant


lib, variant = _load()
# The library is used while this is true; tests switch it off to check the NumPy kernels on the same cases.
enabled = lib is not None


def describe() -> str:
    """One line saying which kernels run: a compiled build, or NumPy's and why (a failed build is otherwise only
    visible in the install's log)."""
    if os.environ.get("EMBER_NATIVE", "1") == "0":
        return "kernels: NumPy (the compiled library is switched off by EMBER_NATIVE=0)"
    if lib is None:
        return "kernels: NumPy (the compiled library was not built: install a C compiler and reinstall ember)"
    return f"kernels: compiled ({variant} build, {lib.ember_pool_size()} threads) and NumPy"


def available() -> bool:
    """Whether the compiled library was built and loaded."""
    return lib is not None


def ptr(a: np.ndarray | None) -> int | None:
    """The address of ``a``'s first element (None for None: a NULL pointer)."""
    return None if a is None else a.__array_interface__["data"][0]
