"""The DataPipe base classes and ``DataChunk``; functional forms registered with ``functional_datapipe`` become
methods of every DataPipe of their kind."""
from __future__ import annotations

from ..dataset import Dataset, IterableDataset


class IterDataPipe(IterableDataset):
    """An iterable DataPipe: subclasses define ``__iter__``; registered functional forms chain onto it."""

    functions: dict = {}

    @classmethod
    def register_datapipe_as_function(cls, function_name: str, cls_to_register) -> None:
        """Make ``dp.<function_name>(*args)`` build ``cls_to_register(dp, *args)``."""
        if function_name in cls.functions:
            raise Exception(f"Unable to add DataPipe function name {function_name} as it is already taken")

        def method(source, *args, **kwargs):
            return cls_to_register(source, *args, **kwargs)

        method.__name__ = function_name
        cls.functions[function_name] = cls_to_register
        setattr(cls, function_name, method)

    def __repr__(self) -> str:
        return type(self).__qualname__

    def __str__(self) -> str:
        return type(self).__qualname__


class DFIterDataPipe(IterDataPipe):
    """An iterable DataPipe of data frames."""


class MapDataPipe(Dataset):
    """A map-style DataPipe: subclasses define ``__getitem__`` and ``__len__``."""

    functions: dict = {}
    register_datapipe_as_function = classmethod(IterDataPipe.register_datapipe_as_function.__func__)

    def __repr__(self) -> str:
        return type(self).__qualname__

    def __str__(self) -> str:
        return type(self).__qualname__


class DataChunk(list):
    """A batch a DataPipe yields: a list that can also print itself and give its items' raw iterator."""

    def __init__(self, items) -> None:
        super().__init__(items)
        self.items = items

    def as_str(self, indent: str = "") -> str:
        return indent + "[" + ", ".join(str(i) for i in iter(self)) + "]"

    def raw_iterator(self):
        yield from self.items
