"""Binary arithmetic against PyTorch: values, gradients, broadcasting, reflected scalars, in-place forms."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn, same_error

SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,)), ((5,), ()), ((2, 3), (1, 1))]

BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "pow": lambda m, a, b: a.abs() ** b,
    "remainder": lambda m, a, b: a % b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "add_alpha": lambda m, a, b: m.add(a, b, alpha=-2.5),
    "sub_alpha": lambda m, a, b: a.sub(b, alpha=3),
    "max_binary": lambda m, a, b: m.max(a, b),
    "atan_via_div": lambda m, a, b: m.div(a, b + 5),
    "addcmul": lambda m, a, b: m.addcmul(a, a, b, value=0.5), "addcdiv": lambda m, a, b: a.addcdiv(b, b * b + 1),
    "lerp": lambda m, a, b: a.lerp(b, 0.3), "lerp_tensor_weight": lambda m, a, b: m.lerp(a, b, b.sigmoid()),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary(name, shapes, dtype):
    a, b = randn(*shapes[0], dtype=dtype), randn(*shapes[1], dtype=dtype, seed=1)
    check(BINARY[name], a, b)


@pytest.mark.parametrize("name", BINARY)
def test_binary_noncontiguous(name):
    check(BINARY[name], randn(3, 4), randn(4, seed=1), noncontiguous=True)


REFLECTED = {
    "radd": lambda m, x: 2 + x, "rsub": lambda m, x: 2 - x, "rmul": lambda m, x: 2 * x,
    "rdiv": lambda m, x: 2 / x, "rpow": lambda m, x: 2 ** x,
    "add_scalar": lambda m, x: x + 1.5, "sub_int": lambda m, x: x - 3, "div_int": lambda m, x: x / 4,
    "pow_2": lambda m, x: x ** 2, "pow_half": lambda m, x: x.abs() ** 0.5, "pow_0": lambda m, x: x ** 0,
    "pow_neg": lambda m, x: x ** -3, "pow_1": lambda m, x: x.pow(1), "neg": lambda m, x: -x,
    "mod_scalar": lambda m, x: x % 0.7, "rpow_tensor_base": lambda m, x: m.pow(3.0, x),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", REFLECTED)
def test_scalar_operand(name, dtype):
    check(REFLECTED[name], randn(2, 3, dtype=dtype), noncontiguous=True)


@pytest.mark.parametrize("op", ["//", "%", "/", "*", "-", "+"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float32"])
def test_integer_semantics(op, dtype):
    """Floor division and remainder follow Python's sign rules; integer / integer is true division."""
    a = np.array([-7, -1, 0, 5, 7, 9]) if dtype != "uint8" else np.array([0, 1, 5, 7, 9, 200])
    b = np.array([2, 3, -4, 3, -2, 5]) if dtype != "uint8" else np.array([2, 3, 4, 3, 2, 5])
    code = f"lambda x, y: (x {op} y, x {op} 3, 7 {op} y)"
    for e, t in zip(eval(code)(ember.tensor(a.astype(dtype)), ember.tensor(b.astype(dtype))),
                    eval(code)(torch.tensor(a.astype(dtype)), torch.tensor(b.astype(dtype)))):
        assert_close(e, t)


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_div_rounding_mode(mode, dtype):
    a, b = np.array([-7, -1, 5, 7, 9]).astype(dtype), np.array([2, 3, 3, -2, 5]).astype(dtype)
    assert_close(ember.tensor(a).div(ember.tensor(b), rounding_mode=mode),
                 torch.tensor(a).div(torch.tensor(b), rounding_mode=mode))
    assert_close(ember.div(ember.tensor(a), 2, rounding_mode=mode), torch.div(torch.tensor(a), 2, rounding_mode=mode))


def test_div_bad_rounding_mode():
    with pytest.raises(ValueError, match="rounding_mode"):
        ember.ones(2).div(2, rounding_mode="round")


def test_floor_divide_has_no_gradient_path():
    x = ember.randn(3, requires_grad=True)
    assert ember.floor_divide(x, 2).grad_fn is None


INPLACE = {
    "add_": lambda t, b: t.add_(b), "sub_": lambda t, b: t.sub_(b, alpha=2), "mul_": lambda t, b: t.mul_(b),
    "div_": lambda t, b: t.div_(b), "pow_": lambda t, b: t.abs().pow_(b), "iadd": lambda t, b: _iop(t, "+=", b),
    "isub": lambda t, b: _iop(t, "-=", b), "imul": lambda t, b: _iop(t, "*=", b),
    "idiv": lambda t, b: _iop(t, "/=", b), "ipow": lambda t, b: _iop(t.abs(), "**=", 2),
    "add_scalar_": lambda t, b: t.add_(2.5), "mul_scalar_": lambda t, b: t.mul_(-3),
    "addcmul_": lambda t, b: t.addcmul_(b, b, value=2), "lerp_": lambda t, b: t.lerp_(b, 0.25),
}


def _iop(t, op, b):
    exec(f"t {op} b")
    return t


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_non_leaf(name):
    """In-place ops on intermediate results: same values and the same gradients as PyTorch."""
    check(lambda m, a, b: INPLACE[name](a * 1, b) * a, randn(3, 4), randn(4, seed=1) + 3)


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_plain_tensor(name):
    check(lambda m, a, b: INPLACE[name](a.clone(), b), randn(3, 4), randn(4, seed=1) + 3, grad=False)


def test_inplace_on_plain_tensor_keeps_identity_and_bumps_version():
    t = ember.ones(3)
    before = t._version
    assert t.add_(1) is t and t.mul_(2) is t
    assert t.tolist() == [4.0, 4.0, 4.0] and t._version == before + 2


@pytest.mark.parametrize("dtype", ["int64", "uint8", "bool"])
def test_inplace_cannot_change_to_wider_category(dtype):
    t, tt = ember.ones(3, dtype=getattr(ember, dtype)), torch.ones(3, dtype=getattr(torch, dtype))
    with pytest.raises(RuntimeError) as torch_err:
        tt.add_(0.5)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type") as err:
        t.add_(0.5)
    assert str(err.value) == str(torch_err.value)


def test_inplace_broadcast_must_fit_self():
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        ember.ones(3).add_(ember.ones(2, 3))


@pytest.mark.parametrize("shapes", [((2, 3), (2, 4)), ((3,), (4,)), ((2, 3, 4), (5, 4))], ids=str)
def test_broadcast_error(shapes):
    with pytest.raises(RuntimeError) as torch_err:
        torch.ones(shapes[0]) + torch.ones(shapes[1])
    for op in ("+", "*", "/", "-", "**"):
        with pytest.raises(RuntimeError, match="must match the size of tensor b") as err:
            eval(f"a {op} b", {"a": ember.ones(shapes[0]), "b": ember.ones(shapes[1])})
        assert str(err.value) == str(torch_err.value)


def test_add_requires_a_tensor():
    with pytest.raises(TypeError):
        ember.add(1, 2)


@pytest.mark.parametrize("expr, name, edges", [
    ("x.addcmul(x, x, value=2)", "AddcmulBackward0", 3), ("x.addcdiv(x, x + 2)", "AddcdivBackward0", 3),
    ("x.lerp(x * 2, 0.5)", "LerpBackward0", 2), ("x.lerp(x, x.sigmoid())", "LerpBackward1", 3),
    ("x.add(x, alpha=2)", "AddBackward0", 2), ("x.sub(1, alpha=2)", "SubBackward0", 2)])
def test_ternary_grad_fn_names(expr, name, edges):
    for lib in (ember, torch):
        out = eval(expr, {"x": lib.ones(3, requires_grad=True)})
        assert (out.grad_fn.name() if lib is ember else type(out.grad_fn).__name__) == name
        assert len(out.grad_fn.next_functions) == edges


def test_alpha_and_value_rules():
    same_error(lambda m: m.tensor([1, 2]).add(m.tensor([1, 2]), alpha=2.5), "alpha must not be a floating point")
    same_error(lambda m: m.tensor([1, 2]).add(m.tensor([1, 2]), alpha=True), "Boolean alpha")
    same_error(lambda m: m.lerp(m.ones(2), m.ones(2, dtype=m.float64), 0.5), "expected dtype float for `end`")
    same_error(lambda m: m.addcdiv(m.ones(2, dtype=m.long), m.ones(2, dtype=m.long), m.ones(2, dtype=m.long)),
               "Integer division with addcdiv")
    same_error(lambda m: m.addcmul(m.ones(2), m.ones(3), m.ones(2)), "must match the size")
    for lib in (ember, torch):
        assert lib.addcmul(lib.ones(2, dtype=lib.long), lib.ones(2, dtype=lib.long), lib.ones(2, dtype=lib.long),
                           value=0.5).tolist() == [1, 1]
        assert lib.addcmul(lib.ones(2), lib.ones(2, dtype=lib.float64), lib.ones(2)).dtype == lib.float64
