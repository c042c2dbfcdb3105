"""``python -m ember.coverage``: PyTorch's public names per namespace and which ember has."""
import re

import pytest
import torch

import ember
from ember import coverage


def test_the_table_has_a_row_per_namespace_with_consistent_counts(capsys):
    assert coverage.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ember's coverage of PyTorch {torch.__version__}'s public names\n")
    rows = {m[0]: (int(m[1]), int(m[2]), int(m[3]))
            for m in re.findall(r"^\| ([\w. ]+) \| (\d+) \| (\d+) \| (\d+) \|$", out, re.M)}
    assert list(rows) == [label for label, _, _ in coverage.NAMESPACES] + ["all"]
    for label, (have, total, percent) in rows.items():
        assert 0 <= have <= total and percent == round(100 * have / total)
    assert rows["all"][1] == sum(total for label, (_, total, _) in rows.items() if label != "all")


@pytest.mark.parametrize("label", ["nn", "nn.functional", "optim.lr_scheduler", "Tensor"])
def test_a_name_counts_as_present_exactly_when_ember_has_it(label):
    row = coverage.coverage(label)
    ember_ns = {"nn": ember.nn, "nn.functional": ember.nn.functional, "optim.lr_scheduler": ember.optim.lr_scheduler,
                "Tensor": ember.Tensor}[label]
    assert set(row.missing) <= set(row.names)
    assert all(not hasattr(ember_ns, n) for n in row.missing)
    assert all(hasattr(ember_ns, n) for n in set(row.names) - set(row.missing))


def test_pytorchs_names_are_its_api_only():
    functional = coverage.torch_names("nn.functional")
    assert {"relu", "conv2d", "scaled_dot_product_attention"} <= set(functional)
    # typing helpers, flags, docstrings and TorchScript plumbing the module merely imports
    assert not {"Optional", "TYPE_CHECKING", "reproducibility_notes", "boolean_dispatch", "handle_torch_function",
                "math", "warnings"} & set(functional)
    assert "Linear" in coverage.torch_names("nn") and "modules" not in coverage.torch_names("nn")
    assert coverage.torch_names("Tensor") == sorted(n for n in dir(torch.Tensor) if not n.startswith("_"))
    assert coverage.torch_names("distributions") == sorted(torch.distributions.__all__)


def test_torchvision_rows_use_its_listed_names():
    models = coverage.coverage("torchvision.models")
    assert "resnet18" not in models.missing and "ResNet18_Weights" not in models.missing
    assert "swin_t" in models.missing
    assert "RandAugment" in coverage.torch_names("torchvision.transforms")


def test_an_ember_namespace_that_fails_to_import_has_nothing(monkeypatch):
    monkeypatch.setattr(coverage, "NAMESPACES", [("fft", "torch.fft", "ember._no_such_module")])
    row = coverage.coverage("fft")
    assert row.names and row.missing == row.names and row.percent == 0


def test_missing_lists_the_names_ember_lacks(capsys):
    assert coverage.main(["--missing", "nn"]) == 0
    assert capsys.readouterr().out.split() == coverage.coverage("nn").missing
    with pytest.raises(SystemExit):
        coverage.main(["--missing", "nope"])
