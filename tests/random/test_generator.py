"""The generator itself: seeding, the 5056-byte state (interchangeable with PyTorch's), fork_rng, Generator."""
import numpy as np
import pytest
import torch

import ember
from ember.random import fork_rng
from tests.random._same import assert_same_bits, assert_same_state

SEEDS = [0, 1, 42, 2 ** 32 + 7, 2 ** 63 + 5, 67280421310721]


@pytest.mark.parametrize("seed", SEEDS)
def test_manual_seed_state_is_pytorchs(seed):
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    assert ember.initial_seed() == torch.initial_seed() == seed
    assert_same_state(f"seed {seed}")


def test_negative_seed_wraps_to_64_bits_like_pytorch():
    torch.manual_seed(-1)
    ember.manual_seed(-1)
    assert ember.initial_seed() == torch.initial_seed() == 2 ** 64 - 1
    assert_same_state("seed -1")


def test_fresh_generator_uses_pytorchs_default_seed():
    assert ember.Generator().initial_seed() == torch.Generator().initial_seed()
    assert_same_bits(ember.Generator().get_state(), torch.Generator().get_state(), "default seed")


@pytest.mark.parametrize("draws", [0, 1, 623, 624, 625, 5000])
def test_state_after_draws_and_with_a_cached_normal(draws):
    """left/next counters mid-block and at block ends, and the cached second Box-Muller value (randn(3))."""
    for lib in (torch, ember):
        lib.manual_seed(3)
        lib.randint(0, 10, (draws,))
        lib.randn(3, dtype=lib.float64)
    assert_same_state(f"{draws} draws")


def test_pytorch_state_restores_in_ember_and_back():
    torch.manual_seed(11)
    torch.rand(1000)
    torch.randn(5)  # leaves a cached normal in the state
    ember.set_rng_state(ember.from_numpy(torch.get_rng_state().numpy()))
    assert_same_bits(ember.randn(7), torch.randn(7), "after restoring PyTorch's state")
    ember.rand(333)
    torch.set_rng_state(torch.from_numpy(ember.get_rng_state().numpy()))
    assert_same_bits(ember.rand(9, dtype=ember.float64), torch.rand(9, dtype=torch.float64), "and back")


def test_a_freshly_seeded_state_round_trips():
    ember.manual_seed(5)
    state = ember.get_rng_state()
    first = ember.rand(4)
    ember.set_rng_state(state)
    assert_same_bits(ember.rand(4), first, "replay")
    torch.set_rng_state(torch.from_numpy(state.numpy()))
    assert_same_bits(torch.rand(4), first, "replay on PyTorch")


def test_generator_objects_are_independent_streams():
    g1, g2 = ember.Generator().manual_seed(7), torch.Generator().manual_seed(7)
    ember.manual_seed(0)
    torch.manual_seed(0)
    assert_same_bits(ember.randn(20, generator=g1), torch.randn(20, generator=g2), "own generator")
    assert_same_state("default generator untouched")
    assert_same_bits(g1.get_state(), g2.get_state(), "generator state")


def test_seed_reseeds_non_deterministically():
    s = ember.seed()
    assert ember.initial_seed() == s
    assert 0 <= s < 2 ** 64


def test_fork_rng_restores_the_state():
    ember.manual_seed(2)
    with fork_rng():
        ember.rand(10)
    torch.manual_seed(2)
    assert_same_bits(ember.rand(3), torch.rand(3), "after fork_rng")


def test_set_rng_state_errors_are_pytorchs():
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        ember.set_rng_state(ember.zeros(5056))
    with pytest.raises(RuntimeError, match="Expected a CPUGeneratorImplState of size 5056 but found the input RNG "
                                           "state size to be 5"):
        ember.set_rng_state(ember.zeros(5, dtype=ember.uint8))
    bad = ember.get_rng_state().numpy().copy()
    bad[8:12] = np.frombuffer(np.int32(0).tobytes(), np.uint8)  # left = 0
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        ember.set_rng_state(ember.tensor(bad))
