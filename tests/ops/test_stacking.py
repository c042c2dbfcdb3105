"""Stacking, splitting, tiling, rotating and index grids (``ember/ops/stacking.py``) against PyTorch: values,
gradients, node names, float64 and float32, and PyTorch's errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check_node_names, randn, same_error

A, B, V, S = randn(3, 4), randn(3, 4, seed=1), randn(4, seed=2), randn(seed=3)
CUBE = randn(2, 3, 4, seed=4)

CASES = {
    "hstack": (lambda lib, a, b: lib.hstack([a, b]), A, B),
    "hstack_1d": (lambda lib, a, b: lib.hstack((a, b)), V, V),
    "vstack": (lambda lib, a, v: lib.vstack([a, v]), A, V),
    "row_stack": (lambda lib, a, b: lib.row_stack([a, b]), A, B),
    "dstack": (lambda lib, a, b: lib.dstack([a, b]), A, B),
    "dstack_3d": (lambda lib, c, v: lib.dstack([c, c]), CUBE, V),
    "column_stack": (lambda lib, v, a, s: lib.column_stack([v[:3], a, s.expand(3)]), V, A, S),
    "concat": (lambda lib, a, b: lib.concat([a, b], dim=1), A, B),
    "concatenate": (lambda lib, a, b: lib.concatenate([a, b], -1), A, B),
    "atleast_1d": (lambda lib, s, v: (lib.atleast_1d(s), *lib.atleast_1d(s, v), *lib.atleast_1d([v])), S, V),
    "atleast_2d": (lambda lib, s, v, a: lib.atleast_2d(s, v, a), S, V, A),
    "atleast_3d": (lambda lib, s, v, a, c: lib.atleast_3d([s, v, a, c]), S, V, A, CUBE),
    "block_diag": (lambda lib, a, v, s: lib.block_diag(a, v, s, a[:1]), A, V, S),
    "tensor_split_int": (lambda lib, a: lib.tensor_split(a, 3, dim=1), A),
    "tensor_split_more": (lambda lib, a: a.tensor_split(5), A),
    "tensor_split_idx": (lambda lib, a: lib.tensor_split(a, [1, -1, 9], dim=1), A),
    "tensor_split_tensor": (lambda lib, a: lib.tensor_split(a, lib.tensor([0, 2])), A),
    "hsplit": (lambda lib, a: lib.hsplit(a, 2), A),
    "hsplit_1d": (lambda lib, v: v.hsplit([1, 3]), V),
    "vsplit": (lambda lib, a: lib.vsplit(a, [1]), A),
    "dsplit": (lambda lib, c: lib.dsplit(c, 2), CUBE),
    "tile": (lambda lib, a: lib.tile(a, (2,)), A),
    "tile_more": (lambda lib, a: a.tile(2, 1, 3), A),
    "rot90": (lambda lib, a: lib.rot90(a), A),
    "rot90_k": (lambda lib, c: (lib.rot90(c, 2, [1, 2]), c.rot90(-1, [2, 0]), lib.rot90(c, 4)), CUBE),
    "fliplr": (lambda lib, a: lib.fliplr(a), A),
    "flipud": (lambda lib, c: c.flipud(), CUBE),
    "broadcast_tensors": (lambda lib, a, v, s: lib.broadcast_tensors(a, v, s), A, V, S),
    "combinations": (lambda lib, v: lib.combinations(v), V),
    "combinations_r3": (lambda lib, v: lib.combinations(v, 3, with_replacement=True), V),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_torch(name, dtype):
    fn, *inputs = CASES[name]
    check_node_names(fn, *inputs, dtype=dtype)


def test_index_grids_and_shapes_match_torch():
    for args in [(3, 4), (4, 3, 1), (3, 3, -1), (0, 2), (5, 2, -7)]:
        for name in ("tril_indices", "triu_indices"):
            assert_close(getattr(ember, name)(*args), getattr(torch, name)(*args))
    assert ember.tril_indices(3, 3, dtype=ember.int32).dtype == ember.int32
    assert ember.broadcast_shapes((2, 1), (3,), 1) == (2, 3)
    assert tuple(ember.broadcast_shapes((5, 1, 4), (1, 3, 1))) == tuple(torch.broadcast_shapes((5, 1, 4), (1, 3, 1)))
    assert_close(ember.block_diag(ember.tensor(1), ember.tensor([2.0, 3.0])),
                 torch.block_diag(torch.tensor(1), torch.tensor([2.0, 3.0])))
    assert_close(ember.combinations(ember.tensor([1, 2, 3]), 0), torch.combinations(torch.tensor([1, 2, 3]), 0))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.hsplit(lib.zeros(5, 4), 3),
    lambda lib: lib.hsplit(lib.zeros(5, 4), 0),
    lambda lib: lib.vsplit(lib.zeros(4), 2),
    lambda lib: lib.dsplit(lib.zeros(4, 2), 2),
    lambda lib: lib.fliplr(lib.zeros(4)),
    lambda lib: lib.flipud(lib.tensor(1.0)),
    lambda lib: lib.rot90(lib.zeros(3, 4), 1, [0, 0]),
    lambda lib: lib.rot90(lib.zeros(3, 4), 1, [0]),
    lambda lib: lib.rot90(lib.zeros(3), 1),
    lambda lib: lib.tensor_split(lib.zeros(3, 4), 0),
    lambda lib: lib.tensor_split(lib.tensor(1.0), 2),
    lambda lib: lib.hstack([]),
    lambda lib: lib.vstack([]),
    lambda lib: lib.block_diag(lib.zeros(2, 2, 2)),
    lambda lib: lib.combinations(lib.zeros(2, 2)),
    lambda lib: lib.broadcast_tensors(lib.zeros(2, 3), lib.zeros(4)),
], ids=lambda f: "")
def test_errors_match_torch(fn):
    same_error(fn)
