# `make run`: set up .venv and run the default job.  `make test`: set up .venv with test extras, run
# ruff, mypy, pytest and docs-check.  `make docs-check`: run the documentation's examples (tests/docs_check.py).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test lint docs-check clean-cache

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

# Evolve the platformer with the brain viewer open (the URL is printed; Ctrl-C stops, resumable).
run: $(STAMP_RUN)
	@echo "neat is installed in $(VENV)/; to use the neat command in a new shell, paste:"
	@echo '  cd "$(CURDIR)" && . $(VENV)/bin/activate'
	$(BIN)/neat run platformer --view

test: $(STAMP_TEST)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q
	$(BIN)/python tests/docs_check.py

docs-check: $(STAMP_TEST)
	$(BIN)/python tests/docs_check.py

lint: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Numba's on-disk cache does not notice edits to functions a cached kernel calls from another module.
clean-cache:
	find neat fitness bench tests -name '*.nbi' -delete -o -name '*.nbc' -delete
