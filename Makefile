# hazatlas — the two commands a newcomer runs:
#   make demo   set up a virtual environment, build the demo database (SQLite) and the demo
#               layers (var/demo-layers: a flood proxy over every demo site's region and the
#               Vrancea 1977 earthquake scenario) and serve them on http://127.0.0.1:8000/
#   make test   set up the virtual environment and run lint (ruff), the architecture contracts
#               (lint-imports), the type check (mypy) and the whole test suite (SQLite always;
#               PostGIS and Chromium tests when available, required when CI=true)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)

.PHONY: demo test lint venv benchmarks-smoke clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	test -f var/demo-layers/eq-scenario-vrancea-1977.tif || $(BIN)/hazatlas natech demo-set var/demo-layers
	HAZATLAS_HAZARD_LAYERS_DIR=var/demo-layers $(BIN)/hazatlas demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

benchmarks-smoke: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
