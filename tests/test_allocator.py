"""ember raises glibc's thresholds at import unless the user chose their own (see ``ember/_allocator.py``)."""
import os
import subprocess
import sys

import pytest

CODE = "import ember._allocator as a; print(a.keep_freed_blocks())"


def _run(env_extra: dict) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                                                              "GLIBC_TUNABLES", "EMBER_MALLOC_TUNING")}
    out = subprocess.run([sys.executable, "-c", CODE], env={**env, **env_extra}, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_thresholds_are_set_unless_the_user_chose():
    assert _run({}) == "True"
    assert _run({"EMBER_MALLOC_TUNING": "0"}) == "False"
    assert _run({"MALLOC_TRIM_THRESHOLD_": "1000000"}) == "False"
    assert _run({"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=200000"}) == "False"
