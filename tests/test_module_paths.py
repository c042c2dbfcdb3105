"""PyTorch's module paths: whatever ember has of torch.nn, nn.functional, optim and utils.data is importable from the
module PyTorch defines it in (``torch.nn.modules.activation.MultiheadAttention`` ->
``ember.nn.modules.activation.MultiheadAttention``), as the very same object."""
import importlib
import inspect
import pkgutil
import types

import pytest
import torch  # noqa: F401  (loads the namespaces walked below)

import ember  # noqa: F401

NAMESPACES = ["nn", "nn.functional", "optim", "optim.lr_scheduler", "utils.data"]
PACKAGES = ["nn.modules", "optim", "utils.data"]


def _ember_path(torch_module: str) -> str:
    return "ember" + torch_module[len("torch"):]


def _public_api(namespace: str) -> list[tuple[str, str, object]]:
    """(name, torch's defining module, ember's object) for each public class or Python function of torch's
    ``namespace`` that ember's namespace also has; C builtins (no Python module of their own) are skipped."""
    torch_ns = importlib.import_module(f"torch.{namespace}")
    ember_ns = importlib.import_module(f"ember.{namespace}")
    names = getattr(torch_ns, "__all__", None) or [n for n in dir(torch_ns) if not n.startswith("_")]
    found = []
    for name in names:
        obj = getattr(torch_ns, name, None)
        module = getattr(obj, "__module__", None) or ""
        if (isinstance(obj, types.ModuleType) or not (inspect.isclass(obj) or inspect.isfunction(obj))
                or not module.startswith("torch.") or module.startswith("torch._C")):
            continue
        if hasattr(ember_ns, name):
            found.append((name, module, getattr(ember_ns, name)))
    return found


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_public_names_import_from_pytorchs_module_path(namespace):
    api = _public_api(namespace)
    assert len(api) >= {"nn": 100, "nn.functional": 80, "optim": 10, "optim.lr_scheduler": 10,
                        "utils.data": 15}[namespace]
    wrong = []
    for name, module, obj in api:
        try:
            found = getattr(importlib.import_module(_ember_path(module)), name, None)
        except ImportError:
            found = None
        if found is not obj:
            wrong.append(f"{module}.{name}")
    assert not wrong, f"not importable from PyTorch's path in ember: {wrong}"


def _classes_by_name(package: str) -> dict[str, object]:
    """Every class defined in ember's ``package`` and its submodules, by name."""
    pkg = importlib.import_module(package)
    out = {}
    for info in pkgutil.walk_packages(pkg.__path__, package + "."):
        module = importlib.import_module(info.name)
        out.update({n: c for n, c in vars(module).items() if inspect.isclass(c) and c.__module__ == info.name})
    out.update({n: c for n, c in vars(pkg).items() if inspect.isclass(c) and c.__module__.startswith(package)})
    return out


@pytest.mark.parametrize("package", PACKAGES)
def test_base_classes_import_from_pytorchs_module_path(package):
    """The classes of PyTorch's public submodules, private bases included (``batchnorm._BatchNorm``,
    ``conv._ConvNd``...: ``isinstance`` checks in user code name them), where ember has a class of that name."""
    ember_classes = _classes_by_name(f"ember.{package}")
    torch_pkg = importlib.import_module(f"torch.{package}")
    checked, wrong = 0, []
    for info in pkgutil.iter_modules(torch_pkg.__path__, f"torch.{package}."):
        if info.name.rpartition(".")[2].startswith("_"):
            continue
        torch_module = importlib.import_module(info.name)
        for name, cls in vars(torch_module).items():
            if inspect.isclass(cls) and cls.__module__ == info.name and name in ember_classes:
                checked += 1
                try:
                    found = getattr(importlib.import_module(_ember_path(info.name)), name, None)
                except ImportError:
                    found = None
                if found is not ember_classes[name]:
                    wrong.append(f"{info.name}.{name}")
    assert checked >= {"nn.modules": 100, "optim": 10, "utils.data": 10}[package]
    assert not wrong, f"not importable from PyTorch's path in ember: {wrong}"


@pytest.mark.parametrize("path", [
    "nn.modules.activation.MultiheadAttention", "nn.modules.linear.NonDynamicallyQuantizableLinear",
    "nn.modules.batchnorm._BatchNorm", "nn.modules.conv._ConvNd", "nn.modules.loss._Loss",
    "optim.lr_scheduler.LRScheduler", "optim.lr_scheduler.StepLR", "optim.optimizer.Optimizer",
    "utils.data.dataloader.DataLoader", "utils.data._utils.collate.default_collate",
    "utils.data._utils.worker.get_worker_info",
])
def test_paths_real_programs_use(path):
    module, _, name = path.rpartition(".")
    ours = getattr(importlib.import_module(f"ember.{module}"), name)
    theirs = getattr(importlib.import_module(f"torch.{module}"), name)
    assert ours.__name__ == theirs.__name__
