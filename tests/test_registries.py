"""The hand-kept name registries agree with each other, with the op definitions and with PyTorch.

They are: the public op names of ``ember/ops/__init__.py``; the Tensor method tables ``_METHODS``, ``_INPLACE`` and
``_ALIASES`` of ``ember/_tensor_methods.py``; the top-level ``nn.functional`` names ``SAME`` and ``OWN`` of
``ember/_functional.py``; and each op file's ``__all__``.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pathlib
import pkgutil
from types import ModuleType

import pytest
import torch

import ember
import ember.nn.functional as F
import ember.ops
from ember import _functional, _tensor_methods

ROOT = pathlib.Path(ember.__file__).parent
OP_MODULES = sorted(m.name for m in pkgutil.walk_packages(ember.ops.__path__, "ember.ops.")
                    if ".kernels" not in m.name and not m.name.rsplit(".", 1)[-1].startswith("_"))


def _source(module: str) -> pathlib.Path:
    path = ROOT.joinpath(*module.split(".")[1:])
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _literal(path: pathlib.Path, name: str) -> list:
    """The registry ``name = [...]`` (or ``frozenset([...])``, or a dict's keys) as written in ``path``, duplicates
    kept (a set or a dict would drop them); [] when the file has none."""
    for node in ast.parse(path.read_text()).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if not (isinstance(target, ast.Name) and target.id == name):
            continue
        value = node.value.args[0] if isinstance(node.value, ast.Call) else node.value
        if isinstance(value, ast.Dict):
            return [ast.literal_eval(k) for k in value.keys]
        return [ast.literal_eval(e) for e in value.elts]
    return []


def _imported_names(path: pathlib.Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names]


def _duplicates(names: list) -> list:
    return sorted({n for n in names if names.count(n) > 1})


# -- Tensor methods ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", _tensor_methods._METHODS)
def test_method_is_torchs_and_an_op(name):
    assert hasattr(torch.Tensor, name), f"torch.Tensor has no method {name}"
    assert getattr(ember.ops, name, None) is not None, f"ember.ops does not export {name}"
    assert getattr(ember.Tensor, name) is getattr(ember.ops, name)


@pytest.mark.parametrize("name", _tensor_methods._INPLACE)
def test_inplace_method_is_torchs(name):
    method = name.rstrip("_") + "_"
    assert hasattr(torch.Tensor, method), f"torch.Tensor has no method {method}"
    assert getattr(ember.ops, name, None) is not None, f"ember.ops does not export {name}"
    assert hasattr(ember.Tensor, method)


@pytest.mark.parametrize("alias,target", _tensor_methods._ALIASES.items())
def test_alias_is_torchs_and_its_target_exists(alias, target):
    assert hasattr(torch.Tensor, alias), f"torch.Tensor has no method {alias}"
    assert getattr(ember.Tensor, alias) is getattr(ember.ops, target)
    assert alias not in _tensor_methods._METHODS, f"{alias} is both a method and an alias"


def test_method_tables_list_each_name_once():
    for table in ("_METHODS", "_INPLACE"):
        assert _duplicates(_literal(_source("ember._tensor_methods"), table)) == [], table
    assert _duplicates(_literal(_source("ember.ops"), "_ALIASES")) == []


# -- top-level nn.functional names --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(_functional.SAME | _functional.OWN))
def test_top_level_functional_name_is_torchs(name):
    assert callable(getattr(torch, name, None)), f"torch has no top-level {name}"
    if name in _functional.SAME:
        assert callable(getattr(F, name, None)), f"ember.nn.functional has no {name}"
    assert name not in vars(ember.ops), f"{name} is an op of ember.ops already"
    assert getattr(ember, name) is (getattr(F, name) if name in _functional.SAME else getattr(_functional, name))


def test_same_and_own_are_disjoint_and_list_each_name_once():
    path = _source("ember._functional")
    assert _duplicates(_literal(path, "SAME")) == [] and _duplicates(_literal(path, "OWN")) == []
    assert _functional.SAME & _functional.OWN == frozenset()


# -- ember.ops ------------------------------------------------------------------------------------------------------
def test_ops_init_imports_each_name_once():
    assert _duplicates(_imported_names(_source("ember.ops"))) == []


def test_ops_star_exports_only_torch_top_level_functions():
    """``ember/__init__`` does ``from .ops import *``: no op family module and no method-only op (``view``) may
    come along."""
    assert [n for n in ember.ops.__all__ if not callable(getattr(torch, n, None))] == []
    assert [n for n in ember.ops.__all__ if isinstance(getattr(ember.ops, n), ModuleType)] == []
    assert [n for n, v in vars(ember).items() if isinstance(v, ModuleType) and v.__name__.startswith("ember.ops.")] == []
    assert [n for n in ("expand", "repeat", "view") if hasattr(ember, n)] == []


@pytest.mark.parametrize("module", OP_MODULES)
def test_all_lists_existing_names_once(module):
    names = list(getattr(importlib.import_module(module), "__all__", ()))
    assert _duplicates(names) == []
    assert [n for n in names if not hasattr(importlib.import_module(module), n)] == []


def _uses_elsewhere() -> set:
    """(module, name) pairs that some other ember file imports (``from M import name``) or reads as an
    attribute of an imported module (``from .ops import index`` then ``index.getitem``)."""
    used = set()
    for path in ROOT.rglob("*.py"):
        module = ".".join(("ember", *path.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__")
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        aliases = {}
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
                    if node.level else node.module
                for a in node.names:
                    used.add((base, a.name))
                    aliases[a.asname or a.name] = f"{base}.{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    aliases[a.asname or a.name] = a.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                used.add((aliases[node.value.id], node.attr))
    return used


USED = _uses_elsewhere()


@pytest.mark.parametrize("module", OP_MODULES)
def test_every_public_function_is_registered(module):
    """A public function of an op file is exported (its ``__all__``, ``ember.ops`` or ``nn.functional``) or is a
    helper that another file imports; anything else is an op someone forgot to register, or dead code."""
    mod = importlib.import_module(module)
    loose = [name for name, fn in vars(mod).items()
             if inspect.isfunction(fn) and fn.__module__ == module and not name.startswith("_")
             and name not in getattr(mod, "__all__", ()) and getattr(ember.ops, name, None) is not fn
             and getattr(F, name, None) is not fn and (module, name) not in USED]
    assert loose == []
