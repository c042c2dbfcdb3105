"""DataPipes (``torch.utils.data.datapipes``, deprecated in PyTorch but still public): datasets composed by
chaining functional forms, ``IterableWrapper(range(10)).map(f).filter(g).batch(4)``."""
from . import iter  # noqa: A004  (PyTorch's name for the iterable DataPipes' module)
from .datapipe import DataChunk, DFIterDataPipe, IterDataPipe, MapDataPipe
from ._decorator import (argument_validation, functional_datapipe, guaranteed_datapipes_determinism,
                         non_deterministic, runtime_validation, runtime_validation_disabled)

__all__ = ["DFIterDataPipe", "DataChunk", "IterDataPipe", "MapDataPipe", "argument_validation", "functional_datapipe",
           "guaranteed_datapipes_determinism", "iter", "non_deterministic", "runtime_validation",
           "runtime_validation_disabled"]
