# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test index eval bench bench-load clean

# torch is installed on its own first: the pinned CPU build lies on local disk, while an
# unpinned resolve would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
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

clean:
	rm -rf $(VENV) data
