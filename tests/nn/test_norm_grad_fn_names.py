"""The grad_fn of every normalization function and layer is PyTorch's node class, in training and in eval mode;
the functions' whole graphs (node names, and None for the inputs PyTorch lists without a gradient) match too."""
import numpy as np
import pytest
import torch

import ember
from oracle import randn

# (name, args, kwargs, input shape)
LAYERS = [
    ("BatchNorm1d", (3,), dict(), (4, 3)), ("BatchNorm1d", (3,), dict(affine=False), (4, 3, 5)),
    ("BatchNorm2d", (3,), dict(), (2, 3, 4, 5)), ("BatchNorm2d", (3,), dict(track_running_stats=False), (2, 3, 4, 5)),
    ("BatchNorm3d", (3,), dict(bias=False), (2, 3, 2, 3, 4)),
    ("InstanceNorm1d", (3,), dict(), (2, 3, 5)), ("InstanceNorm2d", (3,), dict(affine=True), (2, 3, 4, 5)),
    ("InstanceNorm2d", (3,), dict(track_running_stats=True), (2, 3, 4, 5)),
    ("InstanceNorm3d", (3,), dict(affine=True, track_running_stats=True), (2, 3, 2, 3, 4)),
    ("LayerNorm", (5,), dict(), (2, 3, 5)), ("LayerNorm", ((4, 5),), dict(elementwise_affine=False), (2, 3, 4, 5)),
    ("LayerNorm", (5,), dict(bias=False), (3, 5)),
    ("GroupNorm", (3, 6), dict(), (2, 6, 4)), ("GroupNorm", (2, 4), dict(affine=False), (2, 4, 3, 3)),
    ("RMSNorm", (5,), dict(), (2, 3, 5)), ("RMSNorm", ((4, 5),), dict(elementwise_affine=False), (2, 3, 4, 5)),
    ("LocalResponseNorm", (2,), dict(), (2, 3, 5)), ("LocalResponseNorm", (3,), dict(), (2, 4, 3, 3)),
]


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name, args, kwargs, shape", LAYERS, ids=str)
def test_layer_grad_fn_is_torchs_node(name, args, kwargs, shape, training):
    x = randn(*shape, dtype=np.float32)
    names = []
    for lib in (ember, torch):
        layer = getattr(lib.nn, name)(*args, **kwargs).train(training)
        out = layer(lib.tensor(x, requires_grad=True))
        names.append(type(out.grad_fn).__name__)
    assert names[0] == names[1]


def _graph(node):
    """(class name, graphs of next_functions) down to the leaves; None for an input without a gradient."""
    if node is None:
        return None
    return type(node).__name__, tuple(_graph(n) for n, _ in node.next_functions)


# (call, input shape): each function in training and eval mode, with and without the optional tensors
FUNCTIONS = [
    ("F.batch_norm(x, rm, rv, w, b, training=True)", (2, 3, 4, 5)),
    ("F.batch_norm(x, None, None, training=True)", (4, 3)),
    ("F.batch_norm(x, rm, rv, w, None, training=False)", (2, 3, 4, 5)),
    ("F.batch_norm(x, rm, rv, training=False)", (2, 3, 5)),
    ("F.instance_norm(x, None, None, w, b)", (2, 3, 4, 5)),
    ("F.instance_norm(x, rm, rv, use_input_stats=True)", (2, 3, 5)),
    ("F.instance_norm(x, rm, rv, w, b, use_input_stats=False)", (2, 3, 4, 5)),
    ("F.layer_norm(x, (3, 5), None, None)", (2, 3, 5)),
    ("F.layer_norm(x, (3,), w, None)", (2, 3)),
    ("F.group_norm(x, 3, w, b)", (2, 3, 4, 5)),
    ("F.group_norm(x, 1, None, b)", (2, 3, 4)),
    ("F.rms_norm(x, (3,), w)", (2, 3)),
    ("F.rms_norm(x, (4, 5))", (2, 3, 4, 5)),
    ("F.local_response_norm(x, 2)", (2, 3, 5)),
    ("F.local_response_norm(x, 3, 1e-3, 0.5, 2.0)", (2, 3, 4, 5)),
]


@pytest.mark.parametrize("call, shape", FUNCTIONS, ids=str)
def test_function_graph_is_torchs(call, shape):
    x = randn(*shape, dtype=np.float32)
    graphs = []
    for lib in (ember, torch):
        names = dict(F=lib.nn.functional, x=lib.tensor(x, requires_grad=True), rm=lib.zeros(shape[1]),
                     rv=lib.ones(shape[1]), w=lib.tensor(randn(shape[1], seed=1, dtype=np.float32), requires_grad=True),
                     b=lib.tensor(randn(shape[1], seed=2, dtype=np.float32), requires_grad=True))
        graphs.append(_graph(eval(call, names).grad_fn))
    assert graphs[0] == graphs[1]
