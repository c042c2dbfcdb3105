"""The autocast state per device type (enabled flag, dtype), kept below the ops so that the ops autocast changes
can read it; ``amp.autocast`` regions and the top-level switches (``amp/_state.py``) write it."""
from __future__ import annotations

from . import _dtype

# PyTorch's default autocast dtype per device type: bfloat16 on the CPU
STATE: dict[str, list] = {"cpu": [False, _dtype.bfloat16], "cuda": [False, _dtype.float16],
                          "xpu": [False, _dtype.float16], "mps": [False, _dtype.float16]}
