"""A rank that raises, is killed, or stops taking part makes every rank exit with an error instead of hanging."""
import time

import pytest

from .launch import run_ranks


@pytest.mark.parametrize("how, within, says", [
    ("raise", 10, "ValueError: rank 1 gives up"),
    ("kill", 10, "Killed"),
    ("leave", 15, "timed out after 0:00:01"),
])
def test_a_failing_rank_ends_the_job(how, within, says):
    start = time.monotonic()
    result = run_ranks("failure.py", how, timeout=30)
    assert result.returncode != 0
    assert time.monotonic() - start < within
    assert "finished" not in result.stdout
    assert says in result.stdout + result.stderr
