"""The checkpoint fuzzer's bounded run (fixed seed, a few seconds); ``make fuzz`` runs it long."""
from .fuzz import DOCUMENTED, check, run, seeds


def test_seed_checkpoints_load():
    assert [check(data) for data in seeds()] == ["loaded"] * len(seeds())


def test_mutated_checkpoints_load_or_raise_a_documented_error():
    counts = run(300, seed=15)
    assert sum(counts.values()) == 300
    assert set(counts) <= {"loaded"} | {e.__name__ for e in DOCUMENTED}
    assert counts.get("loaded", 0) > 0 and counts.get("RuntimeError", 0) > 0 and counts.get("UnpicklingError", 0) > 0
