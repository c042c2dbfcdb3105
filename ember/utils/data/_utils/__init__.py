"""PyTorch's ``torch.utils.data._utils`` paths, which programs import from (``from torch.utils.data._utils.collate
import default_collate``); ember's definitions live in ``utils/data/collate.py`` and ``_worker.py``."""
from . import collate, worker  # noqa: F401
