"""dtypes: names and aliases, PyTorch's type promotion for every operand kind, conversions between dtypes."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close

NAMES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
ALIASES = ["float", "double", "half", "long", "int", "short"]


@pytest.mark.parametrize("name", NAMES + ALIASES)
def test_dtype_objects(name):
    e, t = getattr(ember, name), getattr(torch, name)
    assert repr(e) == repr(t).replace("torch", "ember")
    assert e.is_floating_point == t.is_floating_point and e.is_signed == t.is_signed and e.itemsize == t.itemsize
    assert ember.zeros(1, dtype=e).dtype is e


def test_default_dtype():
    assert ember.get_default_dtype() is ember.float32
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1.5]).dtype is ember.float64 and ember.ones(1).dtype is ember.float64
        assert (ember.tensor([1]) / 2).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


def _operands(lib):
    """(label, operand) pairs: dimensioned tensors and zero-dim tensors of every dtype, and Python numbers."""
    out = []
    for name in NAMES:
        dt = getattr(lib, name)
        out.append((f"{name}[2]", lib.ones(2, dtype=dt)))
        out.append((f"{name}[]", lib.ones((), dtype=dt)))
    out += [("True", True), ("2", 2), ("2.5", 2.5)]
    return out


@pytest.mark.parametrize("left", [label for label, _ in _operands(torch)])
def test_binary_promotion(left):
    """Result dtype of + * / and == for each left operand against every right operand, as in PyTorch."""
    e_ops, t_ops = dict(_operands(ember)), dict(_operands(torch))
    for right in e_ops:
        a_e, b_e, a_t, b_t = e_ops[left], e_ops[right], t_ops[left], t_ops[right]
        if not (isinstance(a_t, torch.Tensor) or isinstance(b_t, torch.Tensor)):
            continue
        for op in ("+", "*", "/", "==", "-"):
            try:
                expected = eval(f"a {op} b", {"a": a_t, "b": b_t})
            except RuntimeError:
                with pytest.raises(RuntimeError):
                    eval(f"a {op} b", {"a": a_e, "b": b_e})
                continue
            got = eval(f"a {op} b", {"a": a_e, "b": b_e})
            assert repr(got.dtype) == repr(expected.dtype).replace("torch", "ember"), f"{left} {op} {right}"


@pytest.mark.parametrize("expr, dtype", [
    ("m.tensor([1, 2]) + 1.5", "float32"), ("m.tensor([1, 2]) / m.tensor([2, 2])", "float32"),
    ("m.tensor([3])", "int64"), ("m.tensor([1, 2]) * 2", "int64"), ("m.tensor(3) + m.ones(2, dtype=m.uint8)", "uint8"),
    ("m.ones(2, dtype=m.int32) + m.tensor(2.5, dtype=m.float64)", "float64"),
    ("m.ones(2, dtype=m.float16) + m.tensor(2.5, dtype=m.float64)", "float16"),
    ("m.ones(2, dtype=m.bool) + True", "bool"), ("m.ones(2, dtype=m.bool) + 1", "int64"),
    ("m.ones(2, dtype=m.uint8) + m.ones(2, dtype=m.int8)", "int16"),
    ("m.ones(2, dtype=m.int64) + m.ones(2)", "float32"), ("m.ones(2, dtype=m.int8) ** 2", "int8"),
    ("m.ones(2, dtype=m.int8) ** 2.0", "float32"), ("m.tensor([4]) // 3", "int64"), ("m.tensor([4]) % 3.0", "float32"),
])
def test_named_promotion_cases(expr, dtype):
    e, t = eval(expr, {"m": ember}), eval(expr, {"m": torch})
    assert str(t.dtype) == f"torch.{dtype}"
    assert_close(e, t)


CONVERSIONS = ["float", "double", "half", "long", "int", "short", "char", "byte", "bool"]


@pytest.mark.parametrize("method", CONVERSIONS)
@pytest.mark.parametrize("source", ["float32", "float64", "int64", "bool", "uint8"])
def test_conversion_methods(method, source):
    data = np.array([-1.7, 0.0, 2.5, 3.0]) if source.startswith("float") else np.array([0, 1, 1, 0])
    e = getattr(ember.tensor(data.astype(source)), method)()
    t = getattr(torch.tensor(data.astype(source)), method)()
    assert_close(e, t)


def test_to_and_type():
    x, tx = ember.tensor([1.5, -2.0]), torch.tensor([1.5, -2.0])
    assert x.to(ember.float32) is x and x.float() is x
    assert_close(x.to(ember.int64), tx.to(torch.int64))
    assert_close(x.to("cpu", ember.float64), tx.to("cpu", torch.float64))
    assert_close(x.to(dtype=ember.int32), tx.to(dtype=torch.int32))
    assert_close(x.to(ember.ones(1, dtype=ember.float16)), tx.to(torch.ones(1, dtype=torch.float16)))
    assert x.to("cpu") is x and x.to(ember.device("cpu")) is x and x.cpu() is x
    assert x.to(ember.float32, copy=True) is not x
    assert x.type() == "ember.FloatTensor" and x.long().type() == "ember.LongTensor"
    assert x.type(ember.float64).dtype is ember.float64
    assert x.type("ember.IntTensor").dtype is ember.int32 and x.type("torch.ByteTensor").dtype is ember.uint8
    assert x.type_as(ember.ones(1, dtype=ember.int16)).dtype is ember.int16
    assert x.to(float).dtype is ember.float32 and x.to(int).dtype is ember.int64 and x.to(bool).dtype is ember.bool


@pytest.mark.parametrize("name", NAMES)
def test_legacy_type_names_like_torch(name):
    """``type()`` prints PyTorch's legacy class name and ``type(name)`` reads it back, for every dtype."""
    x, tx = ember.zeros(1, dtype=getattr(ember, name)), torch.zeros(1, dtype=getattr(torch, name))
    assert x.type() == tx.type().replace("torch.", "ember.")
    assert ember.zeros(1).type(tx.type()).dtype is x.dtype


@pytest.mark.parametrize("name", ["torch.FooTensor", "Float", "torch.Float"])
def test_invalid_legacy_type_name(name):
    with pytest.raises(ValueError) as ours:
        ember.zeros(1).type(name)
    with pytest.raises(ValueError) as theirs:
        torch.zeros(1).type(name)
    assert str(ours.value) == str(theirs.value) == f"invalid type: '{name}'"


@pytest.mark.parametrize("name", [n for n in NAMES if n != "float32"])
def test_cpp_type_names_in_messages_like_torch(name):
    """Kernel messages print a dtype's C++ type ("long int", "c10::Half"): lerp's and mm's do."""
    def messages(lib):
        x, other = lib.ones(2, 2, dtype=lib.float32), lib.ones(2, 2, dtype=getattr(lib, name))
        out = []
        for fn in (lambda: lib.lerp(x, other, 0.5), lambda: lib.nn.functional.linear(x, other)):
            with pytest.raises(RuntimeError) as info:
                fn()
            out.append(str(info.value))
        return out

    assert messages(ember) == messages(torch)


def test_conversion_keeps_the_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.grad_fn.name() == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.dtype is ember.float32 and x.grad.tolist() == [2.0, 4.0]
    assert x.long().requires_grad is False


def test_item_tolist_numpy():
    x = ember.tensor([[1.5, 2.0]])
    assert x.tolist() == [[1.5, 2.0]] and ember.tensor(3).item() == 3 and isinstance(ember.tensor(3).item(), int)
    assert isinstance(ember.tensor(2.5).item(), float) and ember.tensor([True]).item() is True
    assert x[0, 1].item() == 2.0 and ember.tensor(7).tolist() == 7
    assert isinstance(x.numpy(), np.ndarray) and x.numpy().dtype == np.float32
    with pytest.raises(RuntimeError) as torch_err:
        torch.ones(2).item()
    with pytest.raises(RuntimeError) as err:
        ember.ones(2).item()
    assert str(err.value) == str(torch_err.value)
    with pytest.raises(RuntimeError) as torch_err:
        torch.ones(2, requires_grad=True).numpy()
    with pytest.raises(RuntimeError) as err:
        ember.ones(2, requires_grad=True).numpy()
    assert str(err.value) == str(torch_err.value)
    assert float(ember.tensor([2.5])) == 2.5 and int(ember.tensor(3.7)) == 3 and [10, 20][ember.tensor(1)] == 20


@pytest.mark.parametrize("expr", [
    "x.size()", "x.size(1)", "x.size(-1)", "x.shape", "x.dim()", "x.ndim", "x.ndimension()", "x.numel()", "x.nelement()",
    "x.is_contiguous()", "x.t().is_contiguous()", "x.stride()", "x.t().stride()", "x[:, ::2].stride()", "x.stride(0)",
    "x.element_size()", "x.is_floating_point()", "x.long().is_floating_point()", "len(x)", "x.is_leaf",
    "x.requires_grad", "x.shape[1:]", "x.size()[0]", "x.shape.numel()", "str(x.dtype)", "str(x.device)",
    "x.is_cuda", "x.shape == (2, 3)", "list(x.shape)", "x.T.shape", "x.mT.shape", "x.unsqueeze(0).mT.shape",
    "x.dtype.is_floating_point", "x.device.type", "x.is_complex()", "x.nbytes", "x.itemsize",
])
def test_metadata(expr):
    e = eval(expr, {"x": ember.zeros(2, 3)})
    t = eval(expr, {"x": torch.zeros(2, 3)})
    if isinstance(t, str):
        t = t.replace("torch", "ember")
    assert e == t if not isinstance(t, torch.Size) else tuple(e) == tuple(t)


def test_size_behaves_like_a_tuple():
    s = ember.ones(6, 1, 3, 3).shape
    assert isinstance(s, tuple) and isinstance(s, ember.Size) and s == (6, 1, 3, 3)
    assert isinstance(s[1:], ember.Size) and s[1:] == (1, 3, 3) and s[0] == 6
    assert repr(s + (2,)) == "ember.Size([6, 1, 3, 3, 2])" and s.numel() == 54
    assert ember.Size([2, 3]) == (2, 3) and repr(ember.Size()) == "ember.Size([])"
