"""The compiled kernels' builds: a baseline build any machine of the architecture runs, wider builds chosen by the
CPU at run time, no stale library after an install that did not build them."""
import os
import pathlib
import platform
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES

import pytest

from ember.ops.kernels import native

ROOT = pathlib.Path(__file__).resolve().parents[2]
KERNELS = ROOT / "ember" / "ops" / "kernels"
X86 = platform.machine().lower() in ("x86_64", "amd64")


@pytest.mark.parametrize("level, built, expected", [
    (2, {"base", "avx2", "avx512"}, "avx512"),
    (1, {"base", "avx2", "avx512"}, "avx2"),
    (0, {"base", "avx2", "avx512"}, "base"),
    (2, {"base", "avx2"}, "avx2"),
    (2, {"base"}, "base"),
    (1, {"avx512"}, None),
    (0, set(), None),
])
def test_the_widest_build_the_cpu_runs_is_chosen(level, built, expected):
    assert native.choose(level, built) == expected


def test_the_loaded_build_is_the_widest_this_cpu_runs():
    if native.lib is None:
        pytest.skip("the compiled kernels are not built here")
    built = {v for v, _ in native._VARIANTS if native._path(v) is not None}
    assert native.variant == native.choose(native.lib.ember_cpu_level(), built)
    lanes = {"base": 4, "avx2": 8, "avx512": 16}[native.variant] if X86 else 4
    assert native.lib.ember_vector_length() == lanes


def _instructions(path: pathlib.Path) -> str:
    return subprocess.run(["objdump", "-d", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(not X86 or shutil.which("objdump") is None, reason="x86-64 with objdump only")
@pytest.mark.parametrize("variant, forbidden", [("base", ("%ymm", "%zmm")), ("avx2", ("%zmm",))])
def test_narrower_builds_hold_no_wider_vector_instructions(variant, forbidden):
    path = native._path(variant)
    if path is None:
        pytest.skip(f"_compiled_{variant} is not built here")
    code = _instructions(path)
    assert [f for f in forbidden if f in code] == []
    assert ".debug_info" not in subprocess.run(["objdump", "-h", str(path)], capture_output=True, text=True).stdout


def _project_copy(tmp_path: pathlib.Path) -> pathlib.Path:
    """setup.py, its metadata and the C sources in a scratch folder, with a stale library in place."""
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(KERNELS / "csrc", tmp_path / "ember" / "ops" / "kernels" / "csrc")
    stale = tmp_path / "ember" / "ops" / "kernels" / f"_compiled_base{EXTENSION_SUFFIXES[0]}"
    stale.write_bytes(b"an old build")
    os.utime(stale, (0, 0))  # older than the sources, as after they changed
    return stale


def test_an_install_with_ember_native_0_removes_an_earlier_build(tmp_path):
    stale = _project_copy(tmp_path)
    subprocess.run([sys.executable, "setup.py", "--version"], cwd=tmp_path, capture_output=True, check=True,
                   env=dict(os.environ, EMBER_NATIVE="0"))
    assert not stale.exists()


def test_a_failed_build_removes_the_earlier_library_and_says_so(tmp_path):
    stale = _project_copy(tmp_path)
    out = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=tmp_path, capture_output=True,
                         text=True, env=dict(os.environ, CC="false", EMBER_NATIVE="1"))
    assert out.returncode == 0  # optional: the install goes on without the kernels
    assert not stale.exists()
    assert "ember runs on its NumPy kernels" in out.stderr


@pytest.mark.parametrize("env, words", [({"EMBER_NATIVE": "0"}, "switched off by EMBER_NATIVE=0"),
                                        ({"EMBER_NATIVE": "1"}, None)])
def test_describe_says_which_kernels_run(env, words):
    code = "from ember.ops.kernels import native; print(native.describe())"
    line = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, **env), capture_output=True, text=True,
                          check=True).stdout.strip()
    if words is None:  # the default: the build that loaded, or why none did
        words = f"compiled ({native.variant} build" if native.lib is not None else "was not built"
    assert line.startswith("kernels: ") and words in line
