"""``swap_in_optimizer_params_and_state``: run an optimizer on other parameter and state tensors for a while."""
from __future__ import annotations

import contextlib
from collections import defaultdict


@contextlib.contextmanager
def swap_in_optimizer_params_and_state(optimizer, swapin_parameters: dict, swapin_optim_state: dict):
    """Within the block, ``optimizer`` works on ``swapin_parameters`` (in the order of its own parameters) and
    the state of ``swapin_optim_state`` (a ``state_dict()``-shaped dict); its own are restored on exit. The
    swapped-in state's tensors are used as they are, so in-place updates reach them."""
    new_params = iter(list(swapin_parameters.values()))
    saved_groups = [(group, dict(group), list(group["params"])) for group in optimizer.param_groups]
    saved_state = optimizer.state
    state = {}
    groups = swapin_optim_state["param_groups"]
    for group, packed in zip(optimizer.param_groups, groups):
        params = [next(new_params) for _ in group["params"]]
        for param, pid in zip(params, packed["params"]):
            if pid in swapin_optim_state["state"]:
                state[param] = dict(swapin_optim_state["state"][pid])
        group.update({k: v for k, v in packed.items() if k != "params"})
        group["params"] = params
    optimizer.state = defaultdict(dict, state)
    try:
        yield
    finally:
        for group, options, params in saved_groups:
            group.clear()
            group.update(options)
            group["params"] = params
        optimizer.state = saved_state
