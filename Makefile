# Hotpass developer commands. `make run` and `make test` work from a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The interpreter: PYTHON when given (`make test PYTHON=python3.13`), else the first of python3,
# python3.13, python3.12, python3.11 on PATH that runs and is a supported version (3.11-3.13).
SUPPORTED := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c '$(SUPPORTED)' >/dev/null 2>&1 && { command -v $$p; break; }; done)
# uv picks its interpreter from .python-version (a range, not one version): the existing .venv's
# when it satisfies the range, else the first supported one on PATH; PYTHON given on the command
# line is passed on.
UV_SYNC_PYTHON := $(if $(filter command line environment,$(origin PYTHON)),--python $(PYTHON))
# A working uv on PATH, else one bootstrapped with pip into .tools/ (a pyenv shim without uv
# behind it does not count).
UV ?= $(shell uv --version >/dev/null 2>&1 && command -v uv || echo $(CURDIR)/.tools/bin/uv)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin

export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy
export HOTPASS_HOME ?= $(CURDIR)/.hotpass
export DAGSTER_HOME ?= $(HOTPASS_HOME)/dagster
HOST ?= 127.0.0.1
PORT ?= 3000
PYTEST_ARGS ?=

.PHONY: help install instance run dev test gates lint typecheck secrets defs-check format bench \
	contracts docs clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	@test -n "$(PYTHON)" || { echo "No Python 3.11, 3.12 or 3.13 found on PATH" >&2; exit 1; }
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen $(UV_SYNC_PYTHON)
	@touch $@

install: $(VENV)/.synced ## Create the environment from uv.lock

instance: install
	@mkdir -p "$(DAGSTER_HOME)"
	@ln -sf "$(CURDIR)/dagster.yaml" "$(DAGSTER_HOME)/dagster.yaml"

run: instance ## Generate demo workbooks, drop them and materialise every asset for them
	$(BIN)/hotpass demo

dev: instance ## Start the Dagster webserver and daemon on $(HOST):$(PORT)
	$(BIN)/dagster dev -w workspace.yaml -h $(HOST) -p $(PORT)

lint: install ## Ruff lint (with its security rules) and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy on the package (strict on lib/ and settings)
	$(BIN)/mypy

secrets: install ## Secret scan of the tracked files against .secrets.baseline
	git ls-files -z | grep -zv '^uv\.lock$$' \
		| xargs -0 $(BIN)/detect-secrets-hook --baseline .secrets.baseline

defs-check: instance ## `dg check defs`: the code location loads ([tool.dg] in pyproject.toml)
	VIRTUAL_ENV=$(VENV) $(BIN)/dg check defs

gates: lint typecheck secrets defs-check ## Every gate but the tests

format: install ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: gates ## The gates, then the whole suite with coverage (floor: fail_under in pyproject.toml)
	$(BIN)/pytest --cov=hotpass_assets --cov-report=term:skip-covered $(PYTEST_ARGS)

contracts: install ## Regenerate schemas/, docs/reference/schemas.md and the profile schema.json field lists
	$(BIN)/hotpass contracts export

docs: install ## Build the documentation site into build/site (strict: any warning fails)
	$(BIN)/mkdocs build --strict

bench: install ## Run the benchmarks (medians of several runs)
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_dedupe.py
	$(BIN)/python benchmarks/bench_telemetry.py
	$(BIN)/python benchmarks/bench_snapshot.py
	$(BIN)/python benchmarks/bench_incremental.py

clean: ## Remove the local data directory (landing, warehouse, instance, MLflow)
	rm -rf "$(HOTPASS_HOME)"
