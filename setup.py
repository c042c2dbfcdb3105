"""The optional compiled kernels (``ember/ops/kernels/csrc``): built when a C compiler is at hand, skipped otherwise.

``optional=True`` turns a failed build into a warning, so ``pip install`` works on a machine with Python alone and
ember then runs on its NumPy kernels. ``-march=native``: the library is compiled on the machine that runs it (an
install from source), so it may use every vector unit there (AVX-512 where present). ``EMBER_NATIVE=0`` at install
skips the build; at run time it leaves the built library unused.
"""
import os

from setuptools import Extension, setup

_CSRC = "ember/ops/kernels/csrc"
native = [
    Extension(
        "ember.ops.kernels._compiled",
        sources=[f"{_CSRC}/{name}.c" for name in ("conv2d", "batch_norm", "row_norm", "threadpool")],
        depends=[f"{_CSRC}/{name}.h" for name in ("threadpool", "reduce", "simd")],
        extra_compile_args=["-O3", "-march=native", "-pthread", "-std=gnu11"],
        extra_link_args=["-pthread"],
        libraries=["m"],
        optional=True,
    )
]

setup(ext_modules=[] if os.environ.get("EMBER_NATIVE") == "0" else native)
