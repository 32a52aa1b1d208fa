# Octoplay's vocabulary. Quick start: `make run`, then `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: install run dev test test-fast lint format local-model bench-completions clean

# Create .venv and install the project with its dev/test extras; quick when nothing changed.
install: $(VENV)/.installed .env

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

# A local .env with DEBUG on and a random SECRET_KEY, made once; real deployments set their own.
.env: | $(VENV)/.installed
	@sed "s|^SECRET_KEY=.*|SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')|" .env.example > .env
	@echo "Created .env for local use (DEBUG on). Edit it to add OCTOPUSX_API_KEY."

# Serve the site on http://$(HOST):$(PORT) (SQLite unless DATABASE_URL says otherwise).
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py welcome --url http://$(HOST):$(PORT)/
	$(VENV)/bin/gunicorn playground.wsgi --config playground/gunicorn.conf.py --bind $(HOST):$(PORT)

# Django's auto-reloading development server, for working on the code.
dev: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite: migrations check, unit/API tests, real-model tier, browser tests.
test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache screenshots
