# Gridwalk — `make run` serves the app with the demo district; `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 0.0.0.0
PORT ?= 5000
WORKERS ?= 2

.PHONY: run test install pwa migrate seed serve test-python test-pwa bench clean spec

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

pwa/node_modules/.installed: pwa/package.json pwa/package-lock.json
	npm --prefix pwa ci --no-audit --no-fund
	touch $@

pwa: pwa/node_modules/.installed
	npm --prefix pwa run build

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo

serve: install
	$(VENV)/bin/gunicorn --workers $(WORKERS) --worker-class server.workers.JsonErrorWorker --bind $(HOST):$(PORT) --access-logfile - wsgi:app

run: install pwa seed serve

test-pwa: pwa
	npm --prefix pwa test

test-python: install
	$(VENV)/bin/pytest

test: test-pwa test-python

bench: install
	$(VENV)/bin/python bench/sync_bench.py
	$(VENV)/bin/python bench/sync_live_bench.py
	$(VENV)/bin/python bench/photo_bench.py
	$(VENV)/bin/python bench/dedupe_eval.py
	$(VENV)/bin/python bench/candidate_search.py

# Rewrite pwa/src/sync/entities.json from the Python rules (a test fails when it is stale).
spec: install
	$(VENV)/bin/python -m server.spec_document

clean:
	rm -rf $(VENV) pwa/node_modules pwa/dist instance
