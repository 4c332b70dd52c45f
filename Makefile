# Two commands for a newcomer: `make demo` and `make test`. Both build .venv first,
# installing the CPU build of torch before anything else can pull a CUDA one. The spark
# extra brings pyspark, so the tests run the Spark sweep on local[2] (it needs Java 17+).
VENV ?= .venv
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1

.PHONY: setup demo test lint bench bench-quick

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install -e '.[test,spark]'
	touch $@

demo: setup
	$(VENV)/bin/provenance demo

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check provenance tests scripts
	$(VENV)/bin/ruff format --check provenance tests scripts

bench: setup
	$(PY) scripts/bench.py all

bench-quick: setup
	$(PY) scripts/bench.py all --quick
