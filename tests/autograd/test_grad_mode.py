"""Grad-mode switches: no_grad, enable_grad, set_grad_enabled, inference_mode as context managers and decorators."""
import pytest
import torch

import ember


def _records(lib) -> bool:
    return (lib.ones(1, requires_grad=True) * 2).requires_grad


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_context_managers(lib):
    assert lib.is_grad_enabled() and _records(lib)
    with lib.no_grad():
        assert not lib.is_grad_enabled() and not _records(lib)
        with lib.enable_grad():
            assert lib.is_grad_enabled() and _records(lib)
        assert not _records(lib)
    with lib.set_grad_enabled(False):
        assert not _records(lib)
    with lib.inference_mode():
        assert not _records(lib)
    with lib.inference_mode(False):
        assert _records(lib)
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_set_grad_enabled_as_a_function(lib):
    lib.set_grad_enabled(False)
    try:
        assert not lib.is_grad_enabled()
    finally:
        lib.set_grad_enabled(True)
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_decorators(lib):
    @lib.no_grad()
    def f():
        """doc"""
        return _records(lib)

    @lib.no_grad
    def g():
        return _records(lib)

    @lib.enable_grad()
    def h():
        return _records(lib)

    @lib.inference_mode()
    def i():
        return _records(lib)

    @lib.set_grad_enabled(False)
    def j():
        return _records(lib)

    assert lib.is_grad_enabled()
    assert not f() and not g() and not i() and not j() and f.__doc__ == "doc" and f.__name__ == "f"
    with lib.no_grad():
        assert h()
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_mode_restored_after_exception(lib):
    with pytest.raises(ValueError):
        with lib.no_grad():
            raise ValueError
    assert lib.is_grad_enabled()

    @lib.no_grad()
    def boom():
        raise KeyError

    with pytest.raises(KeyError):
        boom()
    assert lib.is_grad_enabled()


def test_no_grad_allows_inplace_on_leaves():
    w = ember.ones(3, requires_grad=True)
    with ember.no_grad():
        w -= 0.5
        w.mul_(2)
        w[0] = 7.0
    assert w.tolist() == [7.0, 1.0, 1.0] and w.requires_grad and w.is_leaf and w.grad_fn is None


def test_recursive_decorated_calls_restore_mode():
    @ember.no_grad()
    def rec(n):
        return rec(n - 1) if n else ember.is_grad_enabled()

    assert rec(3) is False and ember.is_grad_enabled()
