"""``nn.parallel``: DataParallel on the CPU (a pass-through wrapper) and DistributedDataParallel over MPI ranks."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["data_parallel", "DataParallel", "DistributedDataParallel"]
