"""PyTorch-style programs (a CNN, a VAE, an LSTM/GRU, a GAN, REINFORCE, tutorial tensor code) run unmodified under
``ember run`` and print what they print under PyTorch: the same text, numbers equal to float32 accuracy.

Their data, noise and initial weights come from NumPy generators, so the two runs start alike whatever each
library's own random stream does. The PyTorch run happens in this process (torch is imported already); the ember
run is a real ``python -m ember run program.py`` subprocess.
"""
import contextlib
import io
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import torch

PROGRAMS = Path(__file__).parent / "programs"
ROOT = Path(__file__).parent.parent.parent
_NUMBER = re.compile(r"-?\d+\.\d*(?:e[-+]?\d+)?|-?\d+e[-+]?\d+")


def run_with_torch(program: Path, args: list[str]) -> str:
    out = io.StringIO()
    argv, threads, benchmark = sys.argv, torch.get_num_threads(), torch.backends.cudnn.benchmark
    sys.argv = [str(program), *args]
    torch.set_num_threads(1)  # these tiny models only lose time to thread hand-offs
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(program), run_name="__main__")
    finally:  # the programs set flags as GPU programs do: this process's torch is left as it was
        sys.argv = argv
        torch.set_num_threads(threads)
        torch.backends.cudnn.benchmark = benchmark
    return out.getvalue()


def run_with_ember(program: Path, args: list[str], cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "ember", "run", str(program), *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 0, done.stderr
    return done.stdout


def assert_same_output(ours: str, theirs: str, rtol: float = 2e-3, atol: float = 2e-4):
    """Line by line: the text equal once numbers and object addresses are masked, the numbers close."""
    ours, theirs = (re.sub(r"0x[0-9a-f]+", "0x", s).splitlines() for s in (ours, theirs))
    assert len(ours) == len(theirs), "\n".join(ours)
    for a, b in zip(ours, theirs):
        assert _NUMBER.sub("#", a) == _NUMBER.sub("#", b), f"\nember: {a}\ntorch: {b}"
        for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b)):
            assert abs(float(x) - float(y)) <= atol + rtol * abs(float(y)), f"\nember: {a}\ntorch: {b}"


@pytest.mark.parametrize("name", ["cnn", "vae", "rnn", "gan", "reinforce"])
def test_program_prints_what_it_prints_under_pytorch(name, tmp_path):
    program = PROGRAMS / f"{name}.py"
    theirs = run_with_torch(program, [str(tmp_path / "torch.pt")])
    ours = run_with_ember(program, [str(tmp_path / "ember.pt")], tmp_path)
    assert_same_output(ours, theirs)


def test_tutorial_output_is_pytorchs_text_exactly(tmp_path):
    program = PROGRAMS / "tensors.py"
    ours = run_with_ember(program, [], tmp_path)
    assert "torch.float32" in ours and "torch.Size([3, 4])" in ours and "<class 'torch.Tensor'>" in ours
    assert re.sub(r"0x[0-9a-f]+", "", ours) == re.sub(r"0x[0-9a-f]+", "", run_with_torch(program, []))
