# Socialmarked: every target sets itself up (a virtualenv in .venv) and is safe to run again.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
HOST    ?= 127.0.0.1
PORT    ?= 8000
export HOST PORT

.DEFAULT_GOAL := help
.PHONY: help install lock migrate seed run test lint format schema openapi check bench clean

help: ## Show the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its dev tools, at the versions of requirements.lock

lock: ## Update requirements.lock: the newest versions pyproject.toml allows, resolved in a fresh venv
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet '.[dev]'
	{ echo "# The exact versions 'make install' (and so 'make run') installs; update with 'make lock'."; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable | grep -v '^socialmarked[ =@]'; } > requirements.lock
	rm -rf .venv-lock

migrate: install ## Apply database migrations (DATABASE_URL, default SQLite under var/)
	$(BIN)/socialmarked migrate

seed: migrate ## Load the registry and the demo data (idempotent)
	$(BIN)/socialmarked seed

run: seed ## Set up, migrate, load demo data and serve on http://$(HOST):$(PORT)
	$(BIN)/socialmarked serve --host $(HOST) --port $(PORT)

test: install ## Run the suite on SQLite, then on PostgreSQL when it is reachable
	PYTHON=$(BIN)/python bash scripts/test.sh

lint: install ## ruff (lint and format check), mypy, and no function over 60 lines
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python scripts/check_shape.py

format: install ## Format and autofix with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: install ## Export the GraphQL SDL to schema/schema.graphql
	$(BIN)/socialmarked schema --output schema/schema.graphql

openapi: install ## Export the REST OpenAPI document to openapi/openapi.json
	$(BIN)/socialmarked openapi --output openapi/openapi.json

check: lint ## Lint, and fail when the exported schema or OpenAPI has drifted from the code
	PYTHON=$(BIN)/python bash scripts/check_drift.sh

bench: install ## Benchmarks: registry reads; search; contracting; gap report; web pages; the database stopped; the peer read; imports; webhooks; SQLite under 20 writers; one server worker against two
	$(BIN)/python -m bench
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.contracting
	$(BIN)/python -m bench.gaps
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.outage
	$(BIN)/python -m bench.peer
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.notifications
	$(BIN)/python -m bench.writers
	$(BIN)/python -m bench.workers

clean: ## Remove the virtualenv and local data under var/
	rm -rf $(VENV) var
