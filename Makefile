# Gridwalk — `make run` serves the app with the demo district; `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 0.0.0.0
PORT ?= 5000
WORKERS ?= 2
NOTIFY_EVERY ?= 60
GUNICORN := $(VENV)/bin/gunicorn --workers $(WORKERS) --worker-class server.workers.JsonErrorWorker --bind $(HOST):$(PORT) --access-logfile - wsgi:app

.PHONY: run test install pwa migrate seed serve test-python test-pwa bench clean spec mutation mutation-python mutation-pwa

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

# The server alone (a deployment runs the notify-due job as a unit of its own, see docs/DEPLOY.md).
serve: install
	$(GUNICORN)

# The server and, beside it, the due/overdue sweep every NOTIFY_EVERY seconds; both stop together:
# Ctrl-C, SIGTERM to this shell or the server's exit ends both, and the sweep also watches this
# shell's pid in case the shell is killed outright.
run: install pwa seed
	@$(FLASK) notify-due --every $(NOTIFY_EVERY) --parent-pid $$$$ & sweeper=$$!; \
	$(GUNICORN) & server=$$!; \
	trap 'kill $$server $$sweeper 2>/dev/null; wait $$server' INT TERM; \
	trap 'kill $$sweeper 2>/dev/null' EXIT; \
	wait $$server

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

# Mutation testing, slow and so not part of `make test`: mutmut on the Python files a change
# touched (against BASE, default origin/main or the merge base with main) or on MODULES, then
# Stryker on the PWA. It prints each module's score and every surviving mutant with its diff.
# `make mutation MODULES="sync/hlc.py server/services/audit.py"` runs mutmut on those alone.
MODULES ?=
BASE ?=
$(VENV)/.mutation-installed: $(VENV)/.installed
	$(PIP) install -q -e ".[test,mutation]"
	touch $@

mutation-python: $(VENV)/.mutation-installed
	$(VENV)/bin/python bench/mutation.py $(if $(MODULES),--modules $(MODULES)) $(if $(BASE),--base $(BASE))

mutation-pwa: pwa/node_modules/.installed
	npm --prefix pwa run mutation

ifeq ($(strip $(MODULES)),)
mutation: mutation-python mutation-pwa
else
mutation: mutation-python
endif

# Rewrite pwa/src/sync/entities.json from the Python rules (a test fails when it is stale).
spec: install
	$(VENV)/bin/python -m server.spec_document

clean:
	rm -rf $(VENV) pwa/node_modules pwa/dist instance
