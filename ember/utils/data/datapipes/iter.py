"""The iterable DataPipes with their functional names: ``IterableWrapper`` and ``map``, ``filter``, ``batch``,
``shuffle``, ``concat``, ``zip``, ``collate``."""
from __future__ import annotations

import builtins
import copy
import random

from ..collate import default_collate
from ._decorator import functional_datapipe, non_deterministic
from .datapipe import DataChunk, IterDataPipe

__all__ = ["Batcher", "Collator", "Concater", "Filter", "IterableWrapper", "Mapper", "Shuffler", "Zipper"]


class IterableWrapper(IterDataPipe):
    """A DataPipe over any iterable (``deepcopy`` of it per iteration, as in PyTorch, unless ``deepcopy=False``)."""

    def __init__(self, iterable, deepcopy: bool = True) -> None:
        self.iterable = iterable
        self.deepcopy = deepcopy

    def __iter__(self):
        source = self.iterable
        if self.deepcopy:
            try:
                source = copy.deepcopy(source)
            except TypeError:
                pass
        yield from source

    def __len__(self) -> int:
        return len(self.iterable)


@functional_datapipe("map")
class Mapper(IterDataPipe):
    def __init__(self, datapipe, fn, input_col=None, output_col=None) -> None:
        self.datapipe, self.fn = datapipe, fn

    def __iter__(self):
        return builtins.map(self.fn, self.datapipe)

    def __len__(self) -> int:
        return len(self.datapipe)


@functional_datapipe("filter")
class Filter(IterDataPipe):
    def __init__(self, datapipe, filter_fn, input_col=None) -> None:
        self.datapipe, self.filter_fn = datapipe, filter_fn

    def __iter__(self):
        return builtins.filter(self.filter_fn, self.datapipe)


@functional_datapipe("batch")
class Batcher(IterDataPipe):
    def __init__(self, datapipe, batch_size: int, drop_last: bool = False, wrapper_class=DataChunk) -> None:
        if batch_size <= 0:
            raise AssertionError("Batch size is required to be larger than 0!")
        self.datapipe, self.batch_size, self.drop_last, self.wrapper_class = datapipe, batch_size, drop_last, \
            wrapper_class

    def __iter__(self):
        batch = []
        for item in self.datapipe:
            batch.append(item)
            if len(batch) == self.batch_size:
                yield self.wrapper_class(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.wrapper_class(batch)

    def __len__(self) -> int:
        n = len(self.datapipe)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


@functional_datapipe("collate")
class Collator(Mapper):
    def __init__(self, datapipe, conversion=default_collate, collate_fn=None) -> None:
        super().__init__(datapipe, collate_fn or conversion)


@non_deterministic
@functional_datapipe("shuffle")
class Shuffler(IterDataPipe):
    """Shuffles within a buffer of ``buffer_size`` items (Python's ``random``, seeded per iteration)."""

    def __init__(self, datapipe, *, buffer_size: int = 10000, unbatch_level: int = 0) -> None:
        if buffer_size <= 0:
            raise AssertionError("buffer_size should be larger than 0")
        self.datapipe, self.buffer_size = datapipe, buffer_size
        self._rng = random.Random()

    def set_seed(self, seed: int) -> "Shuffler":
        self._rng.seed(seed)
        return self

    def __iter__(self):
        buffer = []
        for item in self.datapipe:
            if len(buffer) == self.buffer_size:
                index = self._rng.randrange(self.buffer_size)
                buffer[index], item = item, buffer[index]
                yield item
            else:
                buffer.append(item)
        while buffer:
            yield buffer.pop(self._rng.randrange(len(buffer)))

    def __len__(self) -> int:
        return len(self.datapipe)


@functional_datapipe("concat")
class Concater(IterDataPipe):
    def __init__(self, *datapipes) -> None:
        if not datapipes:
            raise ValueError("Expected at least one DataPipe, but got nothing")
        self.datapipes = datapipes

    def __iter__(self):
        for dp in self.datapipes:
            yield from dp


@functional_datapipe("zip")
class Zipper(IterDataPipe):
    def __init__(self, *datapipes) -> None:
        self.datapipes = datapipes

    def __iter__(self):
        return builtins.zip(*self.datapipes)
