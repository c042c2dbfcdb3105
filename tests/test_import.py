"""``import ember`` stays light: the optional and heavy packages load on first use, never at import."""
import json
import subprocess
import sys

import pytest

_PROBE = """
import json, sys
import ember
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'matplotlib', 'PIL', 'tqdm', 'scipy')
                        or m.startswith(('ember.nn', 'ember.optim', 'ember.utils', 'ember.vision', 'ember.cli')))))
"""


@pytest.fixture(scope="module")
def loaded() -> list:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_loads_no_optional_dependency(loaded):
    assert [m for m in loaded if not m.startswith("ember")] == []


def test_import_leaves_subpackages_for_first_use(loaded):
    # autograd's hook handles (ember.utils.hooks, PyTorch's path) import nothing; ember.utils.data waits
    assert [m for m in loaded if m.startswith("ember")] == ["ember.utils", "ember.utils.hooks"]


def test_utils_loads_data_on_attribute_access():
    code = "import sys, ember.utils; ember.utils.data.DataLoader; print('ember.utils.data' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"]


def test_subpackages_load_on_attribute_access():
    code = "import sys, ember; ember.nn.Linear; print('ember.nn' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_missing_attributes_raise_attribute_error():
    # hasattr and getattr with a default rely on AttributeError; a lazily imported name that does not exist must
    # not surface as an ImportError
    import ember

    for name in ("no_such_thing", "torch"):
        assert not hasattr(ember, name)
        assert getattr(ember, name, None) is None


def test_every_lazy_subpackage_is_torchs_and_imports():
    import torch

    import ember

    for name in sorted(ember._SUBPACKAGES - {"vision"}):  # vision stands for torchvision
        assert hasattr(torch, name), name
        assert getattr(ember, name).__name__ == f"ember.{name}"
