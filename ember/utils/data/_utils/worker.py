"""``torch.utils.data._utils.worker``'s path for ember's worker information."""
from .._worker import WorkerInfo, get_worker_info  # noqa: F401
