# Two commands on a fresh machine with only Python >= 3.11:
#   make serve   set up .venv, migrate, serve on http://$(HOST):$(PORT)
#   make test    set up .venv with the test tools, run linters and the whole suite
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
HOST ?= 127.0.0.1
PORT ?= 8000
# Two workers: the machines have two cores.
PYTEST_ARGS ?= -n 2

export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: serve test install dev lint typecheck layers format bench bench-pages clean

# uv installs the locked dependencies; it lives in its own small venv so that
# syncing .venv never uninstalls the tool doing the syncing.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: every process (the server, its workers, each test worker and the
# commands the tests start) then reads the packages' bytecode instead of compiling them
# again; machines that set PYTHONDONTWRITEBYTECODE never keep it otherwise (the providers'
# SDKs alone took 2-3 s to compile in each process). It costs ~12 s once, at install.
install: $(UV)
	$(UV) sync --frozen --inexact --quiet --compile-bytecode

dev: $(UV)
	$(UV) sync --frozen --all-extras --quiet --compile-bytecode

serve: install
	$(VENV)/bin/promptpro serve --host $(HOST) --port $(PORT)

lint: dev
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts

typecheck: dev
	$(VENV)/bin/mypy

layers: dev
	$(VENV)/bin/lint-imports

# Our own modules' bytecode and pytest's rewritten test modules are kept too (in
# __pycache__, ignored by git) for the same reason: each worker and started command would
# compile them again (collecting the suite took 30 s instead of 11 s in each worker).
test: lint typecheck layers
	PYTHONDONTWRITEBYTECODE= $(VENV)/bin/pytest $(PYTEST_ARGS)

format: dev
	$(VENV)/bin/ruff format src tests bench scripts
	$(VENV)/bin/ruff check --fix src tests bench scripts

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache

# What a prompt run adds to the provider call (docs/PERFORMANCE.md): the run endpoint on
# PostgreSQL (PROMPTPRO_BENCH_DATABASE_URL, or the server on 127.0.0.1) against the fake
# provider called directly; then the same under 32 clients and a burst of 1,000 streams,
# on PostgreSQL and SQLite (bench/run_load.py). Loopback only, bounded, stops by itself.
bench: install
	$(VENV)/bin/python bench/run_overhead.py
	$(VENV)/bin/python bench/run_load.py

# What a cold load of the library and of a prompt page transfers, and the time to first
# byte (docs/PERFORMANCE.md, "Page weight"): SQLite and the fake provider, loopback only.
bench-pages: install
	$(VENV)/bin/python bench/page_weight.py
