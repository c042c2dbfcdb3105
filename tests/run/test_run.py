"""``ember run script.py [args]`` and ``python -m ember.run``: torch and torchvision served by ember, PyTorch's
names printed, missing names reported with where the program used them, the program's argv and exit status kept."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ember

ROOT = Path(__file__).parent.parent.parent


def ember_run(tmp_path: Path, source: str, *args: str, launcher=("-m", "ember", "run")):
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(source))
    return subprocess.run([sys.executable, *launcher, str(script), *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": ""})


def test_imports_are_served_by_ember_and_the_program_gets_its_argv(tmp_path):
    (tmp_path / "helper.py").write_text("VALUE = 7\n")
    done = ember_run(tmp_path, """
        import sys
        import torch, torch.nn as nn, torch.nn.functional as F
        import torchvision.transforms as T
        from torch.utils.data import DataLoader
        from safetensors.torch import save_file
        import ember
        import helper
        assert torch is ember and nn is ember.nn and F is ember.nn.functional and T is ember.vision.transforms
        assert issubclass(type(nn.Linear(1, 1)), ember.nn.Module) and torch.__spec__.name == "ember"
        assert save_file is ember.utils.safetensors.save_file
        print(__name__, sys.argv[1:], helper.VALUE)
        print(torch.zeros(2, 3).dtype, torch.ones(2).shape, type(torch.ones(1)), torch.ones(1).type())
        sys.exit(3)
    """, "-h", "--lr", "0.1")
    assert done.returncode == 3, done.stderr
    assert done.stdout.splitlines() == ["__main__ ['-h', '--lr', '0.1'] 7",
                                        "torch.float32 torch.Size([2]) <class 'torch.Tensor'> torch.FloatTensor"]


MISSING = """
    import torch
    assert not hasattr(torch, "frobnicate") and getattr(torch.nn, "Frob", None) is None
    try:
        from torch import frobnicate
    except ImportError as e:
        print(type(e).__mro__[1].__name__, e)
    try:
        import torch.frobnicator
    except ImportError as e:
        print(type(e).__mro__[1].__name__, e)
    try:
        torch.nn.functional.frob
    except AttributeError as e:
        print(type(e).__mro__[1].__name__, e)
    torch.frobnicate(1)
"""


def test_missing_names_say_so_and_where_they_were_used(tmp_path):
    done = ember_run(tmp_path, MISSING)
    program = tmp_path / "program.py"
    assert done.stdout.splitlines() == [
        f"ImportError torch.frobnicate is not implemented in ember (used at {program}:5)",
        f"ModuleNotFoundError torch.frobnicator is not implemented in ember (used at {program}:9)",
        f"AttributeError torch.nn.functional.frob is not implemented in ember (used at {program}:13)",
    ]
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].endswith(
        f"NotImplementedInEmber: torch.frobnicate is not implemented in ember (used at {program}:16)")


def test_python_m_ember_run_is_the_same_command(tmp_path):
    done = ember_run(tmp_path, "import torch, sys; print(torch.cuda.is_available(), torch.float64, sys.argv[1:])",
                     "a", launcher=("-m", "ember.run"))
    assert (done.returncode, done.stdout) == (0, "False torch.float64 ['a']\n"), done.stderr


def test_a_module_runs_with_dash_m(tmp_path):
    (tmp_path / "train_pkg").mkdir()
    (tmp_path / "train_pkg" / "__init__.py").write_text("")
    (tmp_path / "train_pkg" / "__main__.py").write_text("import sys, torch\nprint(torch.Size([1]), sys.argv[1:])\n")
    done = subprocess.run([sys.executable, "-m", "ember", "run", "-m", "train_pkg", "x"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert (done.returncode, done.stdout) == (0, "torch.Size([1]) ['x']\n"), done.stderr


@pytest.mark.parametrize("argv,message", [([], "a script (or -m module) to run is required"),
                                          (["nope.py"], "can't open file 'nope.py': No such file or directory")])
def test_bad_command_lines_exit_2_with_one_line(tmp_path, argv, message):
    done = subprocess.run([sys.executable, "-m", "ember", "run", *argv], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 2 and done.stderr.splitlines()[-1] == f"ember run: error: {message}"


def test_plain_import_keeps_embers_names():
    assert (repr(ember.float32), repr(ember.Size([2])), ember.ones(1).type()) == (
        "ember.float32", "ember.Size([2])", "ember.FloatTensor")
    assert ember.Tensor.__module__ == "ember"
    assert not any(type(finder).__name__ == "TorchFinder" for finder in sys.meta_path)


def test_spawned_workers_and_child_processes_get_ember_too(tmp_path):
    # PyTorch is installed here: without the stand-in packages a spawned DataLoader worker would import it and
    # hand the parent tensors of another library
    done = ember_run(tmp_path, """
        import subprocess, sys
        import torch
        from torch.utils.data import DataLoader, Dataset


        class Squares(Dataset):
            def __len__(self):
                return 6

            def __getitem__(self, i):
                import ember
                assert isinstance(torch.zeros(1), ember.Tensor)
                return torch.tensor([float(i * i)])


        if __name__ == "__main__":
            loader = DataLoader(Squares(), batch_size=3, num_workers=2, multiprocessing_context="spawn")
            print([b.squeeze(1).tolist() for b in loader])
            child = "import torch, ember; print(torch.ones(1).dtype, torch.Tensor is ember.Tensor)"
            print(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True).stdout.strip())
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[[0.0, 1.0, 4.0], [9.0, 16.0, 25.0]]", "torch.float32 True"]
