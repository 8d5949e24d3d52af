# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test index eval bench bench-load bench-faults bench-conditions bench-scale clean

# torch is installed on its own first: the pinned CPU build lies on local disk, while an
# unpinned resolve would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	@echo "Setting up .venv: CPU torch, then the bot and its models (first time about 3-5 minutes) ..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	@echo "Adding the test tools (pytest, ruff, mypy) ..."
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

index: $(VENV)/.installed
	$(PY) ingest.py --if-missing

run: index
	$(PY) -m bot run

test: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m mypy
	HF_HUB_OFFLINE=1 $(PY) -m pytest

eval: index
	$(PY) -m bench eval --baseline

bench: index
	$(PY) -m bench bench

bench-load: index
	$(PY) -m bench load

bench-faults: index
	$(PY) -m bench faults

bench-conditions: index
	$(PY) -m bench conditions

bench-scale: index
	$(PY) -m bench scale

clean:
	rm -rf $(VENV) data
