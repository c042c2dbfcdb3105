"""Public dtype facts (``ember/_dtype.py``): finfo/iinfo, promote_types, result_type, can_cast,
is_floating_point and the default device, against PyTorch."""
import itertools

import pytest
import torch

import ember
from oracle import same_error

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "complex64",
         "complex128"]
FLOATS = ["float16", "float32", "float64", "complex64", "complex128"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


def ember_name(d) -> str:
    return repr(d).replace("ember.", "")


@pytest.mark.parametrize("name", FLOATS + [None])
def test_finfo_matches_torch(name):
    e = ember.finfo(getattr(ember, name)) if name else ember.finfo()
    t = torch.finfo(getattr(torch, name)) if name else torch.finfo()
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(e, attr) == getattr(t, attr), attr
        assert type(getattr(e, attr)) is type(getattr(t, attr)), attr
    assert repr(e) == repr(t)
    assert e == ember.finfo(getattr(ember, name) if name else None)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(name):
    e, t = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    for attr in ("bits", "max", "min", "dtype"):
        assert getattr(e, attr) == getattr(t, attr), attr
        assert type(getattr(e, attr)) is type(getattr(t, attr)), attr
    assert repr(e) == repr(t)


def test_promote_types_and_can_cast_match_torch_for_every_pair():
    for a, b in itertools.product(NAMES, NAMES):
        ea, eb, ta, tb = getattr(ember, a), getattr(ember, b), getattr(torch, a), getattr(torch, b)
        assert ember_name(ember.promote_types(ea, eb)) == str(torch.promote_types(ta, tb)).replace("torch.", ""), \
            (a, b)
        assert ember.can_cast(ea, eb) == torch.can_cast(ta, tb), (a, b)


def test_result_type_matches_torch():
    def operands(lib):
        return [lib.tensor([1, 2]), lib.tensor([1.0], dtype=lib.float64), lib.tensor(1.0), lib.tensor(3),
                lib.tensor([True]), lib.tensor([1], dtype=lib.uint8), lib.tensor(1, dtype=lib.int8), 2, 2.5, True]
    for i, j in itertools.product(range(10), range(10)):
        e_args, t_args = (operands(ember)[i], operands(ember)[j]), (operands(torch)[i], operands(torch)[j])
        assert ember_name(ember.result_type(*e_args)) == str(torch.result_type(*t_args)).replace("torch.", ""), \
            (i, j)


def test_is_floating_point_and_default_device():
    for lib in (ember, torch):
        assert lib.is_floating_point(lib.zeros(2)) and not lib.is_floating_point(lib.tensor([1]))
    assert ember.get_default_device() == ember.device("cpu")
    ember.set_default_device("cpu")
    ember.set_default_device(None)
    assert ember.get_default_device().type == "cpu"
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        ember.set_default_device("cuda")


@pytest.mark.parametrize("fn", [
    lambda lib: lib.finfo(lib.int32),
    lambda lib: lib.finfo(lib.bool),
    lambda lib: lib.iinfo(lib.float32),
    lambda lib: lib.iinfo(lib.bool),
    lambda lib: lib.can_cast(lib.float32, "a"),
    lambda lib: lib.is_floating_point(3.0),
], ids=lambda f: "")
def test_errors_match_torch(fn):
    same_error(fn)
