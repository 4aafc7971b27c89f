# Quick start: `make demo` shows the tool at work, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
ZZXT := $(BIN)/zzxt

.PHONY: install demo test check lint typecheck forms clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

demo: $(STAMP)
	@bash scripts/demo.sh $(ZZXT)

check: lint typecheck
	$(ZZXT) forms render --check

lint: $(STAMP)
	$(BIN)/ruff check tracker tests scripts
	$(BIN)/ruff format --check tracker tests scripts

typecheck: $(STAMP)
	$(BIN)/mypy

test: check
	$(BIN)/python -m pytest

# Re-render the committed issue forms after a policy edit.
forms: $(STAMP)
	$(ZZXT) forms render

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis site
