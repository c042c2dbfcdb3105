import pytest

from ember.ops.kernels import native as _native


@pytest.fixture(params=[True, False], ids=["native", "numpy"])
def path(request, monkeypatch):
    """Runs a test once on the compiled kernels (skipped where they are not built) and once on the NumPy kernels."""
    if request.param and not _native.available():
        pytest.skip("the compiled kernels are not built here")
    monkeypatch.setattr(_native, "enabled", request.param)
    return request.param
