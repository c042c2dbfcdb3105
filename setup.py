"""The optional compiled kernels (``ember/ops/kernels/csrc``): built when a C compiler is at hand, skipped otherwise.

``optional=True`` turns a failed build into a warning, so ``pip install`` works on a machine with Python alone and
ember then runs on its NumPy kernels. The library is built for the architecture's baseline, so a wheel runs on any
machine of that architecture; on x86-64 it is also built with AVX2+FMA and with AVX-512, and ember loads the widest
build the CPU supports at run time (``ember/ops/kernels/native.py``). ``EMBER_NATIVE=0`` at install skips the build
and removes libraries an earlier build left in the source tree; at run time it leaves a built library unused.
"""
import glob
import os
import platform
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

_CSRC = "ember/ops/kernels/csrc"
_SOURCES = [f"{_CSRC}/{name}.c" for name in ("conv2d", "matmul", "batch_norm", "row_norm", "random", "relu", "lstm",
                                             "pool", "layout", "threadpool", "cpu")]
_HEADERS = [f"{_CSRC}/{name}.h" for name in ("threadpool", "reduce", "simd", "matmul")]
_X86 = platform.machine().lower() in ("x86_64", "amd64")
# name suffix: flags selecting the instruction set (-g0 after Python's own -g: no debug info is shipped)
_VARIANTS = {
    "base": ["-march=x86-64", "-mtune=generic"] if _X86 else
            ["-march=armv8-a"] if platform.machine().lower() in ("aarch64", "arm64") else [],
}
if _X86:
    _VARIANTS["avx2"] = ["-march=x86-64", "-mavx2", "-mfma", "-mtune=haswell"]
    _VARIANTS["avx512"] = ["-march=x86-64", "-mavx2", "-mfma", "-mavx512f", "-mavx512cd", "-mavx512bw",
                           "-mavx512dq", "-mavx512vl", "-mtune=skylake-avx512"]


class BuildKernels(build_ext):
    """Builds each kernel library; when one fails, removes an older copy so a stale library is never loaded, and
    says on stderr (which pip shows without -v) that ember will run on its NumPy kernels."""

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as error:
            built = self.get_ext_fullpath(ext.name)
            in_source = os.path.join(os.path.dirname(os.path.abspath(__file__)), *ext.name.split(".")[:-1],
                                     os.path.basename(built))
            for target in (built, in_source):
                if os.path.exists(target):
                    os.remove(target)
            sys.stderr.write(f"ember: {ext.name} was not built ({error}); ember runs on its NumPy kernels\n")
            raise


native = [
    Extension(
        f"ember.ops.kernels._compiled_{variant}",
        sources=_SOURCES,
        depends=_HEADERS,
        # errno and FP-exception semantics off: no result changes (no reassociation), but sqrtf stays an
        # instruction and float selects become blends, so more loops vectorise
        extra_compile_args=["-O3", *flags, "-fno-math-errno", "-fno-trapping-math", "-pthread", "-std=gnu11", "-g0"],
        extra_link_args=["-pthread", "-s"],
        libraries=["m"],
        optional=True,
    )
    for variant, flags in _VARIANTS.items()
]

if os.environ.get("EMBER_NATIVE") == "0":
    for stale in glob.glob("ember/ops/kernels/_compiled_*"):
        os.remove(stale)
    native = []

setup(ext_modules=native, cmdclass={"build_ext": BuildKernels})
