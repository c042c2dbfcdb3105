"""``ember.distributed`` imports like torch.distributed, reports no process group, and refuses to start one."""
import pytest
import torch.distributed

import ember.distributed as dist


def test_no_process_group_is_initialized_and_queries_fail_as_in_torch():
    assert dist.is_available() is False
    assert dist.is_initialized() is torch.distributed.is_initialized() is False
    for query in ("get_rank", "get_world_size"):
        with pytest.raises(ValueError) as expected:
            getattr(torch.distributed, query)()
        with pytest.raises(ValueError) as got:
            getattr(dist, query)()
        assert str(got.value) == str(expected.value)


def test_init_process_group_is_refused_with_a_reason():
    with pytest.raises(RuntimeError, match="no process groups"):
        dist.init_process_group("gloo")
