# Hotpass developer commands. `make run` and `make test` work from a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
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

.PHONY: help install instance run dev test lint format bench contracts clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

install: $(VENV)/.synced ## Create the environment from uv.lock

instance: install
	@mkdir -p "$(DAGSTER_HOME)"
	@ln -sf "$(CURDIR)/dagster.yaml" "$(DAGSTER_HOME)/dagster.yaml"

run: instance ## Generate demo workbooks, drop them and materialise every asset for them
	$(BIN)/hotpass demo

dev: instance ## Start the Dagster webserver and daemon on $(HOST):$(PORT)
	$(BIN)/dagster dev -w workspace.yaml -h $(HOST) -p $(PORT)

lint: install ## Ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint ## Lint, then run the whole test suite
	$(BIN)/pytest $(PYTEST_ARGS)

contracts: install ## Regenerate schemas/ and docs/reference/schemas.md from the contracts
	$(BIN)/hotpass contracts export

bench: install ## Run the benchmarks (medians of several runs)
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_dedupe.py
	$(BIN)/python benchmarks/bench_snapshot.py

clean: ## Remove the local data directory (landing, warehouse, instance, MLflow)
	rm -rf "$(HOTPASS_HOME)"
