# Quick start: `make demo` shows the tool at work, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
ZZXT := $(BIN)/zzxt

.PHONY: install demo test check lint typecheck forms site serve admin-site clean mutate

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
	$(ZZXT) workflows render --check
	@# actionlint runs shellcheck (from the venv) on the workflows' run: steps.
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/actionlint .github/workflows/*.yml .gitea/workflows/*.yml

lint: $(STAMP)
	$(BIN)/ruff check tracker tests scripts
	$(BIN)/ruff format --check tracker tests scripts

typecheck: $(STAMP)
	$(BIN)/mypy

test: check
	$(BIN)/python -m pytest

# Deliberate small bugs, one at a time: do the tests catch each? Tens of minutes, so not in `test`;
# the last result is in docs/dev/mutation.md.
mutate: $(STAMP)
	$(BIN)/python scripts/mutate.py

# Re-render the committed issue forms after a policy edit.
forms: $(STAMP)
	$(ZZXT) forms render

# The knowledge base: fetch the file:// search shim from npm, then a strict build into site/.
site: $(STAMP)
	$(BIN)/python scripts/fetch_site_assets.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict

PORT ?= 8000
serve: site
	@echo "知识库：http://127.0.0.1:$(PORT)/（按 Ctrl-C 结束）"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory site

# Administrators' documentation (docs/admin/), a site apart from the users' one: into site-admin/.
admin-site: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict -f mkdocs-admin.yml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis site site-admin
