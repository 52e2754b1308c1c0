# Two commands for a fresh machine: `make run` (the app on SQLite, with the 76 offices, demo data and a staff
# login) and `make test` (lint, type checks and the whole test suite). Both create .venv and install first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
ADMIN_EMAIL ?= admin@industry.local
HOST ?= 127.0.0.1
PORT ?= 5000
# The origin printed in links, posters and emails follows HOST and PORT (`make run PORT=5301`), unless set outright.
SURVEY_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: install run test lint translations bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# axe-core for the browser tests' accessibility checks, when npm is there (CI installs Node if it is missing).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $(AXE)

install: $(STAMP) $(if $(shell command -v npm),$(AXE))

run: export SURVEY_BASE_URL := $(SURVEY_BASE_URL)
run: $(STAMP)
	$(BIN)/survey-app db upgrade
	$(BIN)/survey-app seed
	$(BIN)/survey-app demo --if-empty
	@echo "------------------------------------------------------------------"
	@echo "Staff sign-in: $(SURVEY_BASE_URL)/staff/login"
	@$(BIN)/survey-app staff create --email $(ADMIN_EMAIL) --role admin
	@echo "------------------------------------------------------------------"
	SURVEY_BASE_URL='$(SURVEY_BASE_URL)' $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy survey_app

# One pytest run in TEST_WORKERS processes (pytest-xdist; one per core by default), each with its own databases, Redis
# database and ports (tests/conftest.py). --frozen-pass runs the date-dependent tests a second time, in the same run,
# with the clock at 23:30 UTC (06:30 the next day in Bangkok). --durations lists the 25 slowest tests and fixtures,
# where the next cut of CI's time is to be found.
TEST_WORKERS ?= auto
test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --frozen-pass --durations=25 $(PYTEST_ARGS)

# Compile every area's Thai catalogue (see survey_app/translations/README.md); commit the .po and .mo files.
translations: install
	for area in survey_app/translations/*/; do $(BIN)/pybabel compile -d "$$area"; done

bench: install
	$(BIN)/python bench/scoring.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache tests/artifacts
