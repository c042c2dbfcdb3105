"""DataPipes against PyTorch: chained functional forms give the same items (and batches as DataChunks), a
registered functional form chains, non_deterministic DataPipes are refused under guaranteed determinism, and the
validation decorators pass what is valid."""
import pytest
import torch.utils.data as T

import ember.utils.data as E


def _double(x):
    return x * 2


def _keep(x):
    return x % 4 == 0


@pytest.mark.parametrize("build", [
    lambda D: D.datapipes.iter.IterableWrapper(range(9)).map(_double).filter(_keep).batch(2),
    lambda D: D.datapipes.iter.IterableWrapper(range(7)).batch(3, drop_last=True),
    lambda D: D.datapipes.iter.IterableWrapper(range(3)).concat(D.datapipes.iter.IterableWrapper("ab")),
    lambda D: D.datapipes.iter.IterableWrapper(range(3)).zip(D.datapipes.iter.IterableWrapper("abc")),
])
def test_chains_give_pytorchs_items(build):
    got, want = list(build(E)), list(build(T))
    assert got == want and [type(x).__name__ for x in got] == [type(x).__name__ for x in want]


def test_lengths_and_names():
    for D in (E, T):
        dp = D.datapipes.iter.IterableWrapper(range(7)).map(_double).batch(3)
        assert len(dp) == 3
    assert str(E.datapipes.iter.IterableWrapper([1])) == "IterableWrapper"
    assert E.DataChunk([1, 2]).as_str() == T.DataChunk([1, 2]).as_str()


def test_registered_functional_form_and_determinism_guard():
    for D in (E, T):
        @D.functional_datapipe("twice_" + D.__name__.split(".")[0])
        class Twice(D.IterDataPipe):
            def __init__(self, source):
                self.source = source

            def __iter__(self):
                for x in self.source:
                    yield x
                    yield x

        dp = getattr(D.datapipes.iter.IterableWrapper([1, 2]), "twice_" + D.__name__.split(".")[0])()
        assert list(dp) == [1, 1, 2, 2]

        @D.non_deterministic
        class Random(D.IterDataPipe):
            def __iter__(self):
                yield 1

        Random()
        with D.guaranteed_datapipes_determinism():
            with pytest.raises(TypeError, match="is non-deterministic, but you set 'guaranteed_datapipes_determinism'"):
                Random()


def test_shuffle_keeps_every_item_and_is_refused_under_determinism():
    dp = E.datapipes.iter.IterableWrapper(range(20)).shuffle(buffer_size=5).set_seed(0)
    assert sorted(dp) == list(range(20)) and list(dp) != list(range(20))
    with E.guaranteed_datapipes_determinism():
        with pytest.raises(TypeError):
            E.datapipes.iter.IterableWrapper(range(3)).shuffle()


def test_validation_decorators():
    class Source(E.IterDataPipe):
        @E.argument_validation
        def __init__(self, inner: E.IterDataPipe):
            self.inner = inner

        @E.runtime_validation
        def __iter__(self):
            yield from self.inner

    assert list(Source(E.datapipes.iter.IterableWrapper([1, 2]))) == [1, 2]
    with pytest.raises(TypeError, match="Expected argument 'inner'"):
        Source([1, 2])
    with E.runtime_validation_disabled():
        assert list(Source(E.datapipes.iter.IterableWrapper([3]))) == [3]
