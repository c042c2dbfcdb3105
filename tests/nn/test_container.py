"""Containers against PyTorch: numbering of keys, list and dict operations, reprs (with ModuleList's collapsed runs).

Children are a tiny ``Leaf`` layer written for each library, so only the containers themselves are under test.
"""
from collections import OrderedDict

import pytest
import torch

import ember

LIBS = (ember, torch)


def leaf_class(lib):
    class Leaf(lib.nn.Module):
        def __init__(self, n=2):
            super().__init__()
            self.n = n
            self.weight = lib.nn.Parameter(lib.ones(n))

        def forward(self, x):
            return x * self.weight + self.n

        def extra_repr(self):
            return f"n={self.n}"

    return Leaf


LEAF = {lib: leaf_class(lib) for lib in LIBS}


def summary(m):
    """What must agree between the libraries: repr, parameter names and shapes, len when it has one."""
    out = [repr(m).replace("torch", "ember"), [(k, tuple(p.shape)) for k, p in m.named_parameters()]]
    if hasattr(type(m), "__len__"):
        out.append(len(m))
    return out


def seq_ops(lib):
    nn, L = lib.nn, LEAF[lib]
    s = nn.Sequential(L(1), L(2), L(3), L(4))
    return {
        "positional": s,
        "ordered_dict": nn.Sequential(OrderedDict([("conv", L(1)), ("act", L(2))])),
        "slice": s[1:3],
        "slice_step": s[::2],
        "negative_index": s[-1],
        "append": nn.Sequential(L(1)).append(L(5)),
        "extend": nn.Sequential(L(1)).extend([L(2), L(3)]),
        "insert": nn.Sequential(L(1), L(2)).insert(1, L(9)),
        "insert_negative": nn.Sequential(L(1), L(2)).insert(-1, L(9)),
        "add": nn.Sequential(L(1)) + nn.Sequential(L(2), L(3)),
        "mul": nn.Sequential(L(1), L(2)) * 2,
        "rmul": 2 * nn.Sequential(L(1)),
        "nested": nn.Sequential(nn.Sequential(L(1), L(2)), nn.ModuleList([L(3)]), L(4)),
        "empty": nn.Sequential(),
    }


@pytest.mark.parametrize("case", list(seq_ops(ember)))
def test_sequential_matches_torch(case):
    assert summary(seq_ops(ember)[case]) == summary(seq_ops(torch)[case])


def _mutations(lib):
    nn, L = lib.nn, LEAF[lib]
    results = []
    s = nn.Sequential(L(1), L(2), L(3), L(4))
    del s[1]
    results.append(summary(s))
    del s[-2:]
    results.append(summary(s))
    s = nn.Sequential(L(1), L(2), L(3))
    popped = s.pop(0)
    results += [summary(s), popped.n]
    s[-1] = L(7)
    results.append(summary(s))
    s += nn.Sequential(L(8))
    s *= 2
    results.append(summary(s))
    results.append([m.n for m in s])
    ml = nn.ModuleList([L(1), L(2), L(3)])
    ml.insert(1, L(5))
    ml.append(L(6))
    ml.extend([L(7)])
    ml += [L(8)]
    results.append(summary(ml))
    del ml[0]
    ml[-1] = L(9)
    results += [summary(ml), ml.pop(1).n, summary(ml), summary(ml[1:]), summary(ml + nn.ModuleList([L(0)]))]
    del ml[::2]
    results.append(summary(ml))
    md = nn.ModuleDict({"b": L(1), "a": L(2)})
    md["c"] = L(3)
    md.update([("d", L(4))])
    md.update(OrderedDict(e=L(5)))
    del md["a"]
    results += [summary(md), list(md), list(md.keys()), [m.n for m in md.values()], "b" in md, md.pop("b").n,
                summary(md)]
    md.clear()
    results.append(summary(md))
    return results


def test_mutations_match_torch():
    assert _mutations(ember) == _mutations(torch)


def test_sequential_forward_and_iteration():
    for lib in LIBS:
        s = lib.nn.Sequential(LEAF[lib](1), LEAF[lib](2))
        assert s(lib.ones(2)).tolist() == [4.0, 4.0]  # (1*1+1)*1+2
        assert [m.n for m in s] == [1, 2] and len(s) == 2
        assert "0" not in dir(s)


REPEATS = {
    "run_then_single": lambda nn, L: nn.ModuleList([L(2), L(2), L(2), L(3)]),
    "single_then_run": lambda nn, L: nn.ModuleList([L(3), L(2), L(2)]),
    "alternating": lambda nn, L: nn.ModuleList([L(2), L(3), L(2)]),
    "nested_runs": lambda nn, L: nn.ModuleList([nn.Sequential(L(1), L(1)), nn.Sequential(L(1), L(1))]),
    "empty": lambda nn, L: nn.ModuleList(),
    "inside_module": lambda nn, L: nn.Sequential(nn.ModuleList([L(1)] * 4), L(2)),
}


@pytest.mark.parametrize("case", REPEATS)
def test_module_list_repr_collapses_runs_as_torch(case):
    assert repr(REPEATS[case](ember.nn, LEAF[ember])) == repr(REPEATS[case](torch.nn, LEAF[torch]))


def test_module_list_repr_example():
    ml = ember.nn.ModuleList([LEAF[ember](2)] * 3 + [LEAF[ember](1)])
    assert repr(ml) == "ModuleList(\n  (0-2): 3 x Leaf(n=2)\n  (3): Leaf(n=1)\n)"


def test_shared_module_in_list_counted_once():
    for lib in LIBS:
        leaf = LEAF[lib](2)
        ml = lib.nn.ModuleList([leaf, leaf])
        assert len(list(ml.parameters())) == 1 and len(ml) == 2
        assert [k for k, _ in ml.named_parameters(remove_duplicate=False)] == ["0.weight", "1.weight"]


def params(lib):
    nn = lib.nn
    pl = nn.ParameterList([nn.Parameter(lib.zeros(2, 3)), lib.ones(3, dtype=lib.float64), "text"])
    pl.append(lib.ones(1))
    pl.extend([nn.Parameter(lib.zeros(4))])
    pd = nn.ParameterDict({"z": lib.zeros(2), "a": nn.Parameter(lib.ones(1, 2))})  # a plain dict: sorted keys
    pd["m"] = lib.ones(5, dtype=lib.float64)
    pd.update(OrderedDict(y=lib.ones(1), b=lib.ones(1)))  # an OrderedDict keeps its order
    pd["n"] = 3
    return {
        "list": pl, "list_slice": pl[1:4], "dict": pd, "dict_copy": pd.copy(),
        "list_keys": [k for k, _ in pl.named_parameters()], "dict_keys": list(pd.keys()),
        "dict_params": [k for k, _ in pd.named_parameters()], "dict_get": [pd.get("zz", 1), "a" in pd, len(pd)],
        "list_types": [type(p).__name__ for p in pl],
    }


@pytest.mark.parametrize("case", list(params(ember)))
def test_parameter_containers_match_torch(case):
    e, t = params(ember)[case], params(torch)[case]
    if isinstance(t, torch.nn.Module):
        assert summary(e) == summary(t)
    else:
        assert e == t


def test_parameter_dict_mutation_matches_torch():
    out = {}
    for lib in LIBS:
        pd = lib.nn.ParameterDict({"a": lib.ones(1), "b": lib.ones(2)})
        popped = pd.pop("a")
        pd.setdefault("c", lib.zeros(3))
        key, _ = pd.popitem()
        pd |= lib.nn.ParameterDict({"d": lib.ones(4)})
        merged = pd | lib.nn.ParameterDict({"e": lib.ones(1)})
        out[lib.__name__] = [type(popped).__name__, key, list(pd), list(merged), list(reversed(pd))]
        pd.clear()
        out[lib.__name__].append(len(pd))
    assert out["ember"] == out["torch"]


CONTAINER_ERRORS = {
    "seq_index": lambda nn, L: nn.Sequential(L())[3],
    "seq_add_list": lambda nn, L: nn.Sequential(L()) + [L()],
    "seq_mul_zero": lambda nn, L: nn.Sequential(L()) * 0,
    "seq_insert_range": lambda nn, L: nn.Sequential(L()).insert(5, L()),
    "seq_insert_non_module": lambda nn, L: nn.Sequential(L()).insert(0, 3),
    "seq_non_module": lambda nn, L: nn.Sequential(L(), 3),
    "list_index": lambda nn, L: nn.ModuleList([L()])[-2],
    "list_extend_int": lambda nn, L: nn.ModuleList().extend(3),
    "list_call": lambda nn, L: nn.ModuleList([L()])(1),
    "dict_missing": lambda nn, L: nn.ModuleDict()["x"],
    "dict_update_int": lambda nn, L: nn.ModuleDict().update(3),
    "dict_update_bad_pair": lambda nn, L: nn.ModuleDict().update([("a", L(), 1)]),
    "dict_dot_key": lambda nn, L: nn.ModuleDict({"a.b": L()}),
    "plist_call": lambda nn, L: nn.ParameterList()(1),
    "plist_index": lambda nn, L: nn.ParameterList()[0],
    "pdict_int_key": lambda nn, L: nn.ParameterDict()[1],
    "pdict_update_int": lambda nn, L: nn.ParameterDict().update(3),
    "pdict_call": lambda nn, L: nn.ParameterDict()(),
}


@pytest.mark.parametrize("case", CONTAINER_ERRORS)
def test_container_errors_match_torch(case):
    with pytest.raises(Exception) as te:
        CONTAINER_ERRORS[case](torch.nn, LEAF[torch])
    with pytest.raises(type(te.value)) as ee:
        CONTAINER_ERRORS[case](ember.nn, LEAF[ember])
    assert str(ee.value) == str(te.value).replace("torch", "ember")
