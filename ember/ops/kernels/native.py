"""The optional compiled kernel library: sources in ``csrc/``, built by ``setup.py`` as ``_compiled`` beside this file.

It is built when a C compiler is at hand and absent otherwise; ``EMBER_NATIVE=0`` leaves a built one unused. It is
loaded with ctypes (no Python C-API), and one library serves every kernel family so that they share one thread
pool: two pools would each spin a thread per core. ``conv_native`` and ``norm_native`` decide which cases it
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
    "ember_pool_size": ([], _N),
    "ember_pool_set_size": ([_N], None),
    "ember_conv2d_forward": ([_P] * 4 + [_N] * 7, None),
    "ember_conv2d_forward_narrow": ([_P] * 4 + [_N] * 7, None),
    "ember_conv2d_weight_grad": ([_P] * 3 + [_N] * 7, _I),
    "ember_batch_norm_forward": ([_P] * 7 + [_N] * 3 + [_F, _I], None),
    "ember_batch_norm_backward": ([_P] * 8 + [_N] * 3 + [_I], None),
    "ember_row_norm_forward": ([_P] * 6 + [_N] * 4 + [_F], None),
    "ember_row_norm_backward": ([_P] * 7 + [_N] * 4, None),
}


def _load() -> ctypes.CDLL | None:
    if os.environ.get("EMBER_NATIVE", "1") == "0":
        return None
    folder = Path(__file__).resolve().parent
    for suffix in EXTENSION_SUFFIXES:
        path = folder / f"_compiled{suffix}"
        if path.exists():
            lib = ctypes.CDLL(str(path))
            missing = [name for name in _SIGNATURES if not hasattr(lib, name)]
            if missing:
                warnings.warn(f"{path.name} predates these sources (no {', '.join(missing)}); ember runs on NumPy "
                              "until it is rebuilt (pip install again, or make)", RuntimeWarning, stacklevel=2)
                return None
            for name, (args, result) in _SIGNATURES.items():
                fn = getattr(lib, name)
                fn.argtypes, fn.restype = args, result
            return lib
    return None


lib = _load()
# The library is used while this is true; tests switch it off to check the NumPy kernels on the same cases.
enabled = lib is not None


def available() -> bool:
    """Whether the compiled library was built and loaded."""
    return lib is not None


def ptr(a: np.ndarray | None) -> int | None:
    """The address of ``a``'s first element (None for None: a NULL pointer)."""
    return None if a is None else a.__array_interface__["data"][0]
