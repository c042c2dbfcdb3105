"""A long training loop keeps a flat resident size: no graph, saved value or buffer survives between steps."""
import gc
import os
import resource
import weakref

import numpy as np

import ember


def _rss_mb() -> float:
    """Current resident set size: /proc/self/statm where there is one, else the peak from getrusage."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _graph_nodes(t) -> list:
    """Every node reachable from ``t.grad_fn``."""
    nodes, stack = [], [t.grad_fn]
    while stack:
        n = stack.pop()
        if n is not None and n not in nodes:
            nodes.append(n)
            stack.extend(nxt for nxt, _ in n.next_functions)
    return nodes


def test_thousand_training_steps_keep_a_flat_resident_size():
    ember.manual_seed(0)
    nn = ember.nn
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 128), nn.Tanh(),
                          nn.BatchNorm1d(128), nn.Linear(128, 10))
    opt = ember.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((32, 64)).astype(np.float32))
    y = ember.tensor(rng.integers(0, 10, 32))
    rss, previous_nodes = {}, []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # everything must be freed by reference counting alone, as in PyTorch
    try:
        for step in range(1, 1001):
            opt.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            opt.step()
            if step % 100 == 0:
                # the graph of the previous checkpoint step is gone, nodes and saved values with it
                assert all(ref() is None for ref in previous_nodes), f"step {step}: graph nodes survived"
                model.eval()
                out = model(x).sum()  # a forward with grad enabled but no backward must be freed as well
                model.train()
                previous_nodes = [weakref.ref(n) for n in _graph_nodes(loss) + _graph_nodes(out)]
                del out
            if step in (200, 1000):
                rss[step] = _rss_mb()
            del loss
    finally:
        if gc_was_enabled:
            gc.enable()
    assert previous_nodes and all(ref() is None for ref in previous_nodes)
    assert rss[1000] - rss[200] < 4.0, f"resident size grew from {rss[200]:.1f} MB to {rss[1000]:.1f} MB"
