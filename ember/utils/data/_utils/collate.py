"""``torch.utils.data._utils.collate``'s path for ember's collation functions."""
from ..collate import default_collate, default_convert  # noqa: F401
