import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _seeded_generators():
    """Every test starts from the same seeds: a layer's random initial weights (ember's, torch's, NumPy's global
    stream) are the same on every run, so a test's outcome never depends on the run."""
    import torch

    import ember

    torch.manual_seed(0)
    ember.manual_seed(0)
    np.random.seed(0)
