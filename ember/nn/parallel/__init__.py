"""``nn.parallel``: DataParallel on the CPU (a pass-through wrapper); DistributedDataParallel is not supported."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["data_parallel", "DataParallel", "DistributedDataParallel"]
